//! Access-log lines: `@httpMethod`, `@httpStatus`, `@urlPath`.
//!
//! One general grammar rather than a list of formats: a request line
//! `"METHOD SP TARGET SP HTTP/x[.y]"` followed by a three-digit status. That
//! covers werkzeug and Python's `http.server`, gunicorn, uvicorn, nginx and
//! Apache common / combined (with any fields after the status), Envoy,
//! Traefik, morgan `common` / `combined`, and the same line embedded in a
//! JSON string (`\"GET / HTTP/1.1\" 200`, as Docker / FireLens wrap it).
//! Also accepted:
//! - ANSI colours inside the quotes (werkzeug colours every non-200
//!   request line on a terminal-less Linux too: `"\x1b[33mGET / HTTP/1.1\x1b[0m" 404`);
//! - the request without quotes when a status follows the version (morgan
//!   `short`: `::1 - GET /x HTTP/1.1 200 12 - 3.1 ms`);
//! - ALB and Classic ELB access logs, whose status comes four fields before
//!   the request (`… 0.000 200 200 34 366 "GET http://h:80/x HTTP/1.1" …`):
//!   the status is the load balancer's (`elb_status_code`).
//!
//! A request line with no status (a JSON member, nginx's error log
//! `request: "GET / HTTP/1.1"`) is not an access line. `@urlPath` is the
//! target without its query string or fragment; an absolute target gives its
//! path (`/` when it has none), `*` stays `*`, an authority (`CONNECT
//! host:443`) gives no path. Everything is borrowed from the message.

use super::Http;
use super::bytes::{find_pair, shaped};

/// The longest method token accepted (`VERSION-CONTROL` is 15).
const MAX_METHOD: usize = 24;

/// Method, status and path of an access-log line; all `None` when the
/// message is not one.
pub fn parse(message: &str) -> Http<'_> {
    request_line(message).unwrap_or_else(|| Http {
        status: status_only(message),
        ..Http::default()
    })
}

/// The fields of the first request line followed by a status (see the
/// module docs).
fn request_line(message: &str) -> Option<Http<'_>> {
    let b = message.as_bytes();
    // Every ` HTTP/` holds `P/`, which most lines hold nowhere: one cheap
    // search for the pair finds each candidate (and rules out most lines),
    // rather than a test for the pair and then a search for ` HTTP/`.
    let mut from = 0;
    while let Some(p) = find_pair(b, from, b'P', b'/') {
        if let Some(at) = p.checked_sub(4)
            && b.get(at..p) == Some(b" HTT")
            && let Some(http) = request_at(message, at)
        {
            return Some(http);
        }
        from = p + 1;
    }
    None
}

/// How the request line is delimited.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// `"…"`
    Plain,
    /// `\"…\"` inside a JSON string.
    Escaped,
    /// No quotes (morgan `short`).
    None,
}

/// The access fields when the ` HTTP/` at byte `at` ends a request line.
fn request_at(message: &str, at: usize) -> Option<Http<'_>> {
    let b = message.as_bytes();

    // HTTP/1.1, HTTP/2, HTTP/2.0
    let mut i = at + 6;
    if !b.get(i)?.is_ascii_digit() {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 2;
    }
    i = skip_ansi_forward(b, i);

    // TARGET: the run of visible bytes before the space.
    let t_start = target_start(&b[..at]);
    if t_start == at || t_start == 0 || b[t_start - 1] != b' ' {
        return None;
    }
    let target = &message[t_start..at];

    // METHOD: an upper-case token.
    let m_end = t_start - 1;
    let mut m_start = m_end;
    while m_start > 0 && matches!(b[m_start - 1], b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-') {
        m_start -= 1;
    }
    let method = &message[m_start..m_end];
    if method.is_empty() || method.len() > MAX_METHOD || !b[m_start].is_ascii_uppercase() {
        return None;
    }

    // What opens the request, and does the same close it?
    let before = skip_ansi_backward(b, m_start);
    let open = match before.checked_sub(1).map(|k| b[k]) {
        Some(b'"') if before >= 2 && b[before - 2] == b'\\' => Quote::Escaped,
        Some(b'"') => Quote::Plain,
        None | Some(b' ' | b'\t') => Quote::None,
        Some(_) => return None,
    };
    let after_close = match open {
        Quote::Plain if b.get(i) == Some(&b'"') => i + 1,
        Quote::Escaped if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'"') => i + 2,
        Quote::None => i,
        _ => return None,
    };
    if open == Quote::None && !(target.starts_with('/') || scheme_len(target).is_some()) {
        return None;
    }

    let status = status_after(b, after_close).or_else(|| match open {
        Quote::None => None,
        Quote::Plain | Quote::Escaped => {
            let open_at = if open == Quote::Plain {
                before - 1
            } else {
                before - 2
            };
            load_balancer_status(&message[..open_at])
        }
    })?;

    Some(Http {
        method: Some(method),
        status: Some(status),
        path: path_of(target),
    })
}

