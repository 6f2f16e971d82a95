//! Multi-line merging (opt-in per log group): consecutive events of one
//! stream that continue a record become one document (SCHEMA.md,
//! "Multi-line merging").

use crate::decode::LogEvent;

/// Events after merging, each with the ids of the events merged into it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merged {
    /// The records, in order.
    pub events: Vec<LogEvent>,
    /// Per record, the ids of the continuation events merged into it.
    pub merged_ids: Vec<Vec<String>>,
}

/// Merges continuation events into the record they continue.
/// STUB: to be written (issue 3); merges nothing yet.
pub fn merge(events: Vec<LogEvent>) -> Merged {
    let n = events.len();
    Merged {
        events,
        merged_ids: vec![Vec::new(); n],
    }
}
