//! The request id a line carries (SCHEMA.md, `@requestId`).

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The request id of the line. STUB: to be written (issue 3).
pub fn find<'a>(_message: &'a str, _json: Option<&Map<String, Value>>) -> Option<Cow<'a, str>> {
    None
}
