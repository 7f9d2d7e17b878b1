//! Splitting a page of canonical CSV into records and fields.
//!
//! Most dump rows contain no quote at all, so the common path finds line ends and
//! commas in one pass, sixteen bytes at a time (SIMD compares turned into bit masks),
//! and never copies a byte. A row with a quote (or a stray carriage return) goes
//! through a strict splitter that unescapes into a side buffer and records what is
//! wrong with the row's quoting. Both paths feed the same field decoder.
//!
//! Quoting follows RFC 4180 within one line, and agrees with what DuckDB reads from
//! the same bytes (`flightsift sql`): a field that starts with a quote ends at the next
//! lone quote, which a comma or the end of the line must follow; `""` inside it is
//! one quote; a quote anywhere else is an ordinary character. A carriage return may
//! only end a line (just before its newline): elsewhere other readers end the record
//! there, so it is refused, in any column.

use std::ops::Range;

use wide::u8x16;

use super::{check_consistency, decode_field, Schema};
use crate::error::RecordError;
use crate::filter::RawFilter;
use crate::record::Flight;

/// One record as it appeared in the page.
#[derive(Clone, Debug)]
pub(crate) struct RawSpan {
    /// Byte range of the record in the page, without its line terminator.
    pub range: Range<usize>,
    /// Newlines before the record's first byte, counted from the page start.
    pub line_offset: u64,
}

/// Fields a record may have before the rest are only counted (for the error); a
/// header may not be wider (see [`Schema::from_header`]).
const MAX_FIELDS: usize = super::MAX_COLUMNS;

/// Field boundaries of the current record, in fixed arrays: storing one is two
/// writes, with no capacity check or growth on the hottest loop of a scan.
struct Fields {
    starts: [u32; MAX_FIELDS],
    ends: [u32; MAX_FIELDS],
    n: usize,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            starts: [0; MAX_FIELDS],
            ends: [0; MAX_FIELDS],
            n: 0,
        }
    }
}

impl Fields {
    #[inline(always)]
    fn clear(&mut self) {
        self.n = 0;
    }
    #[inline(always)]
    fn push(&mut self, start: usize, end: usize) {
        if self.n < MAX_FIELDS {
            self.starts[self.n] = start as u32;
            self.ends[self.n] = end as u32;
        }
        self.n += 1;
    }
    fn trim_last(&mut self, end: usize) {
        if let Some(last) = self.n.checked_sub(1).filter(|&i| i < MAX_FIELDS) {
            self.ends[last] = end as u32;
        }
    }
    fn len(&self) -> usize {
        self.n
    }
    #[inline(always)]
    fn get(&self, i: usize) -> Range<usize> {
        self.starts[i] as usize..self.ends[i] as usize
    }
}

/// Every canonical column.
pub(crate) const ALL_COLUMNS: u32 = (1 << crate::record::COLUMNS.len()) - 1;

/// What is wrong with a record's quoting or line breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flaw {
    /// A quoted field whose closing quote is missing.
    Unclosed,
    /// Something other than a comma right after a closing quote.
    AfterQuote,
    /// A carriage return that does not end the line.
    BareCr,
}

/// A CSV page's records, through the worker's reusable [`CsvRecords`].
pub(crate) struct CsvCursor<'a> {
    pub records: &'a mut CsvRecords,
    pub schema: &'a Schema,
}

impl super::Cursor for CsvCursor<'_> {
    #[inline]
    fn next_record(&mut self, page: &[u8]) -> Option<(Range<usize>, u64)> {
        self.records
            .next(page)
            .map(|span| (span.range, span.line_offset))
    }
    #[inline]
    fn first(&mut self, page: &[u8], mask: u32, flight: &mut Flight) -> Result<(), RecordError> {
        self.records.check_width(self.schema)?;
        self.records.decode_columns(page, self.schema, mask, flight)
    }
    #[inline]
    fn rest(&mut self, page: &[u8], mask: u32, flight: &mut Flight) -> Result<(), RecordError> {
        self.records.decode_columns(page, self.schema, mask, flight)
    }
    #[inline]
    fn canonical(&self) -> bool {
        self.schema.canonical
    }
    #[inline]
    fn rejects(&mut self, page: &[u8]) -> bool {
        self.records.rejects(page, self.schema)
    }
}

