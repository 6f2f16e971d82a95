//! Multi-line merging (opt-in per log group): consecutive events of one
//! stream that continue a record become one document (SCHEMA.md,
//! "Multi-line merging").
//!
//! A delivery always comes from one stream, so [`merge`] looks at the events
//! of one delivery in order and keeps no state across deliveries: a record
//! cut by a delivery boundary stays in two documents. Each event is either
//! the *head* of a new record or a *continuation* of the record before it;
//! a continuation's message is appended to the head's with `\n` (with none
//! when the message before already ends with one, as Lambda's do, so the
//! document shows no blank line that the log did not have), the record keeps
//! the head's id, timestamp and `extractedFields`, and the continuation's id
//! goes into the record's `merged_ids`. Events are never reordered, dropped,
//! split or duplicated.
//!
//! # What continues a record
//!
//! The decision looks at the first line of the event (without a trailing
//! `\r`) and at a small state that follows the lines of the open record
//! (plain, inside a Python traceback, after its exception line, between
//! chained tracebacks, inside a stack of `at` frames, inside a Go panic):
//!
//! - **Indented lines** continue: Python `File "…"` frames and source lines,
//!   Java / .NET / Node `at …` frames, `\t... 12 more`, Go
//!   `\t/path/file.go:12 +0x1d`, the members of a pretty-printed JSON object.
//!   Inside the frames of a trace any leading space or tab will do, and every
//!   indented line continues (Python source lines are arbitrary code,
//!   `ERROR = 5` included). Elsewhere it takes a tab or two spaces (werkzeug's
//!   ` * Running on …` banner lines are records of their own), and an
//!   indented line that starts with a log header (a timestamp or a level,
//!   below) starts a new record instead.
//! - **A line with a log header** at its start never continues: a date
//!   (`2024-01-05`, `2024/01/05`, `05/01/2024`, `05-Jan-2024`, `Jan  5`),
//!   a time (`15:25:41`), a level word of SCHEMA.md's table followed by `:`,
//!   `]`, `|`, `>`, a tab, an ANSI colour code, the end of the line, or — when it is written in
//!   capitals or inside brackets — a space (`WARNING:root:`, `[ERROR]`,
//!   `INFO  [main]`, `warn: Category[0]`, `panic: …`), logfmt `level=` /
//!   `time=` / `ts=`, Ruby `W, [`, glog `W0105 `. The one exception is the
//!   exception line that closes a Python traceback (next point), when it
//!   reads like a level in title case (`Error: boom` of a class `Error`).
//! - **Python tracebacks.** `Traceback (most recent call last):` continues a
//!   record whose head *announced* it and that holds no trace yet, and
//!   starts a new record otherwise. A head announces a traceback or an exception when its first
//!   level word (among its first words) is WARN, ERROR or FATAL in any
//!   spelling of SCHEMA.md (`ERROR:root:failed`, `[ERROR] …`,
//!   `[ts] ERROR in app: Exception on /like [POST]`, `… level=error …`), or
//!   when it ends with `:` (`Exception in thread Thread-1:`); `INFO: 3
//!   errors found` announces nothing, so an uncaught traceback printed after
//!   an unrelated INFO or access-log line stands on its own. After the frames,
//!   the exception line (`ValueError: msg`, `KeyError: 'x'`,
//!   `module.CustomError: …`, bare `StopIteration`) continues; then blank
//!   lines, `During handling of the above exception, another exception
//!   occurred:`, `The above exception was the direct cause of the following
//!   exception:` and the next `Traceback (most recent call last):` continue.
//! - **Java and .NET stack traces.** `Caused by: …`, `Suppressed: …` and
//!   `... 12 more` continue any open record. An unindented exception line
//!   (a dotted class name whose last part contains `Exception`, `Error` or
//!   `Throwable`, alone or followed by `: `) continues, in the same way, a
//!   record whose head announced it and that holds no trace yet (logback and
//!   log4j print `logger.error("msg", e)` as the message line, then the
//!   exception line, then `\tat` frames), and starts a new record otherwise.
//!   `Exception in thread "main" java.lang.X: …` is the JVM's own report of
//!   an uncaught exception, never preceded by a related line: it is a head.
//! - **Ruby backtraces.** Unindented `path.rb:12:in `method'` lines continue
//!   like Java's exception line (after a head that announced them) and one
//!   another; Ruby's own `\tfrom …` lines are indented.
//! - **Rust panics.** After `thread 'main' panicked at src/main.rs:2:5:`, the
//!   next line (the panic message), `note: …` lines and `stack backtrace:`
//!   continue, and the indented frames after it.
//! - **Go panics.** A head `panic: …`, `fatal error: …` or `SIGSEGV: …`
//!   starts a Go block in which blank lines, `goroutine 1 [running]:`, frame
//!   function lines (`main.f(...)`, `panic({0x4b5e80?, 0xc000012345?})`),
//!   `created by …`, `[signal …]`, `exit status 2`, register lines and
//!   `...additional frames elided...` continue, as well as indented lines.
//! - **A closing bracket line** (`}`, `]`, `});`) continues a record whose
//!   head ends with an opening bracket or that already has continuation
//!   lines, so a pretty-printed JSON object stays whole.
//! - Anything else starts a new record; a blank line outside a traceback or
//!   panic block is a record of its own.
//!
//! A record is bounded: a continuation that would take it past
//! [`MAX_RECORD_LINES`] lines or [`MAX_RECORD_BYTES`] bytes starts a new
//! record instead (which goes on collecting the rest of the trace), so one
//! runaway trace cannot build an unbounded message. An event longer than
//! the bound on its own is never cut.

