//! Where pages come from: inputs, and the page sources that cut them into pages of
//! whole records.
//!
//! * [`Input`]: what the caller names (a file, a directory of dumps, standard input,
//!   any reader) and how its format is told; [`walk`] finds a directory's dump files,
//!   [`compression`] recognises compressed inputs.
//! * [`PageSource`] (`page_source.rs`): the seam the producer pulls pages from. A page
//!   carries where it starts (byte offset; its first line known, or counted only when
//!   an error needs it).
//! * `stream.rs`: the kind every input is read as today. It reads big blocks
//!   (decompressing them when the input is compressed), tells the format, resolves a
//!   CSV header, finds record boundaries with `memchr` and hands out pages of raw
//!   bytes; it counts lines as it goes, for free.
//! * `ranges.rs`: byte ranges of a seekable file, each read on its own (positioned
//!   reads, boundaries snapped to line ends, lines counted on demand): what lets
//!   workers read their own ranges, and the model for a columnar file's row groups.
//!
//! Parsing happens later, in parallel, in the workers. Nothing here knows about
//! threads or channels.

pub mod compression;
mod page_source;
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "byte ranges are read by a run once workers read their own ranges (the next issue); until then the stream reads every input, its pages as they always were"
    )
)]
mod ranges;
mod stream;
pub(crate) mod walk;

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::decode::names::DUMP_EXTENSIONS;
use crate::decode::scanner::Layout;
use crate::decode::InputFormat;
use crate::error::{display_name, Error, Result};

pub(crate) use page_source::{Next, OnOversized, PageSource, PageStart};
pub(crate) use stream::StreamPages;

/// One input: a file or directory path (or `-` / `None` for stdin), or any reader,
/// and how its format is told.
#[derive(Clone, Debug)]
pub struct Input {
    /// File or directory to read; `None` or `-` reads standard input.
    pub path: Option<PathBuf>,
    choice: Choice,
    reader: Option<SharedReader>,
}

/// How an input's format is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    /// From the content: CSV, canonical NDJSON, or a provider's responses.
    Content,
    /// From the content, but only between canonical CSV and NDJSON.
    Canonical,
    /// As given.
    Exactly(InputFormat),
}

/// A reader handed over once, to whichever run opens the input first.
#[derive(Clone)]
struct SharedReader(Arc<Mutex<Option<Box<dyn Read + Send>>>>);

impl std::fmt::Debug for SharedReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedReader")
    }
}

impl Input {
    /// A file, a directory of them (see [`Input::expand`]), or `-` for standard
    /// input, whose format is told from the content, not the name (recorded pages are
    /// often named by request, not by format): after decompression, a first byte
    /// other than `{` is CSV; otherwise the first complete JSON line decides between
    /// canonical NDJSON and a provider's responses (one per line), and a document
    /// that spans lines is one pretty-printed response.
    pub fn from_path(path: impl Into<PathBuf>) -> Input {
        Input {
            path: Some(path.into()),
            choice: Choice::Content,
            reader: None,
        }
    }

    /// The same input read as `format`, whatever its name or content suggests.
    pub fn with_format(mut self, format: InputFormat) -> Input {
        self.choice = Choice::Exactly(format);
        self
    }

    /// The same input read as a canonical dump (CSV or NDJSON, told by the first
    /// byte), never as provider responses.
    pub fn canonical(mut self) -> Input {
        self.choice = Choice::Canonical;
        self
    }

    /// The format this input was given, if it was not left to the content.
    pub fn format(&self) -> Option<InputFormat> {
        match self.choice {
            Choice::Exactly(f) => Some(f),
            _ => None,
        }
    }

