//! Secrets never appear in logs, errors or summaries: the replay CLI, the
//! Lambda handler and the Lambda binary run with a password, an AWS secret
//! key and a session token set, against the stand-in accepting and refusing
//! them, and their whole output is searched. Also: TLS verification is on
//! by default, and no regex engine that backtracks is linked in.

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::lambda::{State, handle};
use cwl_trace_bridge::sink::{OpenSearchSink, Sink};
use lambda_runtime::{Context, LambdaEvent};

use crate::lambda_loop::{Function, RuntimeApi};
use crate::support::standin::{Options, Standin};
use crate::support::{SharedBuf, TempDir, cli_env, lambda_event, logs_json};

/// Environment variables of a run.
type Env<'a> = Vec<(&'a str, &'a str)>;
/// Settings of a case, some of them built.
type Vars<'a> = Vec<(&'a str, String)>;
/// Whether a case signs with SigV4.
type Sigv4 = bool;

const USER: &str = "admin";
const PASSWORD: &str = "Pa55-w0rd-6f1c";
const AKID: &str = "AKIDSECURITYTEST01";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSecretKey01";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjSessionToken0123456789abcdef";
const REGION: &str = "eu-west-1";
/// A wrong password holding the right one: printing it would show both.
const WRONG: &str = "Pa55-w0rd-6f1c-not";

/// What must never be printed: the password, its basic-auth form, the
/// secret key, the session token, and any `Authorization` header.
fn assert_no_secrets(what: &str, text: &str) {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    for needle in [
        PASSWORD,
        &basic,
        SECRET_KEY,
        SESSION_TOKEN,
        "AWS4-HMAC-SHA256",
        "Signature=",
    ] {
        assert!(!text.contains(needle), "{what}: {needle:?} in\n{text}");
    }
    // An Authorization header, in any form a log could give it (`name: v`,
    // `"name":"v"`, `("name", "v")`). The SDK's trace of its signing
    // settings names the header it leaves out, `excluded_headers:
    // Some(["authorization", …])`, with no value: that is not one.
    let header = regex::Regex::new(r#"(?i)authorization\\?"?\s*(:|=|,\s*\\?")\s*\\?"?\w"#).unwrap();
    let excluded = regex::Regex::new(r#"excluded_headers: Some\(\[\\?"authorization\\?", "#).unwrap();
    let rest = excluded.replace_all(text, "");
    assert!(
        !header.is_match(&rest),
        "{what}: an Authorization header in\n{text}"
    );
}

fn basic_standin() -> Standin {
    Standin::with(Options {
        basic: Some((USER.into(), PASSWORD.into())),
        ..Options::default()
    })
}

/// A stand-in that takes SigV4 from `akid` only; any other key is refused
/// as AWS refuses it, echoing the signed headers, the session token among
/// them.
fn sigv4_standin(akid: &str) -> Standin {
    Standin::with(Options {
        sigv4: Some((akid.into(), REGION.into(), "es".into())),
        ..Options::default()
    })
}

fn delivery_file(dir: &TempDir) -> String {
    let json = logs_json(
        "/ecs/like-service",
        "like/1",
        &[
            ("s1", 1_543_456_789_000, "WARN: stress function activated"),
            ("s2", 1_543_456_789_001, "ok"),
        ],
    );
    let path = dir.path("d.json");
    std::fs::write(&path, lambda_event(&json)).unwrap();
    path.to_str().unwrap().to_string()
}

/// The AWS environment of a process with temporary credentials, and no
/// profile or instance metadata to fall back on.
fn aws_env<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", AKID),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        ("AWS_REGION", REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
    ]
}

