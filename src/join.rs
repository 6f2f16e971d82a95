//! Join: a line that carries a request id but no trace of its own takes the
//! trace that another line of the same request stated (SCHEMA.md, "Joining").
//!
//! Within a delivery the join looks both ways, so lines before the Lambda
//! `REPORT` that names the trace are joined too. Across deliveries a bounded
//! memory (oldest evicted first) keeps, per request, the trace once stated,
//! and the documents already sent that still wait for one; when a later
//! delivery states the trace, those documents get an `update` action.
//!
//! Precision over recall: a request whose lines state two different traces
//! is ambiguous and nothing is joined through it.

use std::collections::VecDeque;

// Request ids are hashed per line: foldhash, the hashbrown default, at a
// fraction of SipHash's cost, seeded per map (both maps are bounded).
use foldhash::{HashMap, HashMapExt as _};

use crate::parse::{Line, TraceId, TraceSource};

/// Default number of requests the warm memory keeps.
pub const DEFAULT_CAPACITY: usize = 10_000;
/// The most documents kept waiting for one request's trace.
const MAX_WAITING_PER_REQUEST: usize = 256;

/// Where an already-sent document lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRef {
    /// Its index.
    pub index: String,
    /// Its `_id`.
    pub id: String,
}

/// A document sent earlier that now learns its request's trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceUpdate {
    /// The document.
    pub doc: DocRef,
    /// Its trace.
    pub trace: TraceId,
}

/// What one join did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinOutcome {
    /// Lines of this delivery that took their request's trace.
    pub joined: usize,
    /// Documents of earlier deliveries to update.
    pub updates: Vec<TraceUpdate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stated {
    One(TraceId),
    Ambiguous,
}

impl Stated {
    fn with(self, t: TraceId) -> Stated {
        match self {
            Stated::One(old) if old == t => self,
            _ => Stated::Ambiguous,
        }
    }
}

/// A map that keeps at most `capacity` keys, forgetting the oldest
/// inserted first.
#[derive(Debug)]
struct Bounded<V> {
    capacity: usize,
    map: HashMap<String, (V, u64)>,
    order: VecDeque<(String, u64)>,
    next: u64,
}

impl<V> Bounded<V> {
    fn new(capacity: usize) -> Self {
        Bounded {
            capacity: capacity.max(1),
            map: HashMap::new(),
            order: VecDeque::new(),
            next: 0,
        }
    }

    fn get(&self, k: &str) -> Option<&V> {
        self.map.get(k).map(|(v, _)| v)
    }

    fn get_mut(&mut self, k: &str) -> Option<&mut V> {
        self.map.get_mut(k).map(|(v, _)| v)
    }

    fn remove(&mut self, k: &str) -> Option<V> {
        self.map.remove(k).map(|(v, _)| v)
    }

