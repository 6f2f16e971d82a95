//! How the fuzz targets turn their bytes into inputs. Shared by the targets
//! (nightly, `fuzz_checks::framing`) and by `tests/fuzz_regressions.rs`
//! (stable, through `#[path]`), so a kept input reproduces exactly what the
//! fuzzer ran.

use cwl_trace_bridge::decode::{self, LogEvent, LogsData, MessageType};

/// The log groups a `parse_line` selector below 0x80 picks from.
pub const GROUPS: &[&str] = &[
    "/aws/lambda/orders",
    "/ecs/like-service",
    "/aws/ecs/cart/api",
    "/aws/eks/prod/containers",
    "/aws/lambda/us-east-1.edge-auth",
    "like-service",
    "/aws/apigateway/welcome",
    "",
    "/",
    "/aws/lambda/",
];

/// A `parse_line` input as (log group, message): a selector byte below
/// 0x80 picks a group from [`GROUPS`]; otherwise the group is the text up to
/// the first `\n` and the message the rest. `None` for no bytes or bytes
/// that are not UTF-8.
pub fn parse_line_input(data: &[u8]) -> Option<(&str, &str)> {
    let (&selector, rest) = data.split_first()?;
    let rest = std::str::from_utf8(rest).ok()?;
    Some(if selector < 0x80 {
        (GROUPS[selector as usize % GROUPS.len()], rest)
    } else {
        rest.split_once('\n').unwrap_or((rest, ""))
    })
}

/// A `delivery` input: subscription JSON, else UTF-8 text as one event per
/// line; `None` for anything else.
pub fn delivery_input(bytes: &[u8]) -> Option<LogsData<'_>> {
    match decode::parse_json(bytes) {
        Ok(d) => Some(d),
        Err(_) => std::str::from_utf8(bytes).ok().map(lines_delivery),
    }
}

/// A delivery with one event per line of `text`.
pub fn lines_delivery(text: &str) -> LogsData<'_> {
    let events = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| LogEvent {
            id: format!("{:056}", 38_000_000 + i).into(),
            timestamp: 1_732_541_400_000 + i as i64,
            message: line.into(),
            message_json: None,
            extracted_fields: None,
        })
        .collect();
    LogsData {
        message_type: MessageType::Data,
        owner: "123456789012".into(),
        log_group: "/aws/lambda/fuzz".into(),
        log_stream: "2024/11/25/[$LATEST]0123456789abcdef0123456789abcdef".into(),
        subscription_filters: vec!["all".into()],
        events,
        refused: Vec::new(),
        duplicates: 0,
    }
}