#[test]
fn the_replay_tool_never_prints_credentials() {
    let dir = TempDir::new("security-cli");
    let file = delivery_file(&dir);
    let failed = dir.path("failed.ndjson");
    let failed = failed.to_str().unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let basic_env = |password: &'static str| -> Vec<(&str, &str)> {
        let mut env = aws_env();
        env.extend([("OPENSEARCH_USERNAME", USER), ("OPENSEARCH_PASSWORD", password)]);
        env
    };

    // Basic auth: accepted, refused (a wrong password that embeds the
    // right one), and a cluster that is not there.
    let s = basic_standin();
    let url = s.url();
    let wrong = WRONG;
    let runs: Vec<(&str, Vec<&str>, Env<'_>, i32)> = vec![
        (
            "basic accepted",
            vec!["--opensearch", &url, "--auth", "basic"],
            basic_env(PASSWORD),
            0,
        ),
        (
            "basic refused",
            vec!["--opensearch", &url, "--auth", "basic"],
            basic_env(wrong),
            2,
        ),
        (
            "basic, cluster gone",
            vec![
                "--opensearch",
                &closed,
                "--auth",
                "basic",
                "--deadline",
                "0.3",
                "--failed",
                failed,
            ],
            basic_env(PASSWORD),
            1,
        ),
    ];
    let sig_ok = sigv4_standin(AKID);
    let sig_no = sigv4_standin("AKIDSOMEONEELSE0000");
    let (ok_url, no_url) = (sig_ok.url(), sig_no.url());
    let mut runs = runs;
    runs.extend([
        (
            "sigv4 accepted",
            vec![
                "--opensearch",
                ok_url.as_str(),
                "--auth",
                "sigv4",
                "--service",
                "es",
            ],
            aws_env(),
            0,
        ),
        (
            "sigv4 refused",
            vec![
                "--opensearch",
                no_url.as_str(),
                "--auth",
                "sigv4",
                "--service",
                "es",
            ],
            aws_env(),
            2,
        ),
    ]);
    for (name, flags, env, code) in runs {
        let mut args = vec!["replay", file.as_str()];
        args.extend(flags);
        let out = cli_env(&args, &env);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(code), "{name}: {text}");
        assert_no_secrets(name, &text);
        if code == 2 {
            assert!(
                text.contains("OpenSearch refused the request with 40"),
                "{name}: {text}"
            );
        }
    }
    assert_eq!(s.count(), 2);
    assert_eq!(sig_ok.count(), 2);
    assert_eq!(sig_no.count(), 0);
    // The documents not indexed when the cluster was gone carry no secret.
    let failed_body = std::fs::read_to_string(failed).unwrap();
    assert_eq!(failed_body.lines().count(), 4);
    assert_no_secrets("--failed file", &failed_body);
}

fn invoke(state: &State, rt: &tokio::runtime::Runtime) -> String {
    let json = logs_json(
        "/ecs/like-service",
        "like/1",
        &[("h1", 1_543_456_789_000, "hello")],
    );
    let mut ctx = Context::default();
    ctx.request_id = "5ec0e7a1-0000-4000-8000-000000000001".into();
    let ev = LambdaEvent::new(serde_json::from_str(&lambda_event(&json)).unwrap(), ctx);
    match rt.block_on(handle(state, ev)) {
        Ok(s) => format!("{s:?}"),
        Err(e) => {
            let d = lambda_runtime::Diagnostic::from(e.clone());
            format!("{e} {e:?} {} {}", d.error_type, d.error_message)
        }
    }
}

