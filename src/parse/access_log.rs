//! Access-log lines: werkzeug, gunicorn, nginx / Apache common and combined.

use super::Http;

/// Method, status and path of an access-log line. STUB: to be written (issue 3).
pub fn parse(_message: &str) -> Http<'_> {
    Http::default()
}
