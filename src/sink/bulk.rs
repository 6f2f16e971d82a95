//! The `_bulk` body: action lines and documents as NDJSON, built once by the
//! pipeline and shared by every sink (SCHEMA.md, "Offline output").
//!
//! A [`Batch`] is one byte buffer plus the span of each item in it, so a sink
//! can send it whole, cut it into requests at item boundaries, or pick out
//! the items to retry, without copying or re-rendering documents.

use std::ops::Range;

use crate::render::write_json_str;

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
    /// The event id (also sent as `_id` unless ids are off).
    pub id: String,
    /// The index.
    pub index: String,
}

/// A `_bulk` body and the items in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The NDJSON body; ends with `\n` when not empty.
    pub body: Vec<u8>,
    /// The items, in body order.
    pub items: Vec<Item>,
}

impl Batch {
    /// An empty batch with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> Batch {
        Batch {
            body: Vec::with_capacity(bytes),
            items: Vec::new(),
        }
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
        let start = self.body.len();
        let out = &mut self.body;
        out.extend_from_slice(match action {
            Action::Index => b"{\"index\":{\"_index\":",
            Action::Update => b"{\"update\":{\"_index\":",
        });
        write_json_str(out, index);
        if send_id || action == Action::Update {
            out.extend_from_slice(b",\"_id\":");
            write_json_str(out, id);
        }
        out.extend_from_slice(b"}}\n");
        let doc_start = out.len();
        write_doc(out);
        out.push(b'\n');
        self.items.push(Item {
            action,
            span: start..out.len(),
            doc_start,
            id: id.to_string(),
            index: index.to_string(),
        });
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
        self.body.extend_from_slice(&other.body);
        self.items.extend(other.items.into_iter().map(|mut it| {
            it.span = it.span.start + base..it.span.end + base;
            it.doc_start += base;
            it
        }));
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
        assert_eq!(
            b.item_bytes(1),
            b"{\"index\":{\"_index\":\"cwl-2024.11.25\"}}\n{}\n"
        );
    }
}
