//! Differential tests of [`super::parse_json`]'s fast path: on every
//! fixture delivery and on generated ones (escapes spelled several ways,
//! unicode, unknown members, members in any order, and now and then one
//! defect that must send it to serde), the result is serde's, and a
//! document rendered from the verbatim message text reads as the same
//! document.

use std::fmt::Write as _;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::config::{Config, Settings};
use crate::pipeline::Pipeline;
use crate::replay::{self, Unit};

/// `parse_json` and the serde path agree (data or error), and the fast
/// path's `message_json` spells each message.
fn agree(json: &[u8]) -> Option<LogsData<'_>> {
    let fast = parse_well_formed(json);
    let serde = parse_json_serde(json).map_err(|e| e.to_string());
    match &fast {
        Some(d) => {
            assert_eq!(Ok(d), serde.as_ref(), "{}", String::from_utf8_lossy(json));
            for e in &d.events {
                let raw = e.message_json.expect("the fast path keeps message_json");
                let back: String = serde_json::from_str(&format!("\"{raw}\"")).unwrap();
                assert_eq!(back, e.message);
            }
        }
        None => {
            let whole = parse_json(json).map_err(|e| e.to_string());
            assert_eq!(whole, serde, "{}", String::from_utf8_lossy(json));
        }
    }
    fast
}

