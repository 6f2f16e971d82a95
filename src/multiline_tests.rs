//! Tests of [`super::merge`]: each stack, the negatives, the bound, and
//! that every event id stays accounted for.

use proptest::prelude::*;

use super::*;

fn events(lines: &[&str]) -> Vec<LogEvent<'static>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, m)| LogEvent {
            id: format!("e{i}").into(),
            timestamp: 1_700_000_000_000 + i as i64,
            message: (*m).to_string().into(),
            message_json: None,
            extracted_fields: None,
        })
        .collect()
}

/// The merged messages, one per record.
fn records(lines: &[&str]) -> Vec<String> {
    let merged = merge(events(lines));
    check_accounted(lines.len(), &merged);
    merged
        .events
        .into_iter()
        .map(|e| e.message.into_owned())
        .collect()
}

/// Every id once, in order; each record keeps its first event's id and
/// timestamp; the messages joined with `\n` give back the input.
fn check_accounted(n: usize, merged: &Merged) {
    assert_eq!(merged.events.len(), merged.merged_ids.len());
    let mut ids = Vec::new();
    for (e, m) in merged.events.iter().zip(&merged.merged_ids) {
        let i: usize = e.id[1..].parse().unwrap();
        assert_eq!(
            e.timestamp,
            1_700_000_000_000 + i as i64,
            "timestamp of the first event"
        );
        ids.push(e.id.to_string());
        ids.extend(m.iter().cloned());
    }
    let want: Vec<String> = (0..n).map(|i| format!("e{i}")).collect();
    assert_eq!(ids, want, "every id once, in order");
}

/// The lines of events joined as [`merge`] joins them: with `\n`, but none
/// after a message that ends with one.
fn joined(lines: &[&str]) -> String {
    let mut s = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 && !lines[i - 1].ends_with('\n') {
            s.push('\n');
        }
        s.push_str(l);
    }
    s
}

#[test]
fn python_traceback_joins_the_error_line_that_announced_it() {
    let lines = [
        "INFO:werkzeug:127.0.0.1 - - [29/Nov/2018 01:59:49] \"GET / HTTP/1.1\" 200 -",
        "ERROR:root:failed to process like",
        "Traceback (most recent call last):",
        "  File \"/app/service.py\", line 42, in like",
        "    result = table.update_item(Key=key)",
        "  File \"/usr/lib/python3.11/site-packages/boto3/resources/factory.py\", line 580, in do_action",
        "    response = action(self, *args, **kwargs)",
        "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "botocore.exceptions.ClientError: An error occurred (ValidationException): bad key",
        "INFO:werkzeug:127.0.0.1 - - [29/Nov/2018 01:59:50] \"GET / HTTP/1.1\" 200 -",
    ];
    assert_eq!(
        records(&lines),
        [lines[0].to_string(), joined(&lines[1..9]), lines[9].to_string()]
    );
}

#[test]
fn lambda_and_flask_error_heads_announce_a_traceback() {
    for head in [
        "[ERROR]\t2024-01-05T12:00:00.123Z\t6f2b1a3c-1d2e-4f5a-9b8c-0d1e2f3a4b5c\tunhandled",
        "[2018-11-29 01:59:49,123] ERROR in app: Exception on /like [POST]",
        "2024-01-05 12:00:00,123 - like - CRITICAL - giving up",
        "time=\"2024-01-05T12:00:00Z\" level=error msg=\"failed\"",
        "WARNING:root:retrying after error",
        "Exception in thread Thread-1:",
        "\x1b[31mERROR\x1b[0m boom",
        "2024-01-05 12:00:00 \x1b[1;31mERROR\x1b[0m boom",
        "2024-11-25 11:04:50.441 [exec-6] AWS-XRAY-TRACE-ID: 1-674459cf-64a18525c7a673fe7cc6c84d@90de5466bd6b51ea ERROR c.e.OrderService - failed",
        "{\"level\":\"error\",\"msg\":\"failed\"}",
    ] {
        let lines = [
            head,
            "Traceback (most recent call last):",
            "  File \"x.py\", line 1, in <module>",
            "KeyError: 'x'",
        ];
        assert_eq!(records(&lines), [joined(&lines)], "{head}");
    }
}

#[test]
fn traceback_after_an_unrelated_line_stands_on_its_own() {
    for head in [
        "INFO: 3 errors found",
        "2024-01-05 12:00:00 [main] c.e.error.Handler INFO ok",
        "GET /api/error/page 200",
        "127.0.0.1 - - [29/Nov/2018:01:59:49 +0000] \"GET /like HTTP/1.1\" 500 12",
        "Starting worker",
    ] {
        let lines = [
            head,
            "Traceback (most recent call last):",
            "  File \"x.py\", line 1, in <module>",
            "StopIteration",
        ];
        assert_eq!(records(&lines), [head.to_string(), joined(&lines[1..])], "{head}");
    }
}

