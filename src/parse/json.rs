//! The JSON object of a message, found as the console's "Stream to
//! OpenSearch" function finds it: the text from the first `{` to the end of
//! the message, when that whole text is one JSON object.

use std::borrow::Cow;

use super::bytes;

pub use crate::rawjson::{Members, Raw};

/// `s` without blanks at its ends, still borrowed when it was.
pub fn trimmed(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(bytes::trim(b)),
        Cow::Owned(o) if bytes::trim(&o).len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_owned()),
    }
}

/// The members of the JSON object that runs from the first `{` of `message`
/// to its end, or `None`. They borrow from `message`: nothing is decoded
/// until an extractor asks for a value.
pub fn extract_object(message: &str) -> Option<Members<'_>> {
    // The end first: most lines do not end in `}`, and that costs no search.
    let text = message.trim_end_matches([' ', '\t', '\r', '\n']);
    if !text.ends_with('}') {
        return None;
    }
    let start = memchr::memchr(b'{', text.as_bytes())?;
    Members::parse(&text[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_text_from_the_first_brace() {
        let m = extract_object(r#"2024-01-01 INFO {"a":1,"b":{"c":"d"}}"#).unwrap();
        assert_eq!(m.get("a"), Some(Raw::Num("1")));
        let b = m.get("b").and_then(Raw::as_object).unwrap();
        assert_eq!(b.get("c").and_then(Raw::as_str).as_deref(), Some("d"));
    }

    #[test]
    fn a_first_brace_that_does_not_start_the_object_means_no_json() {
        // The console function tries only the first `{`.
        assert!(extract_object(r#"user {id} sent {"a":1}"#).is_none());
    }

    #[test]
    fn trailing_newline_is_allowed_and_trailing_text_is_not() {
        assert!(extract_object("{\"a\":1}\r\n").is_some());
        assert!(extract_object(r#"{"a":1} trailing"#).is_none());
        assert!(extract_object("no braces").is_none());
        assert!(extract_object("{}").is_some_and(|m| m.is_empty()));
    }
}
