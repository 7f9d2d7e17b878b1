//! Pages from byte ranges of a seekable file, each read on its own.
//!
//! A regular, uncompressed file of canonical CSV or NDJSON need not be read from
//! start to end by one reader: its body is planned as ranges of about N bytes
//! ([`FileRanges::plan`]), and each range is read alone ([`FileRanges::read_range`]),
//! with positioned reads. A range's page holds the records that *start* in it, whole:
//! it skips to the first line start at or after its first byte and reads on past its
//! last byte to the end of the line there. So the pages of all the ranges hold every
//! record exactly once, whatever the range size, and any range can be read by anyone
//! in any order: what lets workers read their own ranges.
//!
//! A range's first line is not known without counting every line before it, so it is
//! not counted: a page carries its offset and the file's [`LineCounter`], and only an
//! error's location asks for a line.
//!
//! The row groups of a columnar file are the same idea with the boundaries written in
//! the file's footer instead of found at line ends.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;

use super::page_source::{LineCounter, Next, OnOversized, PageSource, PageStart};
use super::{Input, Page, SourceInfo, StreamPages, MAX_RECORD_BYTES};
use crate::decode::{scanner::Layout, UTF8_BOM};
use crate::error::{Error, Location, RecordError, Result};

/// Bytes read at a time past a range's end, looking for the end of its last line.
const TAIL_CHUNK: usize = 64 * 1024;

/// Bytes of an oversized record shown to its handler.
const SAMPLE_BYTES: usize = 1024;

/// The byte ranges of one seekable file, and the reader of each.
pub(crate) struct FileRanges {
    file: File,
    info: Arc<SourceInfo>,
    /// Where the records are: past a CSV header or a byte-order mark, to the end.
    body: Range<u64>,
    /// Bytes per range, before snapping to line starts.
    range_bytes: u64,
    /// Where the next range of [`PageSource::next_page`] starts.
    next: u64,
    lines: Arc<LineCounter>,
    bytes_read: u64,
}

