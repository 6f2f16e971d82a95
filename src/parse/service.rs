//! `serviceName`: from the line's JSON members, else from the log group.
//!
//! JSON, first non-blank string of: `serviceName`, `service` (only when a
//! string), `service.name` (a dotted member), `{"service":{"name":…}}`.
//! A member that is not a string, or is blank, is passed over.
//!
//! Log group (trailing `/` ignored):
//! - `/aws/lambda/NAME`, `/ecs/NAME`, `/aws/ecs/NAME` give `NAME`, the
//!   segment right after the prefix; a Lambda@Edge replica's
//!   `/aws/lambda/us-east-1.NAME` gives `NAME`.
//!   (SCHEMA.md to the letter, also for Container Insights groups:
//!   `/aws/ecs/containerinsights/C/performance` gives `containerinsights`,
//!   `/aws/containerinsights/C/application` gives `application`.)
//! - any other group gives its last path segment (`like-service` →
//!   `like-service`, `/aws/apigateway/welcome` → `welcome`).
//! - an empty or blank result gives none.

use std::borrow::Cow;

use super::bytes;
use super::json::{Members, Raw, trimmed};

/// The service a line comes from: its JSON's, else `group_service`, the
/// one its log group names ([`from_log_group`], found once per delivery).
pub fn name<'a>(json: Option<&Members<'a>>, group_service: Option<&'a str>) -> Option<Cow<'a, str>> {
    json.and_then(from_json)
        .or_else(|| group_service.map(Cow::Borrowed))
}

/// One pass over the members (cheaper than a hash lookup per name): the
/// best-ranked non-blank string.
fn from_json<'a>(json: &Members<'a>) -> Option<Cow<'a, str>> {
    let mut best: Option<(u8, Cow<'a, str>)> = None;
    for (key, value) in json.iter() {
        let (rank, name) = match (key, value) {
            ("serviceName", Raw::Str(s)) => (0, s.decode()),
            ("service", Raw::Str(s)) => (1, s.decode()),
            ("service.name", Raw::Str(s)) => (2, s.decode()),
            ("service", Raw::Object(_)) => match value.as_object().and_then(|o| o.get("name")) {
                Some(Raw::Str(s)) => (3, s.decode()),
                _ => continue,
            },
            _ => continue,
        };
        if best.as_ref().is_some_and(|(b, _)| *b <= rank) || bytes::trim(&name).is_empty() {
            continue;
        }
        best = Some((rank, trimmed(name)));
    }
    best.map(|(_, name)| name)
}

/// The service a log group names (see the module documentation); none when
/// that is blank (a group CloudWatch would not name, but a delivery can).
pub fn from_log_group(log_group: &str) -> Option<&str> {
    segment_of(log_group).filter(|s| !s.trim().is_empty())
}

fn segment_of(log_group: &str) -> Option<&str> {
    let group = log_group.trim_end_matches('/');
    if let Some(rest) = after(group, "/aws/lambda/") {
        return first_segment(rest).map(strip_edge_region);
    }
    for prefix in ["/ecs/", "/aws/ecs/"] {
        if let Some(rest) = after(group, prefix) {
            return first_segment(rest);
        }
    }
    group.rsplit('/').next().filter(|s| !s.is_empty())
}

/// What follows `prefix` (which ends in `/`); empty when the group is the
/// prefix itself.
fn after<'g>(group: &'g str, prefix: &str) -> Option<&'g str> {
    if prefix.strip_suffix('/') == Some(group) {
        return Some("");
    }
    group.strip_prefix(prefix)
}

fn first_segment(rest: &str) -> Option<&str> {
    rest.split('/').next().filter(|s| !s.is_empty())
}