    fn insert(&mut self, k: &str, v: V) {
        let generation = self.next;
        self.next += 1;
        self.map.insert(k.to_string(), (v, generation));
        self.order.push_back((k.to_string(), generation));
        while self.map.len() > self.capacity {
            let Some((old, g)) = self.order.pop_front() else {
                break;
            };
            if self.map.get(&old).is_some_and(|(_, cur)| *cur == g) {
                self.map.remove(&old);
            }
        }
        // Drop stale order entries so the queue stays proportional to the map.
        if self.order.len() > 2 * self.capacity + 16 {
            let map = &self.map;
            self.order
                .retain(|(k, g)| map.get(k).is_some_and(|(_, cur)| cur == g));
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

/// The warm join state of one process.
#[derive(Debug)]
pub struct TraceJoiner {
    traces: Bounded<Stated>,
    waiting: Bounded<Vec<DocRef>>,
}

impl Default for TraceJoiner {
    fn default() -> Self {
        TraceJoiner::new(DEFAULT_CAPACITY)
    }
}

impl TraceJoiner {
    /// A joiner that remembers at most `capacity` requests (and at most
    /// `capacity` requests whose documents wait for a trace).
    pub fn new(capacity: usize) -> TraceJoiner {
        TraceJoiner {
            traces: Bounded::new(capacity),
            waiting: Bounded::new(capacity),
        }
    }

    /// How many requests with a stated trace are remembered.
    pub fn remembered(&self) -> usize {
        self.traces.len()
    }

    /// Joins the lines of one delivery. `doc_ref(i)` names the document of
    /// line `i`; it is called only for lines left waiting for a trace.
    pub fn join(&mut self, lines: &mut [Line<'_>], mut doc_ref: impl FnMut(usize) -> DocRef) -> JoinOutcome {
        // 1. What this delivery states, per request.
        let mut local: HashMap<String, Stated> = HashMap::new();
        // Lines of one request mostly come together: the previous line's
        // request and trace, when the same, need no lookup.
        let mut last: Option<(&str, TraceId)> = None;
        for line in lines.iter() {
            if let (Some(req), Some(t), Some(TraceSource::Message)) =
                (line.request_id.as_deref(), line.trace, line.trace_source)
            {
                if last == Some((req, t)) {
                    continue; // `with` the same trace changes nothing
                }
                last = Some((req, t));
                match local.get_mut(req) {
                    Some(s) => *s = s.with(t),
                    None => {
                        local.insert(req.to_string(), Stated::One(t));
                    }
                }
            }
        }
        // 2. Remember it, and release documents that waited for it.
        let mut out = JoinOutcome::default();
        for (req, &stated) in &local {
            let merged = match self.traces.get(req) {
                Some(&Stated::One(old)) => match stated {
                    Stated::One(t) => Stated::One(old).with(t),
                    Stated::Ambiguous => Stated::Ambiguous,
                },
                Some(&Stated::Ambiguous) => Stated::Ambiguous,
                None => stated,
            };
            self.traces.insert(req, merged);
            if let Some(docs) = self.waiting.remove(req)
                && let Stated::One(trace) = merged
            {
                out.updates
                    .extend(docs.into_iter().map(|doc| TraceUpdate { doc, trace }));
            }
        }
        // 3. Join the lines without a trace; park the rest.
        let mut parked: Vec<usize> = Vec::new();
        // The previous line's request and what it found (see step 1).
        let mut last: Option<(&str, Option<Stated>)> = None;
        for (i, line) in lines.iter_mut().enumerate() {
            if line.trace.is_some() {
                continue;
            }
            let Some(req) = line.request_id.as_deref() else {
                continue;
            };
            let stated = match last {
                Some((r, s)) if r == req => s,
                _ => {
                    let s = local.get(req).copied().or_else(|| self.traces.get(req).copied());
                    last = Some((req, s));
                    s
                }
            };
            match stated {
                Some(Stated::One(t)) => {
                    line.trace = Some(t);
                    line.span = None;
                    line.trace_source = Some(TraceSource::Request);
                    out.joined += 1;
                }
                Some(Stated::Ambiguous) => {}
                None => parked.push(i),
            }
        }
        for i in parked {
            let Some(req) = lines.get(i).and_then(|l| l.request_id.as_deref()) else {
                continue;
            };
            match self.waiting.get_mut(req) {
                Some(v) if v.len() < MAX_WAITING_PER_REQUEST => v.push(doc_ref(i)),
                Some(_) => {}
                None => self.waiting.insert(req, vec![doc_ref(i)]),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    const T1: &str = "1-5759e988-bd862e3fe1be46a994272793";
    const T2: &str = "1-5759e988-00000000000000000000abcd";

    fn line(req: Option<&'static str>, trace: Option<&str>) -> Line<'static> {
        Line {
            request_id: req.map(Cow::Borrowed),
            trace: trace.and_then(TraceId::from_xray),
            trace_source: trace.map(|_| TraceSource::Message),
            ..Line::default()
        }
    }

    fn refs(i: usize) -> DocRef {
        DocRef {
            index: "cwl-2024.11.25".into(),
            id: format!("e{i}"),
        }
    }

    #[test]
    fn lines_before_the_report_take_its_trace() {
        let mut j = TraceJoiner::new(10);
        let mut lines = vec![
            line(Some("r1"), None),
            line(None, None),
            line(Some("r1"), Some(T1)),
        ];
        let out = j.join(&mut lines, refs);
        assert_eq!(out.joined, 1);
        assert_eq!(lines[0].trace, TraceId::from_xray(T1));
        assert_eq!(lines[0].trace_source, Some(TraceSource::Request));
        assert_eq!(lines[1].trace, None);
        assert!(out.updates.is_empty());
    }

    #[test]
    fn a_request_without_a_stated_trace_gets_none() {
        let mut j = TraceJoiner::new(10);
        let mut lines = vec![line(Some("r1"), None), line(Some("r2"), Some(T1))];
        j.join(&mut lines, refs);
        assert_eq!(lines[0].trace, None);
        assert_eq!(lines[0].trace_source, None);
    }

    #[test]
    fn two_traces_for_one_request_join_nothing() {
        let mut j = TraceJoiner::new(10);
        let mut lines = vec![
            line(Some("r1"), Some(T1)),
            line(Some("r1"), None),
            line(Some("r1"), Some(T2)),
        ];
        let out = j.join(&mut lines, refs);
        assert_eq!(out.joined, 0);
        assert_eq!(lines[1].trace, None);
    }

    #[test]
    fn a_later_delivery_joins_from_memory_and_updates_earlier_documents() {
        let mut j = TraceJoiner::new(10);
        let mut first = vec![line(Some("r1"), None), line(Some("r1"), None)];
        assert_eq!(j.join(&mut first, refs).joined, 0);
        let mut second = vec![line(Some("r1"), Some(T1))];
        let out = j.join(&mut second, refs);
        let ids: Vec<_> = out.updates.iter().map(|u| u.doc.id.as_str()).collect();
        assert_eq!(ids, ["e0", "e1"]);
        let mut third = vec![line(Some("r1"), None)];
        assert_eq!(j.join(&mut third, refs).joined, 1);
        assert_eq!(third[0].trace_source, Some(TraceSource::Request));
    }

    #[test]
    fn memory_is_bounded_and_forgets_the_oldest() {
        let mut j = TraceJoiner::new(2);
        let reqs = ["a", "b", "c"];
        for r in reqs {
            let mut l = vec![line(Some(r), Some(T1))];
            j.join(&mut l, refs);
        }
        assert_eq!(j.remembered(), 2);
        let mut l = vec![line(Some("a"), None), line(Some("c"), None)];
        j.join(&mut l, refs);
        assert_eq!(l[0].trace, None);
        assert!(l[1].trace.is_some());
    }
}
