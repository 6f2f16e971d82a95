//! Counting what a run did, and the summary a person reads at a glance.

use std::collections::BTreeMap;

// Every marked line's message is hashed: foldhash, the hashbrown default,
// at a fraction of SipHash's cost, seeded per map (and the map is bounded,
// TOP_DISTINCT).
use foldhash::HashMap;
use std::fmt::Write as _;

use crate::parse::{Level, Line, MarkerSet, TraceSource};

/// Distinct messages remembered per marker for the "top messages" list.
const TOP_DISTINCT: usize = 2_000;
/// Characters of a message shown in the top list.
const TOP_WIDTH: usize = 100;

/// Levels counted per log group: one slot per [`Level`], then "none".
pub type LevelCounts = [u64; 7];

/// Counters of one run (a replay, or one warm Lambda's invocation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Input files read.
    pub files: u64,
    /// Deliveries decoded.
    pub deliveries: u64,
    /// Control messages (no documents).
    pub control: u64,
    /// Log events in data messages.
    pub events: u64,
    /// Documents rendered.
    pub documents: u64,
    /// Events merged into the document of an earlier event (multi-line).
    pub merged: u64,
    /// Events refused (see the errors).
    pub refused: u64,
    /// Events dropped because a later event of the delivery had the same id.
    pub duplicates: u64,
    /// `update` actions for documents of earlier deliveries.
    pub updates: u64,
    /// Lines that stated a trace id.
    pub traces_stated: u64,
    /// Lines joined to a trace through their request.
    pub traces_joined: u64,
    /// Levels per log group.
    pub levels: BTreeMap<String, LevelCounts>,
    /// Lines per marker.
    pub markers: BTreeMap<String, u64>,
    /// Per marker, how often each message (its first 100 characters) was seen.
    pub top: BTreeMap<String, TopCounts>,
    /// Documents the sink stored.
    pub indexed: u64,
    /// Documents that needed more than one attempt.
    pub retried: u64,
    /// Documents that could not be stored.
    pub failed: u64,
    /// What went wrong, one line each, with where.
    pub errors: Vec<String>,
}

