//! `cwl-bridge trace` and `cwl-bridge report` without their flags: where the
//! documents come from, what goes to standard output and error, and the exit
//! status. The binary only parses the command line into a [`Source`].

use std::path::PathBuf;

use super::report::{self, Report};
use super::search::{self, Search, SearchError};
use super::{Doc, Window, collect, trace};
use crate::config::{Config, OpenSearchConfig};
use crate::parse::TraceId;
use crate::pipeline::Pipeline;
use crate::replay::TextOptions;
use crate::timefmt::Utc;

/// Default of `--max-docs`.
pub const DEFAULT_MAX_DOCS: usize = 100_000;
/// Input errors shown on standard error before "… and N more".
const ERRORS_SHOWN: usize = 20;

/// Where the documents come from.
#[derive(Debug)]
pub enum Source {
    /// The pipeline over files, as `cwl-bridge replay` runs it.
    Files {
        /// The pipeline's configuration.
        config: Box<Config>,
        /// Files and directories.
        paths: Vec<PathBuf>,
        /// How text inputs are named.
        text: TextOptions,
    },
    /// `<prefix>-*` of a cluster.
    OpenSearch {
        /// The cluster.
        config: Box<OpenSearchConfig>,
        /// The index prefix.
        prefix: String,
        /// Most documents read.
        max_docs: usize,
    },
}

/// What a command prints and its exit status.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Lines for standard error.
    pub stderr: Vec<String>,
    /// 0 found and read everything; 1 nothing found, or some input could not be read.
    pub code: u8,
}

/// A command that could not run (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// OpenSearch.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// Writing the offline body failed (cannot happen in memory, but the sink says it may).
    #[error(transparent)]
    Sink(#[from] crate::sink::SinkError),
}

struct Loaded {
    docs: Vec<Doc>,
    source: String,
    matched: Option<u64>,
    capped: bool,
    warnings: Vec<String>,
    failed_inputs: bool,
}

async fn load(src: &Source, query: impl FnOnce() -> serde_json::Value) -> Result<Loaded, CmdError> {
    match src {
        Source::Files { config, paths, text } => {
            let pipeline = Pipeline::new((**config).clone());
            let c = collect(&pipeline, paths, text).await?;
            let mut warnings: Vec<String> = c.stats.errors.iter().take(ERRORS_SHOWN).cloned().collect();
            if c.stats.errors.len() > ERRORS_SHOWN {
                warnings.push(format!(
                    "… and {} more input errors",
                    c.stats.errors.len() - ERRORS_SHOWN
                ));
            }
            Ok(Loaded {
                source: format!(
                    "{} file{} ({} events)",
                    c.stats.files,
                    if c.stats.files == 1 { "" } else { "s" },
                    c.stats.events
                ),
                docs: c.docs,
                matched: None,
                capped: false,
                failed_inputs: !c.stats.errors.is_empty() || c.stats.refused > 0,
                warnings,
            })
        }
        Source::OpenSearch {
            config,
            prefix,
            max_docs,
        } => {
            let s = Search::new(config, prefix).await?;
            let f = s.fetch(&query(), *max_docs).await?;
            let mut warnings = Vec::new();
            if f.capped {
                warnings.push(format!(
                    "read the first {} of {}{} matching documents (--max-docs {max_docs})",
                    f.docs.len(),
                    if f.total_is_lower_bound { "at least " } else { "" },
                    f.total
                ));
            }
            Ok(Loaded {
                docs: f.docs,
                source: s.describe(),
                matched: Some(f.total),
                capped: f.capped,
                warnings,
                failed_inputs: false,
            })
        }
    }
}

/// `cwl-bridge trace`: every line of trace `t`, or exit status 1 when there is none.
pub async fn trace(src: &Source, t: TraceId, full: bool) -> Result<Outcome, CmdError> {
    let loaded = load(src, || search::trace_query(t)).await?;
    let lines = trace::lines_of(&loaded.docs, t);
    let mut out = Outcome {
        stderr: loaded.warnings.clone(),
        code: u8::from(loaded.failed_inputs),
        ..Outcome::default()
    };
    if lines.is_empty() {
        let searched = match src {
            Source::Files { .. } => loaded.docs.len() as u64,
            Source::OpenSearch { config, prefix, .. } => {
                Search::new(config, prefix)
                    .await?
                    .count(&serde_json::json!({"match_all": {}}))
                    .await?
            }
        };
        out.stderr.push(format!(
            "no line of trace {} in {searched} documents of {}",
            t.xray(),
            loaded.source
        ));
        out.code = 1;
        return Ok(out);
    }
    out.stdout = trace::render(t, &lines, full);
    Ok(out)
}

/// `cwl-bridge report`: the report of the documents in `window`, as text or JSON.
pub async fn report(
    src: &Source,
    window: Window,
    opts: report::Options,
    json: bool,
) -> Result<Outcome, CmdError> {
    let mut loaded = load(src, || search::window_query(window)).await?;
    if !window.is_all() {
        // Offline the pipeline read everything; OpenSearch did this already.
        loaded.docs.retain(|d| window.contains(d.timestamp));
    }
    let mut r: Report = report::build(&loaded.docs, opts);
    r.source = loaded.source;
    r.matched = loaded.matched;
    r.capped = loaded.capped;
    r.since = window.since.map(|ms| Utc::from_millis(ms).iso_string());
    r.until = window.until.map(|ms| Utc::from_millis(ms).iso_string());
    let stdout = if json {
        let mut s = serde_json::to_string_pretty(&r.json()).unwrap_or_default();
        s.push('\n');
        s
    } else {
        r.text()
    };
    Ok(Outcome {
        stdout,
        stderr: loaded.warnings,
        code: u8::from(loaded.failed_inputs),
    })
}
