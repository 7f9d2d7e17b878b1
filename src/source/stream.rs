//! Pages cut from a stream: any input read once from start to end (a file, standard
//! input, a FIFO, a decompressor).
//!
//! [`StreamPages`] reads big blocks, tells the input's format from its first bytes,
//! resolves a CSV header, and cuts pages of at most N records at line ends (a record
//! is a line, or for a pretty-printed provider response the whole document). A
//! stream cannot be read again, so it counts lines as it cuts: every page's first
//! line is known.

use std::fs::File;
use std::io::{self, Read};
use std::sync::Arc;

use super::compression::{self, Compression};
use super::page_source::{Next, OnOversized, PageSource, PageStart};
use super::{Choice, Input, Page, SourceInfo, MAX_RECORD_BYTES, MAX_RESPONSE_BYTES};
use crate::decode::{scanner::Layout, InputFormat, Schema, UTF8_BOM};
use crate::error::{Error, Location, RecordError, Result};
use crate::provider::{detect, DetectError, Provider};

/// Lines looked at to tell a JSON input's kind when the first ones are corrupt or
/// say nothing (an error body, an empty page).
const PROBE_LINES: usize = 16;

/// What a new read buffer starts with.
const READ_CHUNK: usize = 256 * 1024;

/// The least room a read is given: below it, the buffer grows by this much.
const MIN_READ: usize = 32 * 1024;

/// The most one read asks for.
const MAX_READ: usize = 4 << 20;

/// What a header error's hint judges by.
const HINT_BYTES: usize = 4096;

/// The first byte of an input that is not a byte-order mark or white space: what
/// both the format sniffing and the hints judge by.
fn first_byte(head: &[u8]) -> Option<u8> {
    let text = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    text.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// What a file that is not canonical CSV looks like, judged from its first bytes,
/// and how to read it: a one-line hint for a header error that would otherwise list
/// every missing column.
pub(crate) fn content_hint(head: &[u8]) -> Option<&'static str> {
    let first = first_byte(head);
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    if first == Some(b'{') {
        Some("this looks like NDJSON (one JSON object per line), not CSV; leave out `--input-format csv` and the content decides")
    } else if first == Some(b'[') {
        Some("this looks like a JSON document (an array), not CSV; flightsift reads NDJSON, one object per line (convert with `jq -c '.[]'`)")
    } else if memchr::memchr(b'\t', first_line).is_some()
        && memchr::memchr(b',', first_line).is_none()
    {
        Some("this looks like tab-separated values; flightsift reads comma-separated CSV")
    } else {
        None
    }
}

/// What one of the first lines of a JSON input is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Line {
    /// A complete JSON value, at this range of the buffer.
    Json(std::ops::Range<usize>),
    /// The start of a value that goes on past the line.
    Unfinished,
    /// Not JSON.
    Corrupt,
}

/// Reads one input into pages of at most `page_records` records.
///
/// A record is a line. Quoted CSV fields may contain commas and quotes but not line
/// breaks: no canonical field can hold one, and refusing them means one stray quote
/// spoils only its own line instead of silently swallowing the rest of the file.
pub(crate) struct StreamPages {
    reader: Box<dyn Read + Send>,
    info: Arc<SourceInfo>,
    /// The format (the layout in `info` is settled once the input is open).
    format: InputFormat,
    /// Read buffer; only `buf[..filled]` holds data. The rest stays initialized
    /// between reads, so refilling never pays for zeroing memory again.
    buf: Vec<u8>,
    filled: usize,
    /// Where the boundary scan resumes.
    scan: usize,
    /// End of the last complete record found in `buf` for the current page.
    cut: usize,
    records: usize,
    next_line: u64,
    eof: bool,
    short_read: bool,
    /// Dropping the rest of an oversized record, up to its newline.
    discarding: bool,
    page_records: usize,
    /// Longest record of this format.
    max_record: usize,
    /// The whole input is one record (a pretty-printed response).
    whole: bool,
    bytes_read: u64,
    /// Where `buf[0]` is in the (decompressed) input.
    offset: u64,
    compression: Option<Compression>,
}