/// Reusable per-worker state for reading CSV pages.
pub(crate) struct CsvRecords {
    /// Field ranges into either the page (fast path) or `unescaped`.
    fields: Fields,
    unescaped: Vec<u8>,
    in_page: bool,
    /// The current record's first flaw, and the index of the field that has it.
    flaw: Option<(usize, Flaw)>,
    pos: usize,
    lines: u64,
    /// The filter judged on field texts, to reject most records without decoding.
    prefilter: Option<RawFilter>,
}

impl CsvRecords {
    pub(crate) fn new() -> Self {
        CsvRecords {
            fields: Fields::default(),
            unescaped: Vec::with_capacity(4096),
            in_page: true,
            flaw: None,
            pos: 0,
            lines: 0,
            prefilter: None,
        }
    }

    /// Reusable state whose records the filter may reject on their text alone (see
    /// [`CsvRecords::rejects`]). Only for a filter that decides alone which records
    /// are kept, when only the columns it reads are checked for rejected records.
    pub(crate) fn with_prefilter(prefilter: Option<RawFilter>) -> Self {
        CsvRecords {
            prefilter,
            ..CsvRecords::new()
        }
    }

    /// Whether the current record certainly fails the prefilter, judged on its
    /// field texts: its shape is sound and every field the filter reads decodes (so
    /// decoding it would have reported nothing either).
    #[inline]
    pub(crate) fn rejects(&self, page: &[u8], schema: &Schema) -> bool {
        let Some(prefilter) = &self.prefilter else {
            return false;
        };
        if self.check_width(schema).is_err() {
            return false;
        }
        prefilter.rejects(|column| schema.position[column].map(|p| self.field(page, p)))
    }

    /// Starts reading a new page.
    pub(crate) fn reset(&mut self) {
        self.pos = 0;
        self.lines = 0;
    }

    /// Advances to the next non-empty record of `page`, or returns `None` at its end.
    pub(crate) fn next(&mut self, page: &[u8]) -> Option<RawSpan> {
        while self.pos < page.len() {
            let start = self.pos;
            self.fields.clear();
            let (nl, special) = self.split_line(page, start);
            let mut end = nl.unwrap_or(page.len());
            self.pos = nl.map_or(page.len(), |i| i + 1);
            let line_offset = self.lines;
            self.lines += nl.is_some() as u64;
            if end > start && page[end - 1] == b'\r' {
                end -= 1;
                self.fields.trim_last(end);
            }
            let line = &page[start..end];
            if line.is_empty() {
                continue;
            }
            // `end` excludes a CRLF's CR: any CR before it is a bare one. The scan
            // only said that a quote or a CR is somewhere in the line; which, and
            // whether the CR is more than the terminator's, is settled here, rarely.
            self.flaw = None;
            if special && memchr::memchr2(b'"', b'\r', line).is_some() {
                self.split_strict(line);
            } else {
                self.in_page = true;
            }
            return Some(RawSpan {
                range: start..end,
                line_offset,
            });
        }
        None
    }

    /// Records the comma-separated field ranges of the line starting at `start` and
    /// returns where its newline is (if any) and whether the line holds a quote or a
    /// carriage return (one test per block for both, since either is rare). With a
    /// quote or a bare CR the ranges are meaningless and the caller re-splits the
    /// line strictly.
    #[inline]
    fn split_line(&mut self, page: &[u8], start: usize) -> (Option<usize>, bool) {
        let (comma, newline, quote, cr) = (
            u8x16::splat(b','),
            u8x16::splat(b'\n'),
            u8x16::splat(b'"'),
            u8x16::splat(b'\r'),
        );
        let mut field_start = start;
        let mut i = start;
        let mut special = 0u32;
        while i + 16 <= page.len() {
            let chunk = u8x16::new(page[i..i + 16].try_into().expect("16 bytes"));
            let newlines = chunk.simd_eq(newline).to_bitmask();
            // Only bytes before the first newline belong to this line.
            let before = if newlines == 0 {
                u32::MAX
            } else {
                (newlines & newlines.wrapping_neg()) - 1
            };
            special |= (chunk.simd_eq(quote) | chunk.simd_eq(cr)).to_bitmask() & before;
            let mut commas = chunk.simd_eq(comma).to_bitmask() & before;
            while commas != 0 {
                let at = i + commas.trailing_zeros() as usize;
                self.fields.push(field_start, at);
                field_start = at + 1;
                commas &= commas - 1;
            }
            if newlines != 0 {
                let at = i + newlines.trailing_zeros() as usize;
                self.fields.push(field_start, at);
                return (Some(at), special != 0);
            }
            i += 16;
        }
        while i < page.len() {
            match page[i] {
                b',' => {
                    self.fields.push(field_start, i);
                    field_start = i + 1;
                }
                b'\n' => {
                    self.fields.push(field_start, i);
                    return (Some(i), special != 0);
                }
                b'"' | b'\r' => special = 1,
                _ => {}
            }
            i += 1;
        }
        self.fields.push(field_start, page.len());
        (None, special != 0)
    }