impl Stats {
    /// Counts the parsed lines of one delivery of `log_group`.
    pub fn record_lines(
        &mut self,
        log_group: &str,
        messages: &[&str],
        lines: &[Line<'_>],
        markers: &MarkerSet,
    ) {
        let mut counts = LevelCounts::default();
        // (marker, message) of each marked line, counted per marker below:
        // one name lookup per marker and delivery, not per line.
        let mut marked: Vec<(u16, &str)> = Vec::new();
        for (line, message) in lines.iter().zip(messages) {
            counts[line.level.map_or(6, |l| l as usize)] += 1;
            match line.trace_source {
                Some(TraceSource::Message) => self.traces_stated += 1,
                Some(TraceSource::Request) => self.traces_joined += 1,
                None => {}
            }
            marked.extend(line.markers.iter().map(|&m| (m, *message)));
        }
        // Stable: each marker's messages stay in line order, so the same
        // messages fill a full top list as when counted line by line.
        marked.sort_by_key(|&(m, _)| m);
        for group in marked.chunk_by(|a, b| a.0 == b.0) {
            let name = markers.name(group[0].0);
            match self.markers.get_mut(name) {
                Some(n) => *n += group.len() as u64,
                None => {
                    self.markers.insert(name.to_string(), group.len() as u64);
                }
            }
            if !self.top.contains_key(name) {
                self.top.insert(name.to_string(), TopCounts::default());
            }
            if let Some(top) = self.top.get_mut(name) {
                for &(_, message) in group {
                    top.add(short(message), 1);
                }
            }
        }
        let slot = self.levels.entry(log_group.to_string()).or_default();
        for (a, b) in slot.iter_mut().zip(counts) {
            *a += b;
        }
    }

    /// Adds another run's counts.
    pub fn add(&mut self, o: Stats) {
        self.files += o.files;
        self.deliveries += o.deliveries;
        self.control += o.control;
        self.events += o.events;
        self.documents += o.documents;
        self.merged += o.merged;
        self.refused += o.refused;
        self.duplicates += o.duplicates;
        self.updates += o.updates;
        self.traces_stated += o.traces_stated;
        self.traces_joined += o.traces_joined;
        for (g, c) in o.levels {
            let slot = self.levels.entry(g).or_default();
            for (a, b) in slot.iter_mut().zip(c) {
                *a += b;
            }
        }
        for (m, n) in o.markers {
            *self.markers.entry(m).or_default() += n;
        }
        for (m, msgs) in o.top {
            self.top.entry(m).or_default().merge(msgs);
        }
        self.indexed += o.indexed;
        self.retried += o.retried;
        self.failed += o.failed;
        self.errors.extend(o.errors);
    }

    /// The most frequent messages of `marker`, most frequent first (ties by
    /// text), at most `n`.
    pub fn top_messages(&self, marker: &str, n: usize) -> Vec<(&str, u64)> {
        self.top.get(marker).map_or_else(Vec::new, |t| t.top(n))
    }

    /// The summary for people: a few lines, the numbers first.
    pub fn summary(&self, sink: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} files, {} deliveries ({} control skipped), {} events -> {} documents{}",
            self.files,
            self.deliveries,
            self.control,
            self.events,
            self.documents,
            if self.merged > 0 {
                format!(" ({} events merged as continuation lines)", self.merged)
            } else {
                String::new()
            },
        );
        if self.updates > 0 || self.duplicates > 0 {
            let _ = writeln!(
                s,
                "  {} late trace updates, {} duplicate event ids dropped",
                self.updates, self.duplicates
            );
        }
        let _ = writeln!(
            s,
            "sink: {sink}: {} indexed, {} retried, {} failed",
            self.indexed, self.retried, self.failed
        );
        let _ = writeln!(
            s,
            "traces: {} lines stated a trace id, {} joined through their request",
            self.traces_stated, self.traces_joined
        );
        if !self.levels.is_empty() {
            let _ = writeln!(s, "levels per log group:");
            let width = self.levels.keys().map(|g| g.chars().count()).max().unwrap_or(0);
            for (group, c) in &self.levels {
                let _ = writeln!(s, "  {group:width$}{}", level_cells(c));
            }
        }
        if !self.markers.is_empty() {
            let list: Vec<String> = self.markers.iter().map(|(m, n)| format!("{m} {n}")).collect();
            let _ = writeln!(s, "markers: {}", list.join(", "));
            for m in self.markers.keys() {
                for (msg, n) in self.top_messages(m, 3) {
                    let _ = writeln!(s, "  {m:<12} {n:>6}x  {msg}");
                }
            }
        }
        if self.refused > 0 || !self.errors.is_empty() {
            let _ = writeln!(
                s,
                "errors: {} ({} events refused)",
                self.errors.len(),
                self.refused
            );
            for e in self.errors.iter().take(20) {
                let _ = writeln!(s, "  {e}");
            }
            if self.errors.len() > 20 {
                let _ = writeln!(s, "  … and {} more", self.errors.len() - 20);
            }
        }
        s
    }
}

/// `  INFO 9  WARN 1  (no level) 30`: the non-zero counts of a row, each
/// after two spaces (the summary's and the report's level columns).
pub fn level_cells(c: &LevelCounts) -> String {
    let mut row = String::new();
    for (i, l) in Level::ALL.iter().enumerate() {
        if c[i] > 0 {
            let _ = write!(row, "  {} {}", l.as_str(), c[i]);
        }
    }
    if c[6] > 0 {
        let _ = write!(row, "  (no level) {}", c[6]);
    }
    row
}