impl PageSource for StreamPages {
    fn info(&self) -> &Arc<SourceInfo> {
        &self.info
    }

    fn next_page(&mut self, spare: Vec<u8>, on_oversized: &mut OnOversized<'_>) -> Result<Next> {
        Ok(match self.cut_page(spare, on_oversized)? {
            Some(page) => Next::Page(page),
            None => Next::End,
        })
    }

    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    fn line(&mut self) -> u64 {
        self.next_line + self.records as u64
    }
}

impl StreamPages {
    /// Where the next page will start in the (decompressed) input: after opening,
    /// where the records start (past a CSV header).
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// How the input is compressed (its offsets are then the decompressed bytes').
    pub(crate) fn compression(&self) -> Option<Compression> {
        self.compression
    }

    /// Opens the input (decompressing it when its first bytes say so), tells its
    /// format, and for CSV reads and resolves its header.
    pub(crate) fn open(input: &Input, page_records: usize) -> Result<StreamPages> {
        let name = input.name();
        let reader: Box<dyn Read + Send> = if let Some(r) = input.take_reader() {
            r.map_err(|e| Error::io(&name, e))?
        } else {
            match &input.path {
                Some(p) if p.as_os_str() != "-" => {
                    Box::new(File::open(p).map_err(|e| Error::io(&name, e))?)
                }
                _ => Box::new(io::stdin()),
            }
        };
        let (reader, compression) =
            compression::decompress(reader).map_err(|e| Error::io(&name, e))?;
        let mut pages = Self::with_choice(reader, name, input.choice, page_records)?;
        pages.compression = compression;
        Ok(pages)
    }

    /// Wraps any reader.
    #[cfg(test)]
    pub(crate) fn from_reader(
        reader: Box<dyn Read + Send>,
        name: String,
        format: InputFormat,
        page_records: usize,
    ) -> Result<StreamPages> {
        Self::with_choice(reader, name, Choice::Exactly(format), page_records)
    }

    /// Wraps a reader whose format is chosen by `choice`.
    fn with_choice(
        reader: Box<dyn Read + Send>,
        name: String,
        choice: Choice,
        page_records: usize,
    ) -> Result<StreamPages> {
        let mut r = StreamPages {
            reader,
            info: Arc::new(SourceInfo {
                name,
                layout: Layout::Ndjson,
            }),
            format: InputFormat::Csv,
            buf: Vec::with_capacity(READ_CHUNK * 2),
            filled: 0,
            scan: 0,
            cut: 0,
            records: 0,
            next_line: 1,
            eof: false,
            short_read: false,
            discarding: false,
            page_records: page_records.max(1),
            max_record: MAX_RECORD_BYTES,
            whole: false,
            bytes_read: 0,
            offset: 0,
            compression: None,
        };
        let format = match choice {
            Choice::Exactly(format) => format,
            Choice::Canonical | Choice::Content => r.sniff(choice)?,
        };
        r.format = format;
        match format {
            InputFormat::Csv => {
                // Reads can be short (pipes, the bytes a decompressor looked at):
                // the hint needs the first line, and no more (a read error past it
                // belongs after the records before it).
                while !r.eof
                    && r.filled < HINT_BYTES
                    && memchr::memchr(b'\n', &r.buf[..r.filled]).is_none()
                {
                    r.fill()?;
                }
                let hint = content_hint(&r.buf[..r.filled.min(HINT_BYTES)]);
                match (r.read_header(), hint) {
                    (Ok(()), _) => {}
                    (Err(Error::Header { .. } | Error::Record { .. }), Some(hint)) => {
                        return Err(Error::Header {
                            input: r.info.name.clone(),
                            message: hint.to_string(),
                        })
                    }
                    (Err(e), _) => return Err(e),
                }
            }
            InputFormat::Ndjson => Arc::make_mut(&mut r.info).layout = Layout::Ndjson,
            InputFormat::Responses(provider) => {
                Arc::make_mut(&mut r.info).layout = Layout::Responses(provider);
                // A response is the unit of work: one per page, however small.
                r.page_records = 1;
                r.max_record = MAX_RESPONSE_BYTES;
                r.whole = r.probe_lines(1, |_, _| true)?.first() == Some(&Line::Unfinished);
            }
        }
        Ok(r)
    }