#[test]
fn chained_python_tracebacks_are_one_record() {
    let lines = [
        "Traceback (most recent call last):",
        "  File \"/app/a.py\", line 3, in f",
        "    return d['x']",
        "KeyError: 'x'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        "  File \"/app/a.py\", line 5, in g",
        "    raise ValueError('no x')",
        "ValueError: no x",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        "  File \"/app/a.py\", line 9, in h",
        "myapp.errors.CustomError: wrapped",
        "[2024-01-05 12:00:01,000] INFO in app: next request",
    ];
    assert_eq!(records(&lines), [joined(&lines[..17]), lines[17].to_string()]);
}

#[test]
fn two_tracebacks_without_a_chain_line_are_two_records() {
    let tb = [
        "Traceback (most recent call last):",
        "  File \"a.py\", line 1, in <module>",
        "ValueError: a",
    ];
    let lines = [tb[0], tb[1], tb[2], tb[0], tb[1], tb[2]];
    assert_eq!(records(&lines), [joined(&tb), joined(&tb)]);
}

#[test]
fn python_source_lines_stay_in_the_traceback_whatever_they_read() {
    let lines = [
        "Traceback (most recent call last):",
        "  File \"/app/levels.py\", line 2, in <module>",
        "    ERROR = 5",
        "  File \"/app/t.py\", line 7, in now",
        "    2024-01-05 is a date",
        "Error: boom",
    ];
    assert_eq!(records(&lines), [joined(&lines)]);
}

#[test]
fn a_log_header_after_frames_is_not_taken_for_the_exception_line() {
    let lines = [
        "Traceback (most recent call last):",
        "  File \"a.py\", line 1, in <module>",
        "WARNING: stress function activated",
    ];
    assert_eq!(records(&lines), [joined(&lines[..2]), lines[2].to_string()]);
}

#[test]
fn java_stack_trace_with_causes_is_one_record() {
    let lines = [
        "2024-01-05 12:00:00.123 ERROR 1 --- [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() failed",
        "java.lang.IllegalStateException: like failed",
        "\tat com.example.like.LikeController.like(LikeController.java:42)",
        "\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
        "\tSuppressed: java.io.IOException: close failed",
        "\t\tat com.example.like.Db.close(Db.java:9)",
        "Caused by: java.sql.SQLException: connection refused",
        "\tat com.example.like.Db.open(Db.java:12)",
        "\t... 12 more",
        "Caused by: java.net.ConnectException: Connection refused",
        "... 5 common frames omitted",
        "2024-01-05 12:00:00.200  INFO 1 --- [nio-8080-exec-2] c.e.like.LikeController : liked",
    ];
    assert_eq!(records(&lines), [joined(&lines[..11]), lines[11].to_string()]);
}

#[test]
fn dotnet_exception_line_with_an_hresult_continues_an_announcing_head() {
    let lines = [
        "[10:03:30 FTL] Unhandled exception in worker loop, process will exit",
        "System.Data.SqlClient.SqlException (0x80131904): A transport-level error has occurred",
        "   --- End of inner exception stack trace ---",
        "   at System.Data.SqlClient.SqlConnection.OnError(SqlException exception)",
    ];
    assert_eq!(records(&lines), [joined(&lines)]);
}

#[test]
fn java_exception_line_after_an_info_head_starts_its_own_record() {
    let lines = [
        "12:00:00.123 [main] INFO  com.example.App - started",
        "com.example.LikeException: no such mysfit",
        "\tat com.example.App.main(App.java:3)",
    ];
    assert_eq!(records(&lines), [lines[0].to_string(), joined(&lines[1..])]);
}

#[test]
fn jvm_uncaught_exception_report_is_a_head() {
    let lines = [
        "ERROR something else failed",
        "Exception in thread \"main\" java.lang.RuntimeException: boom",
        "\tat Main.main(Main.java:5)",
    ];
    assert_eq!(records(&lines), [lines[0].to_string(), joined(&lines[1..])]);
}