impl FileRanges {
    /// The ranges of `input`, about `range_bytes` each, when it is a regular
    /// uncompressed file of canonical CSV or NDJSON (its format and header are read
    /// as a stream reads them); `None` for anything else (standard input, a reader,
    /// a compressed file, provider responses), which only a stream can read.
    pub(crate) fn open(input: &Input, range_bytes: u64) -> Result<Option<FileRanges>> {
        let Some(path) = input.path.as_ref().filter(|p| p.as_os_str() != "-") else {
            return Ok(None);
        };
        let name = input.name();
        let is_file = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        if input.reader.is_some() || !is_file {
            return Ok(None);
        }
        let head = StreamPages::open(input, 1)?;
        if head.compression().is_some() || matches!(head.info().layout, Layout::Responses(_)) {
            return Ok(None);
        }
        let mut file = File::open(path).map_err(|e| Error::io(&name, e))?;
        let end = file
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(&name, e))?;
        let mut start = head.offset();
        if start == 0 {
            // JSON has no header: a byte-order mark is dropped here.
            let mut bom = [0u8; 3];
            file.seek(SeekFrom::Start(0))
                .map_err(|e| Error::io(&name, e))?;
            let n = read_full(&mut file, &mut bom).map_err(|e| Error::io(&name, e))?;
            if bom[..n] == *UTF8_BOM {
                start = UTF8_BOM.len() as u64;
            }
        }
        Ok(Some(FileRanges {
            file,
            info: head.info().clone(),
            body: start..end.max(start),
            // A record wholly inside a range is then never over the cap.
            range_bytes: range_bytes.clamp(1, MAX_RECORD_BYTES as u64),
            next: start,
            lines: Arc::new(LineCounter::new(path.clone())),
            bytes_read: head.bytes_read(),
        }))
    }

    /// The ranges covering the records, in file order: each is a unit of work that
    /// [`FileRanges::read_range`] reads alone.
    pub(crate) fn plan(&self) -> impl Iterator<Item = Range<u64>> {
        let (body, step) = (self.body.clone(), self.range_bytes);
        (body.start..body.end)
            .step_by(step as usize)
            .map(move |a| a..(a + step).min(body.end))
    }

    /// The records that start in `range` (one of [`FileRanges::plan`]'s), whole, as a
    /// page reusing `spare`; `None` when no record starts there (a range inside a
    /// long line). A record longer than the cap that starts there goes to
    /// `on_oversized` and is left out.
    pub(crate) fn read_range(
        &mut self,
        range: Range<u64>,
        spare: Vec<u8>,
        on_oversized: &mut OnOversized<'_>,
    ) -> Result<Option<Page>> {
        let (a, b) = (
            range.start.max(self.body.start),
            range.end.min(self.body.end),
        );
        if a >= b {
            return Ok(None);
        }
        let mut buf = spare;
        // The first record starting at or after `a`: `a` itself if a line ends
        // just before it.
        let start = if a == self.body.start {
            a
        } else {
            self.read_at(a - 1, (b - a + 1) as usize, &mut buf)?;
            match memchr::memchr(b'\n', &buf) {
                Some(i) => a + i as u64,
                None => return Ok(None),
            }
        };
        if start >= b {
            return Ok(None);
        }
        self.read_at(start, (b - start) as usize, &mut buf)?;
        if b < self.body.end && buf.last() != Some(&b'\n') {
            // The last record goes on past the range: read to its end.
            let last = memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
            let oversized = loop {
                if buf.len() - last > MAX_RECORD_BYTES + 1 {
                    break true;
                }
                let at = start + buf.len() as u64;
                let before = buf.len();
                let got = self.append_at(at, TAIL_CHUNK, &mut buf)?;
                if let Some(i) = memchr::memchr(b'\n', &buf[before..]) {
                    buf.truncate(before + i + 1);
                    break buf.len() - last > MAX_RECORD_BYTES + 1;
                }
                if got == 0 {
                    break buf.len() - last > MAX_RECORD_BYTES;
                }
            };
            if oversized {
                let sample = &buf[last..(last + SAMPLE_BYTES).min(buf.len())];
                let error = RecordError::record(
                    "too_large",
                    format!("record is longer than {MAX_RECORD_BYTES} bytes"),
                );
                let location = Location {
                    input: self.info.name.clone(),
                    line: self.lines.line_at(start + last as u64),
                };
                on_oversized(location, error, sample)?;
                buf.truncate(last);
                if buf.is_empty() {
                    return Ok(None);
                }
            }
        }
        Ok(Some(Page {
            seq: 0,
            source: self.info.clone(),
            start: PageStart::counted(start, self.lines.clone()),
            bytes: buf,
        }))
    }

    /// Reads `len` bytes at `offset` into `buf` (replacing what it held), fewer only
    /// at the end of the file.
    fn read_at(&mut self, offset: u64, len: usize, buf: &mut Vec<u8>) -> Result<()> {
        buf.clear();
        self.append_at(offset, len, buf).map(|_| ())
    }

    /// Reads up to `len` bytes at `offset` onto the end of `buf`; how many.
    fn append_at(&mut self, offset: u64, len: usize, buf: &mut Vec<u8>) -> Result<usize> {
        let name = &self.info.name;
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io(name, e))?;
        let old = buf.len();
        buf.resize(old + len, 0);
        let got = read_full(&mut self.file, &mut buf[old..]).map_err(|e| Error::io(name, e))?;
        buf.truncate(old + got);
        self.bytes_read += got as u64;
        Ok(got)
    }
}

/// Reads until `buf` is full or the file ends; how many bytes.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The ranges in file order, as one source (what a single reader would do with the
/// plan; workers reading their own ranges call [`FileRanges::read_range`]).
impl PageSource for FileRanges {
    fn info(&self) -> &Arc<SourceInfo> {
        &self.info
    }