    /// Reads until the first byte that is not a byte-order mark or white space and
    /// judges the format by it (and for JSON by its first lines, see
    /// [`Input::from_path`]); the bytes stay in the buffer for the first page.
    fn sniff(&mut self, choice: Choice) -> Result<InputFormat> {
        let first = loop {
            let head = &self.buf[..self.filled];
            // A short read may have cut a byte-order mark: read on before judging.
            if !self.eof && head.len() < UTF8_BOM.len() && UTF8_BOM.starts_with(head) {
                self.fill()?;
                continue;
            }
            match first_byte(head) {
                Some(b) => break Some(b),
                None if self.eof => break None,
                None => self.fill()?,
            }
        };
        if first != Some(b'{') {
            return Ok(InputFormat::Csv);
        }
        if choice == Choice::Canonical {
            return Ok(InputFormat::Ndjson);
        }
        // Lines are read only until one decides (a provider's pages can be megabytes
        // each: reading sixteen of them would delay the first result).
        let mut looked_on = false;
        let lines = self.probe_lines(PROBE_LINES, |buf, line| match line {
            Line::Unfinished => true,
            Line::Corrupt => false,
            Line::Json(range) => match detect(&buf[range.clone()]) {
                Ok(_) | Err(DetectError::Ambiguous { .. }) => true,
                Err(DetectError::ErrorBody(body)) if body.provider.is_some() => true,
                Err(DetectError::Unknown { .. }) if !looked_on => true,
                Err(_) => {
                    looked_on = true;
                    false
                }
            },
        })?;
        if lines.first() == Some(&Line::Unfinished) {
            // A document over several lines: one pretty-printed response, whose
            // provider the worker tells (it reads the whole document anyway).
            return Ok(InputFormat::Responses(None));
        }
        let mut undecided = false;
        for line in &lines {
            let Line::Json(range) = line else { continue };
            match detect(&self.buf[range.clone()]) {
                Ok(p) => return Ok(InputFormat::Responses(Some(p))),
                Err(DetectError::ErrorBody(body)) if body.provider.is_some() => {
                    return Ok(InputFormat::Responses(body.provider))
                }
                Err(DetectError::Unknown { .. }) if !undecided => return Ok(InputFormat::Ndjson),
                Err(e @ DetectError::Ambiguous { .. }) => {
                    return Err(Error::Header {
                        input: self.info.name.clone(),
                        message: format!("{e} (`--provider {}`)", Provider::names("|", "|")),
                    })
                }
                // An error body or an empty page says nothing of the format: look on.
                Err(_) => undecided = true,
            }
        }
        // Responses that never name their provider (each page then tells its own),
        // or lines too corrupt to tell: the canonical decoder reports those by line.
        Ok(if undecided {
            InputFormat::Responses(None)
        } else {
            InputFormat::Ndjson
        })
    }

