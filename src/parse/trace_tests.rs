//! Tests of [`super::find`] and the id types, one behaviour each.

use proptest::prelude::*;

use super::*;

const XRAY: &str = "1-5759e988-bd862e3fe1be46a994272793";
const HEX32: &str = "5759e988bd862e3fe1be46a994272793";
const SPAN: &str = "53995c3f42cd8ad8";

fn obj(s: &str) -> crate::parse::json::Members<'_> {
    crate::parse::json::extract_object(s).unwrap()
}

/// `find` with the JSON object the console rule would give.
fn found(message: &str) -> Option<(String, Option<String>)> {
    let json = crate::parse::json::extract_object(message);
    find(message, json.as_ref()).map(|f| (f.trace.xray(), f.span.map(SpanId::hex)))
}

fn trace_of(message: &str) -> Option<String> {
    found(message).map(|(t, _)| t)
}

fn span_of(message: &str) -> Option<String> {
    found(message).and_then(|(_, s)| s)
}

// ------------------------------------------------------------------ types

#[test]
fn xray_and_hex_are_two_spellings_of_one_trace() {
    let a = TraceId::from_xray(XRAY).unwrap();
    let b = TraceId::from_hex(HEX32).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.hex(), HEX32);
    assert_eq!(a.xray(), XRAY);
    assert_eq!(TraceId::parse(XRAY), TraceId::parse(HEX32));
}

#[test]
fn upper_case_hex_is_read_and_written_lower() {
    let t = TraceId::from_xray("1-5759E988-BD862E3FE1BE46A994272793").unwrap();
    assert_eq!(t.xray(), XRAY);
    assert_eq!(SpanId::from_hex("53995C3F42CD8AD8").unwrap().hex(), SPAN);
}

#[test]
fn all_zero_and_malformed_ids_are_refused() {
    assert!(TraceId::from_hex(&"0".repeat(32)).is_none());
    assert!(TraceId::from_xray("1-00000000-000000000000000000000000").is_none());
    assert!(SpanId::from_hex(&"0".repeat(16)).is_none());
    assert!(TraceId::from_hex("+759e988bd862e3fe1be46a994272793").is_none());
    assert!(TraceId::from_hex("5759e988bd862e3fe1be46a99427279g").is_none());
    assert!(TraceId::from_xray("2-5759e988-bd862e3fe1be46a994272793").is_none());
    assert!(TraceId::from_xray("1-5759e988bbd862e3fe1be46a994272793").is_none());
    assert!(SpanId::from_hex("53995c3f42cd8ad").is_none());
    assert!(TraceId::from_hex("é759e988bd862e3fe1be46a99427279").is_none());
}

// ------------------------------------------------------------------ 1. X-Amzn-Trace-Id

