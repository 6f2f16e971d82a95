//! The offline sink: exactly the `_bulk` body the bridge would send,
//! written to a file or standard output.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{Batch, SinkError, SinkReport};

/// Writes batches to a file or standard output.
pub struct NdjsonSink {
    out: Mutex<Box<dyn Write + Send>>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for NdjsonSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NdjsonSink").field("path", &self.path).finish()
    }
}

impl NdjsonSink {
    /// To standard output.
    pub fn stdout() -> NdjsonSink {
        NdjsonSink {
            out: Mutex::new(Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout()))),
            path: None,
        }
    }

    /// To a new (truncated) file.
    pub fn create(path: &Path) -> std::io::Result<NdjsonSink> {
        let file = std::fs::File::create(path)?;
        Ok(NdjsonSink {
            out: Mutex::new(Box::new(BufWriter::with_capacity(1 << 16, file))),
            path: Some(path.to_path_buf()),
        })
    }

    /// To any writer.
    pub fn to_writer(w: impl Write + Send + 'static) -> NdjsonSink {
        NdjsonSink {
            out: Mutex::new(Box::new(w)),
            path: None,
        }
    }

    /// Writes the whole batch; every item counts as indexed.
    pub fn write(&self, batch: &Batch) -> Result<SinkReport, SinkError> {
        let mut out = self.out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.write_all(&batch.body)?;
        Ok(SinkReport {
            indexed: batch.items.len() as u64,
            ..SinkReport::default()
        })
    }

    /// Flushes buffered output.
    pub fn flush(&self) -> Result<(), SinkError> {
        let mut out = self.out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.flush()?;
        Ok(())
    }

    /// `file PATH` or `standard output`.
    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("file {}", p.display()),
            None => "standard output".into(),
        }
    }
}