#[test]
fn dotnet_exception_is_one_record() {
    let lines = [
        "fail: Microsoft.AspNetCore.Server.Kestrel[13]",
        "      Connection id \"0HMV\", Request id \"0HMV:00000001\": An unhandled exception was thrown.",
        "      System.InvalidOperationException: Sequence contains no elements",
        "         at System.Linq.ThrowHelper.ThrowNoElementsException()",
        "         at Like.Controllers.LikeController.Get() in /src/LikeController.cs:line 21",
        "      --- End of stack trace from previous location ---",
        "info: Microsoft.Hosting.Lifetime[0]",
    ];
    assert_eq!(records(&lines), [joined(&lines[..6]), lines[6].to_string()]);
}

#[test]
fn node_error_with_frames_is_one_record() {
    let lines = [
        "TypeError: Cannot read properties of undefined (reading 'id')",
        "    at like (/app/index.js:12:20)",
        "    at async Promise.all (index 0)",
        "    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
        "{\"level\":30,\"msg\":\"next\"}",
    ];
    assert_eq!(records(&lines), [joined(&lines[..4]), lines[4].to_string()]);
}

#[test]
fn go_panic_block_is_one_record() {
    let lines = [
        "panic: runtime error: index out of range [5] with length 3",
        "",
        "goroutine 1 [running]:",
        "main.like(...)",
        "\t/app/main.go:12",
        "main.main()",
        "\t/app/main.go:20 +0x1d",
        "",
        "goroutine 18 [chan receive, 2 minutes]:",
        "github.com/example/like.(*Server).Serve(0xc000120000, {0x4b5e80?, 0xc000012345?})",
        "\t/go/pkg/mod/github.com/example/like/server.go:88 +0x2a5",
        "created by main.main in goroutine 1",
        "\t/app/main.go:15 +0x66",
        "exit status 2",
        "2024/01/05 12:00:01 starting like service",
    ];
    assert_eq!(records(&lines), [joined(&lines[..14]), lines[14].to_string()]);
}

#[test]
fn go_signal_dump_is_one_record() {
    let lines = [
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47e0a4]",
        "",
        "goroutine 1 [running]:",
        "main.main()",
        "\t/app/main.go:9 +0x24",
    ];
    assert_eq!(records(&lines), [joined(&lines)]);
}

#[test]
fn ruby_backtrace_is_one_record() {
    let lines = [
        "E, [2024-01-05T12:00:00.123456 #1] ERROR -- : undefined method `likes' for nil (NoMethodError)",
        "/app/models/mysfit.rb:12:in `like!'",
        "/app/controllers/likes_controller.rb:7:in `create'",
        "I, [2024-01-05T12:00:01.000000 #1]  INFO -- : Completed 500",
        "/app/uncaught.rb:3:in `f': boom (RuntimeError)",
        "\tfrom /app/uncaught.rb:7:in `<main>'",
    ];
    assert_eq!(
        records(&lines),
        [joined(&lines[..3]), lines[3].to_string(), joined(&lines[4..])]
    );
}

#[test]
fn rust_panic_is_one_record() {
    let lines = [
        "thread 'main' panicked at src/main.rs:2:5:",
        "index out of bounds: the len is 3 but the index is 5",
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
        "stack backtrace:",
        "   0: rust_begin_unwind",
        "             at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/panicking.rs:689:5",
        "2024-01-05T12:00:01.000000Z  INFO like: restarted",
        "after",
    ];
    assert_eq!(
        records(&lines),
        [joined(&lines[..6]), lines[6].to_string(), lines[7].to_string()]
    );
}

#[test]
fn indented_lines_continue_their_head() {
    let lines = [
        "Usage: like [OPTIONS]",
        "  --port INTEGER  port to listen on",
        "\t--debug",
        "Done",
    ];
    assert_eq!(records(&lines), [joined(&lines[..3]), lines[3].to_string()]);
}

#[test]
fn an_indented_line_with_a_log_header_starts_a_new_record() {
    let lines = [
        "Starting like service",
        "  2024-01-05 12:00:00 INFO padded by the process manager",
        "\t[WARN] also padded",
        "    INFO  another",
    ];
    assert_eq!(records(&lines), lines.map(str::to_string));
}

#[test]
fn two_independent_warn_lines_stay_apart() {
    let lines = ["WARN: stress function activated", "WARN: simulated 404 activated"];
    assert_eq!(records(&lines), lines.map(str::to_string));
}

#[test]
fn json_log_lines_stay_apart() {
    let lines = [
        "{\"level\":\"error\",\"msg\":\"a\"}",
        "{\"level\":\"error\",\"msg\":\"b\"}",
        "  {\"level\":\"info\",\"msg\":\"indented c\"}",
    ];
    // An indented line continues its head even when it is JSON: there is no
    // telling it from a member line of a pretty-printed object.
    assert_eq!(records(&lines), [lines[0].to_string(), joined(&lines[1..])]);
}