/// The longest client address of a common-log line: IPv6, 39 bytes.
const MAX_ADDRESS: usize = 39;

/// How far into the line the `[` of a common-log date may be: after the
/// client address, ident and user.
const MAX_COMMON_HEAD: usize = 160;

/// How far into the line the request field of an ALB / Classic ELB record
/// may start: its fields before it are about 150 bytes long.
const MAX_BALANCER_HEAD: usize = 400;

/// The status of an access line whose request field holds no request line,
/// where the fields around it are those of its format. nginx and Apache
/// write `"-"` when the client sent nothing (`"-" 408 0`) and the bytes
/// themselves when it spoke TLS to the plain port (`"\x16\x03\x01…" 400`);
/// an ALB writes `"- http://host:80- -"` for a request it could not read.
/// The line has no method or path then, but its status is still the
/// server's answer.
#[inline]
fn status_only(message: &str) -> Option<u16> {
    // Both formats start with a hex digit or `:` (an address, an ISO time)
    // or with ALB's `h…`, `g…`, `w…`: one test rules out most other lines
    // before either is called.
    let c = *message.as_bytes().first()?;
    if !(c.is_ascii_hexdigit() || matches!(c, b':' | b'h' | b'g' | b'w')) {
        return None;
    }
    common_log_status(message.as_bytes()).or_else(|| balancer_status(message))
}

/// Common / combined log format: `address ident user [dd/Mon/yyyy:hh:mm:ss
/// +zzzz] "request" status size …`, the size a number or `-`.
fn common_log_status(b: &[u8]) -> Option<u16> {
    const DATE: &[u8] = b"99/Aaa/9999:99:99:99 +9999] \"";
    // The line starts with the client's IPv4 or IPv6 address (nginx's
    // `$remote_addr`, Apache's `%h` without host name lookups): a test that
    // most other lines fail at their first byte or word.
    let address = b
        .iter()
        .take(MAX_ADDRESS + 1)
        .position(|&c| !(c.is_ascii_hexdigit() || c == b'.' || c == b':'))?;
    if address == 0 || b[address] != b' ' {
        return None;
    }
    let head = &b[address..b.len().min(MAX_COMMON_HEAD)];
    let open = address + memchr::memchr(b'[', head)?;
    if !shaped(b.get(open + 1..open + 1 + DATE.len())?, DATE) {
        return None;
    }
    let field = open + 1 + DATE.len();
    let close = field + memchr::memchr(b'"', &b[field..])?;
    // ` status size`, the size a number or `-`, then the end or a blank.
    if b.get(close + 1) != Some(&b' ') || b.get(close + 5) != Some(&b' ') {
        return None;
    }
    let status = three_digit_status(&b[close + 2..])?;
    let size = &b[close + 6..];
    let size_len = if size.first() == Some(&b'-') {
        1
    } else {
        size.iter().take_while(|c| c.is_ascii_digit()).count()
    };
    let ends = matches!(size.get(size_len), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
    (size_len > 0 && ends).then_some(status)
}

/// ALB (`http|https|h2|grpcs|ws|wss` then its ISO time in microseconds)
/// and Classic ELB (that time first) records: the load balancer's status
/// four fields before the first quoted field.
fn balancer_status(message: &str) -> Option<u16> {
    let b = message.as_bytes();
    let time_at = match b.first()? {
        b'0'..=b'9' => 0,
        b'h' | b'g' | b'w' => {
            let sp = memchr::memchr(b' ', &b[..b.len().min(6)])?;
            if !matches!(&b[..sp], b"http" | b"https" | b"h2" | b"grpcs" | b"ws" | b"wss") {
                return None;
            }
            sp + 1
        }
        _ => return None,
    };
    // Both write microseconds and `Z`, which few other logs do.
    const TIME: &[u8] = b"9999-99-99T99:99:99.999999Z ";
    let time = b.get(time_at..time_at + TIME.len())?;
    // Where other ISO times part from it first: the fraction, then `Z`.
    if time[19] != b'.' || time[26] != b'Z' || !shaped(time, TIME) {
        return None;
    }
    let quote = memchr::memchr(b'"', &b[..b.len().min(MAX_BALANCER_HEAD)])?;
    // A `"` is a character of its own: the text before it is whole.
    load_balancer_status(message.get(..quote)?)
}

/// A status right after the request: blanks, then three digits that end
/// there, 100–599.
fn status_after(b: &[u8], mut i: usize) -> Option<u16> {
    let start = i;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if i == start {
        return None;
    }
    three_digit_status(b.get(i..)?)
}

/// `s` starts with a three-digit status (100–599) that is not followed by
/// another letter or digit.
fn three_digit_status(s: &[u8]) -> Option<u16> {
    let d = s.get(..3)?;
    if !d.iter().all(u8::is_ascii_digit) || s.get(3).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let v = d.iter().fold(0u16, |acc, &c| acc * 10 + u16::from(c - b'0'));
    (100..=599).contains(&v).then_some(v)
}

/// ALB / Classic ELB: `… elb_status_code target_status_code received_bytes
/// sent_bytes "request" …` — the four fields before the request.
fn load_balancer_status(head: &str) -> Option<u16> {
    let mut fields = head.split_ascii_whitespace().rev();
    let sent = fields.next()?;
    let received = fields.next()?;
    let target_status = fields.next()?;
    let elb_status = fields.next()?;
    let count = |s: &str| s == "-" || (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()));
    // The target's status is `-` (ALB) or `0` (Classic ELB) when it sent none.
    let status_or_dash =
        |s: &str| s == "-" || s == "0" || (s.len() == 3 && three_digit_status(s.as_bytes()).is_some());
    if !(count(sent) && count(received) && status_or_dash(target_status)) || elb_status.len() != 3 {
        return None;
    }
    three_digit_status(elb_status.as_bytes())
}

