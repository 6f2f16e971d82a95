//! The retry decision, as pure functions over what OpenSearch answered, and
//! the backoff between attempts. The HTTP code only carries out what
//! [`classify`] decides.
//!
//! | answer | decision |
//! |---|---|
//! | 200 with `items` | per item, see [`classify_item`] |
//! | 413 | split the request in halves (a single item is refused) |
//! | 401, 403 | [`Answer::Auth`]: the whole sink fails |
//! | 408, 429, 500, 502, 503, 504 | retry the whole request after a backoff |
//! | 400 | the request holds something OpenSearch refuses: split to find the item |
//! | anything else | every item of the request is refused with the reason |
//!
//! Bodies follow the OpenSearch documentation (Bulk API, "Response") and
//! what Amazon OpenSearch Service's front end answers (`{"message":…}`).

use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};

/// What to do with a whole `_bulk` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// OpenSearch answered item by item, in request order.
    Items(Vec<ItemOutcome>),
    /// Send the same request again after a backoff.
    Retry(String),
    /// The request is too large for the cluster (413): split it.
    TooLarge(String),
    /// Credentials refused or missing permission: the whole sink fails.
    Auth {
        /// 401 or 403.
        status: u16,
        /// What the cluster said.
        reason: String,
    },
    /// The request was refused as a whole (400): split it to isolate the
    /// item, or refuse a single item.
    BadRequest(String),
    /// Every item of the request is refused with this reason.
    Refused(String),
}

/// What to do with one item of a `_bulk` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    /// Stored (created, updated or a no-op update).
    Stored,
    /// Send this item again, alone, after a backoff.
    Retry(String),
    /// The document does not fit the index mapping: send it again without
    /// its merged JSON members. Holds `"<type>: <reason>"` for `@indexError`.
    Mapping(String),
    /// An `update` for a document that is not there (404
    /// `document_missing_exception`): the delivery that should have stored it
    /// failed and will be re-driven, and joined then. Not a failure.
    Missing,
    /// Refused for good, with the reason.
    Refused(String),
}

/// Classifies a whole `_bulk` answer from its status and body.
pub fn classify(status: u16, body: &[u8]) -> Answer {
    match status {
        200..=299 => match parse_items(body) {
            Ok(items) => Answer::Items(items),
            // A 2xx that is not a bulk answer (a proxy, a truncated body):
            // nothing is known to be stored, so try again.
            Err(e) => Answer::Retry(format!("{status} with an unreadable bulk answer: {e}")),
        },
        401 | 403 => Answer::Auth {
            status,
            reason: error_reason(body),
        },
        413 => Answer::TooLarge(format!("413 {}", error_reason(body))),
        408 | 429 | 500 | 502 | 503 | 504 => Answer::Retry(format!("{status} {}", error_reason(body))),
        400 => Answer::BadRequest(format!("400 {}", error_reason(body))),
        _ => Answer::Refused(format!("{status} {}", error_reason(body))),
    }
}

/// Classifies one item from its `status` and its `error.type` and
/// `error.reason` (absent on success).
pub fn classify_item(status: u16, error: Option<(&str, &str)>) -> ItemOutcome {
    let Some((ty, reason)) = error else {
        return if (200..300).contains(&status) {
            ItemOutcome::Stored
        } else {
            ItemOutcome::Refused(format!("{status} without an error"))
        };
    };
    let text = || format!("{status} {ty}: {reason}");
    if ty == "document_missing_exception" {
        ItemOutcome::Missing
    } else if status == 429 || status >= 500 || ty.ends_with("rejected_execution_exception") {
        ItemOutcome::Retry(text())
    } else if is_mapping_refusal(ty, reason) {
        ItemOutcome::Mapping(format!("{ty}: {reason}"))
    } else if status == 409 && ty == "version_conflict_engine_exception" {
        // Two updates of one document raced: the later one tries again.
        ItemOutcome::Retry(text())
    } else {
        ItemOutcome::Refused(text())
    }
}

/// True for refusals caused by the document's content against the index
/// mapping: a field of another type, an object where a value was mapped
/// (or the reverse), too many fields, too deep, a strict mapping.
pub fn is_mapping_refusal(ty: &str, reason: &str) -> bool {
    match ty {
        "mapper_parsing_exception" | "strict_dynamic_mapping_exception" | "document_parsing_exception" => {
            true
        }
        "illegal_argument_exception" => {
            reason.starts_with("Limit of total fields")
                || reason.starts_with("Limit of mapping depth")
                || reason.starts_with("Limit of nested fields")
                || (reason.starts_with("mapper [") && reason.contains("cannot be changed from type"))
        }
        _ => false,
    }
}

