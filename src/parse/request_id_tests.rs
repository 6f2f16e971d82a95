//! Tests of [`super::find`], one behaviour each.

use std::borrow::Cow;

use proptest::prelude::*;

use super::*;

const ID: &str = "8f507cfc-1234-4697-b07a-ac58fc914c95";

fn rid(message: &str) -> Option<String> {
    let json = crate::parse::json::extract_object(message);
    find(message, json.as_ref()).map(Cow::into_owned)
}

fn is_borrowed(message: &str) -> bool {
    let json = crate::parse::json::extract_object(message);
    matches!(find(message, json.as_ref()), Some(Cow::Borrowed(_)))
}

#[test]
fn platform_lines_give_their_request_id() {
    for m in [
        format!("START RequestId: {ID} Version: $LATEST"),
        format!("END RequestId: {ID}"),
        format!("END RequestId: {ID}\r\n"),
        format!(
            "REPORT RequestId: {ID}\tDuration: 3.66 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 65 MB"
        ),
        format!(
            "REPORT RequestId: {ID}  Duration: 15.74 ms\nXRAY TraceId: 1-5e34a614-10bd41f1fb44f07bc535a1aa"
        ),
        format!("RequestId: {ID} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"),
    ] {
        assert_eq!(rid(&m).as_deref(), Some(ID), "{m:?}");
        assert!(is_borrowed(&m));
    }
}

#[test]
fn request_id_in_free_text_is_not_taken() {
    for m in [
        format!("upload failed: S3 RequestId: {ID}"),
        format!("processing order {ID}"),
        format!("2024-01-01 12:00:00 INFO {ID} created"),
        format!("WARN: simulated 404 activated for mysfit {ID}"),
        format!("INFO: {ID} INFO"),
        format!("User {ID} INFO"),
        format!("[INFO] 2024-01-01T00:00:00.000Z {ID} spaces, not tabs"),
    ] {
        assert_eq!(rid(&m), None, "{m:?}");
    }
}

#[test]
fn python_runtime_header_gives_the_request_id() {
    let m = format!("[WARNING]\t2024-11-25T10:01:02.123Z\t{ID}\tWARN: stress function activated\n");
    assert_eq!(rid(&m).as_deref(), Some(ID));
    assert!(is_borrowed(&m));
    let m = format!("[ERROR]\t2024-11-25T10:01:02.123Z\t{ID}\tboom\r\nTraceback (most recent call last):");
    assert_eq!(rid(&m).as_deref(), Some(ID));
}

#[test]
fn python_runtime_before_the_first_request_has_none() {
    assert_eq!(rid("[INFO]\t2024-11-25T10:01:02.123Z\t\tcold start"), None);
}

#[test]
fn node_runtime_header_gives_the_request_id() {
    let m = format!("2024-11-25T10:01:02.123Z\t{ID}\tINFO\tliked mysfit");
    assert_eq!(rid(&m).as_deref(), Some(ID));
    let dotnet = format!("2024-11-25T10:01:02.123Z\t{ID}\tinfo\tHello from .NET");
    assert_eq!(rid(&dotnet).as_deref(), Some(ID));
}

#[test]
fn node_runtime_undefined_is_no_request_id() {
    assert_eq!(
        rid("2024-11-25T10:01:02.123Z\tundefined\tINFO\tLoading function"),
        None
    );
    assert_eq!(
        rid("2024-11-25T10:01:02.123Z\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\"Error\"}"),
        None
    );
}

#[test]
fn task_timed_out_line_gives_the_request_id() {
    let m = format!("2024-11-25T10:01:02.123Z {ID} Task timed out after 3.00 seconds");
    assert_eq!(rid(&m).as_deref(), Some(ID));
    let other = format!("2024-11-25T10:01:02.123Z {ID} Task completed");
    assert_eq!(rid(&other), None);
}

#[test]
fn java_log4j2_pattern_gives_the_request_id() {
    for m in [
        format!("2024-11-25 10:01:02 {ID} INFO  Handler - liked"),
        format!("2024-11-25 10:01:02,123 {ID} WARN  LikeHandler:42 - WARN: simulated 404 activated"),
        format!("2024-11-25 10:01:02.123 [main] [{ID}] ERROR c.e.Handler - boom"),
        format!("2024-11-25T10:01:02.123Z <{ID}> DEBUG Handler - x"),
        format!("{ID} INFO io.github.demo.BotHandler - info message"),
        format!("\x1b[2m2024-11-25 10:01:02\x1b[0m {ID} \x1b[32mINFO\x1b[0m Handler - coloured"),
    ] {
        assert_eq!(rid(&m).as_deref(), Some(ID), "{m:?}");
    }
}

