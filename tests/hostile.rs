//! Hostile deliveries, each with its outcome asserted: a clean document set
//! or a clear error naming the delivery and the cause; never a panic, never
//! more memory than `MAX_DECODED_BYTES`; in the replay tool the other files
//! of the run still go through.
//!
//! Covered elsewhere, not repeated here: invalid base64, base64 of non-gzip,
//! a payload over the limit and events that are not an object (handler.rs
//! `undecodable_deliveries_are_invalid_delivery_errors_naming_the_cause`);
//! refusal wording per entry (decode.rs `bad_entries_are_refused_…`).

use std::io::Write as _;

use cwl_trace_bridge::decode::{self, DecodeError, Limits};
use cwl_trace_bridge::lambda::HandlerError;
use lambda_runtime::Diagnostic;
use serde_json::{Value, json};

use crate::handler::{Harness, event, harness, log_line, run};
use crate::support::{TempDir, cli, lambda_event, logs_json};

const GROUP: &str = "/ecs/like-service";
const TS: i64 = 1_543_456_789_000;
const MIB: usize = 1 << 20;

/// Subscription JSON with `events` (raw JSON of the `logEvents` entries).
fn raw_json(events: &str) -> String {
    format!(
        r#"{{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"{GROUP}","logStream":"like/1","subscriptionFilters":["f"],"logEvents":[{events}]}}"#
    )
}

/// A Lambda event whose `awslogs.data` is base64 of exactly `gz`.
fn event_of_gzip(gz: &[u8]) -> String {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(gz);
    format!(r#"{{"awslogs":{{"data":"{data}"}}}}"#)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// `depth` nested objects `{"a":{"a":…1…}}`.
fn nested(depth: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
}

/// The documents of a bulk body, by id.
fn documents(body: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(body).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines
        .chunks(2)
        .map(|pair| {
            assert!(pair[0]["index"].is_object(), "{}", pair[0]);
            pair[1].clone()
        })
        .collect()
}

/// Runs `payload` through the handler; the error, its `Diagnostic`, and the
/// invocation line must agree.
fn invalid(h: &Harness, payload: &str) -> String {
    let e = run(h, event(payload)).unwrap_err();
    assert!(matches!(e, HandlerError::InvalidDelivery(_)), "{e:?}");
    let d = Diagnostic::from(e);
    assert_eq!(d.error_type, "InvalidDelivery");
    let line = log_line(h);
    assert_eq!(line["errorType"], "InvalidDelivery");
    assert_eq!(line["requestId"], "8f5a3b1e-0000-4000-8000-000000000001");
    assert_eq!(line["error"], d.error_message.as_str());
    assert!(h.body.take().is_empty(), "nothing sent for {payload:.80}");
    d.error_message
}

// ---- a gzip bomb, built in the test ----

/// A gzip bomb of `mib` MiB of zeros: one member whose deflate stream is a
/// compressed 16 MiB segment (and one of the remainder) repeated, each
/// closed by a full flush so that every copy is the same bytes. The CRC is
/// combined, not computed over the inflated data: the bomb is valid gzip.
/// Returns the bytes and the inflated size.
pub fn gzip_bomb(mib: usize) -> (Vec<u8>, u64) {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    fn segment(c: &mut Compress, data: &[u8], flush: FlushCompress) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() / 900 + 64);
        let start = c.total_in();
        loop {
            out.reserve(4096);
            let done = (c.total_in() - start) as usize;
            c.compress_vec(&data[done..], &mut out, flush).unwrap();
            let done = (c.total_in() - start) as usize;
            if done == data.len() && out.len() < out.capacity() {
                return out;
            }
        }
    }
    let big = vec![0u8; 16 * MIB];
    let mut c = Compress::new(Compression::best(), false);
    let seg16 = segment(&mut c, &big, FlushCompress::Full);
    assert_eq!(
        segment(&mut c, &big, FlushCompress::Full),
        seg16,
        "a full flush makes every segment the same bytes"
    );
    let mut crc16 = Crc::new();
    crc16.update(&big);
    let rest = vec![0u8; (mib % 16) * MIB];
    let seg_rest = segment(&mut c, &rest, FlushCompress::Full);
    let fin = segment(&mut c, &[], FlushCompress::Finish);
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff];
    let mut crc = Crc::new();
    for _ in 0..mib / 16 {
        gz.extend_from_slice(&seg16);
        crc.combine(&crc16);
    }
    let mut crc_rest = Crc::new();
    crc_rest.update(&rest);
    gz.extend_from_slice(&seg_rest);
    crc.combine(&crc_rest);
    gz.extend_from_slice(&fin);
    gz.extend_from_slice(&crc.sum().to_le_bytes());
    gz.extend_from_slice(&(crc.amount()).to_le_bytes());
    (gz, (mib * MIB) as u64)
}