    /// The files this input stands for: a directory's dump files in name order
    /// (see the `walk` module for which names count), or the input itself. Each
    /// file keeps this input's format choice.
    pub fn expand(&self) -> Result<Vec<Input>> {
        let Some(path) = self.path.as_ref().filter(|p| p.as_os_str() != "-") else {
            return Ok(vec![self.clone()]);
        };
        if self.reader.is_some() || !std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            return Ok(vec![self.clone()]);
        }
        let files = walk::dump_files(path).map_err(|e| Error::io(self.name(), e))?;
        if files.is_empty() {
            // Most likely the wrong directory: reading nothing would look like a
            // dump without offers.
            return Err(Error::io(
                self.name(),
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "no dump files in this directory (names ending in {}, optionally .gz or .zst)",
                        DUMP_EXTENSIONS.iter().map(|e| e.dotted).collect::<Vec<_>>().join(", ")
                    ),
                ),
            ));
        }
        Ok(files
            .into_iter()
            .map(|p| Input {
                path: Some(p),
                choice: self.choice,
                reader: None,
            })
            .collect())
    }

    /// Fails if the input cannot be read, so a typo is reported before any output
    /// and before a limit reached in an earlier input could hide it. The file is
    /// opened again when its turn comes (holding thousands open could exhaust file
    /// descriptors); if it vanished meanwhile, that is a read error at its place.
    pub(crate) fn check(&self) -> Result<()> {
        let Some(path) = self.path.as_ref().filter(|p| p.as_os_str() != "-") else {
            return Ok(());
        };
        if self.reader.is_some() {
            return Ok(());
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(self.name(), e))?;
        if meta.is_file() {
            // Permissions, ACLs, a dangling mount: opening is the only real check.
            // Only for regular files: opening a FIFO would wait for its writer.
            File::open(path).map_err(|e| Error::io(self.name(), e))?;
        } else if meta.is_dir() {
            // Reached only by a library caller that did not expand it.
            return Err(Error::io(
                self.name(),
                io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory; expand it into its files first (`Input::expand`)",
                ),
            ));
        }
        Ok(())
    }

    /// An input read from any reader (a decompressor, a socket, a test double). It
    /// can be read by one run only; `name` appears in messages.
    pub fn from_reader(
        name: impl Into<PathBuf>,
        format: InputFormat,
        reader: Box<dyn Read + Send>,
    ) -> Input {
        Input {
            path: Some(name.into()),
            choice: Choice::Exactly(format),
            reader: Some(SharedReader(Arc::new(Mutex::new(Some(reader))))),
        }
    }

    /// The reader of a reader-backed input. A second run over the same input gets an
    /// error, not an empty input that would look like a dump with no offers.
    fn take_reader(&self) -> Option<io::Result<Box<dyn Read + Send>>> {
        let shared = self.reader.as_ref()?;
        let mut slot = shared.0.lock().unwrap_or_else(|p| p.into_inner());
        Some(slot.take().ok_or_else(|| {
            io::Error::other("this input's reader was already read by an earlier run")
        }))
    }

    /// The name used in messages.
    pub fn name(&self) -> String {
        display_name(self.path.as_ref())
    }
}

/// The page source an input is read with: a stream, for every input today (a
/// seekable file too: its pages are what they have always been; the byte-range kind
/// is for workers that read their own ranges, next).
pub(crate) fn open(input: &Input, page_records: usize) -> Result<StreamPages> {
    StreamPages::open(input, page_records)
}

/// What every page of one input shares.
#[derive(Clone, Debug)]
pub(crate) struct SourceInfo {
    pub name: String,
    /// The format, with a CSV input's columns.
    pub layout: Layout,
}

/// A run of whole records from one input.
pub(crate) struct Page {
    /// Position of the page in the whole run (all inputs), from 0.
    pub seq: u64,
    pub source: Arc<SourceInfo>,
    /// Where the page starts in its input.
    pub start: PageStart,
    pub bytes: Vec<u8>,
}

impl Page {
    /// The 1-based line `line_offset` lines into the page, for an error's location:
    /// resolved now, when one is needed (counted, if the page's source did not count
    /// lines as it cut it).
    pub(crate) fn line(&self, line_offset: u64) -> u64 {
        self.start.first_line() + line_offset
    }
}

/// Longest record accepted. A line this long is a corrupt or binary file far more
/// often than real data, and refusing it bounds memory.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Longest provider response accepted: real pages run to a few megabytes (Duffel
/// returns up to 200 offers of ~10 KB each), so the cap is far above them and still
/// bounds memory against a runaway file.
pub const MAX_RESPONSE_BYTES: usize = 256 << 20;
