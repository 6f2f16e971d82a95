//! The `_bulk` body: action lines and documents as NDJSON, built once by the
//! pipeline and shared by every sink (SCHEMA.md, "Offline output").
//!
//! A [`Batch`] is one byte buffer plus the span of each item in it, so a sink
//! can send it whole, cut it into requests at item boundaries, or pick out
//! the items to retry, without copying or re-rendering documents.

use std::ops::Range;

use crate::render::{write_json_str, write_json_str_content};

/// The bulk action of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `index`: create or overwrite the document.
    Index,
    /// `update`: a partial document for one sent earlier (late trace joins).
    Update,
}

/// One item of a batch: its action line and document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The action.
    pub action: Action,
    /// The bytes of the action line and the document, both with their `\n`.
    pub span: Range<usize>,
    /// Where the document line starts.
    pub doc_start: usize,
    /// The event id in [`Batch::names`] (also sent as `_id` unless ids are
    /// off): read it with [`Batch::id`]. Not in the body, which a sink may
    /// take away before it reads the ids.
    id: Range<usize>,
    /// The index in [`Batch::names`]: read it with [`Batch::index_name`].
    index: Range<usize>,
}

/// A `_bulk` body and the items in it.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The NDJSON body; ends with `\n` when not empty.
    pub body: Vec<u8>,
    /// The items, in body order.
    pub items: Vec<Item>,
    /// The ids and index names of the items, unescaped, one after the
    /// other: two allocations per batch instead of two per item. Items of
    /// one index in a row share its name.
    names: String,
    /// `{"index":{"_index":"…"` of the last item.
    action_start: Vec<u8>,
}

/// Equal when the bodies and items are (the action line cache aside).
impl PartialEq for Batch {
    fn eq(&self, other: &Batch) -> bool {
        self.body == other.body && self.items == other.items && self.names == other.names
    }
}

impl Eq for Batch {}