/// The `error` of a whole-request answer as one line: `type: reason`,
/// `message`, or the start of a text body.
pub fn error_reason(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Whole {
        error: Option<serde_json::Value>,
        message: Option<String>,
        #[serde(rename = "Message")]
        message_upper: Option<String>,
    }
    if let Ok(w) = serde_json::from_slice::<Whole>(body) {
        if let Some(e) = w.error {
            return match e {
                serde_json::Value::String(s) => s,
                other => describe_error(&other),
            };
        }
        if let Some(m) = w.message.or(w.message_upper) {
            return m;
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return "(empty answer)".into();
    }
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// `type: reason` of an OpenSearch error object, with its first cause.
fn describe_error(e: &serde_json::Value) -> String {
    let ty = e.get("type").and_then(|v| v.as_str()).unwrap_or("error");
    let reason = e.get("reason").and_then(|v| v.as_str()).unwrap_or("");
    let mut s = format!("{ty}: {reason}");
    if let Some(c) = e.get("caused_by") {
        let cty = c.get("type").and_then(|v| v.as_str()).unwrap_or("");
        let creason = c.get("reason").and_then(|v| v.as_str()).unwrap_or("");
        if !cty.is_empty() {
            s.push_str(&format!(" (caused by {cty}: {creason})"));
        }
    }
    s
}

/// Reads the `items` of a `_bulk` answer into outcomes, in order.
pub fn parse_items(body: &[u8]) -> Result<Vec<ItemOutcome>, String> {
    let parsed: BulkBody = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let items = parsed.items.ok_or("no items member")?;
    Ok(items
        .into_iter()
        .map(|ItemWrap(item)| match &item.error {
            None => classify_item(item.status, None),
            Some(serde_json::Value::String(s)) => classify_item(item.status, Some(("error", s))),
            Some(e) => {
                let ty = e.get("type").and_then(|v| v.as_str()).unwrap_or("error");
                let reason = e.get("reason").and_then(|v| v.as_str()).unwrap_or("");
                classify_item(item.status, Some((ty, reason)))
            }
        })
        .collect())
}

#[derive(Deserialize)]
struct BulkBody {
    items: Option<Vec<ItemWrap>>,
}

#[derive(Deserialize)]
struct ItemBody {
    status: u16,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// `{"index": {…}}`: one member whose name is the action.
struct ItemWrap(ItemBody);

impl<'de> Deserialize<'de> for ItemWrap {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ItemWrap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object with one action member")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let Some((IgnoredAny, body)) = map.next_entry::<IgnoredAny, ItemBody>()? else {
                    return Err(de::Error::custom("empty item"));
                };
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ItemWrap(body))
            }
        }
        d.deserialize_map(V)
    }
}

/// Exponential backoff with full jitter and a cap: attempt `n` waits a
/// uniformly random time in `[0, min(cap, base * 2^n))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first ceiling.
    pub base: Duration,
    /// The largest ceiling.
    pub cap: Duration,
}

