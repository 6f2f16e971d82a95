//! HTTP to OpenSearch: one `reqwest` client per process (rustls, pooled
//! keep-alive connections, connect and request timeouts) and the
//! authentication of each request — none, HTTP basic, or AWS SigV4 for `es`
//! or `aoss` with credentials from the standard AWS provider chain.
//!
//! Nothing here ever puts a credential in an error message: errors are
//! built from the transport error without its URL, and the basic-auth and
//! SigV4 headers are marked sensitive.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use crate::config::{Auth, OpenSearchConfig};

/// Credentials are refreshed this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// An HTTP answer: status and body.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    /// The status code.
    pub status: u16,
    /// The whole body.
    pub body: Bytes,
}

/// A request that got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection could be made: the request was not sent.
    #[error("connection: {0}")]
    Connect(String),
    /// The connection broke before a full answer: the request may have been
    /// applied.
    #[error("connection: {0}")]
    Connection(String),
    /// No answer within the request timeout (or before the deadline): the
    /// request may have been applied.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Credentials could not be had or the request could not be signed.
    #[error("signing: {0}")]
    Signing(String),
}

/// The authentication of each request.
enum Signer {
    None,
    Basic(HeaderValue),
    SigV4 {
        credentials: CredentialCache,
        region: String,
        service: &'static str,
    },
}

/// The HTTP side of the sink, shared by every request of the process.
pub struct Transport {
    http: reqwest::Client,
    endpoint: String,
    signer: Signer,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match &self.signer {
            Signer::None => "none".to_string(),
            Signer::Basic(_) => "basic".to_string(),
            Signer::SigV4 { region, service, .. } => format!("sigv4 {service} {region}"),
        };
        f.debug_struct("Transport")
            .field("endpoint", &self.endpoint)
            .field("auth", &auth)
            .finish()
    }
}