use crate::decode::LogEvent;

/// The most lines one merged record holds.
pub const MAX_RECORD_LINES: usize = 1000;

/// The most bytes of message one merged record holds (256 KiB).
pub const MAX_RECORD_BYTES: usize = 256 << 10;

/// Events after merging, each with the ids of the events merged into it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merged<'a> {
    /// The records, in order.
    pub events: Vec<LogEvent<'a>>,
    /// Per record, the ids of the continuation events merged into it; empty
    /// (no entry per record) when the group is not merged.
    pub merged_ids: Vec<Vec<String>>,
}

/// Merges continuation events into the record they continue (module docs).
pub fn merge(events: Vec<LogEvent<'_>>) -> Merged<'_> {
    let mut out = Merged {
        events: Vec::with_capacity(events.len()),
        merged_ids: Vec::with_capacity(events.len()),
    };
    let mut tracker = Tracker::default();
    let mut lines = 0usize;
    // The last event of the open record ended with a line break.
    let mut ended = false;
    for event in events {
        let n = 1 + memchr::memchr_iter(b'\n', without_line_end(&event.message).as_bytes()).count();
        let first = first_line(&event.message);
        let continues = if out.events.is_empty() {
            tracker.start(first);
            false
        } else {
            // A line that does not continue becomes the tracker's new head.
            tracker.step(first)
        };
        tracker.feed_rest(&event.message);
        if continues
            && let (Some(head), Some(ids)) = (out.events.last_mut(), out.merged_ids.last_mut())
            && lines + n <= MAX_RECORD_LINES
            && head.message.len() + 1 + event.message.len() <= MAX_RECORD_BYTES
        {
            // One line break between the lines of two events: none is added
            // after a message that already ends with one (Lambda's do).
            let sep = !ended;
            // The record's text is no longer the head's JSON text.
            head.message_json = None;
            let message = head.message.to_mut();
            message.reserve(usize::from(sep) + event.message.len());
            if sep {
                message.push('\n');
            }
            message.push_str(&event.message);
            ended = event.message.ends_with('\n');
            ids.push(event.id.into_owned());
            lines += n;
            continue;
        }
        // A head, or a continuation past the bound: a new record. In the
        // second case the tracker keeps its state, so the rest of the trace
        // goes on collecting into the new record.
        lines = n;
        ended = event.message.ends_with('\n');
        out.events.push(event);
        out.merged_ids.push(Vec::new());
    }
    out
}

/// `s` without one final `\n` or `\r\n`.
fn without_line_end(s: &str) -> &str {
    let s = s.strip_suffix('\n').unwrap_or(s);
    s.strip_suffix('\r').unwrap_or(s)
}

/// The first line of a message, without its line ending.
fn first_line(message: &str) -> &str {
    let line = match memchr::memchr(b'\n', message.as_bytes()) {
        Some(i) => &message[..i],
        None => message,
    };
    line.strip_suffix('\r').unwrap_or(line)
}

/// Where the open record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// An ordinary record.
    #[default]
    Plain,
    /// Inside a Python traceback's frames, before its exception line.
    PyFrames,
    /// After a Python traceback's exception line.
    PyEnded,
    /// After `During handling …` / `The above exception …`.
    PyChain,
    /// Inside a stack of frames (Java, .NET, Node `at …`, Ruby
    /// `file.rb:3:in …`) or after `Caused by:`.
    Frames,
    /// Inside a Go panic or signal dump.
    Go,
    /// After a Rust `thread '…' panicked at …:` head.
    RustPanic,
}