#[test]
fn the_lambda_handler_never_logs_or_returns_credentials() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let basic = basic_standin();
    let sig_ok = sigv4_standin(AKID);
    let sig_no = sigv4_standin("AKIDSOMEONEELSE0000");
    let creds = SharedCredentialsProvider::new(Credentials::new(
        AKID,
        SECRET_KEY,
        Some(SESSION_TOKEN.into()),
        None,
        "test",
    ));
    let cases: Vec<(&str, Vars<'_>, Sigv4, &str)> = vec![
        (
            "basic accepted",
            vec![
                ("OPENSEARCH_ENDPOINT", basic.url()),
                ("OPENSEARCH_AUTH", "basic".into()),
                ("OPENSEARCH_PASSWORD", PASSWORD.into()),
            ],
            false,
            "",
        ),
        (
            "basic refused",
            vec![
                ("OPENSEARCH_ENDPOINT", basic.url()),
                ("OPENSEARCH_AUTH", "basic".into()),
                ("OPENSEARCH_PASSWORD", WRONG.into()),
            ],
            false,
            "AuthRefused",
        ),
        (
            "sigv4 accepted",
            vec![
                ("OPENSEARCH_ENDPOINT", sig_ok.url()),
                ("OPENSEARCH_AUTH", "sigv4".into()),
            ],
            true,
            "",
        ),
        (
            "sigv4 refused",
            vec![
                ("OPENSEARCH_ENDPOINT", sig_no.url()),
                ("OPENSEARCH_AUTH", "sigv4".into()),
            ],
            true,
            "AuthRefused",
        ),
    ];
    for (name, vars, sigv4, error_type) in cases {
        let mut set = Settings::default();
        set.set("OPENSEARCH_USERNAME", USER);
        set.set("OPENSEARCH_SERVICE", "es");
        set.set("AWS_REGION", REGION);
        for (k, v) in &vars {
            set.set(k, v.as_str());
        }
        let cfg = Config::from_settings(&set).unwrap();
        let provider = sigv4.then(|| creds.clone());
        let sink = rt
            .block_on(OpenSearchSink::new(
                cfg.opensearch.as_ref().unwrap(),
                "cwl",
                provider,
            ))
            .unwrap();
        let cfg_text = format!("{cfg:?}");
        let log = SharedBuf::default();
        let state = State::from_config(cfg, Sink::OpenSearch(Box::new(sink))).with_log(log.clone());
        let result = invoke(&state, &rt);
        let text = format!(
            "{result}\n{}\n{state:?}\n{cfg_text}",
            String::from_utf8_lossy(&log.take())
        );
        assert_no_secrets(name, &text);
        assert_eq!(
            error_type.is_empty(),
            !text.contains("errorType"),
            "{name}: {text}"
        );
        if !error_type.is_empty() {
            assert!(text.contains(error_type), "{name}: {text}");
        }
    }
    assert_eq!((basic.count(), sig_ok.count(), sig_no.count()), (1, 1, 0));
}

#[test]
fn the_lambda_binary_never_logs_credentials_even_at_trace_level() {
    let basic = basic_standin();
    let sig_ok = sigv4_standin(AKID);
    let sig_no = sigv4_standin("AKIDSOMEONEELSE0000");
    let payload = lambda_event(&logs_json(
        "/ecs/like-service",
        "s",
        &[("b1", 1_543_456_789_000, "x")],
    ));
    let (basic_url, ok_url, no_url) = (basic.url(), sig_ok.url(), sig_no.url());
    let runs: Vec<(&str, Env<'_>, &str)> = vec![
        (
            "basic accepted",
            vec![
                ("OPENSEARCH_ENDPOINT", &basic_url),
                ("OPENSEARCH_AUTH", "basic"),
                ("OPENSEARCH_PASSWORD", PASSWORD),
            ],
            "response",
        ),
        (
            "basic refused",
            vec![
                ("OPENSEARCH_ENDPOINT", &basic_url),
                ("OPENSEARCH_AUTH", "basic"),
                ("OPENSEARCH_PASSWORD", WRONG),
            ],
            "error",
        ),
        (
            "sigv4 accepted",
            vec![("OPENSEARCH_ENDPOINT", &ok_url), ("OPENSEARCH_AUTH", "sigv4")],
            "response",
        ),
        (
            "sigv4 refused",
            vec![("OPENSEARCH_ENDPOINT", &no_url), ("OPENSEARCH_AUTH", "sigv4")],
            "error",
        ),
    ];
    for (name, vars, outcome) in runs {
        let api = RuntimeApi::start();
        api.push("req-1", &payload);
        let mut env = aws_env();
        env.extend([
            ("OPENSEARCH_USERNAME", USER),
            ("OPENSEARCH_SERVICE", "es"),
            ("AWS_LAMBDA_LOG_LEVEL", "trace"),
        ]);
        env.extend(vars);
        let f = Function::spawn(&api, &env);
        let post = api.next_post();
        assert_eq!(
            post.path,
            format!("/2018-06-01/runtime/invocation/req-1/{outcome}"),
            "{name}"
        );
        let posted = post.json().to_string();
        let (stdout, stderr) = f.stop_raw();
        assert!(stdout.contains("\"requestId\":\"req-1\""), "{name}: {stdout}");
        assert_no_secrets(name, &format!("{posted}\n{stdout}\n{stderr}"));
    }
    assert_eq!((basic.count(), sig_ok.count(), sig_no.count()), (1, 1, 0));
}

