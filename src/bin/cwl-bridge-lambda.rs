//! `cwl-bridge-lambda`: the AWS Lambda entry of cwl-trace-bridge (custom
//! runtime, `provided.al2023`). STUB: the handler is finished in the Lambda
//! issue; this runs the pipeline with the offline sink.

use cwl_trace_bridge::config::Config;
use cwl_trace_bridge::pipeline::Pipeline;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = Config::from_env()?;
    let pipeline = Pipeline::new(config);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let pipeline = &pipeline;
        async move {
            let bytes = serde_json::to_vec(&event.payload)?;
            let prepared = pipeline.prepare_event(&bytes)?;
            Ok::<Value, Error>(serde_json::json!({ "documents": prepared.stats.documents }))
        }
    }))
    .await
}