/// The `_bulk` bodies of both paths read as the same JSON, line by line.
fn same_documents(fast: LogsData<'_>, serde: LogsData<'_>) {
    let config = Config::from_settings(&Settings::default()).unwrap();
    let a = Pipeline::new(config.clone()).prepare(fast).batch.body;
    let b = Pipeline::new(config).prepare(serde).batch.body;
    let lines = |body: &[u8]| -> Vec<Value> {
        body.split(|c| *c == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect()
    };
    assert_eq!(lines(&a), lines(&b));
}

#[test]
fn every_fixture_delivery_reads_the_same_on_both_paths() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (files, errors) = replay::collect_files(&[root]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut fast_deliveries = 0;
    for file in files {
        let inputs = replay::read_file(&file, &replay::TextOptions::default(), Limits::default()).unwrap();
        for input in inputs {
            let json = match input.unit {
                Ok(Unit::Data(d)) => inflate_data(&d, Limits::default()).unwrap(),
                Ok(Unit::Gzip(gz)) => gunzip(&gz, Limits::default()).unwrap(),
                Ok(Unit::Json(v)) => serde_json::to_vec(&v).unwrap(),
                Ok(Unit::JsonText(t)) => t,
                _ => continue,
            };
            let label = &input.label;
            let control = parse_json_serde(&json).unwrap().message_type == MessageType::Control;
            match agree(&json) {
                Some(fast) => {
                    fast_deliveries += 1;
                    same_documents(fast, parse_json_serde(&json).unwrap());
                }
                // The health check's entry has an empty id.
                None => assert!(control, "{label}: a fixture delivery left the fast path"),
            }
        }
    }
    assert!(fast_deliveries >= 8, "only {fast_deliveries} fixture deliveries");
}

#[test]
fn what_serde_refuses_or_repairs_is_left_to_serde() {
    let delivery = |events: &str| {
        format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":[{events}]}}"#
        )
    };
    let left = [
        delivery(r#"{"id":"1","timestamp":1,"message":"a","id":"2"}"#),
        delivery(r#"{"id":"","timestamp":1,"message":"a"}"#),
        delivery(r#"{"id":"1","timestamp":1.0,"message":"a"}"#),
        delivery(r#"{"id":"1","timestamp":-0,"message":"a"}"#),
        delivery(r#"{"id":"1","timestamp":1,"message":"a\ud800"}"#),
        delivery(r#"{"id":"1","timestamp":1,"message":"a","extractedFields":[]}"#),
        delivery(r#"{"id":"1","timestamp":1,"message":"a","extractedFields":null,"extractedFields":null}"#),
        delivery(r#"{"id":"1","timestamp":1}"#),
        delivery(r#"[]"#).replace(r#""owner":"1""#, r#""owner":"1","owner":"2""#),
        delivery(r#"5"#),
        delivery(r#"{"id":"1","timestamp":1,"message":"a"}"#) + " x",
        delivery(r#"{"id":"1","timestamp":1,"message":"b"}"#) + "\u{0}",
        r#"{"messageType":"NOPE","logEvents":[]}"#.to_string(),
        r#"{"logEvents":[]}"#.to_string(),
        r#"{"messageType":"DATA_MESSAGE"}"#.to_string(),
    ];
    for json in &left {
        assert!(agree(json.as_bytes()).is_none(), "{json}");
    }
    let mut bad_utf8 = delivery(r#"{"id":"1","timestamp":1,"message":"x"}"#).into_bytes();
    let at = bad_utf8.iter().rposition(|c| *c == b'x').unwrap();
    bad_utf8[at] = 0xff;
    assert!(agree(&bad_utf8).is_none());
    // Escaped member names are names all the same.
    let escaped = delivery(r#"{"\u0069d":"1","timestamp":1,"m\u0065ssage":"a\/b","other":[1,{"x":null}]}"#);
    let d = agree(escaped.as_bytes()).unwrap();
    assert_eq!((&*d.events[0].id, &*d.events[0].message), ("1", "a/b"));
    assert_eq!(d.events[0].message_json, Some(r"a\/b"));
}

/// A string as JSON: serde's spelling, every non-alphanumeric character as
/// `\uXXXX` (upper or lower case hex), or with `/` escaped.
fn spell(s: &str, style: u8) -> String {
    match style % 4 {
        0 => serde_json::to_string(s).unwrap(),
        1 | 2 => {
            let mut o = String::from("\"");
            for c in s.chars() {
                if c.is_ascii_alphanumeric() || c == ' ' {
                    o.push(c);
                } else {
                    for u in c.encode_utf16(&mut [0u16; 2]) {
                        if style % 4 == 1 {
                            let _ = write!(o, "\\u{u:04X}");
                        } else {
                            let _ = write!(o, "\\u{u:04x}");
                        }
                    }
                }
            }
            o.push('"');
            o
        }
        _ => serde_json::to_string(s).unwrap().replace('/', "\\/"),
    }
}

/// A member name as JSON, its first letter escaped when `style` is odd.
fn name(n: &str, style: u8) -> String {
    match n.chars().next() {
        Some(c) if style % 2 == 1 => format!("\"\\u{:04x}{}\"", u32::from(c), &n[1..]),
        _ => format!("\"{n}\""),
    }
}

/// The members in an order picked by `seed` (a seeded Fisher-Yates).
fn object(mut members: Vec<(String, String)>, seed: u64, blanks: bool) -> String {
    let mut state = seed | 1;
    for i in (1..members.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        members.swap(i, (state >> 33) as usize % (i + 1));
    }
    let sep = if blanks { " , " } else { "," };
    let body: Vec<String> = members
        .into_iter()
        .map(|(k, v)| {
            if blanks {
                format!("{k} :\n{v}")
            } else {
                format!("{k}:{v}")
            }
        })
        .collect();
    if blanks {
        format!("{{ {} }}", body.join(sep))
    } else {
        format!("{{{}}}", body.join(sep))
    }
}

/// One event's members; `defect` (rarely nonzero) makes it one serde refuses
/// or repairs.
#[derive(Debug, Clone)]
struct GenEvent {
    id: String,
    timestamp: i64,
    message: String,
    extracted: Option<Value>,
    unknown: Option<Value>,
    style: u8,
    seed: u64,
    defect: u8,
}

fn gen_event() -> impl Strategy<Value = GenEvent> {
    (
        prop_oneof!["[0-9]{1,4}", "[a-zA-Z0-9/é😀\"\\\\ -]{1,8}"],
        0i64..=MAX_TIMESTAMP_MS,
        prop_oneof![
            any::<String>(),
            "[ -~\n\t\r\u{1}\u{7f}\u{e9}\u{2028}\u{1f600}/\\\\\"]{0,40}",
            Just(String::new()),
        ],
        prop::option::of(prop_oneof![
            Just(json!({"a": "1", "b": "x\"y", "c": [1, 2.5, null]})),
            Just(json!({})),
            Just(Value::Null),
        ]),
        prop::option::of(prop_oneof![
            Just(json!(null)),
            Just(json!([1, {"id": "nested"}, "s"])),
            Just(json!("unknown \u{1f600}")),
        ]),
        any::<u8>(),
        any::<u64>(),
        prop_oneof![8 => Just(0u8), 1 => 1u8..=8],
    )
        .prop_map(
            |(id, timestamp, message, extracted, unknown, style, seed, defect)| GenEvent {
                id,
                timestamp,
                message,
                extracted,
                unknown,
                style,
                seed,
                defect,
            },
        )
}

fn event_json(e: &GenEvent) -> String {
    let mut m = vec![
        (name("id", e.style / 4), spell(&e.id, e.style)),
        (name("timestamp", e.style / 4), e.timestamp.to_string()),
        (name("message", e.style / 4), spell(&e.message, e.style / 2)),
    ];
    if let Some(x) = &e.extracted {
        m.push((name("extractedFields", e.style / 4), x.to_string()));
    }
    if let Some(u) = &e.unknown {
        m.push(("\"ingestionTime\"".into(), u.to_string()));
    }
    match e.defect {
        1 => m[0].1 = "\"\"".into(),
        2 => m[1].1 = "-5".into(),
        3 => m[1].1 = format!("{}.0", e.timestamp),
        4 => m[2].1 = "null".into(),
        5 => m.push(("\"id\"".into(), "\"again\"".into())),
        6 => m[2].1 = "\"lone \\udc00\"".into(),
        7 => m.push(("\"extractedFields\"".into(), "[]".into())),
        8 => {
            m.remove(2);
        }
        _ => {}
    }
    object(m, e.seed, e.style.is_multiple_of(3))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_deliveries_read_the_same_on_both_paths(
        events in prop::collection::vec(gen_event(), 0..12),
        group in "[a-z/_-]{1,12}|\\PC{0,6}",
        filters in prop::collection::vec("\\PC{0,6}", 0..3),
        seed in any::<u64>(),
        style in any::<u8>(),
        extra in prop::option::of(prop_oneof![Just(json!({"k": [1, 2]})), Just(json!(7.5)), Just(json!(true))]),
    ) {
        let list: Vec<String> = events.iter().map(event_json).collect();
        let mut members = vec![
            ("\"messageType\"".to_string(), "\"DATA_MESSAGE\"".to_string()),
            ("\"owner\"".into(), spell("123456789012", style)),
            (name("logGroup", style / 4), spell(&group, style)),
            (name("logStream", style / 8), spell("ecs/like/1", style / 2)),
            ("\"subscriptionFilters\"".into(), format!("[{}]", filters.iter().map(|f| spell(f, style)).collect::<Vec<_>>().join(","))),
            ("\"logEvents\"".into(), format!("[{}]", list.join(","))),
        ];
        if let Some(x) = &extra {
            members.push(("\"policyLevel\"".into(), x.to_string()));
        }
        let json = object(members, seed, style.is_multiple_of(5));
        let fast = agree(json.as_bytes());
        let defective = events.iter().any(|e| e.defect != 0);
        prop_assert_eq!(fast.is_some(), !defective, "{}", json);
        if let Some(fast) = fast {
            same_documents(fast, parse_json_serde(json.as_bytes()).unwrap());
        }
    }
}

#[test]
fn short_digits_read_what_the_reader_and_parse_read() {
    for t in [
        "0",
        "7",
        "01",
        "00",
        "0.5",
        "123",
        "1543456789000",
        "253402300799999",
        "253402300800000",
        "999999999999999999",
        "1000000000000000000",
        "9223372036854775807",
        "9223372036854775808",
        "-5",
        "1.0",
        "1e3",
        "1E3",
        "12a",
        "1,",
        "1}",
        "",
        "x",
    ]
    .into_iter()
    .map(String::from)
    .chain((1..=20).flat_map(|n| {
        let digits: String = (0..n).map(|i| char::from(b"9876543210"[i % 10])).collect();
        ["", ",", "}", ".5", "e1", "0", " "].map(|after| format!("{digits}{after}"))
    })) {
        let t = t.as_str();
        let got = short_digits(t.as_bytes());
        let mut r = Reader::new(t);
        let old = match r.value() {
            Some(Raw::Num(n)) if n.bytes().all(|c| c.is_ascii_digit()) => {
                n.parse::<i64>().ok().map(|v| (v, r.offset()))
            }
            _ => None,
        };
        if let Some(got) = got {
            assert_eq!(Some(got), old, "{t}");
        }
        // Only numbers of 17 digits and more are left to the reader (and
        // a `0` followed by digits, which is no JSON).
        if let Some((_, n)) = old
            && n <= 16
            && !t.as_bytes().get(n).is_some_and(u8::is_ascii_digit)
        {
            assert!(got.is_some(), "{t}");
        }
    }
}

#[test]
fn all_digits_is_every_byte_a_digit() {
    for len in 0..40 {
        for at in 0..=len {
            for c in 0..=255u8 {
                let mut id = vec![b'5'; len];
                if at < len {
                    id[at] = c;
                }
                assert_eq!(all_digits(&id), id.iter().all(u8::is_ascii_digit), "{id:?}");
            }
        }
    }
}

/// A timestamp as written, and whether it makes an entry that can become a
/// document.
fn timestamp_text() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        6 => (0i64..=MAX_TIMESTAMP_MS).prop_map(|t| (t.to_string(), true)),
        1 => prop::sample::select(vec![
            ("0", true),
            ("253402300799999", true),
            ("253402300800000", false),
            ("01", false),
            ("00", false),
            ("-5", false),
            ("-0", false),
            ("1.0", false),
            ("1e3", false),
            ("1E3", false),
            ("9223372036854775807", false),
            ("9223372036854775808", false),
            ("12345678901234567890", false),
            ("\"1\"", false),
            ("null", false),
        ])
        .prop_map(|(t, ok)| (t.to_string(), ok)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Entries spelled as CloudWatch Logs spells them, which the fast path
    /// reads without looking up names, read as serde reads them.
    #[test]
    fn compact_entries_read_the_same_on_both_paths(
        events in prop::collection::vec((
            prop_oneof!["[0-9]{1,56}", "[a-z0-9\"\\\\é]{0,8}"],
            timestamp_text(),
            prop_oneof![
                any::<String>(),
                "[ -~\n\t\r\u{1}\u{1f600}\\\\\"]{0,90}",
                "(\\{\"[a-z]{1,6}\":\"[a-z \"]{0,12}\",?){1,6}",
            ],
            any::<u8>(),
        ), 0..10),
    ) {
        let list: Vec<String> = events
            .iter()
            .map(|(id, (ts, _), message, style)| {
                format!(
                    "{{\"id\":{},\"timestamp\":{ts},\"message\":{}}}",
                    spell(id, *style),
                    spell(message, style / 4)
                )
            })
            .collect();
        let json = format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":[{}]}}"#,
            list.join(",")
        );
        let fast = agree(json.as_bytes());
        let ok = events.iter().all(|(id, (_, ok), _, _)| *ok && !id.is_empty());
        prop_assert_eq!(fast.is_some(), ok, "{}", json);
    }
}

/// The envelope's fast path gives what serde reads, in every spelling of
/// the event: compact, with blanks, with an escaped `/`, with members the
/// fast path does not know; and the same error for a bad one.
#[test]
fn the_compact_envelope_reads_as_serde_reads_it() {
    let json = br#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":[]}"#;
    let data = encode_data(json);
    let serde_path = |event: &str| -> Result<Vec<u8>, String> {
        let env: Envelope<'_> =
            serde_json::from_str(event).map_err(|e| DecodeError::Envelope(e.to_string()).to_string())?;
        inflate_data(&env.awslogs.data, Limits::default()).map_err(|e| e.to_string())
    };
    let escaped = data.replace('/', "\\/");
    let events = [
        format!(r#"{{"awslogs":{{"data":"{data}"}}}}"#),
        format!(" \n{{\"awslogs\":{{\"data\":\"{data}\"}}}}\n"),
        format!(r#"{{ "awslogs": {{ "data": "{data}" }} }}"#),
        format!(r#"{{"awslogs":{{"data":"{escaped}"}}}}"#),
        format!(r#"{{"awslogs":{{"data":"{data}","x":1}}}}"#),
        // Bad ones: not base64, a control byte, a non-ASCII letter, cut short.
        r#"{"awslogs":{"data":"not base64!"}}"#.to_string(),
        "{\"awslogs\":{\"data\":\"H4sI\u{1}AAAA\"}}".to_string(),
        "{\"awslogs\":{\"data\":\"H4sIé\"}}".to_string(),
        format!(r#"{{"awslogs":{{"data":"{data}""#),
    ];
    for (i, event) in events.iter().enumerate() {
        let ours = inflate_event(event.as_bytes(), Limits::default()).map_err(|e| e.to_string());
        assert_eq!(ours, serde_path(event), "event {i}");
        assert_eq!(
            compact_envelope_data(event.as_bytes()).is_some(),
            i < 2 || i == 5,
            "event {i}"
        );
    }
    assert_eq!(
        inflate_event(events[0].as_bytes(), Limits::default()).unwrap(),
        json
    );
}