    /// Splits one line (without its terminator) by the quoting rules of this module,
    /// unescaping into `unescaped`, and keeps the first flaw; splitting stops there.
    /// Only this line is read, so a stray quote cannot run on into the next record.
    fn split_strict(&mut self, line: &[u8]) {
        self.fields.clear();
        self.unescaped.clear();
        self.in_page = false;
        let mut i = 0;
        loop {
            let start = self.unescaped.len();
            let mut flaw = None;
            if line.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    let Some(k) = memchr::memchr(b'"', &line[i..]) else {
                        self.unescaped.extend_from_slice(&line[i..]);
                        i = line.len();
                        flaw = Some(Flaw::Unclosed);
                        break;
                    };
                    self.unescaped.extend_from_slice(&line[i..i + k]);
                    i += k + 1;
                    if line.get(i) != Some(&b'"') {
                        break;
                    }
                    self.unescaped.push(b'"');
                    i += 1;
                }
                if flaw.is_none() && !matches!(line.get(i), None | Some(b',')) {
                    flaw = Some(Flaw::AfterQuote);
                }
            } else {
                let end = memchr::memchr(b',', &line[i..]).map_or(line.len(), |k| i + k);
                self.unescaped.extend_from_slice(&line[i..end]);
                i = end;
            }
            if flaw.is_none() && memchr::memchr(b'\r', &self.unescaped[start..]).is_some() {
                flaw = Some(Flaw::BareCr);
            }
            self.fields.push(start, self.unescaped.len());
            if let Some(flaw) = flaw {
                self.flaw = Some((self.fields.len() - 1, flaw));
                return;
            }
            if i >= line.len() {
                return;
            }
            i += 1; // the comma
        }
    }

    /// The current record's field `i`.
    fn field<'a>(&'a self, page: &'a [u8], i: usize) -> &'a [u8] {
        let r = self.fields.get(i);
        if self.in_page {
            &page[r]
        } else {
            &self.unescaped[r]
        }
    }

    /// Checks the current record's shape: its quoting and line breaks (every record,
    /// whatever the filter reads: they decide where fields and records end), then its
    /// field count against the schema.
    pub(crate) fn check_width(&self, schema: &Schema) -> Result<(), RecordError> {
        if let Some((index, flaw)) = self.flaw {
            let (reason, message) = match flaw {
                Flaw::Unclosed => (
                    "quote",
                    "unclosed quote: a quoted field must end with a quote on the same line (a record is one line)",
                ),
                Flaw::AfterQuote => (
                    "quote",
                    "text after the closing quote: a quoted field ends at its closing quote, before a comma or the end of the line (a quote inside a quoted field is written `\"\"`)",
                ),
                Flaw::BareCr => (
                    "control",
                    "carriage return (CR) inside the field: a record is one line, and a CR may only come right before the newline that ends it",
                ),
            };
            return Err(schema.field_error(index, reason, message));
        }
        if self.fields.len() == schema.width {
            return Ok(());
        }
        Err(RecordError::record(
            "field_count",
            format!(
                "expected {} fields (as in the header), found {}",
                schema.width,
                self.fields.len(),
            ),
        ))
    }

    /// Decodes the canonical columns in `columns` (a bit mask) of the current record
    /// into `flight`. The caller clears the flight and checks the width first.
    #[inline]
    pub(crate) fn decode_columns(
        &self,
        page: &[u8],
        schema: &Schema,
        columns: u32,
        flight: &mut Flight,
    ) -> Result<(), RecordError> {
        for column in super::each_column(columns) {
            if let Some(p) = schema.position[column] {
                decode_field(flight, column, self.field(page, p))?;
            }
        }
        Ok(())
    }

    /// Decodes and checks the whole current record into `flight` (cleared first).
    pub(crate) fn decode(
        &self,
        page: &[u8],
        schema: &Schema,
        flight: &mut Flight,
    ) -> Result<(), RecordError> {
        self.check_width(schema)?;
        flight.clear();
        self.decode_columns(page, schema, ALL_COLUMNS, flight)?;
        check_consistency(flight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(page: &[u8]) -> Vec<(Vec<String>, u64)> {
        let mut r = CsvRecords::new();
        let mut out = Vec::new();
        while let Some(span) = r.next(page) {
            let fields = (0..r.fields.len().min(MAX_FIELDS))
                .map(|i| String::from_utf8_lossy(r.field(page, i)).into_owned())
                .collect();
            out.push((fields, span.line_offset));
        }
        out
    }

    #[test]
    fn fast_and_quoted_paths_agree_with_the_csv_crate() {
        let page = b"a,b,c\r\n\n\"x,1\",\"he said \"\"hi\"\"\",z\nin\"side,\"\",3\nlast,,\n";
        let got = records(page);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&page[..]);
        let want: Vec<Vec<String>> = rdr
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(got.iter().map(|g| g.0.clone()).collect::<Vec<_>>(), want);
        assert_eq!(
            got.iter().map(|g| g.1).collect::<Vec<_>>(),
            vec![0, 2, 3, 4]
        );
    }

    #[test]
    fn splitting_agrees_with_the_csv_crate_at_every_alignment() {
        for pad in 0..17 {
            let text = format!(
                "{}a,bb,,ccc,{}\r\n\nx\n,\n\"q,\"\"\",z\nlast,one",
                "p".repeat(pad),
                "d".repeat(pad * 3)
            );
            let got: Vec<Vec<String>> = records(text.as_bytes()).into_iter().map(|r| r.0).collect();
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let want: Vec<Vec<String>> = rdr
                .records()
                .map(|r| r.unwrap().iter().map(String::from).collect())
                .collect();
            assert_eq!(got, want, "pad {pad}");
        }
    }

    #[test]
    fn an_unbalanced_quote_spoils_only_its_line() {
        let got = records(b"a,\"b,c\nd,e,f\n");
        assert_eq!(got[0].0, vec!["a", "b,c"]);
        assert_eq!(got[1].0, vec!["d", "e", "f"]);
        assert_eq!(
            flaws(b"a,\"b,c\nd,e,f\n"),
            vec![Some((1, Flaw::Unclosed)), None]
        );
    }

    /// A record's flaw and the index of its field, if any.
    type Flawed = Option<(usize, Flaw)>;

    /// The flaw of each record of `page`.
    fn flaws(page: &[u8]) -> Vec<Flawed> {
        let mut r = CsvRecords::new();
        let mut out = Vec::new();
        while r.next(page).is_some() {
            out.push(r.flaw);
        }
        out
    }

    #[test]
    fn quoting_flaws_and_bare_carriage_returns_are_found_on_either_path() {
        let cases: &[(&[u8], Flawed)] = &[
            (b"a,b,\"c", Some((2, Flaw::Unclosed))),
            (b"a,b,\"", Some((2, Flaw::Unclosed))),
            (b"a,\",c", Some((1, Flaw::Unclosed))),
            (b"a,\"b\"\"\",c", None),
            (b"a,\"b\"c,d", Some((1, Flaw::AfterQuote))),
            (b"\"a\" ,b", Some((0, Flaw::AfterQuote))),
            (b"a,b\"c,d", None),
            (b"a,b\rc,d", Some((1, Flaw::BareCr))),
            (b"a,\"b\rc\",d", Some((1, Flaw::BareCr))),
            (b"\ra,b", Some((0, Flaw::BareCr))),
            (b"a,b\r", None),
            (b"a,\"b\"\r", None),
            (b"a,b\r\r", Some((1, Flaw::BareCr))),
        ];
        for &(line, want) in cases {
            // Short and long lines (the byte loop and the SIMD loop: a long first
            // field shifts the others by one), with and without a newline after them.
            for pad in [0, 40] {
                let (long, want) = if pad == 0 {
                    (line.to_vec(), want)
                } else {
                    let first = [&b"x".repeat(pad)[..], b","].concat();
                    ([&first[..], line].concat(), want.map(|(i, f)| (i + 1, f)))
                };
                for end in [&b""[..], b"\n"] {
                    let page = [&long[..], end].concat();
                    let got = flaws(&page);
                    assert_eq!(got, vec![want], "{:?}", String::from_utf8_lossy(&page));
                }
            }
        }
    }

    #[test]
    fn last_line_without_newline() {
        let got = records(b"a,b\nc,d");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, vec!["c", "d"]);
    }
}
