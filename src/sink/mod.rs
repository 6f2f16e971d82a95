//! Sinks: where a [`Batch`] goes. [`Sink::Ndjson`] writes the `_bulk` body
//! to a file or standard output (the offline default); [`Sink::OpenSearch`]
//! sends it to a cluster ([`opensearch`]).

pub mod bulk;
pub mod ndjson;
pub mod opensearch;
pub mod retry;
pub mod template;
pub mod transport;

use std::time::Instant;

pub use bulk::{Action, Batch, Item};
pub use ndjson::NdjsonSink;
pub use opensearch::OpenSearchSink;

use crate::config::Config;

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
    /// `update` items whose document is not there (404
    /// `document_missing_exception`): the earlier delivery that should have
    /// stored it failed and will be re-driven, and joined then. Not failures.
    pub skipped: u64,
    /// Documents stored without their merged JSON members (with
    /// `@indexError`) after a mapping refusal; also counted in `indexed`.
    pub fallbacks: u64,
    /// Things worth telling that are not item failures (the index template
    /// could not be installed, …).
    pub warnings: Vec<String>,
}

/// A sink failure that concerns the whole sink rather than items.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// Writing the offline output failed.
    #[error("writing the bulk output failed: {0}")]
    Write(#[from] std::io::Error),
    /// [`Sink::from_config`] was asked for OpenSearch without an endpoint.
    #[error("no OpenSearch endpoint configured (OPENSEARCH_ENDPOINT)")]
    NotConfigured,
    /// The HTTP client could not be built.
    #[error("cannot build the OpenSearch client: {0}")]
    Client(String),
    /// OpenSearch refused the credentials or their permissions (401, 403).
    #[error("OpenSearch refused the request with {status}: {reason}")]
    Auth {
        /// 401 or 403.
        status: u16,
        /// What OpenSearch said (never the credentials).
        reason: String,
    },
    /// No AWS credentials could be had, or a request could not be signed.
    #[error("cannot sign for OpenSearch: {0}")]
    Credentials(String),
}

/// Where batches go.
#[derive(Debug)]
pub enum Sink {
    /// The `_bulk` body to a file or standard output.
    Ndjson(NdjsonSink),
    /// `_bulk` requests to an OpenSearch cluster.
    OpenSearch(Box<OpenSearchSink>),
}

impl Sink {
    /// The OpenSearch sink of `cfg`: builds the HTTP client once (rustls,
    /// the AWS credential chain for SigV4) and sends nothing yet; the index
    /// template is installed with the first batch. Without
    /// `cfg.opensearch` this is [`SinkError::NotConfigured`]: the caller
    /// chooses the offline sink itself.
    pub async fn from_config(cfg: &Config) -> Result<Sink, SinkError> {
        let os = cfg.opensearch.as_ref().ok_or(SinkError::NotConfigured)?;
        let sink = OpenSearchSink::new(os, &cfg.render.index_prefix, None).await?;
        Ok(Sink::OpenSearch(Box::new(sink)))
    }

    /// Sends one batch, giving up on what is not stored by `deadline`.
    pub async fn send(&self, batch: Batch, deadline: Option<Instant>) -> Result<SinkReport, SinkError> {
        match self {
            Sink::Ndjson(s) => s.write(&batch),
            Sink::OpenSearch(s) => s.send(batch, deadline).await,
        }
    }

    /// Flushes buffered output.
    pub async fn flush(&self) -> Result<(), SinkError> {
        match self {
            Sink::Ndjson(s) => s.flush(),
            Sink::OpenSearch(_) => Ok(()),
        }
    }

    /// A short description for summaries (never with credentials).
    pub fn describe(&self) -> String {
        match self {
            Sink::Ndjson(s) => s.describe(),
            Sink::OpenSearch(s) => s.describe(),
        }
    }
}
