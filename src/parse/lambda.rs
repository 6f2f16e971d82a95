//! Lambda platform lines: `START`, `END`, `REPORT`, `INIT_START`, … in the
//! text format, and `platform.*` records of the JSON log format.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::Report;

/// `@type` and REPORT metrics. STUB: to be written (issue 3).
pub fn platform<'a>(_message: &'a str, _json: Option<&Map<String, Value>>) -> (Option<Cow<'a, str>>, Report) {
    (None, Report::default())
}
