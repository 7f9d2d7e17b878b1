//! The seam between inputs and the pipeline: a [`PageSource`] hands out pages of
//! whole records, and a page says where it starts.
//!
//! Two kinds exist: a stream (`stream.rs`: stdin, FIFOs, compressed input, and today
//! every file), cut as it is read, and the byte ranges of a seekable file
//! (`ranges.rs`), each read on its own. A third fits the same mould: the row groups of
//! a columnar file, a seekable file whose footer says where each unit of work lies.
//! Wrappers add behaviour around any kind without it knowing: the replayed latency of
//! a live provider (`crate::latency`), the window of an ordered run
//! (`crate::search`), the producer's accounting.
//!
//! Line numbers are what error messages need, and only they: a page carries its byte
//! offset and either its first line (a stream counts lines as it cuts, for free) or a
//! `LineCounter` that counts them in the file when an error asks (`ranges.rs`).

use std::sync::Arc;

use super::ranges::LineCounter;
use super::{Page, SourceInfo};
use crate::error::{Location, RecordError, Result};

/// Called with a record too large to hold: `Err` ends the run, `Ok` skips it.
pub(crate) type OnOversized<'a> = dyn FnMut(Location, RecordError, &[u8]) -> Result<()> + 'a;

/// What a source hands out next.
pub(crate) enum Next {
    /// A page of whole records (its `seq` is the caller's to set).
    Page(Page),
    /// The input has no more records.
    End,
    /// The run stopped while a wrapper waited (a replayed latency): nothing more is
    /// read from this input.
    Stopped,
}

/// A source of pages of whole records, pulled one page at a time by the producer.
///
/// Called once per page, never per record, so a wrapper or a boxed source costs
/// nothing that shows.
pub(crate) trait PageSource {
    /// What every page of this source shares: the input's name and layout.
    fn info(&self) -> &Arc<SourceInfo>;
    /// The next page, reusing `spare`'s allocation where it can. A record too long
    /// to hold goes to `on_oversized`, which skips it or ends the input.
    fn next_page(&mut self, spare: Vec<u8>, on_oversized: &mut OnOversized<'_>) -> Result<Next>;
    /// Bytes read from the input so far (a header and sniffed bytes included; for a
    /// compressed input, after decompression).
    fn bytes_read(&self) -> u64;
    /// The line the source has reached, for an error that ends the input there.
    fn line(&mut self) -> u64;
}

impl<S: PageSource + ?Sized> PageSource for Box<S> {
    fn info(&self) -> &Arc<SourceInfo> {
        (**self).info()
    }
    fn next_page(&mut self, spare: Vec<u8>, on_oversized: &mut OnOversized<'_>) -> Result<Next> {
        (**self).next_page(spare, on_oversized)
    }
    fn bytes_read(&self) -> u64 {
        (**self).bytes_read()
    }
    fn line(&mut self) -> u64 {
        (**self).line()
    }
}

/// Where a page starts in its input.
#[derive(Clone, Debug)]
pub(crate) struct PageStart {
    /// Byte offset of the page's first byte in the input (after decompression).
    pub offset: u64,
    first_line: FirstLine,
}

/// A page's first line: known, or counted when asked.
#[derive(Clone, Debug)]
enum FirstLine {
    Known(u64),
    Counted(Arc<LineCounter>),
}

impl PageStart {
    /// A page whose first line was counted while cutting it.
    pub(crate) fn known(offset: u64, first_line: u64) -> PageStart {
        PageStart {
            offset,
            first_line: FirstLine::Known(first_line),
        }
    }

    /// A page whose first line `lines` counts in its file when an error needs it.
    pub(crate) fn counted(offset: u64, lines: Arc<LineCounter>) -> PageStart {
        PageStart {
            offset,
            first_line: FirstLine::Counted(lines),
        }
    }

    /// The 1-based line of the page's first byte.
    pub(crate) fn first_line(&self) -> u64 {
        match &self.first_line {
            FirstLine::Known(line) => *line,
            FirstLine::Counted(lines) => lines.line_at(self.offset),
        }
    }
}
