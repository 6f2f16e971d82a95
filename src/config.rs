//! Configuration: raw [`Settings`] (environment variables, or command-line
//! flags written under the same names) validated once into a typed
//! [`Config`]. An invalid value is a [`ConfigError`] that names the variable
//! and the value.
//!
//! This is the only module of the library that knows variable names; it
//! reads the environment only through the lookup function it is given, so
//! tests never touch the process environment.

use std::collections::BTreeMap;
use std::time::Duration;

use regex::Regex;

use crate::decode::Limits;
use crate::join;
use crate::parse::{MarkerError, MarkerSet, Rules};
use crate::render::{JsonMode, RenderOptions};

/// Every variable the bridge reads, with what it means; the README's table
/// is generated from the same words.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "OPENSEARCH_ENDPOINT",
        "OpenSearch URL; unset means no OpenSearch (offline output)",
    ),
    ("OPENSEARCH_AUTH", "none | basic | sigv4 (default none)"),
    (
        "OPENSEARCH_SERVICE",
        "es (managed domain) | aoss (Serverless); default: aoss when the endpoint is *.aoss.amazonaws.com, else es",
    ),
    (
        "AWS_REGION",
        "region for SigV4; default: taken from the endpoint host",
    ),
    ("OPENSEARCH_USERNAME", "user for basic auth"),
    ("OPENSEARCH_PASSWORD", "password for basic auth (never logged)"),
    (
        "OPENSEARCH_PASSWORD_FILE",
        "file holding the basic-auth password, instead of OPENSEARCH_PASSWORD",
    ),
    (
        "OPENSEARCH_INSECURE",
        "true to skip TLS certificate verification (self-signed test clusters only)",
    ),
    (
        "OPENSEARCH_SEND_IDS",
        "false to send no _id (Serverless time-series collections); default true",
    ),
    (
        "OPENSEARCH_INDEX_TEMPLATE",
        "false to not install the index template; default true",
    ),
    ("INDEX_PREFIX", "index prefix (default cwl)"),
    (
        "INDEX_PER_LOG_GROUP",
        "true for <prefix>-<group>-YYYY.MM.DD (default false)",
    ),
    (
        "JSON_MODE",
        "merge | nest | off: JSON members at top level, under @json, or not at all (default merge)",
    ),
    (
        "MARKERS",
        "extra markers as JSON: {\"name\": [\"regex\", ...]}; a name of a default replaces it",
    ),
    (
        "MARKERS_DEFAULTS",
        "false to drop the default markers (default true)",
    ),
    (
        "MULTILINE_LOG_GROUPS",
        "regex of log groups whose continuation lines merge into one document (default none)",
    ),
    (
        "JOIN_CACHE_CAPACITY",
        "requests the warm trace-join memory keeps (default 10000)",
    ),
    (
        "MAX_DECODED_BYTES",
        "most bytes one delivery may inflate to (default 67108864)",
    ),
    (
        "BULK_MAX_BYTES",
        "most bytes of one _bulk request (default 5242880)",
    ),
    ("BULK_CONCURRENCY", "_bulk requests in flight at once (default 3)"),
    (
        "REQUEST_TIMEOUT_MS",
        "timeout of one OpenSearch request (default 30000)",
    ),
    (
        "CONNECT_TIMEOUT_MS",
        "timeout to connect to OpenSearch (default 5000)",
    ),
    (
        "DEADLINE_MARGIN_MS",
        "time kept back from the Lambda deadline for reporting (default 2000)",
    ),
    (
        "METRICS_NAMESPACE",
        "CloudWatch namespace of the function's own metrics (default CwlTraceBridge)",
    ),
    (
        "OPENSEARCH_MAX_RETRIES",
        "attempts after the first for an item or request OpenSearch throttled or failed (default 10)",
    ),
    (
        "RETRY_BASE_MS",
        "first backoff ceiling; it doubles per attempt, with full jitter (default 100)",
    ),
    ("RETRY_MAX_DELAY_MS", "largest backoff ceiling (default 5000)"),
    (
        "DRY_RUN",
        "Lambda only: true to write the _bulk body to the function's own log (standard output) instead of OpenSearch (default false)",
    ),
];

/// A value that does not validate.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}={value:?}: {reason}")]
pub struct ConfigError {
    /// The variable (or the flag's variable).
    pub variable: String,
    /// The value given.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}

impl ConfigError {
    fn new(variable: &str, value: &str, reason: impl Into<String>) -> Self {
        ConfigError {
            variable: variable.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Raw settings by variable name, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    values: BTreeMap<String, String>,
}

impl Settings {
    /// Reads every known variable through `lookup` (e.g. `std::env::var`).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Settings {
        let mut s = Settings::default();
        for (name, _) in VARIABLES {
            if let Some(v) = lookup(name) {
                s.values.insert((*name).to_string(), v);
            }
        }
        s
    }

    /// Sets (or overrides) a variable.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }

    /// A variable's value; an empty value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|e: T::Err| ConfigError::new(name, v, e.to_string())),
        }
    }