#[test]
fn pretty_printed_json_is_one_record() {
    let lines = [
        "{",
        "  \"mysfit\": \"yeti\",",
        "  \"likes\": [",
        "    1",
        "  ]",
        "}",
        "}",
    ];
    // The last `}` has nothing to close: the record before it is already whole
    // but cannot know it, so it takes the stray bracket too.
    assert_eq!(records(&lines), [joined(&lines)]);
    let lines = ["liked: {", "  \"id\": 1", "}", "next"];
    assert_eq!(records(&lines), [joined(&lines[..3]), lines[3].to_string()]);
    let lines = ["done", "}"];
    assert_eq!(records(&lines), lines.map(str::to_string));
}

#[test]
fn blank_line_outside_a_trace_is_a_record_of_its_own() {
    let lines = ["INFO start", "", "INFO next", "  "];
    assert_eq!(records(&lines), lines.map(str::to_string));
}

#[test]
fn first_event_of_a_delivery_is_a_head_even_when_it_continues_a_trace() {
    let lines = [
        "\tat com.example.App.main(App.java:3)",
        "\t... 3 more",
        "Caused by: x.Y: z",
    ];
    assert_eq!(records(&lines), [joined(&lines)]);
    let lines = ["Caused by: x.Y: z", "INFO next"];
    assert_eq!(records(&lines), lines.map(str::to_string));
}

#[test]
fn crlf_line_endings_do_not_change_the_decision() {
    let lines = [
        "ERROR:root:failed\r",
        "Traceback (most recent call last):\r",
        "  File \"a.py\", line 1, in <module>\r",
        "ValueError: x\r",
        "\r",
        "INFO:root:next\r",
    ];
    assert_eq!(records(&lines), [joined(&lines[..5]), lines[5].to_string()]);
}

#[test]
fn lambda_messages_ending_with_a_line_break_join_without_a_blank_line() {
    let lines = [
        "[INFO]\t2024-11-25T12:40:14.722Z\ta06942c0\tResizing u/88213/IMG_4411.HEIC to 3 sizes\n",
        "  -> 320x240 written (339.5 KiB)\n",
        "  -> 800x600 written (381.0 KiB)\n",
        "[INFO]\t2024-11-25T12:40:15.000Z\ta06942c0\tdone\n",
    ];
    let recs = records(&lines);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0], lines[..3].concat());
    let lines = [
        "ERROR:root:failed\n",
        "Traceback (most recent call last):\n",
        "  File \"a.py\", line 1, in f\n",
        "KeyError: 1\n",
    ];
    assert_eq!(records(&lines), [lines.concat()]);
}

#[test]
fn werkzeug_banner_lines_indented_by_one_space_stand_alone() {
    let lines = [
        "10.0.1.201 - - [24/Nov/2024 16:20:59] \"POST /mysfits/1/like HTTP/1.1\" 404 -",
        " * Detected change in '/app/mysfits_like.py', reloading",
        " * Restarting with stat",
        "   WARNING: This is a development server. Do not use it in a production deployment.",
        "   Use a production WSGI server instead.",
    ];
    assert_eq!(
        records(&lines),
        [
            lines[0].to_string(),
            lines[1].to_string(),
            lines[2].to_string(),
            joined(&lines[3..])
        ]
    );
}

#[test]
fn an_event_holding_several_lines_moves_the_state_on() {
    // Lambda's Python runtime writes a whole traceback in one event.
    let lines = [
        "[ERROR] KeyError: 'x'\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 3, in handler\nKeyError: 'x'",
        "",
        "During handling of the above exception, another exception occurred:",
        "INFO next",
    ];
    assert_eq!(records(&lines), [joined(&lines[..3]), lines[3].to_string()]);
}

#[test]
fn a_runaway_trace_is_cut_at_the_line_bound() {
    let mut lines = vec!["java.lang.StackOverflowError"];
    lines.extend(std::iter::repeat_n("\tat com.example.R.f(R.java:1)", 2_500));
    let recs = records(&lines);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0].lines().count(), MAX_RECORD_LINES);
    assert_eq!(recs[1].lines().count(), MAX_RECORD_LINES);
    assert_eq!(recs[2].lines().count(), 501);
    assert!(
        recs[1].starts_with("\tat "),
        "the rest of the trace goes on collecting"
    );
}