impl Backoff {
    /// The ceiling of attempt `attempt` (0 for the first retry).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait before retry `attempt`, with `unit` uniform in `[0, 1)`.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        self.ceiling(attempt).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// A small xorshift generator for jitter (not for anything secret).
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// Seeded from the clock, so processes started together still spread.
    pub fn from_clock() -> Jitter {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64);
        Jitter(nanos | 1)
    }

    /// A number uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Bodies as OpenSearch 2.x writes them (Bulk API documentation,
    // "Example response"; errors as the REST layer renders exceptions).

    const ALL_OK: &str = r#"{"took":11,"errors":false,"items":[
      {"index":{"_index":"cwl-2018.11.29","_id":"1","_version":1,"result":"created","forced_refresh":false,
        "_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}},
      {"index":{"_index":"cwl-2018.11.29","_id":"2","_version":3,"result":"updated",
        "_shards":{"total":2,"successful":1,"failed":0},"_seq_no":5,"_primary_term":1,"status":200}},
      {"update":{"_index":"cwl-2018.11.28","_id":"0","_version":2,"result":"noop",
        "_shards":{"total":0,"successful":0,"failed":0},"_seq_no":1,"_primary_term":1,"status":200}}]}"#;

    const MIXED: &str = r#"{"took":3,"errors":true,"items":[
      {"index":{"_index":"cwl-2018.11.29","_id":"1","status":429,"error":{"type":"rejected_execution_exception",
        "reason":"rejected execution of coordinating operation [coordinating_and_primary_bytes=95396333, replica_bytes=0, all_bytes=95396333, coordinating_operation_bytes=22949230, max_coordinating_and_primary_bytes=107374182]"}}},
      {"index":{"_index":"cwl-2018.11.29","_id":"2","status":400,"error":{"type":"mapper_parsing_exception",
        "reason":"failed to parse field [status] of type [long] in document with id '2'. Preview of field's value: 'ok'",
        "caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"ok\""}}}},
      {"index":{"_index":"cwl-2018.11.29","_id":"3","status":400,"error":{"type":"illegal_argument_exception",
        "reason":"Limit of total fields [1000] has been exceeded"}}},
      {"update":{"_index":"cwl-2018.11.28","_id":"0","status":404,"error":{"type":"document_missing_exception",
        "reason":"[0]: document missing","index":"cwl-2018.11.28","shard":"0","index_uuid":"aBcD"}}},
      {"index":{"_index":"cwl-2018.11.29","_id":"4","status":503,"error":{"type":"unavailable_shards_exception",
        "reason":"[cwl-2018.11.29][0] primary shard is not active Timeout: [1m]"}}},
      {"index":{"_index":"CWL","_id":"5","status":400,"error":{"type":"invalid_index_name_exception",
        "reason":"Invalid index name [CWL], must be lowercase","index":"CWL","index_uuid":"_na_"}}},
      {"index":{"_index":"cwl-2018.11.29","_id":"6","status":429,"error":{"type":"es_rejected_execution_exception",
        "reason":"rejected execution of processing of [1][indices:data/write/bulk[s][p]]"}}},
      {"index":{"_index":"cwl-2018.11.29","_id":"7","status":400,"error":{"type":"mapper_parsing_exception",
        "reason":"object mapping for [service] tried to parse field [service] as object, but found a concrete value"}}}]}"#;

    #[test]
    fn all_created_or_updated_items_are_stored() {
        assert_eq!(
            classify(200, ALL_OK.as_bytes()),
            Answer::Items(vec![ItemOutcome::Stored; 3])
        );
    }

    #[test]
    fn each_item_gets_its_own_decision() {
        let Answer::Items(items) = classify(200, MIXED.as_bytes()) else {
            panic!("not items")
        };
        assert!(
            matches!(items[0], ItemOutcome::Retry(ref r) if r.starts_with("429 rejected_execution_exception"))
        );
        assert_eq!(
            items[1],
            ItemOutcome::Mapping(
                "mapper_parsing_exception: failed to parse field [status] of type [long] in document with id '2'. Preview of field's value: 'ok'".into()
            )
        );
        assert_eq!(
            items[2],
            ItemOutcome::Mapping(
                "illegal_argument_exception: Limit of total fields [1000] has been exceeded".into()
            )
        );
        assert_eq!(items[3], ItemOutcome::Missing);
        assert!(
            matches!(items[4], ItemOutcome::Retry(ref r) if r.starts_with("503 unavailable_shards_exception"))
        );
        assert!(
            matches!(items[5], ItemOutcome::Refused(ref r) if r == "400 invalid_index_name_exception: Invalid index name [CWL], must be lowercase")
        );
        assert!(matches!(items[6], ItemOutcome::Retry(_)));
        assert!(matches!(items[7], ItemOutcome::Mapping(_)));
    }

    #[test]
    fn item_429_is_retried_alone() {
        assert!(matches!(
            classify_item(
                429,
                Some(("circuit_breaking_exception", "[parent] Data too large"))
            ),
            ItemOutcome::Retry(_)
        ));
        // A rejection is retried whatever status it comes with.
        assert!(matches!(
            classify_item(400, Some(("es_rejected_execution_exception", "queue full"))),
            ItemOutcome::Retry(_)
        ));
    }

    #[test]
    fn whole_request_throttling_and_gateway_errors_are_retried() {
        let breaker = br#"{"error":{"root_cause":[{"type":"circuit_breaking_exception","reason":"[parent] Data too large, data for [<http_request>] would be [1031710152/983.9mb], which is larger than the limit of [1020054732/972.7mb]","bytes_wanted":1031710152,"bytes_limit":1020054732,"durability":"TRANSIENT"}],"type":"circuit_breaking_exception","reason":"[parent] Data too large, data for [<http_request>] would be [1031710152/983.9mb], which is larger than the limit of [1020054732/972.7mb]","bytes_wanted":1031710152,"bytes_limit":1020054732,"durability":"TRANSIENT"},"status":429}"#;
        assert!(
            matches!(classify(429, breaker), Answer::Retry(r) if r.starts_with("429 circuit_breaking_exception: [parent] Data too large"))
        );
        let unavailable = br#"{"error":{"root_cause":[{"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"}],"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"},"status":503}"#;
        assert!(matches!(classify(503, unavailable), Answer::Retry(_)));
        assert!(
            matches!(classify(502, b"<html><body>Bad Gateway</body></html>"), Answer::Retry(r) if r == "502 <html><body>Bad Gateway</body></html>")
        );
        assert!(
            matches!(classify(504, br#"{"message": "Request Timeout"}"#), Answer::Retry(r) if r == "504 Request Timeout")
        );
    }

    #[test]
    fn request_too_large_splits() {
        assert_eq!(
            classify(413, br#"{"Message":"Request size exceeded 10485760 bytes"}"#),
            Answer::TooLarge("413 Request size exceeded 10485760 bytes".into())
        );
        assert_eq!(classify(413, b""), Answer::TooLarge("413 (empty answer)".into()));
    }

    #[test]
    fn refused_credentials_fail_the_sink() {
        // The security plugin's 401, and the AWS front end's 403s.
        assert_eq!(
            classify(401, b"Unauthorized"),
            Answer::Auth {
                status: 401,
                reason: "Unauthorized".into()
            }
        );
        assert_eq!(
            classify(
                403,
                br#"{"message":"The security token included in the request is invalid."}"#
            ),
            Answer::Auth {
                status: 403,
                reason: "The security token included in the request is invalid.".into()
            }
        );
        let fgac = br#"{"error":{"root_cause":[{"type":"security_exception","reason":"no permissions for [indices:data/write/bulk] and User [name=lambda, backend_roles=[], requestedTenant=null]"}],"type":"security_exception","reason":"no permissions for [indices:data/write/bulk] and User [name=lambda, backend_roles=[], requestedTenant=null]"},"status":403}"#;
        assert!(
            matches!(classify(403, fgac), Answer::Auth { status: 403, reason } if reason.starts_with("security_exception: no permissions"))
        );
    }

    #[test]
    fn malformed_requests_are_bad_requests() {
        let typ = br#"{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"Action/metadata line [1] contains an unknown parameter [_type]"}],"type":"illegal_argument_exception","reason":"Action/metadata line [1] contains an unknown parameter [_type]"},"status":400}"#;
        assert_eq!(
            classify(400, typ),
            Answer::BadRequest(
                "400 illegal_argument_exception: Action/metadata line [1] contains an unknown parameter [_type]".into()
            )
        );
        assert_eq!(
            classify(
                406,
                br#"{"error":"Content-Type header [text/plain] is not supported","status":406}"#
            ),
            Answer::Refused("406 Content-Type header [text/plain] is not supported".into())
        );
    }

    #[test]
    fn a_2xx_that_is_not_a_bulk_answer_is_retried() {
        assert!(matches!(classify(200, b"<html>proxy</html>"), Answer::Retry(_)));
        assert!(matches!(
            classify(200, br#"{"acknowledged":true}"#),
            Answer::Retry(_)
        ));
    }

    #[test]
    fn backoff_grows_to_the_cap_with_full_jitter() {
        let b = Backoff {
            base: Duration::from_millis(50),
            cap: Duration::from_secs(2),
        };
        assert_eq!(b.ceiling(0), Duration::from_millis(50));
        assert_eq!(b.ceiling(3), Duration::from_millis(400));
        assert_eq!(b.ceiling(10), Duration::from_secs(2));
        assert_eq!(b.ceiling(400), Duration::from_secs(2));
        assert_eq!(b.delay(3, 0.5), Duration::from_millis(200));
        assert_eq!(b.delay(3, 0.0), Duration::ZERO);
        let mut j = Jitter(7);
        for _ in 0..1000 {
            let u = j.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