    fn flag(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) => match v.as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(ConfigError::new(name, &v, "expected true or false")),
            },
        }
    }

    fn positive(&self, name: &str, default: usize) -> Result<usize, ConfigError> {
        let v: usize = self.parse(name, default)?;
        if v == 0 {
            return Err(ConfigError::new(name, "0", "must be at least 1"));
        }
        Ok(v)
    }
}

/// How to authenticate to OpenSearch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No authentication.
    None,
    /// HTTP basic.
    Basic {
        /// User name.
        username: String,
        /// Password (never printed: see the `Debug` of [`Secret`]).
        password: Secret,
    },
    /// AWS Signature Version 4 with the standard credential chain.
    SigV4,
}

/// A string that never shows in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The AWS service name to sign for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Amazon OpenSearch Service domains.
    Es,
    /// OpenSearch Serverless collections.
    Aoss,
}

impl Service {
    /// `es` or `aoss`.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Es => "es",
            Service::Aoss => "aoss",
        }
    }
}

/// Where and how to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSearchConfig {
    /// Base URL, without a trailing slash.
    pub endpoint: String,
    /// Authentication.
    pub auth: Auth,
    /// The service to sign for.
    pub service: Service,
    /// Region for SigV4, when known.
    pub region: Option<String>,
    /// Skip TLS certificate verification.
    pub insecure: bool,
    /// Install the index template once per process.
    pub install_template: bool,
    /// Most bytes of one `_bulk` request.
    pub bulk_max_bytes: usize,
    /// `_bulk` requests in flight at once.
    pub concurrency: usize,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// Timeout to connect.
    pub connect_timeout: Duration,
    /// Attempts after the first, per item (all bounded by the deadline too).
    pub max_retries: u32,
    /// First backoff ceiling.
    pub retry_base: Duration,
    /// Largest backoff ceiling.
    pub retry_max_delay: Duration,
}

/// Everything the pipeline needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Decode bounds.
    pub limits: Limits,
    /// Parse rules (compiled markers).
    pub rules: Rules,
    /// Document naming and shape.
    pub render: RenderOptions,
    /// Log groups whose continuation lines merge into one document.
    pub multiline_groups: Option<Regex>,
    /// Requests the warm join memory keeps.
    pub join_capacity: usize,
    /// OpenSearch, when configured; `None` means offline output.
    pub opensearch: Option<OpenSearchConfig>,
    /// Time kept back from the Lambda deadline.
    pub deadline_margin: Duration,
    /// Namespace of the Lambda's own metrics.
    pub metrics_namespace: String,
    /// Lambda only: write the `_bulk` body to standard output instead of
    /// OpenSearch.
    pub dry_run: bool,
}

impl Config {
    /// Reads the process environment. The only place that does.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_settings(&Settings::from_lookup(|k| std::env::var(k).ok()))
    }

    /// Validates settings.
    pub fn from_settings(s: &Settings) -> Result<Config, ConfigError> {
        let limits = Limits {
            max_decoded_bytes: s.positive("MAX_DECODED_BYTES", crate::decode::DEFAULT_MAX_DECODED_BYTES)?,
        };
        let markers = markers_from(s)?;
        let prefix = s.get("INDEX_PREFIX").unwrap_or("cwl").to_string();
        check_prefix(&prefix)?;
        let render = RenderOptions {
            index_prefix: prefix,
            index_per_group: s.flag("INDEX_PER_LOG_GROUP", false)?,
            json_mode: s.parse::<JsonMode>("JSON_MODE", JsonMode::Merge)?,
            send_ids: s.flag("OPENSEARCH_SEND_IDS", true)?,
        };
        let multiline_groups = match s.get("MULTILINE_LOG_GROUPS") {
            None => None,
            Some(p) => {
                Some(Regex::new(p).map_err(|e| ConfigError::new("MULTILINE_LOG_GROUPS", p, e.to_string()))?)
            }
        };
        Ok(Config {
            limits,
            rules: Rules { markers },
            render,
            multiline_groups,
            join_capacity: s.positive("JOIN_CACHE_CAPACITY", join::DEFAULT_CAPACITY)?,
            opensearch: opensearch_from(s)?,
            deadline_margin: Duration::from_millis(s.parse("DEADLINE_MARGIN_MS", 2000u64)?),
            metrics_namespace: metrics_namespace(s)?,
            dry_run: s.flag("DRY_RUN", false)?,
        })
    }

    /// True when events of `log_group` merge multi-line records.
    pub fn multiline_for(&self, log_group: &str) -> bool {
        self.multiline_groups
            .as_ref()
            .is_some_and(|r| r.is_match(log_group))
    }
}