impl Batch {
    /// An empty batch with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> Batch {
        Batch {
            body: Vec::with_capacity(bytes),
            items: Vec::new(),
            names: String::new(),
            action_start: Vec::new(),
        }
    }

    /// Room for the ids and index names of items to come, `bytes` in all
    /// (they are kept in one buffer, which would otherwise grow and copy).
    pub fn reserve_names(&mut self, bytes: usize) {
        self.names.reserve(bytes);
    }

    /// The event id of item `i` (empty when there is no item `i`).
    pub fn id(&self, i: usize) -> &str {
        self.items
            .get(i)
            .and_then(|it| self.names.get(it.id.clone()))
            .unwrap_or_default()
    }

    /// The index of item `i` (empty when there is no item `i`).
    pub fn index_name(&self, i: usize) -> &str {
        self.items
            .get(i)
            .and_then(|it| self.names.get(it.index.clone()))
            .unwrap_or_default()
    }

    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Appends an item: the action line, then the document that
    /// `write_doc` writes (without a newline).
    pub fn push(
        &mut self,
        action: Action,
        index: &str,
        id: &str,
        send_id: bool,
        write_doc: impl FnOnce(&mut Vec<u8>),
    ) {
        self.push_with_id(action, index, id, send_id, |out, _| write_doc(out));
    }

    /// [`Batch::push`] for a document that repeats the id: `write_doc` is
    /// also handed where the id stands escaped (quotes aside) in the action
    /// line just written, `None` when the line has no id, to copy it
    /// rather than escape it a second time.
    pub(crate) fn push_with_id(
        &mut self,
        action: Action,
        index: &str,
        id: &str,
        send_id: bool,
        write_doc: impl FnOnce(&mut Vec<u8>, Option<Range<usize>>),
    ) {
        let start = self.body.len();
        // A run of items of one action and index shares the start of its
        // action line, escaped once.
        let same_index = match self.items.last() {
            Some(last) => {
                last.action == action
                    && self
                        .names
                        .get(last.index.clone())
                        .is_some_and(|last| same_text(last.as_bytes(), index.as_bytes()))
            }
            None => false,
        };
        if !same_index {
            self.action_start.clear();
            self.action_start.extend_from_slice(match action {
                Action::Index => b"{\"index\":{\"_index\":",
                Action::Update => b"{\"update\":{\"_index\":",
            });
            write_json_str(&mut self.action_start, index);
        }
        let out = &mut self.body;
        out.extend_from_slice(&self.action_start);
        let escaped_id = if send_id || action == Action::Update {
            out.extend_from_slice(b",\"_id\":\"");
            let at = out.len();
            write_json_str_content(out, id);
            let escaped = at..out.len();
            out.extend_from_slice(b"\"}}\n");
            Some(escaped)
        } else {
            out.extend_from_slice(b"}}\n");
            None
        };
        let doc_start = out.len();
        write_doc(out, escaped_id);
        out.push(b'\n');
        let span = start..out.len();
        let index = match self.items.last() {
            Some(last) if same_index => last.index.clone(),
            _ => self.name(index),
        };
        let id = self.name(id);
        self.items.push(Item {
            action,
            span,
            doc_start,
            id,
            index,
        });
    }

    /// Keeps `s` in [`Batch::names`].
    fn name(&mut self, s: &str) -> Range<usize> {
        let start = self.names.len();
        self.names.push_str(s);
        start..self.names.len()
    }

    /// The bytes of item `i`: action line and document.
    pub fn item_bytes(&self, i: usize) -> &[u8] {
        self.items
            .get(i)
            .and_then(|it| self.body.get(it.span.clone()))
            .unwrap_or_default()
    }

    /// The document line of item `i`, without its newline.
    pub fn doc_bytes(&self, i: usize) -> &[u8] {
        self.items
            .get(i)
            .and_then(|it| self.body.get(it.doc_start..it.span.end.saturating_sub(1)))
            .unwrap_or_default()
    }

    /// Appends all of `other`.
    pub fn append(&mut self, other: Batch) {
        let base = self.body.len();
        let names = self.names.len();
        self.body.extend_from_slice(&other.body);
        self.names.push_str(&other.names);
        if !other.items.is_empty() {
            self.action_start = other.action_start;
        }
        let shift = |r: Range<usize>, by: usize| r.start + by..r.end + by;
        self.items.extend(other.items.into_iter().map(|mut it| {
            it.span = shift(it.span, base);
            it.doc_start += base;
            it.id = shift(it.id, names);
            it.index = shift(it.index, names);
            it
        }));
    }
}

