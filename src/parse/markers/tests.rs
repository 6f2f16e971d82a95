//! Tests of the marker set: every default pattern, replacement, errors, ANSI.

use super::*;

fn names(set: &MarkerSet, msg: &str) -> Vec<String> {
    set.scan(msg).iter().map(|&i| set.name(i).to_string()).collect()
}

fn defaults(msg: &str) -> Vec<String> {
    names(&MarkerSet::defaults(), msg)
}

#[test]
fn defaults_compile_in_schema_order() {
    let set = MarkerSet::defaults();
    let got: Vec<&str> = (0..set.len() as u16).map(|i| set.name(i)).collect();
    assert_eq!(got, ["warn", "chaos", "healthcheck", "exception"]);
    assert!(MarkerSet::build(true, &[]).is_ok());
}

#[test]
fn warn_matches_warn_and_warning_with_colon() {
    assert_eq!(defaults("WARN: stress function activated"), ["warn", "chaos"]);
    assert_eq!(defaults("WARNING:root:x"), ["warn"]);
    assert_eq!(defaults("[2024-11-25 10:01:02,123] WARNING: x"), ["warn"]);
    assert_eq!(defaults("first line\nWARN: second"), ["warn"]);
}

#[test]
fn warn_needs_the_colon_the_case_and_a_word_start() {
    assert!(defaults("WARN something").is_empty());
    assert!(defaults("warning: lower case").is_empty());
    assert!(defaults("Warning: title case").is_empty());
    assert!(defaults("FOREWARN: glued").is_empty());
    assert!(defaults("2024-11-25T10:01:02Z  WARN 1 --- [main] x : y").is_empty());
}

#[test]
fn chaos_matches_the_word_and_the_schema_phrases() {
    for m in [
        "Chaos Monkey killed instance i-123",
        "chaos experiment started",
        "CHAOS",
        "(chaos)",
        "simulated 404 activated",
        "Simulated 503 returned",
        "simulated latency of 3s",
        "simulated OUTAGE",
        "Stress function running",
        "This should not be left on in production",
        "fault injection enabled",
        "Latency Injection: 200ms",
    ] {
        assert_eq!(defaults(m), ["chaos"], "{m}");
    }
}

#[test]
fn chaos_is_a_whole_word_only() {
    for m in [
        "chaosmode",
        "CHAOSMODE=on",
        "CHAOS_MODE=on",
        "chaotic traffic",
        "simulated 200 ok",
        "stress test",
        "fault tolerance",
    ] {
        assert!(defaults(m).is_empty(), "{m}");
    }
    assert!(defaults("simulated 50").is_empty());
}

#[test]
fn healthcheck_matches_the_user_agents() {
    assert_eq!(
        defaults(
            r#"10.0.0.5 - - [25/Nov/2024:10:01:02 +0000] "GET /health HTTP/1.1" 200 2 "-" "ELB-HealthChecker/2.0""#
        ),
        ["healthcheck"]
    );
    assert_eq!(defaults("GET /healthz kube-probe/1.29"), ["healthcheck"]);
    assert_eq!(defaults("GoogleHC/1.0"), ["healthcheck"]);
    assert!(defaults("elb-healthchecker/2.0").is_empty());
    assert!(defaults("GET /health 200").is_empty());
}