/// A CloudWatch namespace: 1 to 255 characters, not starting with `AWS/`,
/// none of them a control character.
fn metrics_namespace(s: &Settings) -> Result<String, ConfigError> {
    let Some(ns) = s.get("METRICS_NAMESPACE") else {
        return Ok("CwlTraceBridge".to_string());
    };
    if ns.chars().count() > 255 || ns.starts_with("AWS/") || ns.chars().any(char::is_control) {
        return Err(ConfigError::new(
            "METRICS_NAMESPACE",
            ns,
            "must be at most 255 printable characters and not start with AWS/",
        ));
    }
    Ok(ns.to_string())
}

fn check_prefix(prefix: &str) -> Result<(), ConfigError> {
    let ok = !prefix.is_empty()
        && !prefix.starts_with(['-', '_', '+', '.'])
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new(
            "INDEX_PREFIX",
            prefix,
            "must be lower-case letters, digits, '-', '_' or '.', not starting with '-', '_' or '.'",
        ))
    }
}

fn markers_from(s: &Settings) -> Result<MarkerSet, ConfigError> {
    let defaults = s.flag("MARKERS_DEFAULTS", true)?;
    let extra = match s.get("MARKERS") {
        None => Vec::new(),
        Some(json) => parse_marker_json(json).map_err(|reason| ConfigError::new("MARKERS", json, reason))?,
    };
    MarkerSet::build(defaults, &extra)
        .map_err(|e: MarkerError| ConfigError::new("MARKERS", &e.pattern, e.to_string()))
}