    /// Looks at up to `n` first lines of the input (reading on as needed, never
    /// past the response cap), without consuming them, until `enough` says a line
    /// decides.
    fn probe_lines(
        &mut self,
        n: usize,
        mut enough: impl FnMut(&[u8], &Line) -> bool,
    ) -> Result<Vec<Line>> {
        let mut out = Vec::new();
        let mut start = 0;
        while out.len() < n {
            let end = match memchr::memchr(b'\n', &self.buf[start..self.filled]) {
                Some(i) => start + i,
                None if self.eof || self.filled - start > MAX_RESPONSE_BYTES => self.filled,
                None => {
                    self.fill()?;
                    continue;
                }
            };
            let text = &self.buf[start..end];
            let text = text.strip_prefix(UTF8_BOM).unwrap_or(text);
            if text.iter().any(|b| !b.is_ascii_whitespace()) {
                let line = match serde_json::from_slice::<serde::de::IgnoredAny>(text) {
                    Ok(_) => Line::Json(end - text.len()..end),
                    Err(e) if e.is_eof() => Line::Unfinished,
                    Err(_) => Line::Corrupt,
                };
                let stop = enough(&self.buf, &line);
                out.push(line);
                if stop {
                    break;
                }
            }
            if end >= self.filled {
                break;
            }
            start = end + 1;
        }
        Ok(out)
    }

    fn read_header(&mut self) -> Result<()> {
        let saved = self.page_records;
        self.page_records = 1;
        let header = self.cut_page(Vec::new(), &mut |location, error, _| {
            Err(Error::Record { location, error })
        })?;
        self.page_records = saved;
        let name = self.info.name.clone();
        let Some(header) = header else {
            return Err(Error::Header {
                input: name,
                message: "the input is empty; expected a header row".into(),
            });
        };
        let schema = Schema::parse_header(&header.bytes).map_err(|message| Error::Header {
            input: name.clone(),
            message,
        })?;
        self.info = Arc::new(SourceInfo {
            name,
            layout: Layout::Csv(Box::new(schema)),
        });
        Ok(())
    }

    /// The next page, reusing `spare`'s allocation for what stays behind; `None` at
    /// end of input.
    fn cut_page(
        &mut self,
        spare: Vec<u8>,
        on_oversized: &mut OnOversized<'_>,
    ) -> Result<Option<Page>> {
        if self.whole {
            return self.whole_page(spare, on_oversized);
        }
        loop {
            let oversized = self.find_boundaries();
            // A short read means the source is slow (a pipe, a terminal, a provider
            // still sending): hand out what is complete instead of waiting for a full
            // page, so results stream and a stalled source cannot hold them back.
            if self.records > 0
                && (self.records >= self.page_records || self.short_read || oversized.is_some())
            {
                return Ok(Some(self.emit(self.cut, spare)));
            }
            if let Some(end) = oversized {
                // A whole line over the cap, first in the buffer: report it, drop it.
                self.report_oversized(on_oversized)?;
                self.buf.copy_within(end..self.filled, 0);
                self.filled -= end;
                self.offset += end as u64;
                self.next_line += 1;
                self.scan = 0;
                continue;
            }
            if self.eof {
                if self.filled == 0 {
                    return Ok(None);
                }
                // Whatever follows the last newline is the last record (or blank).
                let end = self.filled;
                return Ok(Some(self.emit(end, spare)));
            }
            if self.filled - self.cut > self.max_record {
                if self.records > 0 {
                    // Hand out the records before it first, so line numbers stay exact.
                    return Ok(Some(self.emit(self.cut, spare)));
                }
                // No end in sight: report it, then drop bytes up to its newline.
                self.report_oversized(on_oversized)?;
                self.offset += (self.filled - self.cut) as u64;
                self.filled = self.cut;
                self.scan = self.cut;
                self.discarding = true;
            }
            self.fill()?;
        }
    }

    /// The whole input as one page (a pretty-printed response), once.
    fn whole_page(
        &mut self,
        spare: Vec<u8>,
        on_oversized: &mut OnOversized<'_>,
    ) -> Result<Option<Page>> {
        while !self.eof {
            if self.filled > self.max_record {
                self.report_oversized(on_oversized)?;
                // Nothing of the rest can be used; it is read (a decompressor must
                // still check it) but not kept.
                let rest = io::copy(&mut self.reader, &mut io::sink())
                    .map_err(|e| Error::io(self.info.name.clone(), e))?;
                self.bytes_read += rest;
                self.filled = 0;
                self.eof = true;
                return Ok(None);
            }
            self.fill()?;
        }
        if self.filled == 0 {
            return Ok(None);
        }
        self.records = 1;
        let end = self.filled;
        let page = self.emit(end, spare);
        self.eof = true;
        Ok(Some(page))
    }