/// Where the run of bytes other than blanks, `"` and control characters
/// that ends `head` starts. The last space comes from one backward `memrchr`;
/// only when the run after it holds another of those bytes (hardly ever)
/// is it read again byte by byte.
fn target_start(head: &[u8]) -> usize {
    let delimiter = |c: u8| c == b'"' || c < 0x20;
    let from = memchr::memrchr(b' ', head).map_or(0, |k| k + 1);
    let run = &head[from..];
    if !run.iter().fold(false, |any, &c| any | delimiter(c)) {
        return from;
    }
    run.iter()
        .rposition(|&c| delimiter(c))
        .map_or(from, |k| from + k + 1)
}

/// The path of a request target, without query or fragment.
fn path_of(target: &str) -> Option<&str> {
    let rest = match scheme_len(target) {
        Some(n) => {
            let after = &target[n..];
            match memchr::memchr3(b'/', b'?', b'#', after.as_bytes()) {
                Some(k) if after.as_bytes()[k] == b'/' => &after[k..],
                _ => return Some("/"),
            }
        }
        None => target,
    };
    if rest.starts_with('/') {
        let end = memchr::memchr2(b'?', b'#', rest.as_bytes()).unwrap_or(rest.len());
        Some(&rest[..end])
    } else if rest == "*" {
        // The message's own `*`, as every other field is its own text.
        Some(rest)
    } else {
        None
    }
}

/// The length of `http://`, `https://`, `ws://` or `wss://` at the start
/// of `target` (any case).
fn scheme_len(target: &str) -> Option<usize> {
    // Every scheme starts with `h` or `w`: most targets (`/…`) stop here.
    if !matches!(target.as_bytes().first(), Some(b'h' | b'H' | b'w' | b'W')) {
        return None;
    }
    // `://` within the first 8 bytes: the longest scheme has 5 letters.
    let head = &target.as_bytes()[..target.len().min(8)];
    let colon = head.windows(3).position(|w| w == b"://")?;
    let scheme = &target[..colon];
    ["http", "https", "ws", "wss"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
        .then_some(colon + 3)
}

/// Past any colour codes at `i`: raw `ESC [ … m` or the JSON-escaped
/// `\u001b[ … m`.
fn skip_ansi_forward(b: &[u8], mut i: usize) -> usize {
    loop {
        let code_at = if b.get(i) == Some(&0x1b) {
            i + 1
        } else if b
            .get(i..i + 6)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"\\u001b"))
        {
            i + 6
        } else {
            return i;
        };
        if b.get(code_at) != Some(&b'[') {
            return i;
        }
        let mut k = code_at + 1;
        while b.get(k).is_some_and(|c| c.is_ascii_digit() || *c == b';') {
            k += 1;
        }
        if b.get(k) != Some(&b'm') {
            return i;
        }
        i = k + 1;
    }
}