/// `a == b`, for the index name every item compares with the one before:
/// index names are short, and two fixed-size compares that overlap (the
/// first and the last 8 or 16 bytes) cost less than a call to `memcmp`.
#[inline]
fn same_text(a: &[u8], b: &[u8]) -> bool {
    fn ends<const N: usize>(s: &[u8]) -> Option<([u8; N], [u8; N])> {
        let first = s.get(..N)?.try_into().ok()?;
        let last = s.get(s.len().checked_sub(N)?..)?.try_into().ok()?;
        Some((first, last))
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        8..=16 => ends::<8>(a) == ends::<8>(b),
        17..=32 => ends::<16>(a) == ends::<16>(b),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_action_line_then_document() {
        let mut b = Batch::default();
        b.push(Action::Index, "cwl-2024.11.25", "1", true, |o| {
            o.extend_from_slice(b"{\"a\":1}")
        });
        b.push(Action::Index, "cwl-2024.11.25", "2", false, |o| {
            o.extend_from_slice(b"{}")
        });
        b.push(Action::Update, "cwl-2024.11.24", "0", false, |o| {
            o.extend_from_slice(b"{\"doc\":{}}")
        });
        assert_eq!(
            String::from_utf8(b.body.clone()).unwrap(),
            concat!(
                "{\"index\":{\"_index\":\"cwl-2024.11.25\",\"_id\":\"1\"}}\n{\"a\":1}\n",
                "{\"index\":{\"_index\":\"cwl-2024.11.25\"}}\n{}\n",
                "{\"update\":{\"_index\":\"cwl-2024.11.24\",\"_id\":\"0\"}}\n{\"doc\":{}}\n",
            )
        );
        assert_eq!(b.doc_bytes(0), b"{\"a\":1}");
        assert_eq!((b.id(1), b.index_name(1)), ("2", "cwl-2024.11.25"));
        assert_eq!((b.id(2), b.index_name(2)), ("0", "cwl-2024.11.24"));
        assert_eq!((b.id(3), b.index_name(3)), ("", ""));
        let mut appended = Batch::default();
        appended.push(Action::Index, "cwl-2024.11.23", "9", true, |o| {
            o.extend_from_slice(b"{}")
        });
        appended.append(b.clone());
        assert_eq!((appended.id(0), appended.index_name(0)), ("9", "cwl-2024.11.23"));
        assert_eq!((appended.id(3), appended.index_name(3)), ("0", "cwl-2024.11.24"));
        assert_eq!(appended.doc_bytes(1), b"{\"a\":1}");
        // After an append, the next item of the appended batch's last index
        // starts its action line with that index, not the first batch's.
        appended.push(Action::Update, "cwl-2024.11.24", "5", false, |o| {
            o.extend_from_slice(b"{}")
        });
        assert_eq!(
            appended.item_bytes(4),
            b"{\"update\":{\"_index\":\"cwl-2024.11.24\",\"_id\":\"5\"}}\n{}\n"
        );
        appended.push(Action::Index, "cwl-2024.11.24", "6", true, |o| {
            o.extend_from_slice(b"{}")
        });
        assert_eq!(
            appended.item_bytes(5),
            b"{\"index\":{\"_index\":\"cwl-2024.11.24\",\"_id\":\"6\"}}\n{}\n"
        );
        assert_eq!(
            b.item_bytes(1),
            b"{\"index\":{\"_index\":\"cwl-2024.11.25\"}}\n{}\n"
        );
    }

    /// Ids, clean or escaped, sent or not, read back as they were, before
    /// and after an append, and after the body is taken away (as a sink
    /// does before it reports items by id).
    #[test]
    fn ids_read_back_wherever_they_are_kept() {
        let ids = ["plain", "with \"quote\"", "", "tab\there", "n\u{1}"];
        let mut b = Batch::default();
        for (k, id) in ids.iter().enumerate() {
            let action = if k == 3 { Action::Update } else { Action::Index };
            b.push(action, "i", id, k % 2 == 0, |o| o.extend_from_slice(b"{}"));
        }
        let mut a = Batch::default();
        a.push(Action::Index, "j", "first", true, |o| o.extend_from_slice(b"{}"));
        a.push(Action::Index, "j", "second", false, |o| {
            o.extend_from_slice(b"{}")
        });
        a.append(b.clone());
        for (k, id) in ids.iter().enumerate() {
            assert_eq!(b.id(k), *id);
            assert_eq!(a.id(k + 2), *id);
        }
        assert_eq!((a.id(0), a.id(1)), ("first", "second"));
        a.body = Vec::new();
        assert_eq!((a.id(0), a.id(3)), ("first", "with \"quote\""));
    }

    #[test]
    fn same_text_is_equality() {
        let texts: Vec<String> = (0..40).map(|n| "x".repeat(n)).collect();
        for a in &texts {
            for b in &texts {
                assert_eq!(same_text(a.as_bytes(), b.as_bytes()), a == b);
            }
            // One byte different anywhere.
            for at in 0..a.len() {
                let mut c = a.clone().into_bytes();
                c[at] = b'y';
                assert!(!same_text(a.as_bytes(), &c), "{a} {at}");
            }
        }
    }
}