    /// Reports the record starting at `cut` as too large.
    fn report_oversized(&self, on_oversized: &mut OnOversized<'_>) -> Result<()> {
        let line = self.next_line + self.records as u64;
        let sample = &self.buf[self.cut..(self.cut + 1024).min(self.filled)];
        let error = RecordError::record(
            "too_large",
            format!("record is longer than {} bytes", self.max_record),
        );
        on_oversized(
            Location {
                input: self.info.name.clone(),
                line,
            },
            error,
            sample,
        )
    }

    /// Reads more input after `buf[..filled]`.
    ///
    /// The read goes into the buffer's initialized length when enough of it is left
    /// (a recycled page is initialized up to its own length, about one page), and
    /// the buffer grows only when less than [`MIN_READ`] remains: zeroing new memory
    /// then costs a small step per page instead of a whole read chunk, and little is
    /// read past the page's end, so little is copied to the next one.
    fn fill(&mut self) -> Result<()> {
        let old = self.filled;
        if self.buf.len() < old + MIN_READ {
            // An empty (new) buffer starts with a whole chunk; a used one grows by
            // small steps, since it is about the size of a page already.
            let step = if self.buf.len() < READ_CHUNK {
                READ_CHUNK
            } else {
                MIN_READ
            };
            self.buf.resize(old + step, 0);
        }
        let want = (self.buf.len() - old).min(MAX_READ);
        loop {
            match self.reader.read(&mut self.buf[old..old + want]) {
                Ok(n) => {
                    self.filled = old + n;
                    self.bytes_read += n as u64;
                    self.short_read = n < want;
                    if n == 0 {
                        self.eof = true;
                    }
                    if self.discarding {
                        match memchr::memchr(b'\n', &self.buf[old..self.filled]) {
                            Some(i) => {
                                self.buf.copy_within(old + i + 1..self.filled, old);
                                self.filled -= i + 1;
                                // Nothing is kept before an oversized record's
                                // rest (`old` is 0): dropped bytes come first.
                                self.offset += (i + 1) as u64;
                                self.discarding = false;
                                // The dropped record's own line still counts.
                                self.next_line += 1;
                            }
                            None => {
                                self.offset += (self.filled - old) as u64;
                                self.filled = old;
                            }
                        }
                    }
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.filled = old;
                    return Err(Error::io(self.info.name.clone(), e));
                }
            }
        }
    }

    /// Scans `buf[scan..]` for line ends until the page is full. Stops before a line
    /// longer than the cap and returns where that line ends.
    fn find_boundaries(&mut self) -> Option<usize> {
        if self.discarding {
            return None;
        }
        let buf = &self.buf[..self.filled];
        // The bulk path: skip whole blocks by counting their newlines, and look for
        // single newlines only in the block where the page ends. It is exact when no
        // line in the span can be over the cap (the span itself is not); otherwise the
        // line-by-line loop below finds the line that is.
        if self.records < self.page_records {
            let (found, end) = nth_line_end(&buf[self.scan..], self.page_records - self.records);
            let end = self.scan + end;
            if found > 0 && end - self.cut <= self.max_record + 1 {
                self.records += found;
                self.cut = end;
                self.scan = if self.records < self.page_records {
                    buf.len()
                } else {
                    end
                };
            }
        }
        while self.records < self.page_records {
            let Some(i) = memchr::memchr(b'\n', &buf[self.scan..]) else {
                self.scan = buf.len();
                break;
            };
            let end = self.scan + i + 1;
            if end - self.cut > self.max_record + 1 {
                self.scan = self.cut;
                return Some(end);
            }
            self.scan = end;
            self.cut = end;
            self.records += 1;
        }
        None
    }

