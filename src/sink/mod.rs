//! Sinks: where a [`Batch`] goes. [`Sink::Ndjson`] writes the `_bulk` body
//! to a file or standard output (the offline default); the OpenSearch sink
//! sends it to a cluster.

pub mod bulk;
pub mod ndjson;

use std::time::Instant;

pub use bulk::{Action, Batch, Item};
pub use ndjson::NdjsonSink;

/// An item that could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// The event id.
    pub id: String,
    /// The index it was meant for.
    pub index: String,
    /// Why, as OpenSearch or the transport said it.
    pub reason: String,
    /// Its action line and document, to write to a re-drivable `--failed` file.
    pub bytes: Vec<u8>,
}

/// What a sink did with one batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkReport {
    /// Items stored.
    pub indexed: u64,
    /// Items that needed more than one attempt.
    pub retried: u64,
    /// Items not stored, with the reason.
    pub failed: Vec<Failed>,
}

/// A sink failure that concerns the whole sink rather than items.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// Writing the offline output failed.
    #[error("writing the bulk output failed: {0}")]
    Write(#[from] std::io::Error),
}

/// Where batches go.
#[derive(Debug)]
pub enum Sink {
    /// The `_bulk` body to a file or standard output.
    Ndjson(NdjsonSink),
}

impl Sink {
    /// Sends one batch, giving up on what is not stored by `deadline`.
    pub async fn send(&self, batch: Batch, _deadline: Option<Instant>) -> Result<SinkReport, SinkError> {
        match self {
            Sink::Ndjson(s) => s.write(&batch),
        }
    }

    /// Flushes buffered output.
    pub async fn flush(&self) -> Result<(), SinkError> {
        match self {
            Sink::Ndjson(s) => s.flush(),
        }
    }

    /// A short description for summaries (never with credentials).
    pub fn describe(&self) -> String {
        match self {
            Sink::Ndjson(s) => s.describe(),
        }
    }
}