/// `us-east-1.NAME` → `NAME` (Lambda@Edge replicas; function names cannot
/// contain `.`).
fn strip_edge_region(name: &str) -> &str {
    let Some((region, rest)) = name.split_once('.') else {
        return name;
    };
    let mut parts = region.split('-');
    let area = parts.next().unwrap_or_default();
    let number = parts.next_back().unwrap_or_default();
    let mut middle = parts.peekable();
    let is_region = area.len() == 2
        && area.bytes().all(|b| b.is_ascii_lowercase())
        && middle.peek().is_some()
        && middle.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit());
    if is_region && !rest.is_empty() { rest } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_segment_names_no_service() {
        // Found by fuzzing (parse_line): the group "\r" gave the service "\r".
        for group in [
            "\r",
            " ",
            "/aws/lambda/ /x",
            "/ecs/\t",
            "/aws/lambda/us-east-1. ",
            "a/ \r\n/",
        ] {
            assert_eq!(from_log_group(group), None, "{group:?}");
        }
        assert_eq!(from_log_group("/aws/lambda/us-east-1.edge"), Some("edge"));
    }

    fn svc(message_json: Option<&str>, group: &str) -> Option<String> {
        let json = message_json.and_then(crate::parse::json::extract_object);
        name(json.as_ref(), from_log_group(group)).map(Cow::into_owned)
    }

    #[test]
    fn json_members_win_over_the_log_group() {
        for (j, want) in [
            (r#"{"serviceName":"like"}"#, "like"),
            (r#"{"service":"like"}"#, "like"),
            (r#"{"service.name":"like"}"#, "like"),
            (r#"{"service":{"name":"like","version":"1"}}"#, "like"),
            (r#"{"service":"powertools","serviceName":"like"}"#, "like"),
            (r#"{"service":" like "}"#, "like"),
        ] {
            assert_eq!(svc(Some(j), "/ecs/other").as_deref(), Some(want), "{j}");
        }
    }

    #[test]
    fn non_string_or_blank_service_members_fall_back() {
        for j in [
            r#"{"service":{"version":"1"}}"#,
            r#"{"service":42}"#,
            r#"{"serviceName":""}"#,
            r#"{"serviceName":null,"service":"  "}"#,
            r#"{"service":{"name":7}}"#,
        ] {
            assert_eq!(
                svc(Some(j), "/ecs/like-service").as_deref(),
                Some("like-service"),
                "{j}"
            );
        }
    }

    #[test]
    fn log_group_prefixes_give_the_next_segment() {
        for (g, want) in [
            ("/aws/lambda/like-fn", "like-fn"),
            ("/ecs/like-service", "like-service"),
            ("/aws/ecs/like-service", "like-service"),
            ("/ecs/like-service/", "like-service"),
            ("/ecs/like-service/extra", "like-service"),
            ("/aws/lambda/us-east-1.edge-fn", "edge-fn"),
            ("/aws/lambda/us-gov-west-1.edge-fn", "edge-fn"),
        ] {
            assert_eq!(svc(None, g).as_deref(), Some(want), "{g}");
        }
    }

    #[test]
    fn container_insights_groups_follow_the_contract_to_the_letter() {
        assert_eq!(
            svc(None, "/aws/ecs/containerinsights/mysfits-cluster/performance").as_deref(),
            Some("containerinsights")
        );
        assert_eq!(
            svc(None, "/aws/containerinsights/eks-prod/application").as_deref(),
            Some("application")
        );
    }

    #[test]
    fn other_log_groups_give_their_last_segment() {
        for (g, want) in [
            ("like-service", "like-service"),
            ("/aws/apigateway/welcome", "welcome"),
            ("API-Gateway-Execution-Logs_abc123/prod", "prod"),
            ("/aws/lambdax/foo", "foo"),
        ] {
            assert_eq!(svc(None, g).as_deref(), Some(want), "{g}");
        }
    }

    #[test]
    fn empty_names_give_none() {
        for g in ["", "/", "/aws/lambda/", "/ecs/", "///"] {
            assert_eq!(svc(None, g), None, "{g:?}");
        }
    }

    #[test]
    fn lambda_names_with_a_dot_that_is_no_region_are_kept() {
        assert_eq!(svc(None, "/aws/lambda/my.fn").as_deref(), Some("my.fn"));
        assert_eq!(
            svc(None, "/aws/lambda/us-east-x.fn").as_deref(),
            Some("us-east-x.fn")
        );
    }

    #[test]
    fn log_group_names_are_borrowed() {
        assert!(matches!(
            name(None, from_log_group("/ecs/like")),
            Some(Cow::Borrowed("like"))
        ));
    }
}