#[test]
fn a_runaway_trace_is_cut_at_the_byte_bound() {
    let frame = format!("\tat com.example.R.f(R.java:1) {}", "x".repeat(1000));
    let mut lines = vec!["java.lang.StackOverflowError".to_string()];
    lines.extend(std::iter::repeat_n(frame, 600));
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let recs = records(&lines);
    assert!(recs.len() >= 3);
    assert!(recs.iter().all(|r| r.len() <= MAX_RECORD_BYTES));
}

#[test]
fn an_event_larger_than_the_bound_is_never_cut() {
    let big = format!("ERROR {}", "x".repeat(MAX_RECORD_BYTES + 10));
    let lines = [big.as_str(), "\tat com.example.R.f(R.java:1)"];
    assert_eq!(records(&lines), lines.map(str::to_string));
}

#[test]
fn merged_record_keeps_the_first_event_and_lists_the_others() {
    let mut evs = events(&[
        "ERROR failed",
        "java.lang.XError: y",
        "\tat A.b(A.java:1)",
        "INFO ok",
    ]);
    evs[0].extracted_fields = Some(Box::default());
    let merged = merge(evs);
    assert_eq!(merged.events.len(), 2);
    assert_eq!(merged.events[0].id, "e0");
    assert_eq!(merged.events[0].timestamp, 1_700_000_000_000);
    assert!(merged.events[0].extracted_fields.is_some());
    assert_eq!(
        merged.events[0].message,
        "ERROR failed\njava.lang.XError: y\n\tat A.b(A.java:1)"
    );
    assert_eq!(
        merged.merged_ids,
        [vec!["e1".to_string(), "e2".to_string()], vec![]]
    );
}

#[test]
fn no_events_give_no_records() {
    assert_eq!(merge(Vec::new()), Merged::default());
}

#[test]
fn header_detection_covers_the_common_formats() {
    for h in [
        "2024-01-05T12:00:00Z x",
        "2024/01/05 12:00:00 x",
        "05/01/2024 x",
        "05-Jan-2024 12:00:00.000 INFO x",
        "Jan  5 12:00:00 host x",
        "Jan 05, 2024 3:04:05 PM com.x.Y main",
        "Fri, 05 Jan 2024 12:00:00 GMT x",
        "[15:25:41 INF] x",
        "[2024-01-05 12:00:00] x",
        "<13>Jan  5 12:00:00 x",
        "W, [2024-01-05T12:00:00.123 #1]  WARN -- : x",
        "W0105 12:00:00.123456    1 x.go:1] x",
        "WARNING:root:x",
        "warn: Like[0]",
        "[error    ] x",
        "INFO  [main] x",
        "level=info msg=x",
        "\x1b[33mWARN\x1b[0m x",
    ] {
        assert!(is_header(h), "{h:?}");
    }
    for h in [
        "Error handling request",
        "errors found",
        "10.10.10.10 - - x",
        "at com.x.Y.z(Y.java:1)",
        "Caused by: x",
        "\"time\": \"2024-01-05\"",
        "Information is here",
        "Traceback (most recent call last):",
    ] {
        assert!(!is_header(h), "{h:?}");
    }
}

const VOCABULARY: &[&str] = &[
    "",
    "INFO ok",
    "ERROR:root:failed",
    "WARN: stress function activated",
    "Traceback (most recent call last):",
    "  File \"a.py\", line 1, in <module>",
    "ValueError: x",
    "During handling of the above exception, another exception occurred:",
    "java.lang.X: y",
    "\tat A.b(A.java:1)",
    "Caused by: z.Q",
    "\t... 3 more",
    "panic: boom",
    "goroutine 1 [running]:",
    "main.main()",
    "{",
    "}",
    "  indented",
    "a\nb\r\n  c",
    "[INFO]\tts\treq\tLambda line\n",
    "  -> indented Lambda line\n",
    "\n",
    "Traceback (most recent call last):\n  File \"x\", line 2, in f\nKeyError: 1",
    "/app/x.rb:3:in `f'",
    "thread 'main' panicked at src/main.rs:2:5:",
    "note: run with `RUST_BACKTRACE=1`",
    "stack backtrace:",
];

proptest! {
    #[test]
    fn merging_never_reorders_drops_or_duplicates(picks in proptest::collection::vec(0..VOCABULARY.len(), 0..200)) {
        let lines: Vec<&str> = picks.iter().map(|&i| VOCABULARY[i]).collect();
        let merged = merge(events(&lines));
        check_accounted(lines.len(), &merged);
        for (e, m) in merged.events.iter().zip(&merged.merged_ids) {
            let first: usize = e.id[1..].parse().unwrap();
            let parts = m.len() + 1;
            prop_assert_eq!(e.message.clone(), joined(&lines[first..first + parts]));
        }
    }
}