/// Back over any colour codes that end right before `i`.
fn skip_ansi_backward(b: &[u8], mut i: usize) -> usize {
    loop {
        if i == 0 || b[i - 1] != b'm' {
            return i;
        }
        let mut k = i - 1;
        while k > 0 && (b[k - 1].is_ascii_digit() || b[k - 1] == b';') {
            k -= 1;
        }
        if k == 0 || b[k - 1] != b'[' {
            return i;
        }
        let bracket = k - 1;
        if bracket >= 1 && b[bracket - 1] == 0x1b {
            i = bracket - 1;
        } else if bracket >= 6 && b[bracket - 6..bracket].eq_ignore_ascii_case(b"\\u001b") {
            i = bracket - 6;
        } else {
            return i;
        }
    }
}

#[cfg(test)]
#[path = "access_log_oracle.rs"]
mod oracle;

#[cfg(test)]
mod tests {
    use super::*;

    fn http(method: &'static str, status: u16, path: Option<&'static str>) -> Http<'static> {
        Http {
            method: Some(method),
            status: Some(status),
            path,
        }
    }

    fn none() -> Http<'static> {
        Http::default()
    }

    #[test]
    fn werkzeug_access_line() {
        assert_eq!(
            parse(
                r#"10.0.1.23 - - [25/Nov/2024 10:01:02] "POST /mysfits/4e53920c-505a-4a90-a694-b9300791f0ae/like HTTP/1.1" 200 -"#
            ),
            http(
                "POST",
                200,
                Some("/mysfits/4e53920c-505a-4a90-a694-b9300791f0ae/like")
            )
        );
    }

    #[test]
    fn werkzeug_colours_the_request_of_a_non_200() {
        assert_eq!(
            parse(
                "10.0.1.23 - - [25/Nov/2024 10:01:02] \"\x1b[33mPOST /mysfits/x/like HTTP/1.1\x1b[0m\" 404 -"
            ),
            http("POST", 404, Some("/mysfits/x/like"))
        );
        assert_eq!(
            parse("127.0.0.1 - - [25/Nov/2024 10:01:02] \"\x1b[35m\x1b[1mGET /boom HTTP/1.1\x1b[0m\" 500 -"),
            http("GET", 500, Some("/boom"))
        );
    }

    #[test]
    fn werkzeug_through_python_logging_keeps_its_prefix() {
        assert_eq!(
            parse(r#"INFO:werkzeug:10.0.0.1 - - [25/Nov/2024 10:01:02] "GET /?x=1 HTTP/1.1" 200 -"#),
            http("GET", 200, Some("/"))
        );
    }

    #[test]
    fn gunicorn_default_access_format() {
        assert_eq!(
            parse(
                r#"10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] "GET /mysfits HTTP/1.1" 200 1234 "-" "curl/8.4.0""#
            ),
            http("GET", 200, Some("/mysfits"))
        );
    }

    #[test]
    fn nginx_combined_with_query_and_extra_fields() {
        assert_eq!(
            parse(
                r#"10.0.0.5 - - [25/Nov/2024:10:01:02 +0000] "GET /api/x?y=1 HTTP/1.1" 404 153 "-" "ELB-HealthChecker/2.0" "Root=1-5759e988-bd862e3fe1be46a994272793""#
            ),
            http("GET", 404, Some("/api/x"))
        );
        assert_eq!(
            parse(r#"1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#),
            http("GET", 200, Some("/apache_pb.gif"))
        );
    }

    #[test]
    fn uvicorn_envoy_and_http2() {
        assert_eq!(
            parse(r#"INFO:     172.17.0.1:50212 - "GET /docs#top HTTP/1.1" 200 OK"#),
            http("GET", 200, Some("/docs"))
        );
        assert_eq!(
            parse(
                r#"[2024-11-25T10:01:02.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80""#
            ),
            http("POST", 204, Some("/api/v1/locations"))
        );
        assert_eq!(
            parse(r#"x "PATCH /a HTTP/2.0" 301 0"#),
            http("PATCH", 301, Some("/a"))
        );
    }

    #[test]
    fn other_method_tokens() {
        assert_eq!(
            parse(r#""PROPFIND /dav HTTP/1.1" 207 0"#),
            http("PROPFIND", 207, Some("/dav"))
        );
        assert_eq!(
            parse(r#""M-SEARCH * HTTP/1.1" 200 0"#),
            http("M-SEARCH", 200, Some("*"))
        );
        assert_eq!(
            parse(r#""CONNECT example.com:443 HTTP/1.1" 200 0"#),
            Http {
                method: Some("CONNECT"),
                status: Some(200),
                path: None,
            }
        );
    }

    #[test]
    fn absolute_targets_give_their_path() {
        assert_eq!(
            parse(r#""GET http://h.example:80/a/b?c HTTP/1.1" 200 1"#),
            http("GET", 200, Some("/a/b"))
        );
        assert_eq!(
            parse(r#""GET https://h.example HTTP/1.1" 200 1"#),
            http("GET", 200, Some("/"))
        );
        assert_eq!(
            parse(r#""GET https://h.example?q=1 HTTP/1.1" 200 1"#),
            http("GET", 200, Some("/"))
        );
    }

    #[test]
    fn a_scheme_is_only_at_the_start_of_the_target() {
        assert_eq!(scheme_len("http://h"), Some(7));
        assert_eq!(scheme_len("WSS://h"), Some(6));
        assert_eq!(scheme_len("ftp://h"), None);
        // `://` further in is no scheme (a query, a longer word).
        assert_eq!(scheme_len("/r?u=http://h"), None);
        assert_eq!(scheme_len("httpss://h"), None);
        assert_eq!(scheme_len("é://h"), None);
        assert_eq!(scheme_len(""), None);
    }

    #[test]
    fn alb_and_classic_elb_take_the_load_balancer_status() {
        let alb = r#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 502 - 34 366 "GET http://www.example.com:80/api/x?y=1 HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#;
        assert_eq!(parse(alb), http("GET", 502, Some("/api/x")));
        // Classic ELB, no answer from the back end: its status is `0`.
        let elb = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 - -1 -1 -1 503 0 0 0 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -"#;
        assert_eq!(parse(elb), http("GET", 503, Some("/")));
        let clb = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -"#;
        assert_eq!(parse(clb), http("GET", 200, Some("/")));
    }

    #[test]
    fn a_line_inside_a_json_string() {
        let firelens = r#"{"container_name":"web","log":"10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] \"GET /x?y HTTP/1.1\" 302 0 \"-\" \"curl\"","source":"stdout"}"#;
        assert_eq!(parse(firelens), http("GET", 302, Some("/x")));
        let coloured = r#"{"log":"1.2.3.4 - - [x] \"\u001b[33mGET /y HTTP/1.1\u001b[0m\" 404 -"}"#;
        assert_eq!(parse(coloured), http("GET", 404, Some("/y")));
    }

    #[test]
    fn an_unquoted_request_needs_a_path_and_a_status() {
        assert_eq!(
            parse("::1 - GET /api/x HTTP/1.1 200 12 - 3.123 ms"),
            http("GET", 200, Some("/api/x"))
        );
        assert_eq!(parse("GET / HTTP/1.1 404"), http("GET", 404, Some("/")));
        assert_eq!(parse("sent GET example.com HTTP/1.1 200"), none());
        assert_eq!(parse("GET /api/x HTTP/1.1"), none());
    }

    #[test]
    fn a_request_without_status_is_not_an_access_line() {
        assert_eq!(parse(r#"{"request":"GET /x HTTP/1.1","status":200}"#), none());
        assert_eq!(
            parse(
                r#"2024/11/25 10:01:02 [error] 7#7: *13 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: _, request: "GET /api HTTP/1.1", upstream: "http://127.0.0.1:5000/api", host: "x""#
            ),
            none()
        );
        assert_eq!(parse(r#"x "GET /x HTTP/1.1" -"#), none());
    }

    #[test]
    fn mentions_of_methods_are_not_access_lines() {
        for m in [
            "GET /api/errors 200",
            "Handling GET /mysfits",
            "WARN: simulated 404 activated",
            r#""get /x HTTP/1.1" 200 1"#,
            r#""Get /x HTTP/1.1" 200 1"#,
            r#""GET /x HTTP/1.1" 2000 1"#,
            r#""GET /x HTTP/1.1" 099 1"#,
            r#""GET /x HTTP/1.1" 200x"#,
            r#""GET /x HTTP/1.1 200 1"#,
            r#"GET /x HTTP/1.1" 200 1"#,
            r#""GET /x HTTP/x" 200 1"#,
            r#""GET  HTTP/1.1" 200 1"#,
            "",
            " HTTP/",
            "\" HTTP/1.1\" 200",
        ] {
            assert_eq!(parse(m), none(), "{m:?}");
        }
    }

    #[test]
    fn a_request_field_without_a_request_line_gives_the_status_alone() {
        let status = |s: u16| Http {
            method: None,
            status: Some(s),
            path: None,
        };
        // nginx / Apache: nothing sent, TLS on the plain port, an odd line.
        for (line, want) in [
            (
                r#"10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] "-" 408 0 "-" "-""#,
                408,
            ),
            (r#"10.0.0.1 - - [25/Nov/2024:10:01:02 -0500] "-" 408 -"#, 408),
            (
                r#"10.0.0.137 - - [25/Nov/2024:23:52:17 +0000] "\x16\x03\x01\x00\xF5\x01" 400 157 "-" "-" "-" "-""#,
                400,
            ),
            (
                r#"::1 - frank [25/Nov/2024:10:01:02 +0000] "get /x HTTP/1.1" 200 12"#,
                200,
            ),
            ("10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] \"-\" 400 0\r", 400),
        ] {
            assert_eq!(parse(line), status(want), "{line}");
        }
        // ALB and Classic ELB records of a request the balancer could not read.
        let alb = r#"http 2024-12-03T06:18:54.391000Z app/web/50dc6c495c0c9188 198.51.100.62:64187 - -1 -1 -1 400 - 1495 26941 "- http://shop.example.com:80- -" "-" - - arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "-" "-" "-" - 2024-12-03T06:18:54.311000Z "-" "-" "-" "-" "-" "-" "-""#;
        assert_eq!(parse(alb), status(400));
        let elb =
            r#"2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 - -1 -1 -1 504 0 0 0 "- - - " "-" - -"#;
        assert_eq!(parse(elb), status(504));
        let h2 = alb.replacen("http ", "h2 ", 1);
        assert_eq!(parse(&h2), status(400));
        // Not those formats, or not their fields around the quotes.
        for line in [
            r#"10.0.0.1 - - [25/Nov/2024:10:01:02] "-" 408 0"#,
            r#"10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] "-" 408"#,
            r#"10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] "-" 4080 0"#,
            r#"10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] "-" 408 0x"#,
            r#"10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] "-"  408 0"#,
            r#"10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] "-" 999 0"#,
            r#"[25/Nov/2024:10:01:02 +0000] "unterminated 408 0"#,
            r#"2024-12-03T06:18:54.123456Z worker done 200 200 0 29x "job""#,
            r#"2024-12-03T06:18:54.123Z x -1 -1 -1 400 - 1 2 "- -""#,
            r#"httpd 2024-12-03T06:18:54.123456Z x -1 -1 -1 400 - 1 2 "- -""#,
            r#"https 2024-12-03 06:18:54 x -1 -1 -1 400 - 1 2 "- -""#,
            "INFO: 200 requests served",
        ] {
            assert_eq!(parse(line), none(), "{line}");
        }
    }

    #[test]
    fn the_first_request_line_with_a_status_wins() {
        let m = r#"proxy "GET /a HTTP/1.1" from "POST /b HTTP/1.1" 201 9"#;
        assert_eq!(parse(m), http("POST", 201, Some("/b")));
    }

    #[test]
    fn never_panics_on_odd_bytes_near_the_request() {
        for m in [
            "é HTTP/1",
            "\"GET é HTTP/1.1\" 200",
            "\x1b[m\" HTTP/1.1\" 200",
            "\\\"GET / HTTP/1\\\" 200",
        ] {
            let _ = parse(m);
        }
        assert_eq!(parse("\\\"GET / HTTP/1\\\" 200"), http("GET", 200, Some("/")));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_borrows_from_the_message(
            s in r#"[ "\\a-zA-Z0-9/?#:.\-\x1b\[;mé]{0,12}( HTTP/[0-9.]{0,3})?[ "\\0-9a-z\x1b\[;mé-]{0,10}"#
        ) {
            let h = parse(&s);
            if let Some(m) = h.method {
                proptest::prop_assert!(s.contains(m));
            }
        }
    }

    /// Pieces of the grammar: methods (and near misses), blanks, quotes
    /// plain and escaped, targets of every kind, versions, statuses in and
    /// out of range, ALB fields, colour codes raw and escaped, control and
    /// non-ASCII bytes, and `P/` where it is no version.
    const PIECES: &[&str] = &[
        "GET",
        "POST",
        "PATCH",
        "M-SEARCH",
        "PROPFIND",
        "CONNECT",
        "VERSION-CONTROL",
        "get",
        "Get",
        "G",
        "A_B",
        "X9",
        "TOOLONGMETHODTOKENTOOLONGMETHOD",
        " ",
        "  ",
        "\t",
        "\"",
        "\\\"",
        "\\",
        "/",
        "/a/b",
        "/x?y=1",
        "/d#top",
        "/p?q#f",
        "*",
        "http://h:80/a?b",
        "https://h",
        "HTTPS://h?q",
        "ws://h/x",
        "wss://h#f",
        "ftp://h/x",
        "example.com:443",
        "h",
        "é",
        " HTTP/1.1",
        " HTTP/1.0",
        " HTTP/2",
        " HTTP/2.0",
        " HTTP/x",
        " HTTP/",
        "HTTP/1.1",
        " HTTP/1.",
        "P/",
        "TP/",
        "200",
        "404",
        "500",
        "599",
        "600",
        "099",
        "2000",
        "200x",
        "-",
        "0.000",
        "34",
        "366",
        " 0.000 502 - 34 366 ",
        " 200 200 0 29 ",
        "\x1b[33m",
        "\x1b[0m",
        "\x1b[35m\x1b[1m",
        "\\u001b[33m",
        "\\u001b[0m",
        "\x1b[",
        "m",
        "[",
        ";",
        "\x01",
        "\n",
        "\r",
        "{\"log\":\"",
        "\"}",
        "x",
        "10.0.0.1 - - [25/Nov/2024:10:01:02 +0000] ",
        ":",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20000))]

        #[test]
        fn equals_the_oracle_on_lines_of_the_grammar(parts in proptest::collection::vec(
            proptest::sample::select(PIECES), 0..14,
        )) {
            let msg: String = parts.concat();
            proptest::prop_assert_eq!(request_line(&msg).unwrap_or_default(), oracle::parse(&msg), "{:?}", msg);
        }

        #[test]
        fn equals_the_oracle_on_any_text(msg in r#"[ -~\t\x01\x1bé]{0,120}"#) {
            proptest::prop_assert_eq!(request_line(&msg).unwrap_or_default(), oracle::parse(&msg), "{:?}", msg);
        }
    }

    #[test]
    fn equals_the_oracle_on_every_fixture_line() {
        let mut access = 0;
        for msg in crate::parse::fixture_lines::messages() {
            let want = oracle::parse(&msg);
            access += usize::from(want.method.is_some());
            assert_eq!(request_line(&msg).unwrap_or_default(), want, "{msg:?}");
        }
        assert!(access > 300, "{access}");
    }

    #[test]
    fn equals_the_oracle_with_the_request_at_every_block_edge() {
        let lines = [
            r#""GET /a/b?c HTTP/1.1" 200 1"#,
            "\\\"POST http://h/x HTTP/2\\\" 404 -",
            "GET /x HTTP/1.1 301",
            "x \"GET /y HTTP/1.1\" 0.000 502 - 34 366 \"GET /z HTTP/1.0\" 200",
        ];
        for line in lines {
            for pad in 0..40 {
                for tail in ["", " ", " -", " xxxxxxxxxxxxxxxxxxxx"] {
                    let msg = format!("{}{line}{tail}", "a ".repeat(pad));
                    assert_eq!(
                        request_line(&msg).unwrap_or_default(),
                        oracle::parse(&msg),
                        "{msg:?}"
                    );
                    assert!(parse(&msg).method.is_some() || line.contains("0.000"), "{msg:?}");
                }
            }
        }
    }
}
