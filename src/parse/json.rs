//! The JSON object of a message, found as the console's "Stream to
//! OpenSearch" function finds it: the text from the first `{` to the end of
//! the message, when that whole text is one JSON object.

use serde_json::{Map, Value};

/// The members of the JSON object that runs from the first `{` of `message`
/// to its end, or `None`.
pub fn extract_object(message: &str) -> Option<Map<String, Value>> {
    let start = memchr::memchr(b'{', message.as_bytes())?;
    let tail = message[start..].trim_end_matches([' ', '\t', '\r', '\n']);
    if !tail.ends_with('}') {
        return None;
    }
    match serde_json::from_str::<Value>(tail) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_text_from_the_first_brace() {
        let m = extract_object(r#"2024-01-01 INFO {"a":1,"b":{"c":"d"}}"#).unwrap();
        assert_eq!(m["a"], 1);
        assert_eq!(m["b"]["c"], "d");
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
