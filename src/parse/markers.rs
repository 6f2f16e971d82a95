//! Markers: named regular expressions over the message, all run in one pass
//! (SCHEMA.md, "Markers").

/// A bad marker definition.
#[derive(Debug, thiserror::Error)]
#[error("marker {name:?}: bad pattern {pattern:?}: {reason}")]
pub struct MarkerError {
    /// The marker's name.
    pub name: String,
    /// The pattern that does not compile.
    pub pattern: String,
    /// Why.
    pub reason: String,
}

/// A compiled set of markers. STUB: to be written (issue 3).
#[derive(Debug, Clone, Default)]
pub struct MarkerSet {
    names: Vec<String>,
}

impl MarkerSet {
    /// The default markers of SCHEMA.md.
    pub fn defaults() -> MarkerSet {
        MarkerSet::default()
    }

    /// The defaults (unless `defaults` is false) plus `extra` markers; an
    /// extra marker with a default's name replaces it.
    pub fn build(_defaults: bool, _extra: &[(String, Vec<String>)]) -> Result<MarkerSet, MarkerError> {
        Ok(MarkerSet::default())
    }

    /// How many markers there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of marker `index`.
    pub fn name(&self, index: u16) -> &str {
        self.names.get(usize::from(index)).map_or("", String::as_str)
    }

    /// The indices of the markers `message` matches, ascending.
    pub fn scan(&self, _message: &str) -> Vec<u16> {
        Vec::new()
    }
}