#[test]
fn amzn_header_gives_trace_and_parent_span() {
    let m = format!("X-Amzn-Trace-Id: Root={XRAY};Parent={SPAN};Sampled=1");
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn amzn_header_with_sampled_zero_still_states_a_trace() {
    let m = format!("Root={XRAY};Parent={SPAN};Sampled=0");
    assert_eq!(trace_of(&m).as_deref(), Some(XRAY));
}

#[test]
fn amzn_header_without_parent_has_no_span() {
    let m = format!("incoming request trace=Root={XRAY};Sampled=1 path=/like");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn amzn_header_parent_before_root_is_found() {
    let m = format!("X-Amzn-Trace-Id: Parent={SPAN};Root={XRAY};Sampled=1");
    assert_eq!(span_of(&m).as_deref(), Some(SPAN));
}

#[test]
fn amzn_header_self_field_is_neither_trace_nor_span() {
    let m = format!("\"Self=1-67891234-12456789abcdef012345678a;Root={XRAY};CalledFrom=app\"");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn amzn_header_in_alb_access_line_is_found() {
    let m = format!(
        "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 \
         10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 \"GET http://www.example.com:80/ HTTP/1.1\" \
         \"curl/7.46.0\" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \
         \"Root={XRAY}\" \"-\" \"-\" 0 2018-07-02T22:22:48.364000Z \"forward\" \"-\" \"-\""
    );
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn amzn_header_in_upper_case_is_written_lower() {
    let m = "Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=1";
    assert_eq!(found(m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn amzn_header_beats_json_members_and_later_rules() {
    let other = "1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb";
    let m = format!(r#"{{"traceId":"{other}","headers":{{"x-amzn-trace-id":"Root={XRAY};Parent={SPAN}"}}}}"#);
    assert_eq!(trace_of(&m).as_deref(), Some(XRAY));
}

#[test]
fn all_zero_root_is_skipped_for_later_rules() {
    let m = format!("Root=1-00000000-000000000000000000000000;Parent={SPAN} then {XRAY}");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn all_zero_parent_keeps_the_trace_without_span() {
    let m = format!("Root={XRAY};Parent=0000000000000000;Sampled=1");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn root_inside_a_word_is_not_a_header() {
    let m = format!("uproot={XRAY}");
    // Not rule 1, but the id is still a whole token for rule 5.
    assert_eq!(found(&m), Some((XRAY.into(), None)));
    assert!(found("Root=1-5759e988-bd862e3fe1be46a99427279").is_none());
}

#[test]
fn platform_record_tracing_gives_trace_and_the_parent_span() {
    let own = "0a1b2c3d4e5f6071";
    let m = format!(
        r#"{{"time":"2024-01-01T00:00:00.000Z","type":"platform.start","record":{{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"$LATEST","tracing":{{"spanId":"{own}","type":"X-Amzn-Trace-Id","value":"Root={XRAY};Parent={SPAN};Sampled=1"}}}}}}"#
    );
    // Rule 1 reads the value: its Parent is the span.
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn platform_record_without_parent_uses_its_own_span_id() {
    let own = "0a1b2c3d4e5f6071";
    let m = format!(
        r#"{{"time":"2024-01-01T00:00:00.000Z","type":"platform.start","record":{{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","tracing":{{"spanId":"{own}","type":"X-Amzn-Trace-Id","value":"Root={XRAY};Sampled=1"}}}}}}"#
    );
    assert_eq!(found(&m), Some((XRAY.into(), Some(own.into()))));
}

#[test]
fn platform_record_without_span_id_uses_parent() {
    let m = format!(
        r#"{{"time":"2024-01-01T00:00:00.000Z","type":"platform.report","record":{{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","tracing":{{"type":"X-Amzn-Trace-Id","value":"Root={XRAY};Parent={SPAN};Sampled=1"}},"status":"success"}}}}"#
    );
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

// ------------------------------------------------------------------ 2. REPORT

#[test]
fn lambda_report_gives_trace_and_segment() {
    let m = format!(
        "REPORT RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95\tDuration: 15.74 ms\tBilled Duration: 16 ms\t\
         Memory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t\nXRAY TraceId: {XRAY}\t\
         SegmentId: {SPAN}\tSampled: true\t\n"
    );
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn lambda_report_not_sampled_still_states_a_trace() {
    let m = format!(
        "REPORT RequestId: x\tDuration: 1 ms\nXRAY TraceId: {XRAY}\tSegmentId: {SPAN}\tSampled: false"
    );
    assert_eq!(trace_of(&m).as_deref(), Some(XRAY));
}

#[test]
fn lambda_report_with_crlf_and_spaces_is_read() {
    let m = format!(
        "REPORT RequestId: x  Duration: 1 ms\r\nXRAY TraceId: {XRAY}   SegmentId: {SPAN} Sampled: true\r\n"
    );
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn lambda_report_segment_must_be_sixteen_hex() {
    let m = format!("XRAY TraceId: {XRAY}\tSegmentId: {SPAN}0\tSampled: true");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

// ------------------------------------------------------------------ 3. JSON

#[test]
fn json_members_are_read_in_either_form() {
    for key in [
        "traceId",
        "trace_id",
        "xray_trace_id",
        "xrayTraceId",
        "AWS-XRAY-TRACE-ID",
        "otelTraceID",
        "trace.id",
    ] {
        for value in [XRAY, HEX32] {
            let m = format!(r#"{{"msg":"hi","{key}":"{value}"}}"#);
            let j = obj(&m);
            let f = json_members(&j).unwrap_or_else(|| panic!("{key}={value}"));
            assert_eq!(f.trace.xray(), XRAY, "{key}");
        }
    }
}

#[test]
fn powertools_record_gives_its_xray_trace() {
    let m = format!(
        r#"{{"level":"INFO","location":"handler:12","message":"liked","timestamp":"2024-01-01 00:00:00,000+0000","service":"like","cold_start":true,"function_name":"like","function_memory_size":"128","function_arn":"arn:aws:lambda:eu-west-1:123456789012:function:like","function_request_id":"52fdfc07-2182-454f-963f-5f0f9a621d72","xray_trace_id":"{XRAY}"}}"#
    );
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn java_mdc_trace_at_segment_gives_the_span() {
    let m = format!(r#"{{"message":"ok","AWS-XRAY-TRACE-ID":"{XRAY}@{SPAN}"}}"#);
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn json_span_members_go_with_the_trace() {
    for key in ["spanId", "span_id", "otelSpanID", "span.id"] {
        let m = format!(r#"{{"traceId":"{HEX32}","{key}":"{}"}}"#, SPAN.to_uppercase());
        assert_eq!(span_of(&m).as_deref(), Some(SPAN), "{key}");
    }
}

#[test]
fn nested_ecs_trace_and_span_objects_are_read() {
    let m = format!(r#"{{"message":"x","trace":{{"id":"{HEX32}"}},"span":{{"id":"{SPAN}"}}}}"#);
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn datadog_decimal_trace_id_is_ignored() {
    let m = r#"{"message":"x","dd.trace_id":"1234567890123456789","dd.span_id":"987654321","dd":{"trace_id":"123"}}"#;
    assert!(found(m).is_none());
    let n = r#"{"message":"x","trace_id":1234567890123456789}"#;
    assert!(found(n).is_none());
}

#[test]
fn all_zero_json_trace_falls_through_to_the_next_member() {
    let m = format!(r#"{{"traceId":"00000000000000000000000000000000","otelTraceID":"{HEX32}"}}"#);
    assert_eq!(trace_of(&m).as_deref(), Some(XRAY));
}

#[test]
fn json_span_without_trace_states_nothing() {
    assert!(found(&format!(r#"{{"spanId":"{SPAN}"}}"#)).is_none());
}

#[test]
fn json_member_order_is_schema_order() {
    let other = "aaaaaaaabbbbbbbbbbbbbbbbbbbbbbbb";
    let m = format!(r#"{{"otelTraceID":"{other}","traceId":"{HEX32}"}}"#);
    assert_eq!(trace_of(&m).as_deref(), Some(XRAY));
}

// ------------------------------------------------------------------ 4. W3C / OTel text

#[test]
fn traceparent_gives_trace_and_span() {
    let m = format!("GET /like traceparent=00-{HEX32}-{SPAN}-01 200");
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn traceparent_with_zero_trace_is_skipped() {
    let m = format!("traceparent: 00-00000000000000000000000000000000-{SPAN}-01");
    assert!(found(&m).is_none());
}

#[test]
fn traceparent_must_be_whole() {
    let m = format!("x00-{HEX32}-{SPAN}-01");
    assert!(found(&m).is_none());
    let n = format!("00-{HEX32}-{SPAN}-012");
    assert!(found(&n).is_none());
}

#[test]
fn python_otel_logging_format_gives_trace_and_span() {
    let m = format!(
        "2024-01-01 12:00:00,123 WARNING [root] [app.py:42] [trace_id={HEX32} span_id={SPAN} \
         resource.service.name=like trace_sampled=True] - WARN: simulated 404 activated"
    );
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn python_otel_logging_without_context_has_no_trace() {
    let m = "2024-01-01 12:00:00,123 INFO [root] [app.py:42] [trace_id=0 span_id=0 resource.service.name=like trace_sampled=False] - hello";
    assert!(found(m).is_none());
}

#[test]
fn labelled_ids_in_other_spellings_are_read() {
    for text in [
        format!("trace_id: {HEX32} span_id: {SPAN} router"),
        format!("level=info msg=done traceId=\"{HEX32}\" spanId=\"{SPAN}\""),
        format!("X-B3-TraceId: {HEX32} X-B3-SpanId: {SPAN}"),
        format!("TRACE_ID={HEX32} SPAN_ID={SPAN}"),
        format!("broken json {{\"trace.id\": \"{HEX32}\", \"span.id\": \"{SPAN}\""),
    ] {
        assert_eq!(found(&text), Some((XRAY.into(), Some(SPAN.into()))), "{text}");
    }
}

#[test]
fn labelled_ids_with_a_prefix_are_not_ours() {
    assert!(found(&format!("dd.trace_id={HEX32}")).is_none());
    assert!(found(&format!("parent_trace_id={HEX32}")).is_none());
    let m = format!("trace_id={HEX32} parent_span_id={SPAN}");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn otel_prefixed_labelled_ids_are_read() {
    // Elixir / Erlang OpenTelemetry logger metadata.
    let m = format!("19:30:05.001 request_id=F_qL3 otel_trace_id={HEX32} otel_span_id={SPAN} [info] GET /");
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
    let m = format!("OTEL.TRACE_ID={HEX32}");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
    // Only `otel` itself, as a whole token, is such a prefix.
    assert!(found(&format!("hotel_trace_id={HEX32}")).is_none());
    assert!(found(&format!("my_otel_trace_id={HEX32}")).is_none());
}

#[test]
fn labelled_ids_take_no_blank_around_an_equals_sign() {
    // A key=value pair is written without blanks; with them it is an
    // expression about some trace, not the line's own id.
    for text in [
        format!("SELECT * FROM spans WHERE trace_id = '{HEX32}' LIMIT 10"),
        format!("trace_id ={HEX32}"),
        format!("trace_id= {HEX32}"),
        format!("if span.trace_id == \"{HEX32}\""),
    ] {
        assert_eq!(found(&text), None, "{text}");
    }
    for text in [
        format!("trace_id='{HEX32}'"),
        format!("\"trace_id\"=\"{HEX32}\""),
        format!("trace_id:\t{HEX32}"),
    ] {
        assert_eq!(found(&text), Some((XRAY.into(), None)), "{text}");
    }
}

#[test]
fn labelled_trace_needs_exactly_32_hex() {
    assert!(found(&format!("trace_id={HEX32}0")).is_none());
    assert!(found(&format!("trace_id={}", &HEX32[..31])).is_none());
}

#[test]
fn spring_boot_correlation_id_gives_trace_and_span() {
    let m = format!(
        "2024-01-01T12:00:00.123Z  WARN 1 --- [like] [nio-8080-exec-1] [{HEX32}-{SPAN}] c.e.LikeController : WARN: stress function activated"
    );
    assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))));
}

#[test]
fn spring_boot_correlation_id_without_span_is_padded() {
    let m = format!("INFO [{HEX32}-                ] c.e.X : hi");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn sleuth_style_level_pattern_gives_trace_and_span() {
    for m in [
        format!("2024-11-25 19:30:01.123  WARN [orders,{HEX32},{SPAN}] 1 --- [main] c.e.X : hi"),
        format!("INFO [orders,{HEX32},{SPAN},true] 1 --- [main] c.e.X : hi"),
        format!("INFO [{HEX32}] [orders,{HEX32},{SPAN}] hi"),
    ] {
        assert_eq!(found(&m), Some((XRAY.into(), Some(SPAN.into()))), "{m}");
    }
    assert_eq!(found(&format!("INFO [,{HEX32},] hi")), Some((XRAY.into(), None)));
}

#[test]
fn sleuth_style_groups_need_the_exact_shape() {
    // A 64-bit Sleuth trace id, a 33-hex id, a span that is not 16 hex, a
    // blank in the name: no trace.
    assert!(found(&format!("INFO [orders,{},{SPAN}] hi", &HEX32[16..])).is_none());
    assert!(found(&format!("INFO [orders,{HEX32}0,{SPAN}] hi")).is_none());
    assert!(found(&format!("INFO [orders,{HEX32},{SPAN}0] hi")).is_none());
    assert!(found(&format!("INFO [my app,{HEX32},{SPAN}] hi")).is_none());
    // An all-zero span only drops the span.
    assert_eq!(
        found(&format!("INFO [orders,{HEX32},0000000000000000] hi")),
        Some((XRAY.into(), None))
    );
}

// ------------------------------------------------------------------ 5. bare X-Ray

#[test]
fn bare_xray_id_anywhere_is_found() {
    let m = format!("api gateway 10.0.0.1 GET /like 200 {XRAY}");
    assert_eq!(found(&m), Some((XRAY.into(), None)));
}

#[test]
fn bare_xray_id_must_be_a_whole_token() {
    assert!(found(&format!("a{XRAY}")).is_none());
    assert!(found(&format!("{XRAY}f")).is_none());
    assert!(found(&format!("{XRAY}0")).is_none());
    assert!(found("11-5759e988-bd862e3fe1be46a994272793").is_none());
    assert!(found("1-5759e988-bd862e3fe1be46a99427279").is_none());
    assert_eq!(trace_of(&format!("({XRAY})")).as_deref(), Some(XRAY));
    assert_eq!(trace_of(&format!("id={XRAY}.")).as_deref(), Some(XRAY));
}

#[test]
fn first_valid_bare_xray_id_wins() {
    let second = "1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb";
    let m = format!("x 1-00000000-000000000000000000000000 a{XRAY} {second} {XRAY}");
    assert_eq!(trace_of(&m).as_deref(), Some(second));
}

#[test]
fn ansi_colour_codes_do_not_hide_a_trace() {
    let m = format!("\x1b[33mWARN\x1b[0m trace \x1b[2m{XRAY}\x1b[0m");
    assert_eq!(trace_of(&m).as_deref(), Some(XRAY));
}

#[test]
fn lines_without_a_trace_have_none() {
    for m in [
        "",
        "WARN: stress function activated",
        "10.0.0.2 - - [29/Nov/2018 01:59:49] \"GET /mysfits/4e53920c-505a-4a90-a694-b9300791f0ae/like HTTP/1.1\" 200 -",
        "START RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95 Version: $LATEST",
        "trace_id= span_id=",
        "1-",
        "Root=",
        "XRAY TraceId: ",
        "00-",
        "[",
    ] {
        assert!(found(m).is_none(), "{m:?}");
    }
}

// ------------------------------------------------------------------ properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn xray_and_hex_round_trip(v in 1u128..) {
        let t = TraceId::from_u128(v).unwrap();
        prop_assert_eq!(TraceId::from_xray(&t.xray()), Some(t));
        prop_assert_eq!(TraceId::from_hex(&t.hex()), Some(t));
        prop_assert_eq!(TraceId::from_hex(&t.hex().to_uppercase()), Some(t));
        let x = t.xray();
        prop_assert_eq!(format!("{}{}", &x[2..10], &x[11..]), t.hex());
    }

    #[test]
    fn span_hex_round_trips(v in 1u64..) {
        let s = SpanId::from_u64(v).unwrap();
        prop_assert_eq!(SpanId::from_hex(&s.hex()), Some(s));
    }

    #[test]
    fn hex_run_prefilter_matches_a_plain_scan(s in "[0-9a-fA-F]{0,40}([ g-][0-9a-fA-F]{0,40}){0,4}") {
        let longest = s.split(|c: char| !c.is_ascii_hexdigit()).map(str::len).max().unwrap_or(0);
        prop_assert_eq!(has_hex_run(s.as_bytes()), longest >= MIN_HEX_RUN);
    }

    #[test]
    fn find_never_panics(s in "\\PC{0,200}") {
        let json = crate::parse::json::extract_object(&s);
        let _ = find(&s, json.as_ref());
    }

    #[test]
    fn find_never_panics_near_the_forms(
        prefix in "[ -~]{0,8}",
        form in prop::sample::select(vec!["Root=", "XRAY TraceId: ", "00-", "trace_id=", "1-", "[", "SegmentId: ", "span_id=", "Parent="]),
        tail in "[0-9a-fA-F;=\\- \\]]{0,60}",
    ) {
        let s = format!("{prefix}{form}{tail}");
        let _ = find(&s, None);
    }

    #[test]
    fn found_ids_are_in_the_text(v in 1u128.., pad in "[ .,;:()]{1,3}") {
        let t = TraceId::from_u128(v).unwrap();
        let s = format!("x{pad}{}{pad}y", t.xray());
        prop_assert_eq!(find(&s, None).map(|f| f.trace), Some(t));
    }
}

#[test]
fn ansi_colour_code_before_a_label_is_a_separator() {
    let m = format!(
        "\x1b[36mtrace_id\x1b[0m=\x1b[35m{HEX32}\x1b[0m \x1b[36mspan_id\x1b[0m=\x1b[35m{SPAN}\x1b[0m"
    );
    assert_eq!(
        found(&m),
        Some((XRAY.into(), Some(SPAN.into()))),
        "structlog console colours"
    );
    let n = format!("\x1b[36mtrace_id={HEX32}\x1b[0m");
    assert_eq!(trace_of(&n).as_deref(), Some(XRAY));
}

#[test]
fn hex_run_prefilter_finds_runs_at_any_offset() {
    for pad in 0..60 {
        for len in [23usize, 24, 32] {
            let m = format!("{}{}{}", " ".repeat(pad), "a".repeat(len), " x");
            assert_eq!(has_hex_run(m.as_bytes()), len >= 24, "pad {pad} len {len}");
        }
    }
    assert!(!has_hex_run(b""));
    assert!(!has_hex_run(b"4e53920c-505a-4a90-a694-b9300791f0ae"));
}

#[test]
fn an_mdc_trace_with_its_segment_in_text_states_the_span() {
    let f = find(
        "2024-11-25 11:03:42.415 [exec-1] AWS-XRAY-TRACE-ID: 1-6744598e-f508538e78f4f24d68953fd1@55b444b416886818 INFO  c.e.X - hi",
        None,
    )
    .unwrap();
    assert_eq!(f.trace.xray(), "1-6744598e-f508538e78f4f24d68953fd1");
    assert_eq!(f.span.map(|s| s.hex()).as_deref(), Some("55b444b416886818"));
    let f = find("id 1-6744598e-f508538e78f4f24d68953fd1@55b444b416886818x", None).unwrap();
    assert_eq!(f.span, None, "a segment glued to more text is no span");
}

#[test]
fn the_byte_tables_are_their_predicates() {
    for b in 0..=255u8 {
        assert_eq!(is_hex(b), b.is_ascii_hexdigit(), "{b}");
        let header = b.is_ascii_alphanumeric() || b"=;-_.?:|".contains(&b);
        assert_eq!(is_header_byte(b), header, "{b}");
    }
}

proptest! {
    /// The table-driven hex reader is `u128::from_str_radix` on 1 to 32
    /// hex digits, and refuses everything else.
    #[test]
    fn hex_value_is_from_str_radix(s in "[0-9a-fA-Fg/:@ ]{0,34}") {
        let want = match s.len() {
            1..=32 if s.bytes().all(|b| b.is_ascii_hexdigit()) => u128::from_str_radix(&s, 16).ok(),
            _ => None,
        };
        prop_assert_eq!(hex_value(s.as_bytes()), want);
    }

    #[test]
    fn hex_value_reads_every_hex_string(s in "[0-9a-fA-F]{1,32}") {
        prop_assert_eq!(hex_value(s.as_bytes()), u128::from_str_radix(&s, 16).ok());
    }
}
