//! Differential tests: the level detection equals [`super::reference`], the
//! copy of the implementation before its fast paths, on generated header-like
//! lines and on every line of the labelled corpora.

use proptest::prelude::*;

use super::reference;
use crate::parse::json::extract_object;
use crate::parse::request_id::LEVEL_WORDS;

/// Both implementations as the pipeline calls them.
fn agree(line: &str) -> Result<(), String> {
    let json = extract_object(line);
    let new = super::detect(line, json.as_ref());
    let old = reference::detect(line, json.as_ref());
    if new == old {
        Ok(())
    } else {
        Err(format!("{line:?}: new {new:?}, reference {old:?}"))
    }
}

/// Every spelling of SCHEMA.md's table (the request-id parser's list of
/// them, [`LEVEL_WORDS`]) and, here, near misses and other header words.
const NEAR_MISSES: &[&str] = &[
    "warnings",
    "infos",
    "default",
    "errors",
    "Fatal error",
    "I",
    "W",
    "E",
    "D",
    "F",
    "C",
    "A",
    "U",
    "x",
    "root",
    "myapp.views",
    "main",
    "werkzeug",
    "production.ERROR",
    "app.Warning",
    "fluent.info",
    "fluent.Warn",
    "LAMBDA_WARNING",
    "Lambda_WARNING",
    "on_error",
    "php",
    "npm",
    "undefined",
    "stdout",
    "stderr",
    "utc",
    "Nov",
    "Sept",
    "Mon",
    "PM",
    "z",
    "level",
    "lvl",
    "severity",
    "log.level",
    "@l",
    "LogLevel",
    "START",
    "REPORT",
    "RequestId",
    "Serving",
    "Flask",
    "app",
    "in",
    "é",
    "ñandú",
    "日本",
];

/// A word in a random case: as written, upper, lower, title, or a mask.
fn word() -> impl Strategy<Value = String> {
    let words: Vec<&str> = LEVEL_WORDS.iter().chain(NEAR_MISSES).copied().collect();
    (prop::sample::select(words), 0u8..5, any::<u32>()).prop_map(|(w, case, mask)| match case {
        0 => w.to_owned(),
        1 => w.to_uppercase(),
        2 => w.to_lowercase(),
        3 => {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_uppercase().chain(c.flat_map(char::to_lowercase)).collect()
            })
        }
        _ => w
            .chars()
            .enumerate()
            .map(|(k, ch)| {
                if mask >> (k % 32) & 1 == 1 {
                    ch.to_ascii_uppercase()
                } else {
                    ch.to_ascii_lowercase()
                }
            })
            .collect(),
    })
}

/// Timestamps, dates, times, numbers, ids in many forms.
fn numeric() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2024-11-25T10:01:02Z".to_owned()),
        Just("2024-11-25T10:01:02.123456+00:00".to_owned()),
        Just("2024-11-25 10:01:02,123".to_owned()),
        Just("2024/11/25 10:01:02".to_owned()),
        Just("25/Nov/2024:10:01:02 +0000".to_owned()),
        Just("25-Nov-2024".to_owned()),
        Just("241125 10:01:02".to_owned()),
        Just("10:01PM".to_owned()),
        Just("12ms".to_owned()),
        Just("7#7".to_owned()),
        Just("10.0.1.23".to_owned()),
        Just("+0000".to_owned()),
        Just("1125".to_owned()),
        Just("4e53a6b0-1c2d-4e5f-8a9b-0c1d2e3f4a5b".to_owned()),
        Just("deadbeef".to_owned()),
        Just("0000".to_owned()),
        "[0-9]{1,6}([-/:.,+#_T Z][0-9a-zA-Z]{0,4}){0,4}",
    ]
}

/// Bracket and brace groups, with header content or not.
fn group() -> impl Strategy<Value = String> {
    let inner = prop::collection::vec(prop_oneof![word(), numeric(), sep()], 0..4).prop_map(|v| v.concat());
    (
        prop::sample::select(&["[]", "()", "<>", "{}", "[", "{\"", "{ "][..]),
        inner,
    )
        .prop_map(|(b, inner)| match b.len() {
            2 if b != "{ " && b != "{\"" => format!("{}{inner}{}", &b[..1], &b[1..]),
            _ => format!("{b}{inner}"),
        })
}

/// Separators headers use between fields.
fn sep() -> impl Strategy<Value = String> {
    prop::sample::select(
        &[
            " ", "  ", "   ", "\t", ":", ": ", " - ", " | ", " -- ", "|", ",", ", ", ";", "/", "!", "! ",
            " -", "--", "=", ".", "*", "#", "~", ">", "]", ")", "\r", "$", "'", "\"", "\\",
        ][..],
    )
    .prop_map(str::to_owned)
}