    fn emit(&mut self, end: usize, mut spare: Vec<u8>) -> Page {
        // What follows the page moves to the spare buffer, whose initialized length is
        // kept (a recycled page is all initialized) so the next fill need not zero it.
        let rest = self.filled - end;
        if spare.len() < rest {
            spare.resize(rest, 0);
        }
        spare[..rest].copy_from_slice(&self.buf[end..self.filled]);
        let mut bytes = std::mem::replace(&mut self.buf, spare);
        bytes.truncate(end);
        let mut offset = self.offset;
        self.offset += end as u64;
        // A byte-order mark may start an input. A CSV header drops it when it is
        // resolved; JSON has no header, so its first page drops it here.
        if self.next_line == 1 && self.format != InputFormat::Csv && bytes.starts_with(UTF8_BOM) {
            bytes.drain(..UTF8_BOM.len());
            offset += UTF8_BOM.len() as u64;
        }
        self.filled = rest;
        let page = Page {
            seq: 0,
            source: self.info.clone(),
            start: PageStart::known(offset, self.next_line),
            bytes,
        };
        // A page holds whole lines, so its line count is its record count, except a
        // final record without a newline, which is the last line anyway.
        self.next_line += self.records as u64;
        self.scan -= end.min(self.scan);
        self.cut = 0;
        self.records = 0;
        page
    }
}

/// Bytes counted at a time by [`nth_line_end`]: about fifty records.
const COUNT_BLOCK: usize = 8 * 1024;