impl State {
    /// True inside the frames of a stack trace, where every indented line
    /// continues.
    fn in_frames(self) -> bool {
        matches!(self, State::PyFrames | State::Frames | State::Go)
    }
}

/// The continuation state of the open record.
#[derive(Debug, Clone, Copy, Default)]
struct Tracker {
    state: State,
    /// The head announced a traceback or exception (module docs).
    announces: bool,
    /// The head ends with an opening bracket.
    opens: bool,
    /// Lines in the record so far (capped; only "one or more than one" matters).
    lines: u8,
}

impl Tracker {
    /// Makes `line` the head of a new record.
    fn start(&mut self, line: &str) {
        let t = line.trim_end();
        *self = Tracker {
            state: head_state(t),
            announces: announces(t),
            opens: t.ends_with(['{', '[', '(']),
            lines: 1,
        };
    }

    /// Feeds the lines after the first of an event's message.
    fn feed_rest(&mut self, message: &str) {
        let Some(i) = memchr::memchr(b'\n', message.as_bytes()) else {
            return;
        };
        let rest = without_line_end(&message[i + 1..]);
        if rest.is_empty() {
            return;
        }
        for line in rest.split('\n') {
            self.step(line.strip_suffix('\r').unwrap_or(line));
        }
    }

    /// Decides whether `line` continues the open record and moves the state
    /// on; a line that does not continue becomes the head of a new record.
    fn step(&mut self, line: &str) -> bool {
        match self.next_state(line) {
            Some(state) => {
                self.state = state;
                self.lines = self.lines.saturating_add(1);
                true
            }
            None => {
                self.start(line);
                false
            }
        }
    }

    /// The state after `line` when it continues the record, `None` when it
    /// starts a new one.
    fn next_state(&self, line: &str) -> Option<State> {
        let s = self.state;
        let body = line.trim_start_matches([' ', '\t']);
        let indented = body.len() < line.len();
        // Outside the frames of a trace, one leading space is not enough to
        // continue: werkzeug's ` * Running on …` banner lines stand alone.
        let deep = line.starts_with('\t') || line.len() - body.len() >= 2;
        let body = body.trim_end();
        if body.is_empty() {
            return matches!(s, State::PyEnded | State::PyChain | State::Go).then_some(s);
        }
        if indented && s.in_frames() {
            return Some(s);
        }
        if body.ends_with(TRACEBACK) {
            let chained = s == State::PyChain;
            let announced = s == State::Plain && self.announces;
            return (chained || announced).then_some(State::PyFrames);
        }
        if is_python_chain(body) && matches!(s, State::PyFrames | State::PyEnded | State::PyChain) {
            return Some(State::PyChain);
        }
        if !indented && s == State::PyFrames && is_python_exception_line(body) {
            return Some(State::PyEnded);
        }
        if is_header(body) {
            return None;
        }
        if deep {
            return Some(if is_frame(body) { State::Frames } else { s });
        }
        if body.starts_with("Caused by: ") || body.starts_with("Suppressed: ") || is_more_frames(body) {
            return Some(if s == State::Go { s } else { State::Frames });
        }
        if s == State::Plain && self.announces && is_java_exception_line(body) {
            return Some(State::Frames);
        }
        if ((s == State::Plain && self.announces) || s == State::Frames) && is_ruby_frame(body) {
            return Some(State::Frames);
        }
        if s == State::RustPanic {
            // The panic message (on the line after the head since Rust 1.73),
            // the `note:` lines and the backtrace.
            if self.lines == 1 || body.starts_with("note: ") {
                return Some(s);
            }
            if body == "stack backtrace:" {
                return Some(State::Frames);
            }
        }
        if s == State::Go && is_go_line(body) {
            return Some(s);
        }
        if is_closing(body) && (self.opens || self.lines > 1) {
            return Some(s);
        }
        None
    }
}

const TRACEBACK: &str = "Traceback (most recent call last):";

