//! The level a line's own header states (SCHEMA.md, "Levels").

use serde_json::{Map, Value};

/// The normalised levels of `@level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// `TRACE`
    Trace,
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARN`
    Warn,
    /// `ERROR`
    Error,
    /// `FATAL`
    Fatal,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// The value written into `@level`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// The level of a line: from its JSON members when it is a JSON record,
/// else from its text header. STUB: to be written (issue 3).
pub fn detect(_message: &str, _json: Option<&Map<String, Value>>) -> Option<Level> {
    None
}