    fn next_page(&mut self, spare: Vec<u8>, on_oversized: &mut OnOversized<'_>) -> Result<Next> {
        let mut spare = spare;
        while self.next < self.body.end {
            let range = self.next..(self.next + self.range_bytes).min(self.body.end);
            self.next = range.end;
            match self.read_range(range, std::mem::take(&mut spare), on_oversized)? {
                Some(page) => return Ok(Next::Page(page)),
                None => continue,
            }
        }
        Ok(Next::End)
    }

    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    fn line(&mut self) -> u64 {
        self.lines.line_at(self.next)
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::decode::scanner::{Decoding, PageScanner, RecordSink};
    use crate::decode::InputFormat;
    use crate::filter::Filter;
    use crate::record::{Flight, CSV_HEADER};

    /// A file of `lines` (with a header first, when given), the last one with or
    /// without its newline.
    fn file_of(
        header: Option<&str>,
        lines: &[String],
        newline_at_end: bool,
    ) -> (tempfile::TempDir, Input) {
        let mut text = header.unwrap_or_default().to_string();
        text.push_str(&lines.join("\n"));
        if newline_at_end {
            text.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump");
        std::fs::write(&path, text).unwrap();
        (dir, Input::from_path(path))
    }

    /// Every page of a source: (first line, text).
    fn all_pages(source: &mut impl PageSource) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        while let Next::Page(p) = source
            .next_page(Vec::new(), &mut |_, e, _| panic!("{e}"))
            .unwrap()
        {
            out.push((p.start.first_line(), String::from_utf8(p.bytes).unwrap()));
        }
        out
    }

    /// Each line of each page, with its line number: how errors would name it.
    fn numbered(pages: &[(u64, String)]) -> Vec<(u64, String)> {
        pages
            .iter()
            .flat_map(|(first, text)| {
                text.split_inclusive('\n')
                    .enumerate()
                    .map(move |(i, l)| (first + i as u64, l.to_string()))
            })
            .collect()
    }

    #[test]
    fn ranges_hold_every_record_once_where_a_stream_has_it_at_any_range_size() {
        let mut seed = 5u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..120 {
            let lines: Vec<String> = (0..next(60))
                .map(|i| match next(6) {
                    0 => String::new(), // a blank line
                    _ => format!("{i},{}", "x".repeat(next(90) as usize)),
                })
                .collect();
            let header = (round % 3 != 0).then_some(CSV_HEADER);
            let format = if header.is_some() {
                InputFormat::Csv
            } else {
                InputFormat::Ndjson
            };
            let (_dir, input) = file_of(header, &lines, round % 2 == 0);
            let input = input.with_format(format);
            let range_bytes = 1 + next(200);
            let mut ranges = FileRanges::open(&input, range_bytes).unwrap().unwrap();
            let got = all_pages(&mut ranges);
            let mut stream = StreamPages::open(&input, 1 + next(7) as usize).unwrap();
            let want = all_pages(&mut stream);
            let ctx = format!("round {round}, {range_bytes} bytes a range");
            assert!(got.iter().all(|(_, text)| !text.is_empty()), "{ctx}");
            assert_eq!(numbered(&got), numbered(&want), "{ctx}");
        }
    }

    #[test]
    fn a_range_is_read_alone_in_any_order() {
        let lines: Vec<String> = (0..200)
            .map(|i| format!("{i},{}", "y".repeat(i % 37)))
            .collect();
        let (_dir, input) = file_of(Some(CSV_HEADER), &lines, true);
        let mut ranges = FileRanges::open(&input, 97).unwrap().unwrap();
        let plan: Vec<Range<u64>> = ranges.plan().collect();
        let mut pages = Vec::new();
        for range in plan.iter().rev() {
            if let Some(p) = ranges
                .read_range(range.clone(), Vec::new(), &mut |_, e, _| panic!("{e}"))
                .unwrap()
            {
                pages.push((p.start.first_line(), String::from_utf8(p.bytes).unwrap()));
            }
        }
        pages.reverse();
        let want: Vec<(u64, String)> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u64 + 2, format!("{l}\n")))
            .collect();
        assert_eq!(numbered(&pages), want);
    }

    #[test]
    fn a_byte_order_mark_before_ndjson_is_not_a_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.ndjson");
        std::fs::write(&path, b"\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n").unwrap();
        let input = Input::from_path(&path).with_format(InputFormat::Ndjson);
        let mut ranges = FileRanges::open(&input, 4).unwrap().unwrap();
        assert_eq!(
            all_pages(&mut ranges),
            [
                (1, "{\"a\":1}\n".to_string()),
                (2, "{\"b\":2}\n".to_string())
            ]
        );
    }

    #[test]
    fn an_oversized_record_is_reported_once_at_its_line_and_left_out() {
        let long = "x".repeat(MAX_RECORD_BYTES + 5000);
        let lines = ["a,b".to_string(), long, "c,d".to_string()];
        let (_dir, input) = file_of(Some(CSV_HEADER), &lines, true);
        let mut ranges = FileRanges::open(&input, 300_000).unwrap().unwrap();
        let mut seen = Vec::new();
        let mut pages = Vec::new();
        while let Next::Page(p) = ranges
            .next_page(Vec::new(), &mut |loc, e, sample| {
                seen.push((loc.line, e.reason, sample.len()));
                Ok(())
            })
            .unwrap()
        {
            pages.push((p.start.first_line(), String::from_utf8(p.bytes).unwrap()));
        }
        assert_eq!(seen, [(3, "too_large", SAMPLE_BYTES)]);
        assert_eq!(
            numbered(&pages),
            [(2, "a,b\n".to_string()), (4, "c,d\n".to_string())]
        );
    }

    #[test]
    fn only_a_seekable_uncompressed_canonical_file_has_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("dump.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, CSV_HEADER.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        assert!(FileRanges::open(&Input::from_path(&gz), 100)
            .unwrap()
            .is_none());
        let reader = Input::from_reader(
            "r",
            InputFormat::Csv,
            Box::new(std::io::Cursor::new(CSV_HEADER.as_bytes().to_vec())),
        );
        assert!(FileRanges::open(&reader, 100).unwrap().is_none());
        assert!(FileRanges::open(&Input::from_path("-"), 100)
            .unwrap()
            .is_none());
        let responses = Input::from_path(&gz).with_format(InputFormat::Responses(None));
        assert!(FileRanges::open(&responses, 100).unwrap().is_none());
    }

    /// Collects what the scan loop hands over: kept offers, and bad records with
    /// their line, resolved as a worker resolves it.
    struct Collect<'p> {
        page: &'p Page,
        kept: Vec<String>,
        bad: Vec<(u64, &'static str)>,
    }

    impl RecordSink for Collect<'_> {
        type Break = ();
        fn go_on(&self) -> ControlFlow<()> {
            ControlFlow::Continue(())
        }
        fn judge(&mut self, flight: &Flight) -> bool {
            flight.stops <= 1
        }
        fn bad(&mut self, line_offset: u64, error: RecordError, _: &[u8]) -> ControlFlow<()> {
            self.bad.push((self.page.line(line_offset), error.reason));
            ControlFlow::Continue(())
        }
        fn keep(&mut self, f: &Flight, _: &[u8], _: bool, _: u32) -> ControlFlow<()> {
            self.kept.push(f.offer_id.clone());
            ControlFlow::Continue(())
        }
    }

    fn scan_all(source: &mut impl PageSource) -> (Vec<String>, Vec<(u64, &'static str)>) {
        let filter = Filter::all();
        let decoding = Decoding::new(&filter, true, None, false);
        let mut scanner = PageScanner::new(&decoding);
        let (mut kept, mut bad) = (Vec::new(), Vec::new());
        while let Next::Page(page) = source
            .next_page(Vec::new(), &mut |_, e, _| panic!("{e}"))
            .unwrap()
        {
            let mut sink = Collect {
                page: &page,
                kept: Vec::new(),
                bad: Vec::new(),
            };
            let _ = scanner.scan(&page.source.layout, &page.bytes, &mut sink);
            kept.extend(sink.kept);
            bad.extend(sink.bad);
        }
        (kept, bad)
    }

    #[test]
    fn a_scan_over_ranges_finds_and_locates_what_a_scan_over_the_stream_does() {
        let sample = std::fs::read_to_string("data/sample.csv").unwrap();
        let mut lines: Vec<String> = sample.lines().skip(1).take(400).map(String::from).collect();
        for at in [3, 150, 151, 399] {
            lines[at] = format!("sabre,broken-{at},JFK,LAX,yesterday");
        }
        let (_dir, input) = file_of(Some(CSV_HEADER), &lines, false);
        for range_bytes in [1, 500, 4096, 1 << 20] {
            let mut ranges = FileRanges::open(&input, range_bytes).unwrap().unwrap();
            let mut stream = StreamPages::open(&input, 64).unwrap();
            let (got, want) = (scan_all(&mut ranges), scan_all(&mut stream));
            assert!(got.0.len() > 100, "{}", got.0.len());
            assert_eq!(
                got.1.iter().map(|b| b.0).collect::<Vec<_>>(),
                [5, 152, 153, 401]
            );
            assert_eq!(got, want, "{range_bytes} bytes a range");
        }
    }
}