impl Transport {
    /// Builds the client. For SigV4, `credentials` overrides the default
    /// AWS chain (tests pass static keys).
    pub async fn new(
        cfg: &OpenSearchConfig,
        credentials: Option<SharedCredentialsProvider>,
    ) -> Result<Transport, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .pool_max_idle_per_host(cfg.concurrency.max(1) * 2)
            .pool_idle_timeout(Duration::from_secs(50))
            .tcp_nodelay(true)
            .tls_danger_accept_invalid_certs(cfg.insecure)
            .build()
            .map_err(|e| error_text(&e))?;
        let signer = match &cfg.auth {
            Auth::None => Signer::None,
            Auth::Basic { username, password } => {
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{}", password.expose()));
                let mut v = HeaderValue::from_str(&format!("Basic {token}")).map_err(|_| {
                    "the basic-auth user name or password holds a character not allowed in a header"
                        .to_string()
                })?;
                v.set_sensitive(true);
                Signer::Basic(v)
            }
            Auth::SigV4 => {
                let region = cfg.region.clone().ok_or("sigv4 needs a region (AWS_REGION)")?;
                let provider = match credentials {
                    Some(p) => p,
                    None => SharedCredentialsProvider::new(
                        aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
                            .region(aws_config::Region::new(region.clone()))
                            .build()
                            .await,
                    ),
                };
                Signer::SigV4 {
                    credentials: CredentialCache::new(provider),
                    region,
                    service: cfg.service.as_str(),
                }
            }
        };
        Ok(Transport {
            http,
            endpoint: cfg.endpoint.clone(),
            signer,
        })
    }

    /// Sends one request and reads the whole answer, within `timeout`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &'static str,
        body: Bytes,
        timeout: Duration,
    ) -> Result<HttpAnswer, TransportError> {
        self.send_with_headers(method, path, content_type, &[], body, timeout)
            .await
    }

    /// [`Transport::send`] with extra headers (OpenSearch Dashboards wants
    /// `osd-xsrf`, and `securitytenant` picks a tenant). They are sent as
    /// given and not signed: SigV4 signs `host`, `content-type` and its own
    /// headers only.
    pub async fn send_with_headers(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &'static str,
        headers: &[(&'static str, HeaderValue)],
        body: Bytes,
        timeout: Duration,
    ) -> Result<HttpAnswer, TransportError> {
        let url = format!("{}/{}", self.endpoint, path.trim_start_matches('/'));
        let mut req = self
            .http
            .request(method.clone(), &url)
            .timeout(timeout)
            .header(CONTENT_TYPE, content_type);
        for (name, value) in headers {
            req = req.header(*name, value.clone());
        }
        match &self.signer {
            Signer::None => {}
            Signer::Basic(v) => req = req.header(AUTHORIZATION, v.clone()),
            Signer::SigV4 {
                credentials,
                region,
                service,
            } => {
                let creds = credentials.get().await?;
                for (name, value) in sigv4_headers(
                    &creds,
                    region,
                    service,
                    method.as_str(),
                    &url,
                    content_type,
                    &body,
                )? {
                    req = req.header(name, value);
                }
            }
        }
        let work = async {
            let resp = req.body(body).send().await?;
            let status = resp.status().as_u16();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>(HttpAnswer { status, body })
        };
        // reqwest's own timeout covers the whole exchange; this one also
        // bounds signing and a server that trickles its answer.
        match tokio::time::timeout(timeout + Duration::from_millis(50), work).await {
            Err(_) => Err(TransportError::Timeout(timeout)),
            Ok(Ok(a)) => Ok(a),
            Ok(Err(e)) if e.is_timeout() => Err(TransportError::Timeout(timeout)),
            Ok(Err(e)) if e.is_connect() => Err(TransportError::Connect(error_text(&e))),
            Ok(Err(e)) => Err(TransportError::Connection(error_text(&e))),
        }
    }

    /// `none`, `basic` or `sigv4 <service> <region>`.
    pub fn auth_name(&self) -> String {
        match &self.signer {
            Signer::None => "no auth".into(),
            Signer::Basic(_) => "basic auth".into(),
            Signer::SigV4 { region, service, .. } => format!("sigv4 {service} {region}"),
        }
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

/// The headers SigV4 adds: `authorization`, `x-amz-date`,
/// `x-amz-content-sha256` (signed: OpenSearch Serverless requires it) and
/// `x-amz-security-token` for temporary credentials.
fn sigv4_headers(
    creds: &Credentials,
    region: &str,
    service: &str,
    method: &str,
    url: &str,
    content_type: &str,
    body: &[u8],
) -> Result<Vec<(&'static str, HeaderValue)>, TransportError> {
    let sign_err = |e: &dyn std::fmt::Display| TransportError::Signing(e.to_string());
    let identity = creds.clone().into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .map_err(|e| sign_err(&e))?
        .into();
    let headers = [("content-type", content_type)];
    let signable = SignableRequest::new(method, url, headers.into_iter(), SignableBody::Bytes(body))
        .map_err(|e| sign_err(&e))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| sign_err(&e))?.into_parts();
    let (new_headers, _) = instructions.into_parts();
    new_headers
        .into_iter()
        .map(|h| {
            let mut v = HeaderValue::from_str(h.value())
                .map_err(|_| TransportError::Signing(format!("header {} is not valid", h.name())))?;
            v.set_sensitive(h.sensitive() || h.name() == "authorization");
            Ok((h.name(), v))
        })
        .collect()
}

/// Credentials from a provider, kept until shortly before they expire (the
/// default chain itself does not cache: the SDK's clients do).
struct CredentialCache {
    provider: SharedCredentialsProvider,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

impl CredentialCache {
    fn new(provider: SharedCredentialsProvider) -> CredentialCache {
        CredentialCache {
            provider,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    async fn get(&self) -> Result<Credentials, TransportError> {
        let mut slot = self.cached.lock().await;
        if let Some(c) = slot.as_ref() {
            let fresh = c
                .expiry()
                .is_none_or(|exp| exp > SystemTime::now() + REFRESH_BEFORE_EXPIRY);
            if fresh {
                return Ok(c.clone());
            }
        }
        let c = self
            .provider
            .provide_credentials()
            .await
            .map_err(|e| TransportError::Signing(format!("no AWS credentials: {}", chain_text(&e))))?;
        *slot = Some(c.clone());
        Ok(c)
    }
}

/// A reqwest error and its causes, without the URL.
fn error_text(e: &reqwest::Error) -> String {
    let mut s = String::new();
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let head = if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else if e.is_builder() {
        "bad request"
    } else {
        "request failed"
    };
    s.push_str(head);
    while let Some(err) = src {
        let text = err.to_string();
        if !text.is_empty() && !s.ends_with(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        src = err.source();
    }
    s
}

/// An error and its causes on one line.
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(err) = src {
        s.push_str(": ");
        s.push_str(&err.to_string());
        src = err.source();
    }
    s
}
