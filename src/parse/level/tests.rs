//! Level detection: one test per family of formats, tricky negatives, JSON.

use super::*;

use Level::{Debug as D, Error as E, Fatal as F, Info as I, Trace as T, Warn as W};

fn text(line: &str) -> Option<Level> {
    detect(line, None)
}

/// As the pipeline calls it: with the object from the first `{`.
fn full(line: &str) -> Option<Level> {
    let json = crate::parse::json::extract_object(line);
    detect(line, json.as_ref())
}

fn check(cases: &[(&str, Option<Level>)]) {
    let mut wrong = Vec::new();
    for (line, want) in cases {
        let got = full(line);
        if got != *want {
            wrong.push(format!("{line:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn spellings_of_the_schema_table_in_any_case() {
    for (words, level) in [
        ("trace trc trce vrb verbose finest finer", T),
        ("debug dbg dbug fine", D),
        ("info inf information informational notice", I),
        ("warn warning wrn", W),
        ("error err eror fail severe", E),
        ("fatal ftl crit critical emerg emergency alert panic", F),
    ] {
        for w in words.split(' ') {
            assert_eq!(Level::from_name(w), Some(level), "{w}");
            assert_eq!(Level::from_name(&w.to_uppercase()), Some(level), "{w}");
            assert_eq!(text(&format!("[{w}] x")), Some(level), "[{w}]");
            assert_eq!(text(&format!("{}: x", w.to_uppercase())), Some(level), "{w}:");
        }
    }
    assert_eq!(Level::from_name(" Warning "), Some(W));
    assert_eq!(Level::from_name("warnings"), None);
    assert_eq!(Level::from_name("default"), None);
    assert_eq!(Level::from_name(""), None);
}

#[test]
fn python_logging_defaults() {
    check(&[
        ("WARNING:root:msg", Some(W)),
        ("ERROR:myapp.views:boom", Some(E)),
        ("CRITICAL:root:disk full", Some(F)),
        (
            "INFO:werkzeug:10.0.0.1 - - [25/Nov/2024 10:01:02] \"GET / HTTP/1.1\" 200 -",
            Some(I),
        ),
        (
            "DEBUG:urllib3.connectionpool:Starting new HTTPS connection (1): x:443",
            Some(D),
        ),
        ("WARNING myapp something happened", Some(W)),
        ("WARNING - msg", Some(W)),
        ("2024-11-25 10:01:02,123 WARNING myapp msg", Some(W)),
        ("2024-11-25 10:01:02,123 - myapp - WARNING - msg", Some(W)),
        ("2024-11-25 10:01:02,123 - myapp.views - ERROR - failed", Some(E)),
        ("2024-11-25 10:01:02,123 root         INFO     msg", Some(I)),
        ("2024-11-25 10:01:02,123:WARNING:root:msg", Some(W)),
        ("2024-11-25 10:01:02,123 [WARNING] myapp: msg", Some(W)),
        (
            "2024-11-25 10:01:02.123 | WARNING  | __main__:main:12 - msg",
            Some(W),
        ),
        (
            "[2024-11-25 10:01:02,123: WARNING/MainProcess] Task failed",
            Some(W),
        ),
        ("INFO:     Started server process [7]", Some(I)),
        ("INFO:     172.17.0.1:50212 - \"GET / HTTP/1.1\" 200 OK", Some(I)),
        (
            "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.",
            Some(I),
        ),
        (
            "2024-11-25T10:01:02.123Z [info     ] request handled  path=/x",
            Some(I),
        ),
        (
            "[2024-11-25, 10:01:02 UTC] {taskinstance.py:1234} INFO - Marking task",
            Some(I),
        ),
    ]);
}

#[test]
fn flask_and_print() {
    check(&[
        ("[2024-11-25 10:01:02,123] WARNING in app: msg", Some(W)),
        (
            "[2024-11-25 10:01:02,123] ERROR in app: Exception on /like [POST]",
            Some(E),
        ),
        ("WARNING in mysfits_like [/app/mysfits_like.py:42]:", Some(W)),
        ("ERROR in app [/app/app.py:10]:", Some(E)),
        ("WARN: stress function activated", Some(W)),
        ("WARN: simulated 404 activated", Some(W)),
        ("INFO: 3 errors found", Some(I)),
        (
            "--------------------------------------------------------------------------------",
            None,
        ),
        (
            "--------------------------------------------------------------------------------\nWARNING in mysfits_like [/app/mysfits_like.py:42]:\nWARN: stress function activated",
            Some(W),
        ),
    ]);
}

#[test]
fn gunicorn_and_access_lines() {
    check(&[
        (
            "[2024-11-25 10:01:02 +0000] [7] [INFO] Booting worker with pid: 7",
            Some(I),
        ),
        (
            "[2024-11-25 10:01:02 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)",
            Some(F),
        ),
        (
            "[2024-11-25 10:01:02 +0000] [7] [ERROR] Exception in worker process",
            Some(E),
        ),
        (
            r#"10.0.1.23 - - [25/Nov/2024 10:01:02] "POST /mysfits/4e53/like HTTP/1.1" 200 -"#,
            None,
        ),
        (
            r#"10.0.0.5 - - [25/Nov/2024:10:01:02 +0000] "GET /api/errors?y=1 HTTP/1.1" 404 153 "-" "ELB-HealthChecker/2.0""#,
            None,
        ),
        (
            "10.0.0.5 - error [25/Nov/2024:10:01:02 +0000] \"GET / HTTP/1.1\" 200 1",
            None,
        ),
        ("GET /api/errors 200", None),
    ]);
}

#[test]
fn lambda_runtimes() {
    check(&[
        (
            "[INFO]\t2024-11-25T10:01:02.123Z\t4e53920c-505a-4a90-a694-b9300791f0ae\tmsg",
            Some(I),
        ),
        (
            "[ERROR] KeyError: 'x'\nTraceback (most recent call last):\n  File ...",
            Some(E),
        ),
        (
            "[ERROR]\t2024-11-25T10:01:02.123Z\t4e53920c-505a-4a90-a694-b9300791f0ae\tboom",
            Some(E),
        ),
        (
            "2024-11-25T10:01:02.123Z\t4e53920c-505a-4a90-a694-b9300791f0ae\tWARN\tmsg",
            Some(W),
        ),
        (
            "2024-11-25T10:01:02.123Z\tc0ffee0c-505a-4a90-a694-b9300791f0ae\tINFO\tmsg",
            Some(I),
        ),
        (
            "2024-11-25T10:01:02.123Z\tundefined\tERROR\tUncaught Exception",
            Some(E),
        ),
        (
            "2024-11-25T10:01:02.123Z\t4e53920c-505a-4a90-a694-b9300791f0ae\tINFO\t{\"level\":\"error\"}",
            Some(I),
        ),
        (
            "2024-11-25 10:01:02 4e53920c-505a-4a90-a694-b9300791f0ae INFO  com.x.Handler - msg",
            Some(I),
        ),
        (
            "START RequestId: 4e53920c-505a-4a90-a694-b9300791f0ae Version: $LATEST",
            None,
        ),
        ("END RequestId: 4e53920c-505a-4a90-a694-b9300791f0ae", None),
        (
            "REPORT RequestId: 4e53920c-505a-4a90-a694-b9300791f0ae\tDuration: 2.10 ms\tBilled Duration: 3 ms",
            None,
        ),
        (
            "INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: arn:aws:lambda:x",
            None,
        ),
        (
            r#"{"timestamp":"2024-11-25T10:01:02Z","level":"INFO","message":"hi","requestId":"x"}"#,
            Some(I),
        ),
        (
            r#"{"time":"2024-11-25T10:01:02Z","type":"platform.start","record":{"requestId":"x"}}"#,
            None,
        ),
        (
            r#"{"level":"WARN","location":"h:1","message":"x","xray_trace_id":"1-a-b"}"#,
            Some(W),
        ),
    ]);
}

#[test]
fn java() {
    check(&[
        (
            "2024-11-25T10:01:02.123Z  INFO 1 --- [main] o.s.b.StartupInfoLogger : Starting App",
            Some(I),
        ),
        (
            "2024-11-25T10:01:02.123Z  INFO 1 --- [like] [main] o.s.b.StartupInfoLogger : x",
            Some(I),
        ),
        (
            "2024-11-25 10:01:02.123  WARN 1 --- [nio-8080-exec-1] o.s.w.s.PageNotFound : x",
            Some(W),
        ),
        (
            "2024-11-25 10:01:02.123 ERROR 1 --- [main] o.s.boot.SpringApplication : failed",
            Some(E),
        ),
        ("10:01:02.123 [main] ERROR com.x.Y - msg", Some(E)),
        ("10:01:02.123 [http-nio-8080-exec-1] DEBUG c.x.Y - msg", Some(D)),
        ("2024-11-25 10:01:02,123 ERROR [main] c.x.Y: msg", Some(E)),
        ("0    [main] INFO  com.x.App  - started", Some(I)),
        (
            "25-Nov-2024 10:01:02.123 INFO [main] org.apache.catalina.startup.Catalina.start x",
            Some(I),
        ),
        ("SEVERE: Servlet.service() threw exception", Some(E)),
        (
            "Nov 25, 2024 10:01:02 AM org.apache.catalina.core.StandardService startInternal",
            None,
        ),
        (
            "[2024-11-25 10:01:02,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)",
            Some(I),
        ),
        (
            "[2024-11-25T10:01:02,123][WARN ][o.e.c.r.a.DiskThresholdMonitor] [node-1] high disk",
            Some(W),
        ),
        ("\tat com.x.Y.z(Y.java:42)", None),
        (
            "Exception in thread \"main\" java.lang.IllegalStateException: x",
            None,
        ),
        ("java.lang.NullPointerException: boom", None),
        ("Caused by: java.io.IOException: error reading", None),
    ]);
}

#[test]
fn dotnet() {
    check(&[
        (
            "warn: Microsoft.AspNetCore.HttpsPolicy.HttpsRedirectionMiddleware[3]",
            Some(W),
        ),
        ("fail: Microsoft.AspNetCore.Server.Kestrel[13]", Some(E)),
        ("crit: Microsoft.AspNetCore.Hosting.Diagnostics[6]", Some(F)),
        ("info: Microsoft.Hosting.Lifetime[14]", Some(I)),
        ("dbug: Microsoft.Extensions.Hosting.Internal.Host[1]", Some(D)),
        ("trce: Microsoft.EntityFrameworkCore[0]", Some(T)),
        ("      Failed to determine the https port for redirect.", None),
        ("[15:25:41 INF] Starting web host", Some(I)),
        ("[15:25:41 WRN] slow", Some(W)),
        ("[15:25:41 ERR] failed", Some(E)),
        ("[15:25:41 FTL] dead", Some(F)),
        ("[15:25:41 DBG] x", Some(D)),
        ("[15:25:41 VRB] x", Some(T)),
        ("2024-11-25 10:01:02.123 +00:00 [WRN] slow", Some(W)),
        ("2024-11-25 10:01:02.1234|INFO|Program|started", Some(I)),
        (
            r#"{"EventId":14,"LogLevel":"Information","Category":"Microsoft.Hosting.Lifetime","Message":"x"}"#,
            Some(I),
        ),
        (
            r#"{"@t":"2024-11-25T10:01:02Z","@mt":"Hello {Name}","Name":"x"}"#,
            Some(I),
        ),
        (
            r#"{"@t":"2024-11-25T10:01:02Z","@mt":"Oops","@l":"Error"}"#,
            Some(E),
        ),
    ]);
}

#[test]
fn go() {
    check(&[
        (
            r#"{"level":"warn","ts":1732528862.123,"caller":"main.go:42","msg":"slow"}"#,
            Some(W),
        ),
        (
            r#"time="2024-11-25T10:01:02Z" level=warning msg="slow request" path=/x"#,
            Some(W),
        ),
        (
            r#"time="2024-11-25T10:01:02Z" level=error msg="level=info is not the level""#,
            Some(E),
        ),
        (
            "level=info ts=2024-11-25T10:01:02Z caller=main.go:42 msg=started",
            Some(I),
        ),
        (
            "ts=2024-11-25T10:01:02Z caller=main.go:42 level=debug msg=x",
            Some(D),
        ),
        (
            r#"time=2024-11-25T10:01:02.123Z level=WARN msg="disk" pct=91"#,
            Some(W),
        ),
        (
            r#"time="2024-11-25T10:01:02Z" msg="no level here" user=error"#,
            None,
        ),
        ("WARN[0000] deprecated flag", Some(W)),
        ("INFO[0012] listening on :8080", Some(I)),
        ("I1125 10:01:02.123456       1 file.go:42] msg", Some(I)),
        (
            "W1125 10:01:02.123456       1 reflector.go:324] watch ended",
            Some(W),
        ),
        (
            "E1125 10:01:02.123456       1 controller.go:114] error syncing",
            Some(E),
        ),
        ("F1125 10:01:02.123456       1 main.go:42] fatal", Some(F)),
        (
            "2024-11-25T10:01:02.123Z\tINFO\thttp.log.access\thandled request",
            Some(I),
        ),
        ("2024-11-25T10:01:02.123Z\tinfo\tlogger\tmsg", Some(I)),
        ("2024/11/25 10:01:02 [WARN] agent: x", Some(W)),
        (
            "2024-11-25T10:01:02.123Z [INFO]  agent: Consul agent running!",
            Some(I),
        ),
        ("2024/11/25 10:01:02 main.go:42: starting server", None),
        ("2024/11/25 10:01:02 error connecting to db", None),
        (
            "panic: runtime error: invalid memory address or nil pointer dereference",
            Some(F),
        ),
        ("10:01PM INF starting", Some(I)),
    ]);
}

#[test]
fn node() {
    check(&[
        (
            r#"{"level":30,"time":1732528862123,"pid":7,"hostname":"h","msg":"hello"}"#,
            Some(I),
        ),
        (r#"{"level":50,"time":1732528862123,"msg":"boom"}"#, Some(E)),
        (
            r#"{"name":"app","hostname":"h","pid":7,"level":40,"msg":"w","v":0}"#,
            Some(W),
        ),
        (r#"{"level":10,"msg":"t"}"#, Some(T)),
        (r#"{"level":60,"msg":"f"}"#, Some(F)),
        (r#"{"level":35,"msg":"custom"}"#, None),
        (
            r#"{"level":"info","message":"winston","timestamp":"2024-11-25T10:01:02Z"}"#,
            Some(I),
        ),
        (
            "{\"level\":\"\\u001b[31merror\\u001b[39m\",\"message\":\"coloured\"}",
            Some(E),
        ),
        ("info: server started on 3000", Some(I)),
        ("error: something broke", Some(E)),
        ("2024-11-25T10:01:02.123Z info: started", Some(I)),
        ("[10:01:02.123] INFO (1234): request completed", Some(I)),
        ("(node:1) Warning: Accessing non-existent property", Some(W)),
        (
            "(node:1) [DEP0005] DeprecationWarning: Buffer() is deprecated",
            None,
        ),
        ("Error: ENOENT: no such file or directory, open '/x'", Some(E)),
        (
            "TypeError: Cannot read properties of undefined (reading 'x')",
            None,
        ),
        ("    at Object.<anonymous> (/app/index.js:1:1)", None),
        ("Trace: here\n    at foo (/app/x.js:1:1)", Some(T)),
    ]);
}

#[test]
fn ruby_rust_nginx_xray_and_others() {
    check(&[
        ("W, [2024-11-25T10:01:02.123456 #1]  WARN -- : msg", Some(W)),
        (
            "I, [2024-11-25T10:01:02.123456 #1]  INFO -- : Started GET \"/\"",
            Some(I),
        ),
        ("E, [2024-11-25T10:01:02.123456 #1] ERROR -- app: boom", Some(E)),
        ("A, [2024-11-25T10:01:02.123456 #1]   ANY -- : x", None),
        ("2024-11-25T10:01:02.123456Z  INFO my_crate::api: msg", Some(I)),
        (
            "\x1b[2m2024-11-25T10:01:02.123456Z\x1b[0m \x1b[33m WARN\x1b[0m \x1b[2mmy_crate::api\x1b[0m\x1b[2m:\x1b[0m slow",
            Some(W),
        ),
        (
            "\x1b[2m2024-11-25T10:01:02.123456Z\x1b[0m \x1b[31mERROR\x1b[0m my_crate: boom",
            Some(E),
        ),
        ("[2024-11-25T10:01:02Z WARN  my_crate] msg", Some(W)),
        ("[2024-11-25T10:01:02Z ERROR my_crate::db] msg", Some(E)),
        (
            "2024/11/25 10:01:02 [error] 7#7: *13 connect() failed (111: Connection refused)",
            Some(E),
        ),
        (
            "2024/11/25 10:01:02 [notice] 1#1: start worker processes",
            Some(I),
        ),
        ("2024/11/25 10:01:02 [warn] 1#1: conflicting server name", Some(W)),
        ("2024/11/25 10:01:02 [crit] 7#7: *1 open() failed", Some(F)),
        ("2024/11/25 10:01:02 [alert] 1#1: x", Some(F)),
        ("2024/11/25 10:01:02 [emerg] 1#1: bind() failed", Some(F)),
        (
            "2024-11-25T10:01:02Z [Info] Successfully sent batch of 1 segments (0.012 seconds)",
            Some(I),
        ),
        ("2024-11-25T10:01:02Z [Error] Unable to send segments", Some(E)),
        (
            "2024-11-25T10:01:02Z [Warn] Delaying sending of additional batches",
            Some(W),
        ),
        (
            "2024-11-25T10:01:02Z [Debug] processor: sending partial batch",
            Some(D),
        ),
        (
            "[Mon Nov 25 10:01:02.123456 2024] [core:error] [pid 7:tid 8] [client 1.2.3.4:5] AH00124",
            Some(E),
        ),
        (
            "[Mon Nov 25 10:01:02.123456 2024] [mpm_event:notice] [pid 1:tid 1] AH00489",
            Some(I),
        ),
        (
            "2024-11-25 10:01:02.123 UTC [7] ERROR:  duplicate key value",
            Some(E),
        ),
        ("2024-11-25 10:01:02.123 UTC [7] LOG:  checkpoint starting", None),
        (
            "2024-11-25T10:01:02.123456Z 0 [Warning] [MY-010068] [Server] CA certificate is self signed.",
            Some(W),
        ),
        (
            "2024-11-25 10:01:02.123456+00:00 [info] <0.221.0> Starting RabbitMQ",
            Some(I),
        ),
        (
            "[25-Nov-2024 10:01:02] WARNING: [pool www] child 7 said into stderr",
            Some(W),
        ),
        (
            "[25-Nov-2024 10:01:02 UTC] PHP Warning:  Undefined variable $x in /x.php on line 3",
            Some(W),
        ),
        (
            "PHP Fatal error:  Uncaught RuntimeException: boom in /x.php:3",
            Some(F),
        ),
        ("Fatal error: Allowed memory size exhausted", Some(F)),
        // Two words of prose are not the two-word header.
        ("Fatal errors were found: 3", None),
        ("Warning errors: none", None),
        ("<11>Nov 25 10:01:02 host app[1]: boom", Some(E)),
        ("<13>1 2024-11-25T10:01:02Z host app 1 - - hello", Some(I)),
        ("<14>Nov 25 10:01:02 ip-10-0-0-1 app[1]: WARNING disk", Some(W)),
        ("like_1  | 2024-11-25 10:01:02,123 ERROR x", Some(E)),
        (
            "2024-11-25T10:01:02.123456789Z stdout F 2024-11-25 10:01:02 WARN x",
            Some(W),
        ),
        ("\u{feff}INFO: with a BOM", Some(I)),
    ]);
}

#[test]
fn json_member_order_and_forms() {
    check(&[
        (r#"{"severity":"ERROR","message":"gcp"}"#, Some(E)),
        (r#"{"levelname":"WARNING","name":"x","message":"m"}"#, Some(W)),
        (r#"{"log.level":"warn","message":"ecs"}"#, Some(W)),
        (
            r#"{"log":{"level":"error","logger":"x"},"message":"ecs nested"}"#,
            Some(E),
        ),
        (r#"{"Level":"Warning","MessageTemplate":"x"}"#, Some(W)),
        (r#"{"log_level":"debug"}"#, Some(D)),
        (r#"{"lvl":"eror"}"#, Some(E)),
        (r#"{"level":"info","severity":"ERROR"}"#, Some(I)),
        (r#"{"level":"DEFAULT","severity":"ERROR"}"#, Some(E)),
        (r#"{"level":true,"lvl":"warn"}"#, Some(W)),
        (r#"{"msg":"ERROR: not a level member"}"#, None),
        (
            r#"{"message":"WARN: simulated 404 activated","status":"error"}"#,
            None,
        ),
        (
            r#"{"log":"2024-11-25 10:01:02 WARN x\n","stream":"stderr"}"#,
            Some(W),
        ),
        ("{\"log\":\"\\u001b[31mERROR\\u001b[0m boom\"}", Some(E)),
        (r#"{"log":"plain text error happened"}"#, None),
        (
            "2024-11-25T10:01:02Z {\"level\":\"debug\",\"msg\":\"x\"}",
            Some(D),
        ),
        (
            "2024-11-25T10:01:02Z INFO {\"level\":\"debug\",\"msg\":\"x\"}",
            Some(I),
        ),
        ("[2024-11-25 10:01:02,123] {\"level\":\"warn\"}", Some(W)),
    ]);
}

#[test]
fn level_words_in_the_text_are_not_levels() {
    check(&[
        ("User error page viewed", None),
        ("Processed 12 warnings", None),
        ("Error processing request", None),
        ("Critical section entered", None),
        ("Info about the user", None),
        ("2024-11-25 10:01:02 User error page viewed", None),
        ("2024-11-25 10:01:02 Request failed with error: timeout", None),
        ("2024-11-25T10:01:02.123Z Connection error: refused", None),
        ("Traceback (most recent call last):", None),
        ("  File \"/app/x.py\", line 3, in <module>", None),
        ("KeyError: 'x'", None),
        ("the ERROR was handled", None),
        ("\"ERROR\" in quotes", None),
        ("'WARN' in quotes", None),
        ("/var/log/error.log rotated", None),
        ("https://example.com/error", None),
        ("errors: 3", None),
        ("INFORMATIONAL", Some(I)),
        ("WARNINGS: 3", None),
        ("ERROR_CODE=5", None),
        ("ERROR-42 occurred", None),
        ("✓ INFO done", None),
        ("", None),
        ("   ", None),
        ("\r\n", None),
        ("12345", None),
        ("-", None),
        ("[", None),
        ("[ERROR", None),
        ("{\"a\":1} ERROR", None),
        ("2024-11-25 10:01:02 {\"msg\":\"ERROR x\"}", None),
        ("a b c d e f g ERROR", None),
    ]);
}

#[test]
fn the_header_is_the_first_line_and_crlf_is_fine() {
    check(&[
        ("WARN: x\r\n", Some(W)),
        ("WARN\r\n", Some(W)),
        ("[INFO]\r\nsecond", Some(I)),
        ("first line\nERROR: second line", None),
        ("\n\nERROR: after blank lines", Some(E)),
        ("2024-11-25 10:01:02\r\nERROR x", None),
    ]);
}

#[test]
fn ansi_colour_codes_are_ignored() {
    check(&[
        ("\x1b[32mINFO\x1b[0m: coloured", Some(I)),
        ("\x1b[1;31m[ERROR]\x1b[0m x", Some(E)),
        ("[\x1b[33mWARN\x1b[0m] x", Some(W)),
        ("\x1b[33mUser\x1b[0m error page", None),
        ("\x1b]0;title\x07WARN: after an OSC", Some(W)),
    ]);
}

#[test]
fn json_only_when_the_text_header_says_nothing() {
    let obj = |text| crate::parse::json::extract_object(text).unwrap();
    let error = obj(r#"{"level":"error"}"#);
    assert_eq!(detect("plain text", Some(&error)), Some(E));
    assert_eq!(detect("WARN: header", Some(&error)), Some(W));
    assert_eq!(detect("{}", Some(&obj(r#"{"level":40}"#))), Some(W));
    assert_eq!(detect("{}", Some(&obj(r#"{"level":40.5}"#))), None);
}

#[test]
fn long_headers_and_long_lines_are_bounded() {
    let long_prefix = format!("{} ERROR x", "1 ".repeat(600));
    assert_eq!(text(&long_prefix), None);
    let long_line = format!("WARN: {}", "x".repeat(100_000));
    assert_eq!(text(&long_line), Some(W));
    let many_colours = format!("{}INFO x", "\x1b[0m".repeat(300));
    assert_eq!(text(&many_colours), None);
}

proptest::proptest! {
    #[test]
    fn never_panics(s in r#"[\[\](){}<>"'a-zA-Z0-9 \t\r\n:;,./|#=*+_@$~\x1b\u{feff}é-]{0,60}"#) {
        let _ = full(&s);
    }
}

#[test]
fn more_formats_met_in_cloudwatch() {
    check(&[
        (
            "2024/11/25 10:01:02 I! Config has been translated into TOML",
            Some(I),
        ),
        (
            "2024-11-25T10:01:02Z E! [outputs.cloudwatchlogs] Aws error received",
            Some(E),
        ),
        ("2024-11-25T10:01:02Z W! [agent] skipped", Some(W)),
        ("2024-11-25T10:01:02Z D! [agent] x", Some(D)),
        (
            "[I 241125 10:01:02 web:2239] 200 GET / (10.0.0.1) 1.23ms",
            Some(I),
        ),
        (
            "[W 241125 10:01:02 web:2239] 404 GET /x (10.0.0.1) 0.50ms",
            Some(W),
        ),
        ("[E 2024-11-25 10:01:02.123 ServerApp] boom", Some(E)),
        (
            "[2024-11-25 10:01:02] production.ERROR: Something failed {\"exception\":\"x\"}",
            Some(E),
        ),
        (
            "[2024-11-25T10:01:02.123456+00:00] request.INFO: Matched route \"_wdt\".",
            Some(I),
        ),
        ("[2024-11-25 10:01:02] com.example.Error: boom", None),
        ("npm ERR! code ELIFECYCLE", Some(E)),
        ("npm WARN deprecated request@2.88.2", Some(W)),
        ("event='hi' level='warning' timestamp='2024-11-25'", Some(W)),
        (
            "[2024/11/25 10:01:02] [ info] [fluent bit] version=1.9.10",
            Some(I),
        ),
        (
            "[2024/11/25 10:01:02] [error] [output:cloudwatch_logs:cloudwatch_logs.0] x",
            Some(E),
        ),
        (
            "[2024/11/25 10:01:02] [ warn] [engine] failed to flush chunk",
            Some(W),
        ),
        (
            "[2024-11-25 10:01:02.123][7][info][main] [source/server/server.cc:123] initializing",
            Some(I),
        ),
        (
            "[2024-11-25 10:01:02.123][1][warning][config] [source/x.cc:1] gRPC update failed",
            Some(W),
        ),
        (
            "2024-11-25 10:01:02 UTC | CORE | INFO | (pkg/x.go:12 in Run) | msg",
            Some(I),
        ),
        (
            "2024-11-25T10:01:02.123Z\tinfo\tservice/service.go:123\tEverything is ready.",
            Some(I),
        ),
        (
            "2024-11-25 10:01:02,123 [myid:] - INFO  [main:QuorumPeerConfig@174] - Reading configuration",
            Some(I),
        ),
        ("10:01:02.123 [info] GET /", Some(I)),
        ("10:01:02.123 request_id=F1xABC [info] Sent 200 in 1ms", Some(I)),
        (
            "[INFO] [11/25/2024 10:01:02.123] [system-akka.actor.default-dispatcher-3] [akka://s/user/x] m",
            Some(I),
        ),
        (
            "2024-11-25 10:01:02,123 INFO  [io.quarkus] (main) app 1.0 on JVM started",
            Some(I),
        ),
        (
            "10:01:02,123 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: started",
            Some(I),
        ),
        (
            "<Nov 25, 2024 10:01:02 AM UTC> <Warning> <Server> <BEA-002611> <msg>",
            Some(W),
        ),
        (
            "2024-11-25 10:01:02.123+0000 [id=1]\tINFO\tjenkins.InitReactorRunner$1#onAttained: Started",
            Some(I),
        ),
        (
            "2024-11-25T10:01:02.123Z pid=7 tid=abc class=Job jid=123 INFO: start",
            Some(I),
        ),
        ("[2024-11-25 10:01:02.123 +0000] ERROR (7 on host): boom", Some(E)),
        (
            "[2024-11-25T10:01:02.123Z]  INFO: app/7 on host: listening",
            Some(I),
        ),
        ("Nov 25 10:01:02 ip-10-0-0-1 web: WARNING:root:x", Some(W)),
        (
            "Nov 25 10:01:02 ip-10-0-0-1 web: 10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] \"GET / HTTP/1.1\" 200 1",
            None,
        ),
        (
            "Nov 25 10:01:02 ip-10-0-0-1 systemd[1]: Started Session 1 of user ec2-user.",
            None,
        ),
        (
            "[Container] 2024/11/25 10:01:02.123456 Running command npm ci",
            None,
        ),
        ("[INFO] BUILD SUCCESS", Some(I)),
        ("[WARNING] Using platform encoding", Some(W)),
        ("WARNING: Running pip as the 'root' user", Some(W)),
        (
            "2024-11-25T10:01:02.123Z [INFO]  provider: configuring client",
            Some(I),
        ),
        (
            "*** Starting uWSGI 2.0.21 (64bit) on [Mon Nov 25 10:01:02 2024] ***",
            None,
        ),
        (
            "[pid: 7|app: 0|req: 1/1] 10.0.0.1 () {34 vars in 567 bytes} [Mon Nov 25 10:01:02 2024] GET / => generated",
            None,
        ),
        (
            "Started GET \"/\" for 127.0.0.1 at 2024-11-25 10:01:02 +0000",
            None,
        ),
        (
            "ERROR StatusLogger Log4j2 could not find a logging implementation.",
            Some(E),
        ),
        ("2024-11-25T10:01:02.123456789+00:00 INFO my_crate - msg", Some(I)),
        ("KeyError: error in x", None),
        ("ValueError: invalid literal for int() with base 10: 'x'", None),
        ("Exception: error in x", None),
    ]);
}

#[test]
fn redis_symbols_and_program_tags() {
    check(&[
        // Redis / Valkey / ElastiCache engine log: the symbol is the level.
        (
            "1:M 30 Nov 2024 12:00:01.123 * Ready to accept connections tcp",
            Some(I),
        ),
        (
            "1:M 30 Nov 2024 12:00:01.123 # Server started, Redis version 7.2.4",
            Some(W),
        ),
        ("1:M 30 Nov 2024 12:00:01.123 - Accepted 10.0.0.5:51234", Some(T)),
        (
            "1:S 01 Dec 2024 00:00:00.000 . DB 0: 12 keys (0 volatile) in 16 slots HT.",
            Some(D),
        ),
        ("27:C 1 Dec 2024 09:15:42.901 * DB saved on disk\r\n", Some(I)),
        (
            "1:X 30 Nov 2024 12:00:01.123 # +sdown master mymaster 10.0.0.1 6379",
            Some(W),
        ),
        // Not the shape: no level from it.
        ("1:M 30 Nov 2024 12:00:01.123 *Ready", None),
        ("1:Q 30 Nov 2024 12:00:01.123 * Ready to accept connections", None),
        ("1:M 30 Foo 2024 12:00:01.123 * Ready to accept connections", None),
        ("1:M 30 Nov 2024 12:00:01 * Ready to accept connections", None),
        (
            "1:signal-handler (1735683642) Received SIGTERM scheduling shutdown...",
            None,
        ),
        ("12:30 Nov 2024 is when it happened * really", None),
        // A program's tag with its level, unless a level follows it.
        ("[GIN-debug] Listening and serving HTTP on :8080", Some(D)),
        (
            "[GIN-debug] GET    /healthz                  --> main.health (3 handlers)",
            Some(D),
        ),
        ("[GIN-debug] [WARNING] Running in \"debug\" mode.", Some(W)),
        (
            "[GIN-debug] [ERROR] listen tcp :8080: bind: address already in use",
            Some(E),
        ),
        ("[app-error] cannot open /data", Some(E)),
        // Not a tag with a level.
        (
            "[GIN] 2024/12/31 - 19:20:36 | 200 |  18.9ms | 10.0.1.165 | GET \"/orders\"",
            None,
        ),
        ("[pool-1-thread-3] started", None),
        ("[main-thread] started", None),
        ("[x-debug] started", None),
        ("Saw [GIN-debug] in the output", None),
    ]);
}

#[test]
fn levels_glued_to_a_name() {
    check(&[
        // fluentd's own events, printed by its stdout output: the tag ends
        // in the level, in lower case (Monolog's `channel.LEVEL:` is above).
        (
            "2024-12-03 13:18:45.915000562 +0000 fluent.info: {\"pid\":17,\"message\":\"starting fluentd worker\"}",
            Some(I),
        ),
        (
            "2024-12-03 13:19:24 +0000 fluent.warn: {\"retry_times\":0}",
            Some(W),
        ),
        ("2024-12-03 13:19:24 +0000 fluent.error: {}", Some(E)),
        // The Lambda runtime's prefix, glued with `_`, all capitals.
        (
            "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code.",
            Some(W),
        ),
        ("  PHP_FATAL_ERROR: out of memory", Some(E)),
        // Mixed case, a lower-case `_` name, a tag that is no level.
        ("2024-12-03 13:19:24 +0000 fluent.Warn: {}", None),
        ("on_error: retry three times", None),
        ("Lambda_WARNING: x", None),
        ("2024-12-03 13:19:24 +0000 app.access: {\"status\":200}", None),
        ("_WARNING: x", None),
    ]);
}

#[test]
fn format_symbols_and_php_error_types() {
    check(&[
        // Next.js prints its own messages behind a level symbol.
        (" ⚠ Fast Refresh had to perform a full reload.", Some(W)),
        (" ⨯ TypeError: fetch failed", Some(E)),
        ("⨯ uncaughtException: Error: socket hang up", Some(E)),
        (" ▲ Next.js 14.2.5", None),
        (" ✓ Ready in 312ms", None),
        (" ⚠Glued", None),
        // PHP names the error type before ` error:`.
        (
            "[03-Dec-2024 06:18:44 UTC] PHP Parse error:  syntax error, unexpected token \"}\" in /var/www/x.php on line 12",
            Some(E),
        ),
        ("PHP Fatal error:  Uncaught Exception: boom", Some(F)),
        ("Parse error: syntax error in config", None),
        ("PHP Parse errors: 3", None),
        // Terraform's diagnostics, behind their box-drawing gutter.
        ("│ Error: reading IAM Role (batch-exec): AccessDenied", Some(E)),
        ("│ Warning: Argument is deprecated", Some(W)),
        ("│ ", None),
        ("│ with aws_iam_role.batch,", None),
        ("╷", None),
    ]);
}