#[test]
fn tls_certificates_are_verified_unless_switched_off() {
    let mut s = Settings::default();
    s.set(
        "OPENSEARCH_ENDPOINT",
        "https://search-logs.eu-west-1.es.amazonaws.com",
    );
    let cfg = Config::from_settings(&s).unwrap();
    assert!(!cfg.opensearch.as_ref().unwrap().insecure);
    s.set("OPENSEARCH_INSECURE", "true");
    assert!(Config::from_settings(&s).unwrap().opensearch.unwrap().insecure);
}

#[test]
fn no_backtracking_regex_engine_is_linked_in() {
    let lock = std::fs::read_to_string(crate::support::root().join("Cargo.lock")).unwrap();
    let names: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .map(|l| l.trim_end_matches('"'))
        .collect();
    assert!(names.contains(&"regex"));
    for banned in [
        "fancy-regex",
        "pcre2",
        "pcre2-sys",
        "onig",
        "onig_sys",
        "regress",
        "fancy_regex",
    ] {
        assert!(
            !names.contains(&banned),
            "{banned} backtracks: user marker patterns could be super-linear"
        );
    }
}

#[test]
fn catastrophic_patterns_match_in_linear_time() {
    // Patterns that take exponential time in a backtracking engine, over a
    // line that almost matches. The regex crate runs them in one pass; a
    // backtracking engine would not finish this test.
    let mut s = Settings::default();
    s.set(
        "MARKERS",
        r#"{"evil": ["(a+)+$", "(a|aa)+b", "(x+x+)+y", "^(([a-z])+.)+[A-Z]([a-z])+$"]}"#,
    );
    let m = &Config::from_settings(&s).unwrap().rules.markers;
    let evil = (0..m.len() as u16).find(|&i| m.name(i) == "evil").unwrap();
    for near_miss in [format!("{}!", "a".repeat(50_000)), "x".repeat(50_000)] {
        assert!(!m.scan(&near_miss).contains(&evil));
    }
    assert!(m.scan(&"a".repeat(50_000)).contains(&evil));
}

#[test]
fn a_json_member_name_cannot_inject_bulk_actions() {
    // A log line whose JSON member name ends the document line and carries
    // a `delete` of another document and an `index` of a planted one.
    let name = concat!(
        "x\":0}\n",
        r#"{"delete":{"_index":"cwl-2018.11.29","_id":"victim"}}"#,
        "\n",
        r#"{"index":{"_index":"cwl-2018.11.29","_id":"planted"}}"#,
        "\n{\"y"
    );
    let hostile = serde_json::json!({ name: 1 }).to_string();
    let s = Standin::start();
    let dir = TempDir::new("security-injection");
    let first = logs_json(
        "/ecs/like-service",
        "like/1",
        &[("victim", 1_543_456_789_000, "keep me")],
    );
    let second = logs_json(
        "/ecs/like-service",
        "like/1",
        &[("attacker", 1_543_456_789_001, &hostile)],
    );
    std::fs::write(dir.path("a.json"), lambda_event(&first)).unwrap();
    std::fs::write(dir.path("b.json"), lambda_event(&second)).unwrap();
    let out = cli_env(
        &["replay", dir.0.to_str().unwrap(), "--opensearch", &s.url()],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("2 indexed, 0 retried, 0 failed"), "{err}");
    let index = "cwl-2018.11.29";
    assert_eq!(s.doc(index, "victim").unwrap()["@message"], "keep me");
    assert!(s.doc(index, "planted").is_none());
    assert_eq!(s.count(), 2);
    let doc = s.doc(index, "attacker").unwrap();
    assert_eq!(doc["@message"], hostile.as_str());
    // The offline body holds exactly two action lines too.
    let body = cli_env(&["replay", "-q", dir.0.to_str().unwrap()], &[]).stdout;
    let lines: Vec<serde_json::Value> = String::from_utf8(body)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3][name], 1);
}
