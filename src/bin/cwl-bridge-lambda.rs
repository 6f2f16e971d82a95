//! `cwl-bridge-lambda`: the AWS Lambda entry of cwl-trace-bridge (custom
//! runtime `provided.al2023`, deployed as `bootstrap`). The work is in
//! [`cwl_trace_bridge::lambda`]; this wires it to the Runtime API.

use std::process::ExitCode;

use cwl_trace_bridge::lambda::{self, State};
use lambda_runtime::tracing::{self, subscriber::filter::LevelFilter};
use lambda_runtime::{Diagnostic, service_fn};

// One thread: the work per delivery is sequential, and the sink's requests
// in flight are I/O; a worker pool would only cost start-up time and memory.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // JSON lines for the runtime's and the sink's own messages.
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG"));
    let level = level
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(LevelFilter::INFO);
    let json = tracing::subscriber::fmt()
        .json()
        .without_time()
        .with_target(false);
    json.with_max_level(level).init();

    let state = match State::init().await {
        Ok(state) => state,
        Err(e) => {
            let diagnostic = Diagnostic::from(&e);
            tracing::error!(error_type = %diagnostic.error_type, "{e}");
            if let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API")
                && let Err(report) = lambda::report_init_error(&api, &diagnostic).await
            {
                tracing::error!("could not report the init error: {report}");
            }
            return ExitCode::FAILURE;
        }
    };
    match lambda_runtime::run(service_fn(|event| lambda::handle(&state, event))).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("the Lambda runtime stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
