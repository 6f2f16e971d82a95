//! cwl-trace-bridge: CloudWatch Logs subscription deliveries into
//! OpenSearch, every line with its level, markers, request and trace.
//!
//! The pipeline has five stages, each a module that uses only the ones
//! before it:
//!
//! 1. [`decode`]: `{"awslogs":{"data":…}}` → bounded base64 and gunzip →
//!    [`decode::LogsData`].
//! 2. [`parse`]: each message → [`parse::Line`] (level, markers, request id,
//!    trace id, platform metrics, access-log fields, JSON members).
//! 3. [`join`]: lines without a trace take their request's trace.
//! 4. [`render`]: documents of `SCHEMA.md`, written into a `_bulk`
//!    [`sink::Batch`].
//! 5. [`sink`]: the batch to OpenSearch, or to a file (offline output).
//!
//! [`pipeline::Pipeline`] runs stages 1–4 for the Lambda and the replay
//! tool alike; [`config::Config`] is validated once at start-up.
//! [`dashboards`] builds the OpenSearch Dashboards saved objects that make
//! the documents' trace ids links, and imports them.
//!
//! ```
//! use cwl_trace_bridge::{config::{Config, Settings}, decode, pipeline::Pipeline};
//!
//! let json = br#"{"messageType":"DATA_MESSAGE","owner":"123456789012",
//!   "logGroup":"/ecs/like-service","logStream":"ecs/like/1","subscriptionFilters":[],
//!   "logEvents":[{"id":"1","timestamp":1543456789000,"message":"WARN: stress function activated"}]}"#;
//! let event = decode::encode_event(json);
//! let pipeline = Pipeline::new(Config::from_settings(&Settings::default())?);
//! let prepared = pipeline.prepare_event(event.as_bytes())?;
//! let body = String::from_utf8(prepared.batch.body)?;
//! assert!(body.starts_with(r#"{"index":{"_index":"cwl-2018.11.29","_id":"1"}}"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod config;
pub mod dashboards;
pub mod decode;
pub mod fields;
pub mod investigate;
pub mod join;
pub mod lambda;
pub mod multiline;
pub mod parse;
pub mod pipeline;
pub mod rawjson;
pub mod render;
pub mod replay;
pub mod sink;
pub mod stats;
pub mod timefmt;