/// How often each distinct key was seen, remembering at most
/// [`TOP_DISTINCT`] distinct keys (later new keys are not counted, so memory
/// stays bounded whatever the input).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopCounts(HashMap<String, u64>);

impl TopCounts {
    /// Counts `key` `n` more times.
    pub fn add(&mut self, key: &str, n: u64) {
        if let Some(c) = self.0.get_mut(key) {
            *c += n;
        } else if self.0.len() < TOP_DISTINCT {
            self.0.insert(key.to_string(), n);
        }
    }

    /// Adds another count's keys.
    pub fn merge(&mut self, o: TopCounts) {
        for (k, n) in o.0 {
            self.add(&k, n);
        }
    }

    /// The most frequent keys, most frequent first (ties by text), at most `n`.
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.0.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }

    /// Distinct keys counted.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The first non-blank line of a message, trimmed, cut to [`TOP_WIDTH`]
/// characters.
pub fn short(message: &str) -> &str {
    let first = first_line(message);
    // At most TOP_WIDTH bytes, or an ASCII start, is at most TOP_WIDTH
    // characters: no need to walk them one by one.
    if first.len() <= TOP_WIDTH {
        return first;
    }
    if first.as_bytes()[..TOP_WIDTH].is_ascii() {
        return &first[..TOP_WIDTH];
    }
    match first.char_indices().nth(TOP_WIDTH) {
        Some((i, _)) => &first[..i],
        None => first,
    }
}

/// The first non-blank line of a message, trimmed.
pub fn first_line(message: &str) -> &str {
    // Usually the first line has content: one memchr, one trim.
    let end = memchr::memchr(b'\n', message.as_bytes()).unwrap_or(message.len());
    let first = message[..end].trim();
    if !first.is_empty() {
        return first;
    }
    message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_cuts_at_a_hundred_characters_whatever_the_bytes() {
        let by_chars = |s: &str| -> String { first_line(s).chars().take(TOP_WIDTH).collect() };
        for s in [
            String::new(),
            "a".repeat(99),
            "a".repeat(100),
            "a".repeat(101),
            format!("{}é{}", "a".repeat(99), "b".repeat(10)),
            format!("{}é{}", "a".repeat(100), "b".repeat(10)),
            "é".repeat(120),
            format!("  \n{}\nsecond", "日本".repeat(70)),
        ] {
            assert_eq!(short(&s), by_chars(&s), "{s:?}");
        }
    }

    #[test]
    fn first_line_is_the_first_line_with_content() {
        fn by_lines(s: &str) -> &str {
            s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
        }
        for s in [
            "",
            "\n",
            "a",
            " a \r\nb",
            "\r\n\u{3000}\n  b\r\n",
            "\u{a0}x\u{a0}\ny",
            "\n\n\n",
            "a\rb\nc",
            "\r",
        ] {
            assert_eq!(first_line(s), by_lines(s), "{s:?}");
        }
    }

    fn marked(markers: &[u16]) -> Line<'static> {
        Line {
            markers: markers.to_vec(),
            ..Line::default()
        }
    }

    #[test]
    fn marked_lines_are_counted_per_marker_with_their_messages() {
        let set = MarkerSet::defaults();
        let (a, b) = (set.name(0).to_string(), set.name(1).to_string());
        let mut s = Stats::default();
        let lines = [marked(&[0, 1]), marked(&[]), marked(&[1]), marked(&[0])];
        s.record_lines("g", &["x\n", "y", "  x  ", "z"], &lines, &set);
        s.record_lines("g", &["z"], &[marked(&[0])], &set);
        assert_eq!(s.markers.get(&a), Some(&3));
        assert_eq!(s.markers.get(&b), Some(&2));
        assert_eq!(s.markers.len(), 2);
        assert_eq!(s.top_messages(&a, 5), [("z", 2), ("x", 1)]);
        assert_eq!(s.top_messages(&b, 5), [("x", 2)]);
        assert_eq!(s.levels["g"][6], 5);
    }
}