/// The state a record starts in with head `t` (trimmed at its end).
fn head_state(t: &str) -> State {
    let body = t.trim_start_matches([' ', '\t']);
    if body.ends_with(TRACEBACK) {
        State::PyFrames
    } else if body.starts_with("panic: ")
        || body.starts_with("fatal error: ")
        || body.starts_with("goroutine ")
        || is_signal_head(body)
    {
        State::Go
    } else if body.starts_with("thread '") && body.contains("' panicked at ") {
        State::RustPanic
    } else {
        State::Plain
    }
}

/// `SIGSEGV: segmentation violation`, `SIGQUIT: quit`.
fn is_signal_head(b: &str) -> bool {
    b.strip_prefix("SIG")
        .and_then(|r| r.split_once(": "))
        .is_some_and(|(name, _)| !name.is_empty() && name.bytes().all(|c| c.is_ascii_uppercase()))
}

/// The two lines Python prints between chained tracebacks.
fn is_python_chain(b: &str) -> bool {
    b == "During handling of the above exception, another exception occurred:"
        || b == "The above exception was the direct cause of the following exception:"
}

/// `ValueError: msg`, `KeyError: 'x'`, `module.CustomError: …`, `StopIteration`:
/// a (dotted) identifier alone or followed by `:`. A bare level word counts
/// only in title case (`Error`, `Warning` are Python classes; `ERROR:` and
/// `error:` are log headers).
fn is_python_exception_line(b: &str) -> bool {
    let name_len = b
        .bytes()
        .position(|c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.'))
        .unwrap_or(b.len());
    let (name, rest) = b.split_at(name_len);
    let ok_start = name
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
    if !ok_start || !(rest.is_empty() || rest.starts_with(':')) {
        return false;
    }
    if !name.contains('.') && level_rank(name).is_some() {
        let mut cs = name.bytes();
        return cs.next().is_some_and(|c| c.is_ascii_uppercase()) && cs.all(|c| c.is_ascii_lowercase());
    }
    true
}

/// `java.lang.IllegalStateException: boom`, `com.x.Y$InnerError`,
/// `System.InvalidOperationException: …`,
/// `System.Data.SqlClient.SqlException (0x80131904): …`: a dotted name whose
/// last part names an exception, alone or followed by `: `.
fn is_java_exception_line(b: &str) -> bool {
    let name = b.split_once(": ").map_or(b, |(n, _)| n);
    let name = name.strip_suffix(':').unwrap_or(name);
    // .NET adds the HRESULT: `System.Data.SqlClient.SqlException (0x80131904)`.
    let name = match name.split_once(" (0x") {
        Some((n, code))
            if code.ends_with(')') && code[..code.len() - 1].bytes().all(|c| c.is_ascii_hexdigit()) =>
        {
            n
        }
        _ => name,
    };
    if name.is_empty()
        || !name.contains('.')
        || !name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'.')
    {
        return false;
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    ["Exception", "Error", "Throwable"]
        .iter()
        .any(|k| last.contains(k))
}

/// `at com.x.Y.z(Y.java:42)`, `at fn (file.js:1:2)`, `at async fn (…)`.
fn is_frame(b: &str) -> bool {
    b.strip_prefix("at ")
        .is_some_and(|r| r.contains('(') || r.contains(':'))
}

/// A Ruby backtrace line: `/app/models/like.rb:12:in `save!'`.
fn is_ruby_frame(b: &str) -> bool {
    let Some((position, _)) = b.split_once(":in ") else {
        return false;
    };
    position.rsplit_once(':').is_some_and(|(path, line)| {
        !path.is_empty()
            && !path.contains(' ')
            && !line.is_empty()
            && line.bytes().all(|c| c.is_ascii_digit())
    })
}

/// `... 12 more`, `... 5 common frames omitted`, `...additional frames elided...`.
fn is_more_frames(b: &str) -> bool {
    b.strip_prefix("...").is_some_and(|r| {
        let r = r.trim_start();
        r.bytes().next().is_some_and(|c| c.is_ascii_digit()) || r.starts_with("additional frames elided")
    })
}

/// Unindented lines of a Go panic or goroutine dump.
fn is_go_line(b: &str) -> bool {
    if let Some(r) = b.strip_prefix("goroutine ") {
        return r.bytes().next().is_some_and(|c| c.is_ascii_digit());
    }
    if b.starts_with("created by ")
        || b.starts_with("[signal ")
        || b.starts_with("exit status ")
        || b.starts_with("PC=")
    {
        return true;
    }
    // A register line: `rax    0x0`.
    if let Some((name, value)) = b.split_once([' ', '\t'])
        && name.bytes().all(|c| c.is_ascii_alphanumeric())
        && value.trim_start().starts_with("0x")
    {
        return true;
    }
    // A frame function: `main.main()`, `github.com/x/y.(*T).f(0xc000, ...)`,
    // `panic({0x4b5e80?, 0xc000012345?})`: no space before the first `(`,
    // and a `)` at the end.
    let Some(open) = b.find('(') else {
        return false;
    };
    open > 0
        && b.ends_with(')')
        && !b[..open].contains([' ', '\t'])
        && b.bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
}

/// A line of closing brackets only: `}`, `]`, `});`, `},`.
fn is_closing(b: &str) -> bool {
    b.bytes().next().is_some_and(|c| matches!(c, b'}' | b']' | b')'))
        && b.bytes()
            .all(|c| matches!(c, b'}' | b']' | b')' | b',' | b';' | b' '))
}

/// Strips ANSI escape sequences (`ESC [ … final`) at the start of `s`.
fn skip_ansi(mut s: &str) -> &str {
    while let Some(r) = s.strip_prefix("\x1b[") {
        match r.bytes().position(|c| (0x40..=0x7e).contains(&c)) {
            Some(i) => s = &r[i + 1..],
            None => return "",
        }
    }
    s
}

/// True when `b` (no leading whitespace) starts like a log record: a
/// timestamp or a level at its start (module docs).
fn is_header(b: &str) -> bool {
    let b = skip_ansi(b);
    let bytes = b.as_bytes();
    // Ruby Logger `W, [2024-…`; glog / klog `W0105 12:00:00.123456`.
    if let [c, rest @ ..] = bytes
        && b"DIWEFA".contains(c)
    {
        if rest.starts_with(b", [") {
            return true;
        }
        if rest.len() >= 5 && rest[..4].iter().all(u8::is_ascii_digit) && rest[4] == b' ' {
            return true;
        }
    }
    // Syslog priority `<13>`, then an optional `[`.
    let mut s = b;
    if let Some(r) = s.strip_prefix('<') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && r[digits..].starts_with('>') {
            s = &r[digits + 1..];
        }
    }
    let bracketed = s.starts_with('[');
    if bracketed {
        s = skip_ansi(&s[1..]).trim_start_matches(' ');
    }
    starts_with_timestamp(s.as_bytes()) || starts_with_level(s, bracketed) || starts_with_logfmt_key(s)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A date or time at the start of `s`.
fn starts_with_timestamp(s: &[u8]) -> bool {
    let digits =
        |from: usize, n: usize| s.len() >= from + n && s[from..from + n].iter().all(u8::is_ascii_digit);
    let sep = |at: usize| s.get(at).is_some_and(|c| matches!(c, b'-' | b'/' | b'.'));
    // 2024-01-05, 2024/01/05, 2024.01.05
    if digits(0, 4) && sep(4) && digits(5, 2) && sep(7) && digits(8, 2) {
        return true;
    }
    // 05/01/2024, 05-01-24, 05.01.2024 (not an address `10.10.10.10`)
    if digits(0, 2) && sep(2) && digits(3, 2) && sep(5) && digits(6, 2) {
        let end = if digits(6, 4) { 10 } else { 8 };
        return s.get(end).is_none_or(|c| !c.is_ascii_digit() && *c != b'.');
    }
    // 15:25:41
    if digits(0, 2) && s.get(2) == Some(&b':') && digits(3, 2) && s.get(5) == Some(&b':') && digits(6, 2) {
        return true;
    }
    // 05-Jan-2024, 10/Oct/2000
    let day = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=2).contains(&day)
        && sep(day)
        && s.len() >= day + 5
        && is_month(&s[day + 1..day + 4])
        && sep(day + 4)
    {
        return true;
    }
    // Jan  5 12:00:00, Jan 05, 2024; Mon Jan  5 …, Mon, 05 Jan 2024
    if s.len() >= 4 {
        let name = &s[..3];
        if WEEKDAYS.iter().any(|w| w.as_bytes() == name) {
            let r = s[3..].strip_prefix(b",").unwrap_or(&s[3..]);
            return r.first() == Some(&b' ')
                && r.get(1)
                    .is_some_and(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
        }
        if is_month(name) && s[3] == b' ' {
            let r = s[4..].strip_prefix(b" ").unwrap_or(&s[4..]);
            let d = r.iter().take_while(|c| c.is_ascii_digit()).count();
            return (1..=2).contains(&d) && r.get(d).is_some_and(|c| matches!(c, b' ' | b','));
        }
    }
    false
}

fn is_month(b: &[u8]) -> bool {
    MONTHS.iter().any(|m| m.as_bytes() == b)
}

/// A level word at the start of `s`, followed by a delimiter (module docs).
fn starts_with_level(s: &str, bracketed: bool) -> bool {
    let n = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    if n < 3 || level_rank(&s[..n]).is_none() {
        return false;
    }
    match s.as_bytes().get(n) {
        None | Some(b':' | b']' | b'|' | b'>' | b'\t' | 0x1b) => true,
        Some(b' ') => bracketed || s[..n].bytes().all(|c| c.is_ascii_uppercase()),
        Some(_) => false,
    }
}

/// logfmt `level=…`, `time=…` at the start.
fn starts_with_logfmt_key(s: &str) -> bool {
    s.split_once('=').is_some_and(|(k, _)| {
        matches!(
            k,
            "level" | "lvl" | "severity" | "time" | "ts" | "timestamp" | "t" | "msg"
        )
    })
}

/// The rank of a level spelling of SCHEMA.md (0 TRACE … 5 FATAL), any case.
fn level_rank(word: &str) -> Option<u8> {
    if word.len() > 13 {
        return None;
    }
    let mut buf = [0u8; 13];
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    Some(match &*lower {
        b"trace" | b"trc" | b"trce" | b"vrb" | b"verbose" | b"finest" | b"finer" => 0,
        b"debug" | b"dbg" | b"dbug" | b"fine" => 1,
        b"info" | b"inf" | b"information" | b"informational" | b"notice" => 2,
        b"warn" | b"warning" | b"wrn" => 3,
        b"error" | b"err" | b"eror" | b"fail" | b"severe" => 4,
        b"fatal" | b"ftl" | b"crit" | b"critical" | b"emerg" | b"emergency" | b"alert" | b"panic" => 5,
        _ => return None,
    })
}

/// True when head `t` announces a traceback or exception: its first level
/// word among its first words is WARN or above ([`first_level_word`]), or it
/// ends with `:`.
fn announces(t: &str) -> bool {
    let body = skip_ansi(t.trim_start());
    if body.ends_with(':') {
        return true;
    }
    let bytes = body.as_bytes();
    // Ruby Logger and glog single letters.
    if let [c, rest @ ..] = bytes
        && matches!(c, b'W' | b'E' | b'F' | b'A')
        && (rest.starts_with(b", [") || (rest.len() >= 5 && rest[..4].iter().all(u8::is_ascii_digit)))
    {
        return true;
    }
    first_level_word(body).is_some_and(|rank| rank >= 3)
}

/// The rank of the first level word among the first words of `body`. A
/// level word stands alone: the bytes around it are neither letters, digits
/// nor `-` `_` `.` `/`, so `AWS-XRAY-TRACE-ID`, `c.e.error.Handler` and
/// `/api/error` name no level, while `[ERROR]`, `ERROR:root`, `- ERROR -`,
/// `level=error` and `"level":"error"` do. ANSI colour codes are skipped.
fn first_level_word(body: &str) -> Option<u8> {
    let b = body.as_bytes();
    let end = b.len().min(256);
    let joins = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/');
    let (mut i, mut words, mut prev) = (0, 0, b' ');
    while i < end && words < 12 {
        let c = b[i];
        if c == 0x1b {
            // ESC [ parameters final
            i += 1;
            if b.get(i) == Some(&b'[') {
                i += 1;
                while i < b.len() && !(0x40..=0x7e).contains(&b[i]) {
                    i += 1;
                }
                i += 1;
            }
            prev = b' ';
            continue;
        }
        if !c.is_ascii_alphabetic() {
            prev = c;
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let next = b.get(i).copied().unwrap_or(b' ');
        if i - start >= 3 {
            words += 1;
            if !joins(prev) && !joins(next) {
                // `start..i` is ASCII, so on char boundaries.
                if let Some(rank) = level_rank(&body[start..i]) {
                    return Some(rank);
                }
            }
        }
        prev = b[i - 1];
    }
    None
}

#[cfg(test)]
#[path = "multiline_tests.rs"]
mod tests;
