//! Cutting inputs into pages of whole records.
//!
//! The producer thread runs this: it reads big blocks, finds record boundaries with
//! `memchr` (quote-aware for CSV, so a quoted line break never splits a record), and
//! hands out pages of raw bytes. Parsing happens later, in parallel, in the workers.
//! Nothing here knows about threads or channels.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use crate::decode::{InputFormat, Schema};
use crate::error::{display_name, Error, Location, RecordError, Result};

/// One input: a file path (or `-` / `None` for stdin) and its format.
#[derive(Clone, Debug)]
pub struct Input {
    /// File to read; `None` or `-` reads standard input.
    pub path: Option<PathBuf>,
    /// How to parse it.
    pub format: InputFormat,
}

impl Input {
    /// An input whose format comes from the file extension (CSV when it says nothing).
    pub fn from_path(path: impl Into<PathBuf>) -> Input {
        let path = path.into();
        let format = InputFormat::from_path(&path).unwrap_or(InputFormat::Csv);
        Input {
            path: Some(path),
            format,
        }
    }

    /// The name used in messages.
    pub fn name(&self) -> String {
        display_name(self.path.as_ref())
    }
}

/// What every page of one input shares.
#[derive(Debug)]
pub(crate) struct SourceInfo {
    pub name: String,
    pub format: InputFormat,
    /// CSV only: the column layout from the header.
    pub schema: Option<Schema>,
}

/// A run of whole records from one input.
pub(crate) struct Page {
    /// Position of the page in the whole run (all inputs), from 0.
    pub seq: u64,
    pub source: Arc<SourceInfo>,
    /// 1-based line number of the page's first byte.
    pub first_line: u64,
    pub bytes: Vec<u8>,
}

/// Largest record accepted. A record this large is an unbalanced quote or a
/// corrupt file far more often than real data, and refusing it bounds memory.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

const READ_CHUNK: usize = 256 * 1024;

/// Reads one input into pages of at most `page_records` records.
pub(crate) struct PageReader {
    reader: Box<dyn Read + Send>,
    pub info: Arc<SourceInfo>,
    buf: Vec<u8>,
    /// Where the boundary scan resumes.
    scan: usize,
    in_quote: bool,
    /// End of the last complete record found in `buf` for the current page.
    cut: usize,
    records: usize,
    /// Newlines in `buf[..scan]`.
    lines_scanned: u64,
    /// Newlines in `buf[..cut]`.
    lines_at_cut: u64,
    next_line: u64,
    eof: bool,
    short_read: bool,
    page_records: usize,
    quote_aware: bool,
    pub bytes_read: u64,
}

impl PageReader {
    /// Opens the input and, for CSV, reads and resolves its header.
    pub(crate) fn open(input: &Input, page_records: usize) -> Result<PageReader> {
        let name = input.name();
        let reader: Box<dyn Read + Send> = match &input.path {
            Some(p) if p.as_os_str() != "-" => {
                Box::new(File::open(p).map_err(|e| Error::io(&name, e))?)
            }
            _ => Box::new(io::stdin()),
        };
        Self::from_reader(reader, name, input.format, page_records)
    }

    /// Wraps any reader (tests use this to inject faults).
    pub(crate) fn from_reader(
        reader: Box<dyn Read + Send>,
        name: String,
        format: InputFormat,
        page_records: usize,
    ) -> Result<PageReader> {
        let quote_aware = format == InputFormat::Csv;
        let mut r = PageReader {
            reader,
            info: Arc::new(SourceInfo {
                name,
                format,
                schema: None,
            }),
            buf: Vec::with_capacity(READ_CHUNK * 2),
            scan: 0,
            in_quote: false,
            cut: 0,
            records: 0,
            lines_scanned: 0,
            lines_at_cut: 0,
            next_line: 1,
            eof: false,
            short_read: false,
            page_records: page_records.max(1),
            quote_aware,
            bytes_read: 0,
        };
        if format == InputFormat::Csv {
            r.read_header()?;
        }
        Ok(r)
    }

    fn read_header(&mut self) -> Result<()> {
        let saved = self.page_records;
        self.page_records = 1;
        let header = self.next_page(Vec::new())?;
        self.page_records = saved;
        let name = self.info.name.clone();
        let Some(header) = header else {
            return Err(Error::Header {
                input: name,
                message: "the input is empty; expected a header row".into(),
            });
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&header.bytes[..]);
        let mut record = csv::ByteRecord::new();
        let ok = rdr
            .read_byte_record(&mut record)
            .map_err(|e| Error::Header {
                input: name.clone(),
                message: e.to_string(),
            })?;
        if !ok {
            return Err(Error::Header {
                input: name,
                message: "the first line is empty; expected a header row".into(),
            });
        }
        let schema = Schema::from_header(record.iter()).map_err(|message| Error::Header {
            input: name.clone(),
            message,
        })?;
        self.info = Arc::new(SourceInfo {
            name,
            format: self.info.format,
            schema: Some(schema),
        });
        Ok(())
    }