#[test]
fn ruby_runtime_header_gives_the_request_id() {
    let m = format!("I, [2024-11-25T10:01:02.689856 #8]  INFO {ID} -- : ## EVENT");
    assert_eq!(rid(&m).as_deref(), Some(ID));
    let m = format!("W, [2024-11-25T10:01:02.689856 #8]  WARN {ID} -- like: WARN: stress");
    assert_eq!(rid(&m).as_deref(), Some(ID));
    assert_eq!(
        rid("I, [2024-11-25T10:01:02.689856 #8]  INFO -- : no request yet"),
        None
    );
}

#[test]
fn rust_runtime_span_gives_the_request_id() {
    let span = format!(
        "Lambda runtime invoke{{requestId=\"{ID}\" xrayTraceId=\"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1\"}}"
    );
    for m in [
        format!(" INFO {span}: resizer: received event\n"),
        format!("ERROR {span}: lambda_runtime: {{\"errorType\":\"x\"}}\n"),
        format!("2024-11-25T10:01:02.123456Z DEBUG {span}:handler{{n=1}}: resizer: x"),
        format!("{span}: resizer: no level"),
    ] {
        assert_eq!(rid(&m).as_deref(), Some(ID), "{m:?}");
    }
    assert!(is_borrowed(&format!(" INFO {span}: x")));
}

#[test]
fn rust_runtime_span_only_in_the_header() {
    let span = format!("Lambda runtime invoke{{requestId=\"{ID}\"}}");
    // Quoted in the text, after prose, or cut short: not the header.
    assert_eq!(rid(&format!("saw {span}: in a test")), None);
    assert_eq!(rid(&format!(" INFO image_resizer: copied {span}")), None);
    assert_eq!(
        rid(" INFO Lambda runtime invoke{requestId=\"8f507cfc-1234\"}: x"),
        None
    );
    // Outside an invocation the runtime logs no span.
    assert_eq!(rid(" INFO image_resizer: loading configuration"), None);
}