/// Parses `{"name": ["regex", …] | "regex", …}` into marker definitions.
pub fn parse_marker_json(json: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let obj = v
        .as_object()
        .ok_or("expected a JSON object {\"name\": [\"regex\", ...]}")?;
    let mut out = Vec::new();
    for (name, pats) in obj {
        let list = match pats {
            serde_json::Value::String(p) => vec![p.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .map(|p| {
                    p.as_str()
                        .map(str::to_string)
                        .ok_or(format!("marker {name:?}: patterns must be strings"))
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(format!("marker {name:?}: expected a regex or a list of them")),
        };
        out.push((name.clone(), list));
    }
    Ok(out)
}

fn opensearch_from(s: &Settings) -> Result<Option<OpenSearchConfig>, ConfigError> {
    let Some(raw) = s.get("OPENSEARCH_ENDPOINT") else {
        return Ok(None);
    };
    let endpoint = raw.trim().trim_end_matches('/').to_string();
    let host = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .ok_or_else(|| ConfigError::new("OPENSEARCH_ENDPOINT", raw, "must start with https:// or http://"))?;
    if host.is_empty() {
        return Err(ConfigError::new("OPENSEARCH_ENDPOINT", raw, "has no host"));
    }
    if host.split('/').next().unwrap_or_default().contains('@') {
        // Not echoed: the value holds a password.
        return Err(ConfigError::new(
            "OPENSEARCH_ENDPOINT",
            "(a URL with credentials, not shown)",
            "put credentials in OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD, not in the URL",
        ));
    }
    let host = host.split(['/', ':']).next().unwrap_or_default();
    let auth = match s.get("OPENSEARCH_AUTH").map(str::to_ascii_lowercase).as_deref() {
        None | Some("none") => Auth::None,
        Some("sigv4") => Auth::SigV4,
        Some("basic") => {
            let username = s
                .get("OPENSEARCH_USERNAME")
                .ok_or_else(|| ConfigError::new("OPENSEARCH_USERNAME", "", "basic auth needs a user name"))?
                .to_string();
            let password = match (s.get("OPENSEARCH_PASSWORD"), s.get("OPENSEARCH_PASSWORD_FILE")) {
                (Some(p), _) => p.to_string(),
                (None, Some(path)) => std::fs::read_to_string(path)
                    .map_err(|e| ConfigError::new("OPENSEARCH_PASSWORD_FILE", path, e.to_string()))?
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
                (None, None) => {
                    return Err(ConfigError::new(
                        "OPENSEARCH_PASSWORD",
                        "",
                        "basic auth needs a password",
                    ));
                }
            };
            Auth::Basic {
                username,
                password: Secret::new(password),
            }
        }
        Some(other) => {
            return Err(ConfigError::new(
                "OPENSEARCH_AUTH",
                other,
                "expected none, basic or sigv4",
            ));
        }
    };
    let service = match s
        .get("OPENSEARCH_SERVICE")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("es") => Service::Es,
        Some("aoss") => Service::Aoss,
        None if host.ends_with(".aoss.amazonaws.com") => Service::Aoss,
        None => Service::Es,
        Some(other) => {
            return Err(ConfigError::new(
                "OPENSEARCH_SERVICE",
                other,
                "expected es or aoss",
            ));
        }
    };
    let region = s
        .get("AWS_REGION")
        .map(str::to_string)
        .or_else(|| region_from_host(host));
    if auth == Auth::SigV4 && region.is_none() {
        return Err(ConfigError::new(
            "AWS_REGION",
            "",
            "sigv4 needs a region and the endpoint host names none",
        ));
    }
    Ok(Some(OpenSearchConfig {
        endpoint,
        auth,
        service,
        region,
        insecure: s.flag("OPENSEARCH_INSECURE", false)?,
        install_template: s.flag("OPENSEARCH_INDEX_TEMPLATE", true)?,
        bulk_max_bytes: s.positive("BULK_MAX_BYTES", 5 << 20)?,
        concurrency: s.positive("BULK_CONCURRENCY", 3)?,
        request_timeout: Duration::from_millis(s.positive("REQUEST_TIMEOUT_MS", 30_000)? as u64),
        connect_timeout: Duration::from_millis(s.positive("CONNECT_TIMEOUT_MS", 5_000)? as u64),
        max_retries: s.parse("OPENSEARCH_MAX_RETRIES", 10u32)?,
        retry_base: Duration::from_millis(s.positive("RETRY_BASE_MS", 100)? as u64),
        retry_max_delay: Duration::from_millis(s.positive("RETRY_MAX_DELAY_MS", 5_000)? as u64),
    }))
}

/// The region in an AWS endpoint host:
/// `search-x.eu-west-1.es.amazonaws.com`, `id.us-east-1.aoss.amazonaws.com`.
pub fn region_from_host(host: &str) -> Option<String> {
    let parts: Vec<&str> = host.split('.').collect();
    let i = parts.iter().position(|p| *p == "es" || *p == "aoss")?;
    let region = parts.get(i.checked_sub(1)?)?;
    (parts.get(i + 1) == Some(&"amazonaws")
        && region.contains('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    .then(|| (*region).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut s = Settings::default();
        for (k, v) in pairs {
            s.set(k, *v);
        }
        s
    }

    #[test]
    fn defaults_validate_and_are_offline() {
        let c = Config::from_settings(&Settings::default()).unwrap();
        assert!(c.opensearch.is_none());
        assert_eq!(c.render.index_prefix, "cwl");
        assert_eq!(c.limits.max_decoded_bytes, 64 << 20);
    }

    #[test]
    fn errors_name_the_variable_and_value() {
        let e = Config::from_settings(&settings(&[("JSON_MODE", "flat")])).unwrap_err();
        assert_eq!(e.to_string(), "JSON_MODE=\"flat\": expected merge, nest or off");
        let e = Config::from_settings(&settings(&[
            ("BULK_MAX_BYTES", "lots"),
            ("OPENSEARCH_ENDPOINT", "http://x"),
        ]))
        .unwrap_err();
        assert_eq!(e.variable, "BULK_MAX_BYTES");
        let e = Config::from_settings(&settings(&[("INDEX_PREFIX", "CWL")])).unwrap_err();
        assert_eq!(e.variable, "INDEX_PREFIX");
        let e = Config::from_settings(&settings(&[("OPENSEARCH_ENDPOINT", "search-x.es.amazonaws.com")]))
            .unwrap_err();
        assert_eq!(e.variable, "OPENSEARCH_ENDPOINT");
    }

    #[test]
    fn region_and_service_come_from_the_endpoint() {
        let c = Config::from_settings(&settings(&[
            (
                "OPENSEARCH_ENDPOINT",
                "https://abc123.eu-west-1.aoss.amazonaws.com/",
            ),
            ("OPENSEARCH_AUTH", "sigv4"),
        ]))
        .unwrap();
        let os = c.opensearch.unwrap();
        assert_eq!(os.endpoint, "https://abc123.eu-west-1.aoss.amazonaws.com");
        assert_eq!(os.service, Service::Aoss);
        assert_eq!(os.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            region_from_host("search-like-abc.us-east-1.es.amazonaws.com").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(region_from_host("localhost"), None);
    }

    #[test]
    fn basic_auth_password_never_prints() {
        let c = Config::from_settings(&settings(&[
            ("OPENSEARCH_ENDPOINT", "http://localhost:9200"),
            ("OPENSEARCH_AUTH", "basic"),
            ("OPENSEARCH_USERNAME", "admin"),
            ("OPENSEARCH_PASSWORD", "hunter2"),
        ]))
        .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn marker_json_takes_a_regex_or_a_list() {
        let m = parse_marker_json(r#"{"slow":"took \\d{4,} ms","oom":["OutOfMemory","Killed"]}"#).unwrap();
        assert_eq!(m[0], ("slow".to_string(), vec!["took \\d{4,} ms".to_string()]));
        assert_eq!(m[1].1.len(), 2);
        assert!(parse_marker_json("[1]").is_err());
    }
}
