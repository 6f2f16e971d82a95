//! `cwl-bridge`: the command line of cwl-trace-bridge.
//!
//! `cwl-bridge replay PATH…` runs the Lambda's pipeline over files and
//! writes the `_bulk` body it would send (or indexes into OpenSearch).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::pipeline::Pipeline;
use cwl_trace_bridge::replay::{self, TextOptions};
use cwl_trace_bridge::sink::{NdjsonSink, Sink, SinkError};

#[derive(Parser)]
#[command(
    name = "cwl-bridge",
    version,
    about = "CloudWatch Logs to OpenSearch, every line linked to its trace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the pipeline over fixture logs or saved deliveries.
    Replay(ReplayArgs),
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// Files or directories (read recursively, in sorted order).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write the _bulk body here instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Log group for plain-text files and CLI output (default replay/<file name>).
    #[arg(long)]
    log_group: Option<String>,
    /// Log stream for plain-text files (default the file name).
    #[arg(long)]
    log_stream: Option<String>,
    /// Account id written as @owner for plain-text files and CLI output.
    #[arg(long)]
    owner: Option<String>,
    /// Drop the leading timestamp of each text line (CloudWatch export format).
    #[arg(long)]
    strip_timestamp: bool,
    /// Index prefix [env: INDEX_PREFIX] (default cwl).
    #[arg(long)]
    index_prefix: Option<String>,
    /// One index per log group [env: INDEX_PER_LOG_GROUP].
    #[arg(long)]
    index_per_log_group: bool,
    /// JSON members: merge, nest or off [env: JSON_MODE].
    #[arg(long, value_name = "MODE")]
    json: Option<String>,
    /// An extra marker, NAME=REGEX; repeat for more [env: MARKERS].
    #[arg(long, value_name = "NAME=REGEX")]
    marker: Vec<String>,
    /// Extra markers from a JSON file {"name": ["regex", ...]}.
    #[arg(long, value_name = "FILE")]
    markers_file: Option<PathBuf>,
    /// Drop the default markers [env: MARKERS_DEFAULTS=false].
    #[arg(long)]
    no_default_markers: bool,
    /// Merge continuation lines of log groups matching REGEX [env: MULTILINE_LOG_GROUPS].
    #[arg(long, value_name = "REGEX")]
    multiline_log_groups: Option<String>,
    /// Most bytes one delivery may inflate to [env: MAX_DECODED_BYTES].
    #[arg(long, value_name = "BYTES")]
    max_decoded_bytes: Option<u64>,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay(args) => match replay_cmd(args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("cwl-bridge: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

fn settings(args: &ReplayArgs) -> anyhow::Result<Settings> {
    let mut s = Settings::from_lookup(|k| std::env::var(k).ok());
    if let Some(p) = &args.index_prefix {
        s.set("INDEX_PREFIX", p);
    }
    if args.index_per_log_group {
        s.set("INDEX_PER_LOG_GROUP", "true");
    }
    if let Some(j) = &args.json {
        s.set("JSON_MODE", j);
    }
    if args.no_default_markers {
        s.set("MARKERS_DEFAULTS", "false");
    }
    if let Some(m) = &args.multiline_log_groups {
        s.set("MULTILINE_LOG_GROUPS", m);
    }
    if let Some(n) = args.max_decoded_bytes {
        s.set("MAX_DECODED_BYTES", n.to_string());
    }
    let mut markers = serde_json::Map::new();
    if let Some(env) = s.get("MARKERS") {
        for (name, pats) in
            cwl_trace_bridge::config::parse_marker_json(env).map_err(|e| anyhow::anyhow!("MARKERS: {e}"))?
        {
            markers.insert(name, pats.into());
        }
    }
    if let Some(file) = &args.markers_file {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        for (name, pats) in cwl_trace_bridge::config::parse_marker_json(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
        {
            markers.insert(name, pats.into());
        }
    }
    for m in &args.marker {
        let (name, re) = m
            .split_once('=')
            .with_context(|| format!("--marker {m:?}: expected NAME=REGEX"))?;
        let slot = markers
            .entry(name.to_string())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if let Some(list) = slot.as_array_mut() {
            list.push(re.into());
        }
    }
    if !markers.is_empty() {
        s.set("MARKERS", serde_json::Value::Object(markers).to_string());
    }
    Ok(s)
}

fn replay_cmd(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let config = Config::from_settings(&settings(&args)?)?;
    let sink = match &args.out {
        Some(path) => {
            Sink::Ndjson(NdjsonSink::create(path).with_context(|| format!("creating {}", path.display()))?)
        }
        None => Sink::Ndjson(NdjsonSink::stdout()),
    };
    let opts = TextOptions {
        log_group: args.log_group.clone(),
        log_stream: args.log_stream.clone(),
        owner: args.owner.clone(),
        strip_timestamp: args.strip_timestamp,
    };
    let pipeline = Pipeline::new(config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last = started;
    let result = runtime.block_on(replay::run(
        &pipeline,
        &sink,
        &args.paths,
        &opts,
        |done, total, stats| {
            if show_progress
                && started.elapsed() > Duration::from_secs(1)
                && last.elapsed() > Duration::from_millis(200)
            {
                last = Instant::now();
                eprint!(
                    "\r{done}/{total} files, {} events, {} documents ",
                    stats.events, stats.documents
                );
            }
        },
    ));
    if show_progress && started.elapsed() > Duration::from_secs(1) {
        eprint!("\r\x1b[K");
    }
    let stats = match result {
        Ok(stats) => stats,
        // The reader of standard output went away (`| head`): not an error.
        Err(SinkError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e.into()),
    };
    if !args.quiet {
        eprint!("{}", stats.summary(&sink.describe()));
        eprintln!("done in {:.2}s", started.elapsed().as_secs_f64());
    }
    Ok(
        if stats.errors.is_empty() && stats.failed == 0 && stats.refused == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