#[test]
fn json_members_give_the_request_id_borrowed() {
    for key in [
        "requestId",
        "request_id",
        "aws_request_id",
        "awsRequestId",
        "AWSRequestId",
        "function_request_id",
    ] {
        let m = format!(r#"{{"level":"INFO","message":"x","{key}":"{ID}"}}"#);
        assert_eq!(rid(&m).as_deref(), Some(ID), "{key}");
        let json = crate::parse::json::extract_object(&m);
        // Borrowed from the message: the value has no escapes.
        assert!(matches!(find(&m, json.as_ref()), Some(Cow::Borrowed(_))));
    }
}

#[test]
fn json_member_order_is_the_documented_one() {
    let m = format!(r#"{{"function_request_id":"other-request-0001","requestId":"{ID}"}}"#);
    assert_eq!(rid(&m).as_deref(), Some(ID));
}

#[test]
fn platform_record_gives_its_record_request_id() {
    let m = format!(
        r#"{{"time":"2024-01-01T00:00:00.000Z","type":"platform.start","record":{{"requestId":"{ID}","version":"$LATEST"}}}}"#
    );
    assert_eq!(rid(&m).as_deref(), Some(ID));
}

#[test]
fn lambda_json_app_record_gives_its_request_id() {
    let m = format!(
        r#"{{"timestamp":"2024-01-01T00:00:00Z","level":"INFO","message":"liked","logger":"root","requestId":"{ID}"}}"#
    );
    assert_eq!(rid(&m).as_deref(), Some(ID));
}

#[test]
fn text_header_wins_over_json_members() {
    let m = format!("2024-11-25T10:01:02.123Z\t{ID}\tINFO\t{{\"request_id\":\"web-request-000042\"}}");
    assert_eq!(rid(&m).as_deref(), Some(ID));
}

#[test]
fn implausible_json_ids_are_refused() {
    for v in [
        r#""""#,
        r#""   ""#,
        r#""undefined""#,
        r#""null""#,
        r#""42""#,
        "12345678",
        r#""has space inside""#,
        "null",
    ] {
        let m = format!(r#"{{"requestId":{v}}}"#);
        assert_eq!(rid(&m), None, "{v}");
    }
}

#[test]
fn non_uuid_json_ids_of_reasonable_shape_are_kept() {
    let m = r#"{"request_id":"c0a80101-5f3a-1b2c","msg":"x"}"#;
    assert_eq!(rid(m).as_deref(), Some("c0a80101-5f3a-1b2c"));
}

#[test]
fn upper_case_uuid_header_is_kept_as_written() {
    let up = ID.to_uppercase();
    let m = format!("2024-11-25T10:01:02.123Z\t{up}\tINFO\tx");
    assert_eq!(rid(&m), Some(up));
}

#[test]
fn uuid_must_have_the_right_shape() {
    for bad in [
        "8f507cfc-1234-4697-b07a-ac58fc914c9",
        "8f507cfc-1234-4697-b07a-ac58fc914c955",
        "8f507cfc1234-4697-b07a-ac58fc914c955",
        "8f507cfc-1234-4697-b07a-ac58fc914c9g",
    ] {
        let m = format!("2024-11-25T10:01:02.123Z\t{bad}\tINFO\tx");
        assert_eq!(rid(&m), None, "{bad}");
    }
}

#[test]
fn no_request_id_in_ordinary_lines() {
    for m in [
        "",
        "WARN: stress function activated",
        "10.0.0.2 - - [29/Nov/2018 01:59:49] \"GET /mysfits HTTP/1.1\" 200 -",
        "INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:abc",
        "EXTENSION\tName: lambda-insights\tState: Ready\tEvents: [INVOKE, SHUTDOWN]",
        "START RequestId: ",
        "RequestId:",
        "[",
        "\t\t\t",
    ] {
        assert_eq!(rid(m), None, "{m:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn find_never_panics(s in "\\PC{0,160}") {
        let json = crate::parse::json::extract_object(&s);
        let _ = find(&s, json.as_ref());
    }

    #[test]
    fn find_never_panics_on_header_shapes(
        head in prop::sample::select(vec!["[INFO]\t", "2024-01-01T00:00:00Z\t", "I, [2024 #1] ", "START RequestId: ", "\x1b[", "RequestId: "]),
        tail in "[ -~\t\u{e9}\x1b]{0,60}",
    ) {
        let s = format!("{head}{tail}");
        let _ = find(&s, None);
    }
}

#[test]
fn crlf_and_tab_endings_do_not_leak_into_the_id() {
    let m = format!("2024-11-25T10:01:02.123Z\t{ID}\tINFO\tliked\r\n");
    assert_eq!(rid(&m).as_deref(), Some(ID));
    let m = format!("START RequestId: {ID}\tVersion: $LATEST\r\n");
    assert_eq!(rid(&m).as_deref(), Some(ID));
    let m = format!(r#"{{"requestId":"  {ID}  "}}"#);
    assert_eq!(rid(&m).as_deref(), Some(ID));
}

#[test]
fn platform_record_with_an_implausible_id_has_none() {
    let m = r#"{"type":"platform.start","record":{"requestId":"undefined"},"requestId":"8f507cfc-1234-4697-b07a-ac58fc914c95"}"#;
    assert_eq!(rid(m), None);
}

#[test]
fn uuid_glued_to_a_word_is_not_a_header() {
    let m = format!("2024-11-25T10:01:02.123Z x{ID} INFO hi");
    assert_eq!(rid(&m), None);
    let m = format!("2024-11-25T10:01:02.123Z {ID}x INFO hi");
    assert_eq!(rid(&m), None);
}

#[test]
fn plausible_ascii_fast_path_agrees_with_char_classes() {
    for b in 0u8..=0x7f {
        let id = format!("abcd{}efgh", b as char);
        let slow = !id.chars().any(|c| c.is_whitespace() || c.is_control());
        assert_eq!(plausible(&id), slow, "{b:#x}");
    }
}

/// The finder's and the oracle's (the finder before the rewrite) answers.
fn both(message: &str) -> (Option<String>, Option<String>) {
    let json = crate::parse::json::extract_object(message);
    let shared = Shared::of(message, json.as_ref());
    (
        find_in(message, &shared).map(Cow::into_owned),
        super::oracle::find_in(message, &shared).map(Cow::into_owned),
    )
}

/// Pieces of every header the module knows, near misses of them, and what
/// sits around a request id: UUIDs well and badly formed, hex and dash
/// runs, level words, timestamps, blanks, brackets, colour codes, line
/// ends, JSON members, padding that moves a UUID past the header's reach.
const PIECES: &[&str] = &[
    ID,
    "8F507CFC-1234-4697-B07A-AC58FC914C95",
    "8f507cfc-1234-4697-b07a-ac58fc914c9",
    "8f507cfc-1234-4697-b07a",
    "8f507cfc-12345-697-b07a-ac58fc914c95",
    "8f507cfg-1234-4697-b07a-ac58fc914c95",
    "deadbeef",
    "-",
    "--",
    "-1234-",
    "a",
    "0",
    "START",
    "END",
    "REPORT",
    "INIT_REPORT",
    "RequestId: ",
    "RequestId:",
    " Version: $LATEST",
    " Error: Runtime exited",
    "[INFO]",
    "[ERROR]",
    "[info]",
    "INFO",
    "WARN:",
    "warning",
    "DEBUG",
    "nope",
    "2024-11-25T10:03:50.285Z",
    "2024-11-25",
    "10:03:50",
    "12",
    "\t",
    " ",
    "  ",
    "[",
    "]",
    "<",
    ">",
    "(",
    ")",
    "[main]",
    "\x1b[33m",
    "\x1b[0m",
    "\x1b[",
    "m",
    "Task timed out after 3.00 seconds",
    "Task",
    " timed",
    " out",
    "I, [",
    "2024-11-25T10:03:50.285Z #1234]",
    "] ",
    " -- ",
    "app: ",
    "Lambda runtime invoke{requestId=\"",
    "\"",
    " xrayTraceId=\"1-5e34a614\"}: ",
    "{",
    "}",
    "\n",
    "\r",
    "\r\n",
    "undefined",
    "null",
    "{\"requestId\": \"",
    "{\"request_id\": \" ",
    "{\"awsRequestId\":\"",
    "\", \"AWSRequestId\": \"",
    "\"}",
    " \"}",
    "{\"type\":\"platform.start\",\"record\":{\"requestId\":\"",
    "\"}}",
    "é",
    "\u{a0}",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "                                                                ",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20000))]

    #[test]
    fn equals_the_oracle_on_lines_of_the_grammar(parts in proptest::collection::vec(
        proptest::sample::select(PIECES), 0..12,
    )) {
        let msg: String = parts.concat();
        let (got, want) = both(&msg);
        prop_assert_eq!(got, want, "{:?}", msg);
    }

    #[test]
    fn equals_the_oracle_on_any_text(msg in "[ -~\t\n\r\x1bé]{0,200}") {
        let (got, want) = both(&msg);
        prop_assert_eq!(got, want, "{:?}", msg);
    }
}

#[test]
fn equals_the_oracle_on_every_fixture_line() {
    let mut found = 0;
    for msg in crate::parse::fixture_lines::messages() {
        let (got, want) = both(&msg);
        found += usize::from(want.is_some());
        assert_eq!(got, want, "{msg:?}");
    }
    assert!(found > 1000, "{found}");
}

#[test]
fn equals_the_oracle_with_the_uuid_at_every_start() {
    // Every start around the header's reach and every block edge, with the
    // line ending before, inside and after the UUID.
    for pad in 0..200 {
        for head in [
            "",
            "[INFO]\t2024-11-25T10:03:50.285Z\t",
            "2024-11-25T10:03:50.285Z\t",
            "12 ",
        ] {
            for tail in ["", "\tmsg", " INFO x", "\nINFO"] {
                let msg = format!("{head}{}{ID}{tail}", "x".repeat(pad));
                let (got, want) = both(&msg);
                assert_eq!(got, want, "{msg:?}");
                let msg = format!("{head}{}{ID}{tail}", " ".repeat(pad));
                let (got, want) = both(&msg);
                assert_eq!(got, want, "{msg:?}");
            }
        }
    }
}