/// Finds up to `n` line ends in `bytes`: how many there are (at most `n`) and the
/// offset just past the last of them (0 when there is none). Whole blocks are
/// counted in bulk (vectorized, with run-time CPU dispatch); only the block holding
/// the `n`-th line end, or the last one, is searched newline by newline.
pub(crate) fn nth_line_end(bytes: &[u8], n: usize) -> (usize, usize) {
    let mut found = 0;
    let mut at = 0;
    while at < bytes.len() {
        let block_end = (at + COUNT_BLOCK).min(bytes.len());
        let block = &bytes[at..block_end];
        let count = memchr::memchr_iter(b'\n', block).count();
        if found + count >= n {
            let i = memchr::memchr_iter(b'\n', block)
                .nth(n - found - 1)
                .expect("counted");
            return (n, at + i + 1);
        }
        found += count;
        at = block_end;
    }
    if found == 0 {
        return (0, 0);
    }
    let last = memchr::memrchr(b'\n', bytes).expect("counted");
    (found, last + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per read.
    struct Drip(io::Cursor<Vec<u8>>);

    impl Read for Drip {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn a_byte_order_mark_starting_ndjson_is_dropped_however_the_input_arrives() {
        let data = b"\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n";
        for format in [None, Some(InputFormat::Ndjson)] {
            for drip in [false, true] {
                let reader: Box<dyn Read + Send> = if drip {
                    Box::new(Drip(io::Cursor::new(data.to_vec())))
                } else {
                    Box::new(io::Cursor::new(data.to_vec()))
                };
                let choice = format.map_or(Choice::Content, Choice::Exactly);
                let mut r = StreamPages::with_choice(reader, "t".into(), choice, 100).unwrap();
                assert_eq!(r.info().layout.format(), InputFormat::Ndjson);
                let mut text = Vec::new();
                while let Some(p) = r
                    .cut_page(Vec::new(), &mut |_, e, _| panic!("{e}"))
                    .unwrap()
                {
                    text.extend_from_slice(&p.bytes);
                }
                assert_eq!(text, &data[3..], "drip {drip}");
            }
        }
    }

    fn pages(data: &[u8], format: InputFormat, n: usize) -> Vec<(u64, String)> {
        let mut r = StreamPages::from_reader(
            Box::new(io::Cursor::new(data.to_vec())),
            "t".into(),
            format,
            n,
        )
        .unwrap();
        let mut out = Vec::new();
        while let Some(p) = r
            .cut_page(Vec::new(), &mut |_, e, _| panic!("{e}"))
            .unwrap()
        {
            out.push((p.start.first_line(), String::from_utf8(p.bytes).unwrap()));
        }
        out
    }

    #[test]
    fn pages_cut_at_line_ends_and_count_lines() {
        let data = format!(
            "{}a,b\n\"multi\nline\",c\nd,e\nf,g",
            crate::record::CSV_HEADER
        );
        let data = data.as_bytes();
        let got = pages(data, InputFormat::Csv, 2);
        // A record is a line, even inside quotes. The read was short (all there is), so
        // the complete record is handed out at once rather than held for a fuller page.
        assert_eq!(
            got,
            vec![
                (2, "a,b\n\"multi\n".to_string()),
                (4, "line\",c\nd,e\n".to_string()),
                (6, "f,g".to_string())
            ]
        );
        let got = pages(data, InputFormat::Csv, 1);
        assert_eq!(
            got.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![2, 3, 4, 5, 6]
        );
    }

    #[test]
    fn pages_hold_whole_lines_at_any_page_size() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..200 {
            let lines: Vec<String> = (0..next(300))
                .map(|i| format!("{i}{}", "x".repeat(next(40) as usize)))
                .collect();
            let mut data = crate::record::CSV_HEADER.as_bytes().to_vec();
            data.extend_from_slice(lines.join("\n").as_bytes());
            if round % 2 == 0 {
                data.push(b'\n');
            }
            let page_size = 1 + next(50) as usize;
            let mut r = StreamPages::from_reader(
                Box::new(io::Cursor::new(data)),
                "t".into(),
                InputFormat::Csv,
                page_size,
            )
            .unwrap();
            let mut seen = Vec::new();
            while let Some(p) = r
                .cut_page(Vec::new(), &mut |_, e, _| panic!("{e}"))
                .unwrap()
            {
                let text = String::from_utf8(p.bytes).unwrap();
                let page_lines: Vec<&str> = text.lines().collect();
                assert!(
                    page_lines.len() <= page_size,
                    "round {round}: {} lines in a page of {page_size}",
                    page_lines.len()
                );
                assert_eq!(p.start.first_line(), 2 + seen.len() as u64, "round {round}");
                seen.extend(page_lines.iter().map(|l| l.to_string()));
            }
            assert_eq!(seen, lines, "round {round}, page size {page_size}");
        }
    }

    /// The plain definition [`nth_line_end`] must agree with.
    fn nth_line_end_slow(bytes: &[u8], n: usize) -> (usize, usize) {
        let ends: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1)
            .take(n)
            .collect();
        (ends.len(), ends.last().copied().unwrap_or(0))
    }

    /// Hands out reads of the sizes it is given, in turn.
    struct Chunky(io::Cursor<Vec<u8>>, Vec<usize>, usize);

    impl Read for Chunky {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1[self.2 % self.1.len()]);
            self.2 += 1;
            self.0.read(&mut buf[..n])
        }
    }

    proptest::proptest! {
        #[test]
        fn bulk_line_ends_agree_with_the_plain_definition(
            // Sparse and dense newlines, across several count blocks.
            lines in proptest::collection::vec(0usize..3000, 0..40),
            tail in 0usize..100,
            n in 1usize..60,
        ) {
            let mut bytes = Vec::new();
            for len in lines {
                bytes.extend(std::iter::repeat_n(b'x', len));
                bytes.push(b'\n');
            }
            bytes.extend(std::iter::repeat_n(b'y', tail));
            proptest::prop_assert_eq!(nth_line_end(&bytes, n), nth_line_end_slow(&bytes, n));
        }

        #[test]
        fn pages_match_a_line_by_line_cut_whatever_the_reads(
            lens in proptest::collection::vec(0usize..20_000, 1..60),
            reads in proptest::collection::vec(1usize..70_000, 1..5),
            page_size in 1usize..40,
            newline_at_end in proptest::bool::ANY,
        ) {
            let lines: Vec<String> = lens
                .iter()
                .enumerate()
                .map(|(i, &len)| format!("{i},{}", "x".repeat(len)))
                .collect();
            let mut data = crate::record::CSV_HEADER.as_bytes().to_vec();
            data.extend_from_slice(lines.join("\n").as_bytes());
            if newline_at_end {
                data.push(b'\n');
            }
            let mut r = StreamPages::from_reader(
                Box::new(Chunky(io::Cursor::new(data.clone()), reads, 0)),
                "t".into(),
                InputFormat::Csv,
                page_size,
            )
            .unwrap();
            let mut seen = Vec::new();
            let mut spare = Vec::new();
            while let Some(p) = r
                .cut_page(std::mem::take(&mut spare), &mut |_, e, _| panic!("{e}"))
                .unwrap()
            {
                let text = String::from_utf8(p.bytes.clone()).unwrap();
                let page_lines: Vec<&str> = text.lines().collect();
                proptest::prop_assert!(page_lines.len() <= page_size);
                proptest::prop_assert!(!page_lines.is_empty());
                proptest::prop_assert_eq!(p.start.first_line(), 2 + seen.len() as u64);
                // The page is the input's bytes at its offset.
                let at = p.start.offset as usize;
                proptest::prop_assert_eq!(&data[at..at + p.bytes.len()], &p.bytes[..]);
                seen.extend(page_lines.iter().map(|l| l.to_string()));
                // Recycled, as the pipeline does.
                spare = p.bytes;
            }
            proptest::prop_assert_eq!(seen, lines);
        }
    }

    #[test]
    fn an_oversized_record_is_reported_then_skipped_or_fatal() {
        let mut data = crate::record::CSV_HEADER.as_bytes().to_vec();
        data.extend_from_slice(b"a,b\n");
        data.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 5000));
        data.extend_from_slice(b"\nc,d\n");
        let open = || {
            StreamPages::from_reader(
                Box::new(io::Cursor::new(data.clone())),
                "t".into(),
                InputFormat::Csv,
                100,
            )
            .unwrap()
        };

        let mut r = open();
        let mut seen = Vec::new();
        let mut out = Vec::new();
        while let Some(p) = r
            .cut_page(Vec::new(), &mut |loc, e, sample| {
                seen.push((loc.line, e.reason, sample.len()));
                Ok(())
            })
            .unwrap()
        {
            // Offsets stay those of the input, past the dropped record too.
            let at = p.start.offset as usize;
            assert_eq!(&data[at..at + p.bytes.len()], &p.bytes[..]);
            out.push((p.start.first_line(), String::from_utf8(p.bytes).unwrap()));
        }
        assert_eq!(seen, vec![(3, "too_large", 1024)]);
        let lines: Vec<_> = out
            .iter()
            .flat_map(|(first, text)| {
                text.lines()
                    .enumerate()
                    .map(move |(i, l)| (first + i as u64, l.to_string()))
            })
            .collect();
        assert_eq!(lines, vec![(2, "a,b".to_string()), (4, "c,d".to_string())]);

        let mut r = open();
        let mut result = Ok(None);
        for _ in 0..10 {
            result = r.cut_page(Vec::new(), &mut |location, error, _| {
                Err(Error::Record { location, error })
            });
            if result.is_err() {
                break;
            }
        }
        let err = result
            .err()
            .expect("oversized record is fatal by default")
            .to_string();
        assert!(err.starts_with("t:3: record is longer than"), "{err}");
    }

    #[test]
    fn missing_column_and_empty_input_are_header_errors() {
        let e = StreamPages::from_reader(
            Box::new(io::Cursor::new(b"".to_vec())),
            "t".into(),
            InputFormat::Csv,
            4,
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = StreamPages::from_reader(
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