/// Whole-line forms: logfmt, syslog, Ruby, klog, ANSI, BOM, rules, JSON.
fn special() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select(&["level", "lvl", "severity", "LogLevel", "log.level", "@l", "msg"][..]),
            prop::sample::select(&["", "\"", "'"][..]),
            word()
        )
            .prop_map(|(k, q, v)| format!("{k}={q}{v}{q}")),
        "<[0-9]{0,4}>?",
        (prop::sample::select(&["D", "I", "W", "E", "F", "A", "U", "X"][..]))
            .prop_map(|l| format!("{l}, [2024-11-25T10:01:02.123456 #1]  WARN -- : ")),
        (
            prop::sample::select(&["D", "I", "W", "E", "F", "X"][..]),
            "[0-9]{4}",
            "[ 0-9:]{0,4}"
        )
            .prop_map(|(l, d, t)| format!("{l}{d} {t}10:01:02.123456       1 file.go:42] ")),
        prop::sample::select(
            &[
                "\x1b[31m",
                "\x1b[0m",
                "\x1b[1;33m",
                "\x1b",
                "\x1b[",
                "\x1b]0;t\x07"
            ][..]
        )
        .prop_map(str::to_owned),
        Just("\u{feff}".to_owned()),
        prop::sample::select(&["-----", "=====\n", "***", "\n", "\r\n", "\n\n", " \n", "#+~_\n"][..])
            .prop_map(str::to_owned),
        (
            // The level members, and others the level code looks at.
            prop::sample::select(
                super::JSON_KEYS
                    .iter()
                    .chain(&["log", "@t", "@mt", "@m", "msg"])
                    .copied()
                    .collect::<Vec<_>>()
            ),
            prop_oneof![
                word().prop_map(|w| format!("\"{w}\"")),
                prop::sample::select(
                    &[
                        "10",
                        "20",
                        "30",
                        "40",
                        "50",
                        "60",
                        "35",
                        "true",
                        "null",
                        "{\"level\":\"warn\"}",
                        "\"\\u001b[31mERROR\\u001b[0m\"",
                        "\" warn \""
                    ][..]
                )
                .prop_map(str::to_owned),
                (word(), sep(), word()).prop_map(|(a, s, b)| format!("\"{a}{s}{b}\"")),
            ],
        )
            .prop_map(|(k, v)| format!("{{\"{k}\": {v}, \"x\": 1}}")),
        Just(r#"{"@t":"2024-11-25T10:01:02Z","@mt":"hi"}"#.to_owned()),
        Just(r#"{"log":{"level":"error"}}"#.to_owned()),
        "[a-zA-Z0-9é\u{3000}-\u{3010}_.$@-]{0,12}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![3 => word(), 3 => sep(), 2 => numeric(), 2 => group(), 2 => special()],
        0..12,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn equals_the_reference_on_header_like_lines(line in line()) {
        agree(&line).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn equals_the_reference_on_any_bytes(
        s in r#"[\[\](){}<>"'a-zA-Z0-9 \t\r\n:;,./|#=*+_@$~!\\\x1b\u{feff}é日-]{0,80}"#
    ) {
        agree(&s).map_err(TestCaseError::fail)?;
    }
}

/// Every message of `fixtures/corpus`, `fixtures/holdout`, `fixtures/holdout2`.
#[test]
fn equals_the_reference_on_every_corpus_line() {
    let mut wrong = Vec::new();
    let mut lines = 0;
    for message in crate::parse::fixture_lines::corpus_messages() {
        lines += 1;
        // The message as the pipeline sees it, and its first line
        // alone, and every line of it as a header.
        for m in std::iter::once(&*message).chain(message.lines()) {
            if let Err(e) = agree(m) {
                wrong.push(e);
            }
        }
    }
    assert!(lines > 2000, "only {lines} corpus lines");
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

proptest! {
    /// `skip_word` accepts the same words as before: every word of its
    /// table and near misses, in any case, and any short run of letters.
    #[test]
    fn skip_word_accepts_what_it_accepted(
        word in prop_oneof![
            prop::sample::select(&[
                "sept", "mon", "Tue", "WED", "thu", "fri", "sat", "sun", "am", "PM", "utc",
                "gmt", "z", "Z", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt",
                "cet", "cest", "bst", "stdout", "stderr", "undefined", "php", "npm", "jan",
                "Feb", "MAR", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
                "septs", "monday", "undefine", "undefinedx", "", "npm!",
            ][..]).prop_map(str::to_owned),
            "[a-zA-Z]{0,12}",
            "[a-zA-Z0-9_.$@-]{0,12}",
        ]
    ) {
        prop_assert_eq!(super::lookup(word.as_bytes()) == super::Word::Skip, reference::skip_word(word.as_bytes()), "{:?}", word);
    }
}

/// Every message of the fixture deliveries (`fixtures/deliveries`), as the
/// pipeline decodes them, and each of their lines.
#[test]
fn equals_the_reference_on_every_fixture_delivery_line() {
    let mut wrong = Vec::new();
    let mut events = 0;
    for message in crate::parse::fixture_lines::delivery_messages() {
        events += 1;
        for m in std::iter::once(&*message).chain(message.lines()) {
            if let Err(err) = agree(m) {
                wrong.push(err);
            }
        }
    }
    assert!(events > 100, "only {events} fixture events");
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
