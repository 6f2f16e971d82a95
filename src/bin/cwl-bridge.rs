//! `cwl-bridge`: the command line of cwl-trace-bridge.
//!
//! `cwl-bridge replay PATH…` runs the Lambda's pipeline over files and
//! writes the `_bulk` body it would send (or indexes into OpenSearch).
//! `cwl-bridge trace ID PATH…` and `cwl-bridge report PATH…` show the
//! documents of files or of OpenSearch (`investigate`).
//! `cwl-bridge dashboards` writes or imports the Dashboards saved objects
//! (`cwl_trace_bridge::dashboards`).

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::investigate::{self, cmd::Source};
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

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the pipeline over fixture logs or saved deliveries.
    Replay(ReplayArgs),
    /// Every line of one trace, in time order across log groups (files or --opensearch).
    Trace(TraceArgs),
    /// Levels and markers per log group, top messages, HTTP statuses, traces with WARN/chaos/errors.
    Report(ReportArgs),
    /// OpenSearch Dashboards saved objects (index pattern with trace links, searches, dashboard): write or import them.
    Dashboards(DashboardsArgs),
}

#[derive(clap::Args)]
struct DashboardsArgs {
    /// Write the saved-objects NDJSON here (default: standard output, unless --install).
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Import them into this Dashboards (https://host[:port][/base]; Amazon OpenSearch Service: https://DOMAIN/_dashboards), overwriting.
    #[arg(long, value_name = "URL")]
    install: Option<String>,
    /// AWS region of the X-Ray console links [env: AWS_REGION] (default: the --install host's).
    #[arg(long)]
    region: Option<String>,
    /// Index prefix: the index pattern is PREFIX-* [env: INDEX_PREFIX] (default cwl).
    #[arg(long)]
    index_prefix: Option<String>,
    /// Security plugin tenant to import into (e.g. global; default: the user's own default).
    #[arg(long)]
    tenant: Option<String>,
    #[command(flatten)]
    auth: AuthArgs,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// Files or directories (read recursively, in sorted order).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write the _bulk body here instead of standard output.
    #[arg(long, short, conflicts_with = "opensearch")]
    out: Option<PathBuf>,
    #[command(flatten)]
    connect: ConnectArgs,
    /// Do not install the index template [env: OPENSEARCH_INDEX_TEMPLATE=false].
    #[arg(long)]
    no_index_template: bool,
    /// Send no _id (Serverless time-series collections; re-sends may duplicate) [env: OPENSEARCH_SEND_IDS=false].
    #[arg(long)]
    no_ids: bool,
    /// Write the documents not indexed here, as a _bulk body this tool can re-drive.
    #[arg(long, value_name = "FILE")]
    failed: Option<PathBuf>,
    /// Give up on what is not indexed after this many seconds (then --failed, exit 1).
    #[arg(long, value_name = "SECS")]
    deadline: Option<f64>,
    /// Most bytes of one _bulk request [env: BULK_MAX_BYTES] (default 5 MiB).
    #[arg(long, value_name = "N")]
    bulk_max_bytes: Option<u64>,
    /// _bulk requests in flight at once [env: BULK_CONCURRENCY] (default 3).
    #[arg(long, value_name = "N")]
    concurrency: Option<u64>,
    /// JSON members: merge, nest or off [env: JSON_MODE].
    #[arg(long, value_name = "MODE")]
    json: Option<String>,
    #[command(flatten)]
    pipeline: PipelineArgs,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct TraceArgs {
    /// The trace: 1-5759e988-bd862e3fe1be46a994272793, 32 hex digits (any case), or Root=1-….
    trace_id: String,
    /// Files or directories to run the pipeline over; none with --opensearch.
    paths: Vec<PathBuf>,
    /// The whole @message of each line, not its first line.
    #[arg(long)]
    full: bool,
    #[command(flatten)]
    view: ViewArgs,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Files or directories to run the pipeline over; none with --opensearch.
    paths: Vec<PathBuf>,
    /// The report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Traces listed.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Messages listed per marker.
    #[arg(long, value_name = "N", default_value_t = 5)]
    top_messages: usize,
    /// Only lines from this time on: 2024-11-25T10:00:00Z, 2024-11-25, or before now: 30m, 1h, 2d.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only lines before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    #[command(flatten)]
    view: ViewArgs,
}

/// Where `trace` and `report` read documents: the pipeline over files, or
/// OpenSearch.
#[derive(clap::Args)]
struct ViewArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// With OpenSearch: read at most this many documents.
    #[arg(long, value_name = "N", default_value_t = cwl_trace_bridge::investigate::cmd::DEFAULT_MAX_DOCS)]
    max_docs: usize,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

impl ViewArgs {
    fn source(&self, paths: &[PathBuf]) -> anyhow::Result<Source> {
        let mut s = Settings::from_lookup(|k| std::env::var(k).ok());
        if !paths.is_empty() {
            if self.connect.opensearch.is_some() {
                anyhow::bail!("give files (PATH…) or --opensearch URL, not both");
            }
            // Files win over an endpoint from the environment.
            s.set("OPENSEARCH_ENDPOINT", "");
        }
        self.connect.apply(&mut s);
        self.pipeline.apply(&mut s)?;
        let config = Config::from_settings(&s)?;
        if !paths.is_empty() {
            return Ok(Source::Files {
                config: Box::new(config),
                paths: paths.to_vec(),
                text: self.pipeline.text_options(),
            });
        }
        let prefix = config.render.index_prefix.clone();
        match config.opensearch {
            Some(os) => Ok(Source::OpenSearch {
                config: Box::new(os),
                prefix,
                max_docs: self.max_docs,
            }),
            None => anyhow::bail!(
                "nothing to read: give files (PATH…) or --opensearch URL (or OPENSEARCH_ENDPOINT)"
            ),
        }
    }
}

/// Where OpenSearch is and how to authenticate: shared by every command
/// that talks to it.
#[derive(clap::Args)]
struct ConnectArgs {
    /// The OpenSearch cluster, https://host[:port] [env: OPENSEARCH_ENDPOINT].
    #[arg(long, value_name = "URL")]
    opensearch: Option<String>,
    #[command(flatten)]
    auth: AuthArgs,
}

impl ConnectArgs {
    fn apply(&self, s: &mut Settings) {
        if let Some(u) = &self.opensearch {
            s.set("OPENSEARCH_ENDPOINT", u);
        }
        self.auth.apply(s);
    }
}

/// How to authenticate to OpenSearch or Dashboards, wherever it is.
#[derive(clap::Args)]
struct AuthArgs {
    /// none, basic (OPENSEARCH_USERNAME / OPENSEARCH_PASSWORD[_FILE]) or sigv4 (AWS credential chain) [env: OPENSEARCH_AUTH].
    #[arg(long, value_name = "AUTH")]
    auth: Option<String>,
    /// SigV4 service: es (managed domain) or aoss (Serverless) [env: OPENSEARCH_SERVICE].
    #[arg(long, value_name = "SERVICE")]
    service: Option<String>,
    /// Skip TLS certificate verification (self-signed test clusters only) [env: OPENSEARCH_INSECURE].
    #[arg(long)]
    insecure: bool,
}

impl AuthArgs {
    fn apply(&self, s: &mut Settings) {
        if let Some(a) = &self.auth {
            s.set("OPENSEARCH_AUTH", a);
        }
        if let Some(v) = &self.service {
            s.set("OPENSEARCH_SERVICE", v);
        }
        if self.insecure {
            s.set("OPENSEARCH_INSECURE", "true");
        }
    }
}

/// How inputs are read and lines understood: shared by every command that
/// runs the pipeline over files.
#[derive(clap::Args)]
struct PipelineArgs {
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
}

impl PipelineArgs {
    fn text_options(&self) -> TextOptions {
        TextOptions {
            log_group: self.log_group.clone(),
            log_stream: self.log_stream.clone(),
            owner: self.owner.clone(),
            strip_timestamp: self.strip_timestamp,
        }
    }

    fn apply(&self, s: &mut Settings) -> anyhow::Result<()> {
        if let Some(p) = &self.index_prefix {
            s.set("INDEX_PREFIX", p);
        }
        if self.index_per_log_group {
            s.set("INDEX_PER_LOG_GROUP", "true");
        }
        if self.no_default_markers {
            s.set("MARKERS_DEFAULTS", "false");
        }
        if let Some(m) = &self.multiline_log_groups {
            s.set("MULTILINE_LOG_GROUPS", m);
        }
        if let Some(n) = self.max_decoded_bytes {
            s.set("MAX_DECODED_BYTES", n.to_string());
        }
        let mut markers = serde_json::Map::new();
        if let Some(env) = s.get("MARKERS") {
            for (name, pats) in cwl_trace_bridge::config::parse_marker_json(env)
                .map_err(|e| anyhow::anyhow!("MARKERS: {e}"))?
            {
                markers.insert(name, pats.into());
            }
        }
        if let Some(file) = &self.markers_file {
            let text =
                std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            for (name, pats) in cwl_trace_bridge::config::parse_marker_json(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
            {
                markers.insert(name, pats.into());
            }
        }
        for m in &self.marker {
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
        Ok(())
    }
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
        Command::Trace(args) => view(trace_cmd(args)),
        Command::Report(args) => view(report_cmd(args)),
        Command::Dashboards(args) => match dashboards_cmd(args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("cwl-bridge: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

fn dashboards_cmd(args: DashboardsArgs) -> anyhow::Result<ExitCode> {
    use cwl_trace_bridge::dashboards::{self, InstallError};
    let mut s = Settings::from_lookup(|k| std::env::var(k).ok());
    args.auth.apply(&mut s);
    s.set("OPENSEARCH_ENDPOINT", args.install.clone().unwrap_or_default());
    if let Some(p) = &args.index_prefix {
        s.set("INDEX_PREFIX", p);
    }
    if let Some(r) = &args.region {
        s.set("AWS_REGION", r);
    }
    let config = Config::from_settings(&s)?;
    let region = dashboards::resolve_region(s.get("AWS_REGION"), args.install.as_deref())
        .map_err(anyhow::Error::msg)?;
    let opts = dashboards::Options {
        index_prefix: config.render.index_prefix.clone(),
        region,
    };
    let objects = dashboards::objects(&opts);
    let ndjson = dashboards::ndjson(&opts);
    match (&args.out, &args.install) {
        (Some(path), _) => {
            std::fs::write(path, &ndjson).with_context(|| format!("writing {}", path.display()))?;
            if !args.quiet {
                eprintln!("wrote {} to {}", dashboards::describe(&objects), path.display());
            }
        }
        (None, None) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(ndjson.as_bytes()).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(e).context("writing standard output");
                }
                _ => {}
            }
        }
        (None, Some(_)) => {}
    }
    let (Some(url), Some(os)) = (&args.install, &config.opensearch) else {
        return Ok(ExitCode::SUCCESS);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async {
        let transport = cwl_trace_bridge::sink::transport::Transport::new(os, None)
            .await
            .map_err(InstallError::Request)?;
        dashboards::install(&transport, &ndjson, args.tenant.as_deref(), os.request_timeout).await
    });
    match result {
        Ok(done) => {
            if !args.quiet {
                eprintln!(
                    "imported {} of {} into {url} (overwrite): open Dashboards > Dashboards > {}",
                    done.success_count,
                    dashboards::describe(&objects),
                    objects
                        .last()
                        .and_then(|d| d["attributes"]["title"].as_str())
                        .unwrap_or("the dashboard")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(InstallError::Objects {
            success_count,
            errors,
        }) => {
            for e in &errors {
                eprintln!("cwl-bridge: not imported: {e}");
            }
            eprintln!(
                "cwl-bridge: import into {url}: {} objects not imported, {success_count} imported",
                errors.len()
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e @ InstallError::Auth { .. }) => {
            eprintln!("cwl-bridge: import into {url}: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => {
            eprintln!("cwl-bridge: import into {url}: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Prints a view's outcome; an error is exit status 2.
fn view(result: anyhow::Result<investigate::cmd::Outcome>) -> ExitCode {
    match result {
        Ok(out) => {
            for line in &out.stderr {
                eprintln!("cwl-bridge: {line}");
            }
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(out.stdout.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("cwl-bridge: writing standard output: {e}");
                    ExitCode::from(2)
                }
                _ => ExitCode::from(out.code),
            }
        }
        Err(e) => {
            eprintln!("cwl-bridge: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn view_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn trace_cmd(args: TraceArgs) -> anyhow::Result<investigate::cmd::Outcome> {
    let t = investigate::parse_trace_arg(&args.trace_id).map_err(anyhow::Error::msg)?;
    let source = args.view.source(&args.paths)?;
    Ok(view_runtime()?.block_on(investigate::cmd::trace(&source, t, args.full))?)
}

fn report_cmd(args: ReportArgs) -> anyhow::Result<investigate::cmd::Outcome> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let when = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
        v.as_deref()
            .map(|s| investigate::parse_when(s, now).map_err(|e| anyhow::anyhow!("--{flag} {e}")))
            .transpose()
    };
    let window = investigate::Window {
        since: when("since", &args.since)?,
        until: when("until", &args.until)?,
    };
    let source = args.view.source(&args.paths)?;
    let opts = investigate::report::Options {
        top_traces: args.top,
        top_messages: args.top_messages,
    };
    Ok(view_runtime()?.block_on(investigate::cmd::report(&source, window, opts, args.json))?)
}

fn settings(args: &ReplayArgs) -> anyhow::Result<Settings> {
    let mut s = Settings::from_lookup(|k| std::env::var(k).ok());
    args.connect.apply(&mut s);
    if args.no_index_template {
        s.set("OPENSEARCH_INDEX_TEMPLATE", "false");
    }
    if args.no_ids {
        s.set("OPENSEARCH_SEND_IDS", "false");
    }
    if let Some(n) = args.bulk_max_bytes {
        s.set("BULK_MAX_BYTES", n.to_string());
    }
    if let Some(n) = args.concurrency {
        s.set("BULK_CONCURRENCY", n.to_string());
    }
    if let Some(j) = &args.json {
        s.set("JSON_MODE", j);
    }
    if args.out.is_some() {
        // An explicit file wins over an endpoint from the environment.
        s.set("OPENSEARCH_ENDPOINT", "");
    }
    args.pipeline.apply(&mut s)?;
    Ok(s)
}

fn replay_cmd(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let config = Config::from_settings(&settings(&args)?)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let deadline = match args.deadline {
        Some(secs) if secs.is_finite() && secs >= 0.0 => Some(Instant::now() + Duration::from_secs_f64(secs)),
        Some(secs) => anyhow::bail!("--deadline {secs}: expected a number of seconds"),
        None => None,
    };
    let sink = match (&args.out, &config.opensearch) {
        (Some(path), _) => {
            Sink::Ndjson(NdjsonSink::create(path).with_context(|| format!("creating {}", path.display()))?)
        }
        (None, Some(_)) => runtime.block_on(Sink::from_config(&config))?,
        (None, None) => Sink::Ndjson(NdjsonSink::stdout()),
    };
    if args.failed.is_some() && !matches!(sink, Sink::OpenSearch(_)) {
        anyhow::bail!("--failed needs OpenSearch (--opensearch URL or OPENSEARCH_ENDPOINT)");
    }
    let mut warnings: Vec<String> = Vec::new();
    if let Sink::OpenSearch(os) = &sink
        && let Some(w) = runtime.block_on(os.ensure_template(deadline))
    {
        eprintln!("cwl-bridge: warning: {w}");
        warnings.push(w);
    }
    let mut failed_out = match &args.failed {
        Some(path) => Some(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };
    let mut failed_write: Option<std::io::Error> = None;
    let mut failed_count = 0u64;
    let opts = args.pipeline.text_options();
    let pipeline = Pipeline::new(config);
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last = started;
    let result = runtime.block_on(replay::run_with(
        &pipeline,
        &sink,
        &args.paths,
        &opts,
        deadline,
        |_label, report| {
            for w in &report.warnings {
                if !warnings.contains(w) {
                    eprintln!("cwl-bridge: warning: {w}");
                    warnings.push(w.clone());
                }
            }
            if let Some(out) = failed_out.as_mut() {
                for f in &report.failed {
                    failed_count += 1;
                    if failed_write.is_none()
                        && let Err(e) = out.write_all(&f.bytes)
                    {
                        failed_write = Some(e);
                    }
                }
            }
        },
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
    if let (Some(path), Some(mut out)) = (&args.failed, failed_out) {
        if let Some(e) = failed_write {
            return Err(e).with_context(|| format!("writing {}", path.display()));
        }
        out.flush()
            .with_context(|| format!("writing {}", path.display()))?;
        if failed_count > 0 {
            eprintln!(
                "cwl-bridge: {failed_count} documents not indexed written to {} (re-drive: cwl-bridge replay {} --opensearch URL)",
                path.display(),
                path.display()
            );
        }
    }
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