#[test]
fn the_bomb_is_real_gzip_of_what_it_claims() {
    // A small one, inflated whole with a limit above it.
    let (gz, size) = gzip_bomb(17);
    let out = decode::gunzip(
        &gz,
        Limits {
            max_decoded_bytes: 17 * MIB,
        },
    )
    .unwrap();
    assert_eq!(out.len() as u64, size);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn a_gzip_bomb_is_refused_at_the_limit_holding_at_most_the_limit() {
    // 1025 MiB of zeros (past 1 GiB) in 1,045,147 bytes (under 1 MiB):
    // 1028:1, deflate's best is 1032:1.
    let (gz, inflated) = gzip_bomb(1025);
    println!("gzip bomb: {} bytes compressed, {inflated} inflated", gz.len());
    assert!(gz.len() < MIB, "{} bytes", gz.len());
    assert!(inflated > 1 << 30);

    // The Lambda, default limit (64 MiB): a clear error, no documents.
    let h = harness(&[]);
    let msg = invalid(&h, &event_of_gzip(&gz));
    assert_eq!(
        msg,
        "undecodable delivery: inflated payload exceeds the limit of 67108864 bytes"
    );

    // The limit holds to the byte, and the output never grows past it.
    let limit = |n| Limits { max_decoded_bytes: n };
    let (gz16, _) = gzip_bomb(16);
    let out = decode::gunzip(&gz16, limit(16 * MIB)).unwrap();
    assert_eq!(out.len(), 16 * MIB);
    assert!(out.capacity() <= 16 * MIB, "capacity {}", out.capacity());
    assert!(matches!(
        decode::gunzip(&gz16, limit(16 * MIB - 1)),
        Err(DecodeError::TooLarge { what: "inflated payload", limit }) if limit == 16 * MIB - 1
    ));
    // The base64 text is measured before it is decoded.
    let data = event_of_gzip(&gz);
    let v: Value = serde_json::from_str(&data).unwrap();
    assert!(matches!(
        decode::decode_data(v["awslogs"]["data"].as_str().unwrap(), limit(MIB / 2)),
        Err(DecodeError::TooLarge {
            what: "awslogs.data",
            ..
        })
    ));
}

#[test]
fn a_gzip_bomb_costs_the_lambda_process_at_most_the_limit() {
    use crate::lambda_loop::{Function, RuntimeApi};
    // The real binary, its peak resident memory (Linux VmHWM) read after the
    // bomb is refused: the limit (64 MiB) and the process's own ~20 MB, far
    // from the 1 GiB the bomb inflates to.
    let (gz, _) = gzip_bomb(1025);
    let api = RuntimeApi::start();
    api.push("bomb", &event_of_gzip(&gz));
    let f = Function::spawn(&api, &[("DRY_RUN", "true")]);
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/invocation/bomb/error");
    assert_eq!(post.json()["errorType"], "InvalidDelivery");
    assert_eq!(
        post.json()["errorMessage"],
        "undecodable delivery: inflated payload exceeds the limit of 67108864 bytes"
    );
    let Some(peak_kb) = f.peak_rss_kb() else {
        return; // no /proc: nothing to measure
    };
    println!("gzip bomb: peak RSS of cwl-bridge-lambda {peak_kb} kB");
    assert!(peak_kb < 160 * 1024, "peak RSS {peak_kb} kB");
}

// ---- deliveries that cannot be read: InvalidDelivery naming the cause ----

#[test]
fn unreadable_deliveries_are_invalid_delivery_errors_naming_the_cause() {
    let good = raw_json(&format!(r#"{{"id":"1","timestamp":{TS},"message":"hi"}}"#));
    let gz = gzip(good.as_bytes());
    let deep = raw_json(&format!(
        r#"{{"id":"1","timestamp":{TS},"message":"x","extractedFields":{}}}"#,
        nested(10_000)
    ));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated gzip",
            event_of_gzip(&gz[..gz.len() / 2]),
            "undecodable delivery: payload is not valid gzip after ",
        ),
        (
            "gzip without its trailer",
            event_of_gzip(&gz[..gz.len() - 8]),
            "undecodable delivery: payload is not valid gzip after ",
        ),
        (
            "gzip of text",
            event_of_gzip(&gzip(b"hello, not JSON")),
            "undecodable delivery: payload is not CloudWatch Logs subscription JSON at line 1 column 1: expected value",
        ),
        (
            "no logEvents",
            lambda_event(br#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s"}"#),
            "undecodable delivery: payload is not CloudWatch Logs subscription JSON at line 1 column 73: missing field `logEvents`",
        ),
        (
            "no messageType",
            lambda_event(br#"{"owner":"1","logGroup":"g","logStream":"s","logEvents":[]}"#),
            "missing field `messageType`",
        ),
        (
            "logEvents an object",
            lambda_event(br#"{"messageType":"DATA_MESSAGE","logEvents":{}}"#),
            "at line 1 column 42: invalid type: map, expected a sequence",
        ),
        (
            "logGroup a number",
            lambda_event(br#"{"messageType":"DATA_MESSAGE","logGroup":5,"logEvents":[]}"#),
            "at line 1 column 42: invalid type: integer `5`, expected a string",
        ),
        (
            "an entry that is not an object",
            lambda_event(br#"{"messageType":"DATA_MESSAGE","logEvents":["x"]}"#),
            "invalid type: string \"x\", expected struct WireEvent",
        ),
        (
            "unknown messageType",
            lambda_event(br#"{"messageType":"DATA","logEvents":[]}"#),
            "undecodable delivery: unknown messageType \"DATA\" (expected DATA_MESSAGE or CONTROL_MESSAGE)",
        ),
        (
            "an escape JSON does not have",
            lambda_event(
                br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"\x41"}]}"#,
            ),
            "invalid escape",
        ),
        (
            "a truncated \\u escape",
            lambda_event(
                br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"\u12"}]}"#,
            ),
            "invalid escape",
        ),
        (
            "10,000-deep JSON in the delivery",
            lambda_event(deep.as_bytes()),
            "recursion limit exceeded",
        ),
    ];
    for (name, payload, want) in cases {
        let h = harness(&[]);
        let msg = invalid(&h, &payload);
        assert!(msg.contains(want), "{name}: {msg}");
    }
}

// ---- deliveries with hostile content: documents ----

#[test]
fn lone_surrogates_and_invalid_utf8_are_replaced_and_the_events_kept() {
    let mut json = raw_json(&format!(
        concat!(
            r#"{{"id":"1","timestamp":{ts},"message":"lone \ud800 high"}},"#,
            r#"{{"id":"2","timestamp":{ts},"message":"lone \udfff low, pair \ud83d\ude00"}},"#,
            r#"{{"id":"3","timestamp":{ts},"message":"escaped \\ud800 stays text"}},"#,
            r#"{{"id":"4","timestamp":{ts},"message":"raw XX byte"}}"#
        ),
        ts = TS
    ))
    .into_bytes();
    // Two bytes that are not UTF-8 in the fourth message.
    let at = json.windows(2).position(|w| w == b"XX").unwrap();
    json[at] = 0xff;
    json[at + 1] = 0xc3;
    let h = harness(&[]);
    let s = run(&h, event(&lambda_event(&json))).unwrap();
    assert_eq!((s.events, s.documents, s.refused), (4, 4, 0));
    let messages: Vec<Value> = documents(&h.body.take())
        .iter()
        .map(|d| d["@message"].clone())
        .collect();
    assert_eq!(
        messages,
        [
            "lone \u{fffd} high",
            "lone \u{fffd} low, pair \u{1f600}",
            "escaped \\ud800 stays text",
            "raw \u{fffd}\u{fffd} byte"
        ]
    );
}

#[test]
fn a_message_of_10000_nested_objects_is_kept_as_text() {
    let msg = nested(10_000);
    let h = harness(&[]);
    let payload = lambda_event(&logs_json(GROUP, "like/1", &[("1", TS, &msg)]));
    let s = run(&h, event(&payload)).unwrap();
    assert_eq!(s.documents, 1);
    let docs = documents(&h.body.take());
    assert_eq!(docs[0]["@message"], msg.as_str());
    // Deeper than serde_json's 128 levels: no JSON members, not an error.
    assert!(docs[0].get("a").is_none());
    assert!(docs[0].get("@json").is_none());
}

#[test]
fn a_one_megabyte_message_is_one_document() {
    let msg = format!("WARN: {}", "x".repeat(MIB));
    let h = harness(&[]);
    let payload = lambda_event(&logs_json(GROUP, "like/1", &[("big", TS, &msg)]));
    let s = run(&h, event(&payload)).unwrap();
    assert_eq!((s.documents, s.indexed), (1, 1));
    let docs = documents(&h.body.take());
    assert_eq!(docs[0]["@message"].as_str().map(str::len), Some(msg.len()));
    assert_eq!(docs[0]["@level"], "WARN");
}

#[test]
fn twenty_thousand_events_give_twenty_thousand_documents() {
    let events: Vec<(String, i64, String)> = (0..20_000)
        .map(|i| (format!("{i:056}"), TS + i, format!("GET /like/{i} 200")))
        .collect();
    let refs: Vec<(&str, i64, &str)> = events
        .iter()
        .map(|(a, b, c)| (a.as_str(), *b, c.as_str()))
        .collect();
    let h = harness(&[]);
    let s = run(&h, event(&lambda_event(&logs_json(GROUP, "like/1", &refs)))).unwrap();
    assert_eq!(
        (s.events, s.documents, s.indexed, s.failed),
        (20_000, 20_000, 20_000, 0)
    );
    let docs = documents(&h.body.take());
    let ids: Vec<&str> = docs.iter().map(|d| d["@id"].as_str().unwrap()).collect();
    let want: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(ids, want);
}

#[test]
fn duplicate_ids_give_one_document_the_later_one() {
    let h = harness(&[]);
    let payload = lambda_event(&logs_json(
        GROUP,
        "like/1",
        &[
            ("a", TS, "first"),
            ("b", TS, "other"),
            ("a", TS + 1, "second"),
            ("a", TS + 2, "third"),
        ],
    ));
    let s = run(&h, event(&payload)).unwrap();
    assert_eq!((s.events, s.documents, s.indexed), (4, 2, 2));
    let got: Vec<(Value, Value)> = documents(&h.body.take())
        .into_iter()
        .map(|d| (d["@id"].clone(), d["@message"].clone()))
        .collect();
    assert_eq!(got, [(json!("b"), json!("other")), (json!("a"), json!("third"))]);
}

#[test]
fn events_without_id_or_with_impossible_timestamps_are_refused_by_name() {
    let json = raw_json(&format!(
        concat!(
            r#"{{"id":"ok","timestamp":{ts},"message":"fine"}},"#,
            r#"{{"id":"neg","timestamp":-1,"message":"before 1970"}},"#,
            r#"{{"id":"y10k","timestamp":253402300800000,"message":"year 10000"}},"#,
            r#"{{"timestamp":{ts},"message":"no id"}},"#,
            r#"{{"id":"","timestamp":{ts},"message":"empty id"}},"#,
            r#"{{"id":"huge","timestamp":1e300,"message":"far"}},"#,
            r#"{{"id":"last","timestamp":253402300799999,"message":"the last millisecond of 9999"}}"#
        ),
        ts = TS
    ));
    let h = harness(&[]);
    let e = run(&h, event(&lambda_event(json.as_bytes()))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "5 log events refused (the other events were indexed): \
         /ecs/like-service like/1: event 1 (id neg): timestamp -1 is outside the years 1970-9999; \
         /ecs/like-service like/1: event 2 (id y10k): timestamp 253402300800000 is outside the years 1970-9999; \
         /ecs/like-service like/1: event 3: no id; and 2 more"
    );
    assert_eq!(e.error_type(), "RefusedEvents");
    let line = log_line(&h);
    assert_eq!(
        (
            line["events"].as_u64(),
            line["indexed"].as_u64(),
            line["refused"].as_u64()
        ),
        (Some(7), Some(2), Some(5))
    );
    let docs = documents(&h.body.take());
    let ids: Vec<&str> = docs.iter().map(|d| d["@id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ok", "last"]);
    assert_eq!(docs[1]["@timestamp"], "9999-12-31T23:59:59.999Z");
}

// ---- the replay tool: bad files named, the others go through ----

#[test]
fn replay_names_every_hostile_file_and_the_others_go_through() {
    let dir = TempDir::new("hostile-replay");
    let w = |name: &str, bytes: &[u8]| std::fs::write(dir.path(name), bytes).unwrap();
    let good = |id: &str, msg: &str| lambda_event(&logs_json(GROUP, "like/1", &[(id, TS, msg)]));
    let gz = gzip(raw_json(&format!(r#"{{"id":"1","timestamp":{TS},"message":"hi"}}"#)).as_bytes());
    let (bomb, _) = gzip_bomb(1025);

    w(
        "a-good.json",
        good("good-a", "WARN: stress function activated").as_bytes(),
    );
    w("b-bad-base64.json", br#"{"awslogs":{"data":"!!!not base64"}}"#);
    w("c-not-gzip.json", br#"{"awslogs":{"data":"aGVsbG8gd29ybGQ="}}"#);
    w("d-truncated.gz", &gz[..gz.len() / 2]);
    w("e-gzip-of-text.json", event_of_gzip(&gzip(b"hello")).as_bytes());
    w(
        "f-no-log-events.json",
        br#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s"}"#,
    );
    w("g-unknown-type.json", br#"{"messageType":"NOPE","logEvents":[]}"#);
    w("h-bomb.json", event_of_gzip(&bomb).as_bytes());
    w("i-bomb.gz", &bomb);
    w(
        "j-surrogate.json",
        raw_json(&format!(
            r#"{{"id":"sur","timestamp":{TS},"message":"x \ud800 y"}}"#
        ))
        .as_bytes(),
    );
    w(
        "k-refused.json",
        raw_json(&format!(
            r#"{{"id":"kept","timestamp":{TS},"message":"ok"}},{{"id":"neg","timestamp":-5,"message":"no"}}"#
        ))
        .as_bytes(),
    );
    w(
        "l-deep.json",
        raw_json(&format!(
            r#"{{"id":"1","timestamp":1,"message":"x","extractedFields":{}}}"#,
            nested(10_000)
        ))
        .as_bytes(),
    );
    w(
        "m-truncated.json",
        &raw_json(r#"{"id":"1","timestamp":1,"message":"x"}"#).as_bytes()[..60],
    );
    let lines = format!(
        "{}\n{{\"awslogs\":{{\"data\n{}\n",
        good("nd-1", "line one"),
        good("nd-3", "line three")
    );
    w("n-lines.ndjson", lines.as_bytes());
    w("z-good.json", good("good-z", "INFO last file").as_bytes());

    let out = cli(&["replay", dir.0.to_str().unwrap()]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    let p = |name: &str| dir.path(name).display().to_string();
    for (file, cause) in [
        ("b-bad-base64.json", "awslogs.data is not valid base64"),
        (
            "c-not-gzip.json",
            "payload is not valid gzip after 0 inflated bytes",
        ),
        (
            "d-truncated.gz",
            "payload is not valid gzip after 54 inflated bytes: incomplete deflate stream",
        ),
        (
            "e-gzip-of-text.json",
            "payload is not CloudWatch Logs subscription JSON at line 1 column 1: expected value",
        ),
        (
            "f-no-log-events.json",
            "payload is not CloudWatch Logs subscription JSON: missing field `logEvents`",
        ),
        ("g-unknown-type.json", "unknown messageType \"NOPE\""),
        (
            "h-bomb.json",
            "inflated payload exceeds the limit of 67108864 bytes",
        ),
        (
            "i-bomb.gz",
            "inflated payload exceeds the limit of 67108864 bytes",
        ),
        (
            "k-refused.json",
            "/ecs/like-service like/1: event 1 (id neg): timestamp -5 is outside the years 1970-9999",
        ),
        (
            "l-deep.json",
            "not valid JSON: recursion limit exceeded at line 1 column 823",
        ),
        (
            "m-truncated.json",
            "not valid JSON: EOF while parsing a string at line 1 column 60",
        ),
        (
            "n-lines.ndjson: line 2",
            "not valid JSON: control character (\\u0000-\\u001F) found while parsing a string at line 3 column 0",
        ),
    ] {
        let want = format!("{}: {cause}", p(file));
        assert!(err.contains(&want), "{want}\nnot in:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    let docs = documents(&out.stdout);
    let ids: Vec<&str> = docs.iter().map(|d| d["@id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["good-a", "sur", "kept", "nd-1", "nd-3", "good-z"]);
    assert_eq!(docs[1]["@message"], "x \u{fffd} y");
    assert!(
        err.contains("15 files, 6 deliveries (0 control skipped), 7 events -> 6 documents"),
        "{err}"
    );
}

#[test]
fn a_file_of_ten_thousand_deliveries_and_one_of_ten_thousand_streams() {
    // Both were quadratic once (line numbers counted from the file's start
    // for every value; a linear search per event for its stream): minutes.
    let dir = TempDir::new("hostile-many");
    let mut ndjson = String::new();
    let mut flat = String::new();
    for i in 0..10_000 {
        let json = logs_json(GROUP, &format!("s{i}"), &[(&format!("n{i}"), TS + i, "INFO x")]);
        ndjson.push_str(&lambda_event(&json));
        ndjson.push('\n');
        let event = json!({"logGroup": GROUP, "logStream": format!("s{i}"), "id": format!("f{i}"), "timestamp": TS + i, "message": "INFO y"});
        flat.push_str(&event.to_string());
        flat.push('\n');
    }
    std::fs::write(dir.path("events.ndjson"), ndjson).unwrap();
    std::fs::write(dir.path("flat.jsonl"), flat).unwrap();
    let (body, stats) = crate::support::replay_paths(std::slice::from_ref(&dir.0));
    assert!(stats.errors.is_empty(), "{:?}", stats.errors.first());
    assert_eq!(
        (stats.deliveries, stats.events, stats.documents),
        (20_000, 20_000, 20_000)
    );
    let docs = documents(&body);
    assert_eq!(docs[0]["@id"], "n0");
    assert_eq!(docs[9_999]["@id"], "n9999");
    assert_eq!(docs[10_000]["@log_stream"], "s0");
    assert_eq!(docs[19_999]["@id"], "f9999");
}