    /// The next page, reusing `spare`'s allocation for what stays behind; `None` at
    /// end of input.
    pub(crate) fn next_page(&mut self, spare: Vec<u8>) -> Result<Option<Page>> {
        loop {
            self.find_boundaries();
            // A short read means the source is slow (a pipe, a terminal, a provider
            // still sending): hand out what is complete instead of waiting for a full
            // page, so results stream and a stalled source cannot hold them back.
            if self.records >= self.page_records || (self.short_read && self.records > 0) {
                return Ok(Some(self.emit(self.cut, spare)));
            }
            if self.eof {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                // Whatever follows the last terminator is the last record (or blank).
                let end = self.buf.len();
                self.lines_at_cut = self.lines_scanned;
                return Ok(Some(self.emit(end, spare)));
            }
            if self.buf.len() - self.cut > MAX_RECORD_BYTES {
                let line = self.next_line + self.lines_at_cut;
                return Err(Error::Record {
                    location: Location {
                        input: self.info.name.clone(),
                        line,
                    },
                    error: RecordError::record(
                        "too_large",
                        format!(
                            "record is larger than {} bytes (an unbalanced quote?)",
                            MAX_RECORD_BYTES
                        ),
                    ),
                });
            }
            self.fill()?;
        }
    }

    fn fill(&mut self) -> Result<()> {
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        loop {
            match self.reader.read(&mut self.buf[old..]) {
                Ok(n) => {
                    self.buf.truncate(old + n);
                    self.bytes_read += n as u64;
                    self.short_read = n < READ_CHUNK;
                    if n == 0 {
                        self.eof = true;
                    }
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(Error::io(self.info.name.clone(), e));
                }
            }
        }
    }

    /// Scans `buf[scan..]` for record ends until the page is full.
    fn find_boundaries(&mut self) {
        let buf = &self.buf[..];
        while self.records < self.page_records && self.scan < buf.len() {
            let rest = &buf[self.scan..];
            let hit = if self.quote_aware {
                memchr::memchr2(b'\n', b'"', rest)
            } else {
                memchr::memchr(b'\n', rest)
            };
            let Some(i) = hit else {
                self.scan = buf.len();
                break;
            };
            let at = self.scan + i;
            self.scan = at + 1;
            if buf[at] == b'"' {
                self.in_quote = !self.in_quote;
                continue;
            }
            self.lines_scanned += 1;
            if !self.in_quote {
                self.records += 1;
                self.cut = at + 1;
                self.lines_at_cut = self.lines_scanned;
            }
        }
    }

    fn emit(&mut self, end: usize, mut spare: Vec<u8>) -> Page {
        spare.clear();
        spare.extend_from_slice(&self.buf[end..]);
        let mut bytes = std::mem::replace(&mut self.buf, spare);
        bytes.truncate(end);
        let page = Page {
            seq: 0,
            source: self.info.clone(),
            first_line: self.next_line,
            bytes,
        };
        self.next_line += self.lines_at_cut;
        self.lines_scanned -= self.lines_at_cut;
        self.scan -= end.min(self.scan);
        self.cut = 0;
        self.lines_at_cut = 0;
        self.records = 0;
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(data: &[u8], format: InputFormat, n: usize) -> Vec<(u64, String)> {
        let mut r = PageReader::from_reader(
            Box::new(io::Cursor::new(data.to_vec())),
            "t".into(),
            format,
            n,
        )
        .unwrap();
        let mut out = Vec::new();
        while let Some(p) = r.next_page(Vec::new()).unwrap() {
            out.push((p.first_line, String::from_utf8(p.bytes).unwrap()));
        }
        out
    }

    #[test]
    fn pages_cut_at_record_ends_and_count_lines() {
        let data = format!(
            "{}a,b\n\"multi\nline\",c\nd,e\nf,g",
            crate::record::CSV_HEADER
        );
        let data = data.as_bytes();
        let got = pages(data, InputFormat::Csv, 2);
        // The read was short (all there is), so the complete record is handed out at
        // once rather than held back for a fuller page.
        assert_eq!(
            got,
            vec![
                (2, "a,b\n\"multi\nline\",c\n".to_string()),
                (5, "d,e\n".to_string()),
                (6, "f,g".to_string())
            ]
        );
        let got = pages(data, InputFormat::Csv, 1);
        assert_eq!(
            got.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![2, 3, 5, 6]
        );
    }

    #[test]
    fn missing_column_and_empty_input_are_header_errors() {
        let e = PageReader::from_reader(
            Box::new(io::Cursor::new(b"".to_vec())),
            "t".into(),
            InputFormat::Csv,
            4,
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = PageReader::from_reader(
            Box::new(io::Cursor::new(b"provider,offer_id\n".to_vec())),
            "t".into(),
            InputFormat::Csv,
            4,
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("`origin`"), "{e}");
    }
}
