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
//! [`LineCounter`] that counts them in the file when an error asks.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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

/// Counts a seekable file's lines up to an offset, on demand: only an error's
/// location asks, so a scan without errors never reads the file twice. Each answer
/// is kept as a checkpoint, so the next count starts from the nearest one before it
/// (errors found in file order cost one extra read of the file in all).
#[derive(Debug)]
pub(crate) struct LineCounter {
    path: PathBuf,
    /// Opened when first asked (a scan without errors never opens it).
    file: Mutex<Option<File>>,
    /// Offset → newlines before it.
    known: Mutex<BTreeMap<u64, u64>>,
}

/// Bytes read at a time while counting.
const COUNT_CHUNK: usize = 256 * 1024;

impl LineCounter {
    /// Counts in the file at `path`, with its own handle (the counter seeks it).
    pub(crate) fn new(path: PathBuf) -> LineCounter {
        LineCounter {
            path,
            file: Mutex::new(None),
            known: Mutex::new(BTreeMap::from([(0, 0)])),
        }
    }

    /// The 1-based line of the byte at `offset`. A file that can no longer be read
    /// (it was truncated or replaced meanwhile) gives line 0: the message still names
    /// the file and says what is wrong.
    pub(crate) fn line_at(&self, offset: u64) -> u64 {
        self.newlines_before(offset).map_or(0, |n| n + 1)
    }

    fn newlines_before(&self, offset: u64) -> io::Result<u64> {
        let (from, mut count) = {
            let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            let (&from, &count) = known.range(..=offset).next_back().unwrap_or((&0, &0));
            (from, count)
        };
        if from == offset {
            return Ok(count);
        }
        let mut slot = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let file = match slot.as_mut() {
            Some(file) => file,
            None => slot.insert(File::open(&self.path)?),
        };
        file.seek(SeekFrom::Start(from))?;
        let mut left = offset - from;
        let mut buf = vec![0u8; COUNT_CHUNK.min(left as usize)];
        while left > 0 {
            let want = buf.len().min(left as usize);
            let n = file.read(&mut buf[..want])?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            count += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            left -= n as u64;
        }
        self.known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(offset, count);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_lines_agree_with_a_plain_count_in_any_order() {
        let mut text = Vec::new();
        let mut seed = 11u64;
        for i in 0..3000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            text.extend(std::iter::repeat_n(b'x', (seed >> 58) as usize + i % 3));
            text.push(b'\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lines.csv");
        std::fs::write(&path, &text).unwrap();
        let counter = LineCounter::new(path.clone());
        // Out of order, repeated, at and between line ends, and the end itself.
        let mut offsets: Vec<u64> = (0..text.len() as u64).step_by(977).collect();
        offsets.extend([text.len() as u64, 0, 5, 4000, 4000, 1]);
        offsets.reverse();
        for offset in offsets {
            let plain = 1 + text[..offset as usize]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            assert_eq!(counter.line_at(offset), plain, "offset {offset}");
        }
        // Past the end: the file cannot say, and the answer says so.
        assert_eq!(counter.line_at(text.len() as u64 + 10), 0);
    }
}