#[test]
fn exception_matches_tracebacks_frames_and_error_lines() {
    assert_eq!(defaults("Traceback (most recent call last):"), ["exception"]);
    assert_eq!(
        defaults(r#"Exception in thread "main" java.lang.IllegalStateException"#),
        ["exception"]
    );
    assert_eq!(
        defaults("java.lang.NullPointerException: boom\n\tat com.x.Y.z(Y.java:42)"),
        ["exception"]
    );
    assert_eq!(defaults("boom\n\tat com.x.Y.z(Y.java:42)"), ["exception"]);
    assert_eq!(defaults("    at Object.<anonymous> (/app/x.js:1:1)").len(), 0);
    assert_eq!(
        defaults("    at java.base/java.lang.Thread.run(Thread.java:833)"),
        ["exception"]
    );
    assert_eq!(defaults("KeyError: 'x'"), ["exception"]);
    assert_eq!(defaults("line one\nbuiltins.ValueError: bad"), ["exception"]);
    assert_eq!(defaults("TypeError: x is not a function"), ["exception"]);
}

#[test]
fn exception_negatives() {
    for m in [
        "look at this(thing)",
        "an Exception occurred",
        "[ERROR] KeyError: 'x'",
        "KeyError:'x'",
        "Error: ENOENT",
        "the error: nothing",
        "meet at noon (UTC)",
    ] {
        assert!(defaults(m).is_empty(), "{m}");
    }
}

#[test]
fn ansi_codes_are_removed_before_matching() {
    assert_eq!(defaults("\x1b[33mWARN\x1b[0m: x"), ["warn"]);
    assert_eq!(defaults("\x1b[1mCha\x1b[0mos Monkey"), ["chaos"]);
    assert!(defaults("\x1b[33mplain\x1b[0m").is_empty());
}

#[test]
fn one_message_can_carry_several_markers_each_once() {
    let msg = "WARN: simulated 404 activated\nWARNING: chaos again\nKeyError: 'x'";
    assert_eq!(defaults(msg), ["warn", "chaos", "exception"]);
}

#[test]
fn an_extra_marker_with_a_default_name_replaces_it() {
    let extra = vec![("chaos".to_string(), vec!["CHAOSMODE".to_string()])];
    let set = MarkerSet::build(true, &extra).unwrap();
    assert_eq!(set.len(), 4);
    assert_eq!(names(&set, "CHAOSMODE=on"), ["chaos"]);
    assert!(names(&set, "Chaos Monkey").is_empty());
    assert_eq!(set.name(1), "chaos");
}

#[test]
fn new_markers_are_appended_and_defaults_can_be_off() {
    let extra = vec![(
        "db".to_string(),
        vec!["(?i)deadlock".to_string(), "timeout".to_string()],
    )];
    let set = MarkerSet::build(true, &extra).unwrap();
    assert_eq!(set.name(4), "db");
    assert_eq!(names(&set, "WARN: Deadlock then timeout"), ["warn", "db"]);
    let only = MarkerSet::build(false, &extra).unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(names(&only, "WARN: deadlock"), ["db"]);
}

#[test]
fn an_empty_pattern_list_removes_a_marker() {
    let extra = vec![("healthcheck".to_string(), vec![])];
    let set = MarkerSet::build(true, &extra).unwrap();
    assert_eq!(set.len(), 3);
    assert!(names(&set, "ELB-HealthChecker/2.0").is_empty());
}

#[test]
fn user_patterns_see_lines_with_caret() {
    let extra = vec![("oom".to_string(), vec!["^Killed".to_string()])];
    let set = MarkerSet::build(false, &extra).unwrap();
    assert_eq!(names(&set, "process 7\nKilled"), ["oom"]);
    assert!(names(&set, "not Killed").is_empty());
}

#[test]
fn a_bad_pattern_names_the_marker_and_the_pattern() {
    let extra = vec![("db".to_string(), vec!["ok".to_string(), "(unclosed".to_string()])];
    let err = MarkerSet::build(true, &extra).unwrap_err();
    assert_eq!(err.name, "db");
    assert_eq!(err.pattern, "(unclosed");
    assert_eq!(
        err.to_string(),
        r#"marker "db": bad pattern "(unclosed": unclosed group (column 1)"#
    );
    let extra = vec![("x".to_string(), vec!["ab[z-a]".to_string()])];
    let err = MarkerSet::build(false, &extra).unwrap_err();
    assert_eq!(
        err.reason,
        "invalid character class range, the start must be <= the end (column 4)"
    );
}

#[test]
fn a_huge_pattern_is_a_clear_error() {
    let extra = vec![("big".to_string(), vec![r"\w{1000}\w{1000}".to_string()])];
    let err = MarkerSet::build(false, &extra).unwrap_err();
    assert_eq!(err.name, "big");
    assert!(err.reason.contains("size limit"), "{}", err.reason);
}

#[test]
fn an_empty_name_is_an_error() {
    let extra = vec![(" ".to_string(), vec!["x".to_string()])];
    assert!(MarkerSet::build(true, &extra).is_err());
}

#[test]
fn an_empty_set_matches_nothing() {
    let set = MarkerSet::build(false, &[]).unwrap();
    assert!(set.is_empty());
    assert!(set.scan("WARN: x").is_empty());
    assert!(MarkerSet::default().scan("WARN: x").is_empty());
    assert_eq!(set.name(3), "");
}

#[test]
fn strip_ansi_borrows_plain_text_and_removes_sequences() {
    assert!(matches!(strip_ansi("plain"), Cow::Borrowed("plain")));
    assert_eq!(strip_ansi("\x1b[1;31mred\x1b[0m ok"), "red ok");
    assert_eq!(strip_ansi("\x1b]0;title\x07after"), "after");
    assert_eq!(strip_ansi("a\x1b"), "a");
    assert_eq!(strip_ansi("a\x1b[12"), "a");
    assert_eq!(strip_ansi("é\x1b[0mé"), "éé");
    assert_eq!(strip_ansi("a\x1béb"), "aéb");
}

#[test]
fn word_boundaries_become_ascii() {
    assert_eq!(ascii_word_boundaries(r"\bchaos\b"), r"(?-u:\b)chaos(?-u:\b)");
    assert_eq!(
        ascii_word_boundaries(r"\Bx\b{start}y"),
        r"(?-u:\B)x(?-u:\b{start})y"
    );
    assert_eq!(ascii_word_boundaries(r"a\\b"), r"a\\b");
    assert_eq!(ascii_word_boundaries(r"é\bé"), r"é(?-u:\b)é");
    assert!(matches!(ascii_word_boundaries("plain"), Cow::Borrowed("plain")));
}

#[test]
fn a_unicode_boundary_in_a_class_is_still_reported_as_bad() {
    let extra = vec![("x".to_string(), vec![r"[\b]".to_string()])];
    assert!(MarkerSet::build(false, &extra).is_err());
}

#[test]
fn non_ascii_lines_still_match() {
    assert_eq!(defaults("Démarrage — WARN: ça chauffe ✓"), ["warn"]);
    assert_eq!(defaults("Überlast: chaos ✓"), ["chaos"]);
}

#[test]
fn the_defaults_have_a_prefilter_and_a_catch_all_pattern_removes_it() {
    assert!(MarkerSet::defaults().prefilter.is_some());
    let extra = vec![("num".to_string(), vec![r"^\d+$".to_string()])];
    let set = MarkerSet::build(true, &extra).unwrap();
    assert!(set.prefilter.is_none());
    assert_eq!(names(&set, "12345"), ["num"]);
    assert_eq!(names(&set, "WARN: 1"), ["warn"]);
}

proptest::proptest! {
    /// The prefilter never changes a result: scanning with it equals running
    /// the set alone, on messages built from marker-ish fragments.
    #[test]
    fn prefilter_never_changes_the_result(parts in proptest::collection::vec(
        proptest::sample::select(vec![
            "WARN", "WARNING", ":", " ", "\n", "\t", "  at ", "com.x.Y", "(", ")", "Y.java:42",
            "chaos", "CHAOS", "Chaos", "mode", "simulated", " 404", " 503", "stress", " function",
            "fault", " injection", "ELB-HealthChecker", "kube-probe", "Traceback (most recent call last)",
            "Exception", "Error", ": ", "Exception in thread", "é", "\x1b[33m", "\x1b[0m", "x", "_", ".",
            "ſ", "cha", "os", "\u{212A}",
        ]),
        0..12,
    )) {
        let msg: String = parts.concat();
        let mut with = MarkerSet::defaults();
        with.fast = None;
        proptest::prop_assert_eq!(with.scan(&msg), regex_only(&msg), "{:?}", msg);
    }
}

/// The default set's answer from the regex set alone: no prefilter, no
/// hand-written matcher.
fn regex_only(msg: &str) -> Vec<u16> {
    let mut set = MarkerSet::defaults();
    set.prefilter = None;
    set.fast = None;
    set.scan(msg)
}

/// The hand-written matcher's answer, as marker indices; `None` when it
/// leaves the message to the set.
fn by_hand(msg: &str) -> Option<Vec<u16>> {
    let fast = defaults::Defaults::new().unwrap();
    fast.scan(msg)
        .map(|bits| (0..8).filter(|&i| bits >> i & 1 != 0).collect())
}

/// Fragments of every default pattern, in several cases, with the bytes
/// that decide a match next to them: word and non-word neighbours, line
/// ends, blanks, frame and exception-name pieces, ANSI codes, a few
/// non-ASCII characters (where the matcher must step aside).
const FRAGMENTS: &[&str] = &[
    // warn
    "WARN",
    "WARNING",
    "Warn",
    "warn",
    "WARNIN",
    "ING",
    ":",
    "WARN:",
    "WARNING:",
    "FORE",
    // chaos
    "chaos",
    "CHAOS",
    "Chaos",
    "cHaOs",
    "c",
    "C",
    "haos",
    "HAOS",
    "cha",
    "os",
    "mode",
    "_",
    "simulated",
    "SIMULATED",
    "Simulated",
    "s",
    "imulated",
    " ",
    "404",
    "40",
    "5",
    "503",
    "50",
    "9",
    "error",
    "ERROR",
    "fault",
    "Fault",
    "failure",
    "FAILURE",
    "latency",
    "Latency",
    "outage",
    "OUTAGE",
    "stress",
    "STRESS",
    "function",
    "Function",
    "ss function",
    "stre",
    "should not be left on",
    "SHOULD NOT BE LEFT ON",
    "should not be le",
    "ft on",
    "injection",
    "Injection",
    "INJECTION",
    // healthcheck
    "ELB-HealthChecker",
    "elb-healthchecker",
    "ELB-",
    "HealthChecker",
    "kube-probe",
    "KUBE-PROBE",
    "ku",
    "be-probe",
    "GoogleHC",
    "googlehc",
    "Goog",
    "leHC",
    // exception
    "Traceback (most recent call last)",
    "Traceback",
    " (most recent call last)",
    "k (most",
    "Exception in thread",
    "Exception",
    "xception in thread",
    " in thread",
    "Error",
    "Error: ",
    ": ",
    "Foo.BarError: ",
    "java.lang.NullPointerException: ",
    "x$y",
    "at ",
    "  at ",
    "\tat ",
    "at",
    "com.x.Y.z",
    "java.base/java.lang.Thread.run",
    "<init>",
    "$",
    "/",
    "<",
    ">",
    ".",
    "(",
    ")",
    "(Y.java:1)",
    "Y.java:42",
    "(",
    "[",
    "]",
    "-",
    "=",
    "0",
    // line structure and blanks
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "\t",
    "\x0b",
    "\x0c",
    "   ",
    // ANSI, control bytes that fold onto punctuation, non-ASCII
    "\x1b[33m",
    "\x1b[0m",
    "\x1b]0;t\x07",
    "\x1b",
    "\x08",
    "\x09",
    "\x1a",
    "\x00",
    "é",
    "ſ",
    "\u{212A}",
    "\u{a0}",
    "✓",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

    /// The hand-written matcher equals the regex set on every ASCII message
    /// and steps aside on any other.
    #[test]
    fn the_default_matcher_equals_the_set(parts in proptest::collection::vec(
        proptest::sample::select(FRAGMENTS), 0..16,
    )) {
        let msg: String = parts.concat();
        match by_hand(&msg) {
            Some(got) => proptest::prop_assert_eq!(got, regex_only(&msg), "{:?}", msg),
            None => proptest::prop_assert!(!msg.is_ascii(), "{:?}", msg),
        }
        proptest::prop_assert_eq!(by_short(&msg), by_oracle(&msg), "{:?}", msg);
        // And the set as configured (matcher first) always equals the set alone.
        proptest::prop_assert_eq!(MarkerSet::defaults().scan(&msg), regex_only(&msg), "{:?}", msg);
    }

    /// Same, on arbitrary ASCII text, to catch what the fragments miss.
    #[test]
    fn the_default_matcher_equals_the_set_on_any_ascii(msg in "[ -~\t\r\n\x0b\x0c]{0,120}") {
        proptest::prop_assert_eq!(by_hand(&msg), Some(regex_only(&msg)), "{:?}", msg);
        proptest::prop_assert_eq!(by_short(&msg), by_oracle(&msg), "{:?}", msg);
    }
}

#[test]
fn the_default_matcher_equals_the_set_on_every_fixture_line() {
    // The corpora, and the deliveries: the benchmark delivery's own lines too.
    let messages = crate::parse::fixture_lines::messages();
    assert!(messages.len() > 5000, "{}", messages.len());
    let (mut by_hand_count, mut marked) = (0, 0);
    for msg in &messages {
        let want = regex_only(msg);
        marked += usize::from(!want.is_empty());
        assert_eq!(MarkerSet::defaults().scan(msg), want, "{msg:?}");
        assert_eq!(by_short(msg), by_oracle(msg), "{msg:?}");
        if let Some(got) = by_hand(msg) {
            by_hand_count += 1;
            assert_eq!(got, want, "{msg:?}");
        }
    }
    // Nearly every line is ASCII, and many carry markers: the comparison
    // says something.
    assert!(by_hand_count * 10 > messages.len() * 9, "{by_hand_count}");
    assert!(marked > 200, "{marked}");
}

#[test]
fn the_default_matcher_runs_only_for_exactly_the_defaults() {
    assert!(MarkerSet::defaults().fast.is_some());
    // Restating a default as it is keeps it.
    let same = vec![("warn".to_string(), vec![r"\bWARN(ING)?:".to_string()])];
    assert!(MarkerSet::build(true, &same).unwrap().fast.is_some());
    let extra = vec![("db".to_string(), vec!["deadlock".to_string()])];
    assert!(MarkerSet::build(true, &extra).unwrap().fast.is_none());
    let changed = vec![("warn".to_string(), vec!["WARN".to_string()])];
    assert!(MarkerSet::build(true, &changed).unwrap().fast.is_none());
    let removed = vec![("chaos".to_string(), vec![])];
    assert!(MarkerSet::build(true, &removed).unwrap().fast.is_none());
    assert!(MarkerSet::build(false, &[]).unwrap().fast.is_none());
}

#[test]
fn the_default_matcher_steps_aside_for_non_ascii_only() {
    assert_eq!(by_hand("WARN: x"), Some(vec![0]));
    assert_eq!(by_hand("\x1b[33mWARN\x1b[0m: x"), Some(vec![0]));
    assert_eq!(by_hand("WARN: ça"), None);
    assert_eq!(by_hand("plain"), Some(vec![]));
}

#[test]
fn needles_are_prefix_free_and_folded() {
    // At most one needle matches at a position, so restarting one byte
    // after each hit finds them all; the haystack is folded, so are they.
    let needles: Vec<&str> = defaults::needles().collect();
    for a in &needles {
        assert!(
            !a.is_empty() && a.bytes().all(|c| c != 0 && c | 0x20 == c),
            "{a:?}"
        );
        for b in &needles {
            assert!(a == b || !b.starts_with(a), "{a:?} {b:?}");
        }
    }
}

#[test]
fn the_pass_finds_unusual_bytes_anywhere() {
    for len in 0..100 {
        let plain: String = (0..len).map(|i| ["a", "B", "\t", " ", "~", "@"][i % 6]).collect();
        assert!(!defaults::unusual_test(plain.as_bytes()), "{plain:?}");
        for odd in ["\n", "\r", "\x1b", "\x00", "\x1f", "é"] {
            for at in 0..=len {
                let msg = format!("{}{odd}{}", &plain[..at], &plain[at..]);
                assert!(defaults::unusual_test(msg.as_bytes()), "{msg:?}");
            }
        }
    }
}

/// The short route's answer, at any length, as marker indices.
fn by_short(msg: &str) -> Option<Vec<u16>> {
    defaults::scan_short_test(msg).map(|bits| (0..8).filter(|&i| bits >> i & 1 != 0).collect())
}

/// The long route's (the folded copy and Teddy, the matcher before the
/// short route was added): the oracle the short route is compared with.
fn by_oracle(msg: &str) -> Option<Vec<u16>> {
    defaults::scan_long_test(msg).map(|bits| (0..8).filter(|&i| bits >> i & 1 != 0).collect())
}

/// Needles and the pattern pieces around them at every offset of a block,
/// so that every block edge, the overlapping last block and the padded
/// short message each see a hit.
#[test]
fn needles_at_every_block_edge_equal_the_oracle() {
    let pieces = [
        "WARN: x",
        "xWARNING:",
        "chaos",
        "simulated 503",
        "stress function",
        "should not be left on",
        "fault injection",
        "ELB-HealthChecker",
        "GoogleHC",
        "kube-probe",
        "Traceback (most recent call last)",
        "Exception in thread",
    ];
    for piece in pieces {
        for pad in 0..40 {
            for tail in [0, 1, 2, 15, 16, 17] {
                let msg = format!("{}{piece}{}", "a".repeat(pad), "b".repeat(tail));
                assert_eq!(by_short(&msg), by_oracle(&msg), "{msg:?}");
                assert_eq!(by_hand(&msg), Some(regex_only(&msg)), "{msg:?}");
                assert_eq!(by_short(&msg), Some(regex_only(&msg)), "{msg:?}");
            }
        }
    }
}

#[test]
fn fold_folds_every_byte_and_finds_unusual_ones_anywhere() {
    for len in 0..100 {
        let plain: String = (0..len).map(|i| ["a", "B", "\t", " ", "~", "@"][i % 6]).collect();
        let (out, unusual) = defaults::fold_test(plain.as_bytes());
        assert!(!unusual, "{plain:?}");
        let want: Vec<u8> = plain.bytes().map(|b| b | 0x20).collect();
        assert_eq!(out, want);
        for odd in ["\n", "\r", "\x1b", "\x00", "\x1f", "é"] {
            for at in 0..=len {
                let msg = format!("{}{odd}{}", &plain[..at], &plain[at..]);
                assert!(defaults::fold_test(msg.as_bytes()).1, "{msg:?}");
            }
        }
    }
}
