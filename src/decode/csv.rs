//! Splitting a page of canonical CSV into records and fields.
//!
//! Most dump rows contain no quote at all, so the common path finds line ends and
//! commas in one pass over 64-byte blocks (SIMD compares turned into bit masks, each
//! block classified once and its bits consumed record after record), and never
//! copies a byte. A row with a quote (or a stray carriage return) goes
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

/// The last index of [`Fields::bounds`]: one less than a power of two above
/// [`MAX_FIELDS`], so an index is masked rather than compared.
const FIELD_SLOTS: usize = (2 * MAX_FIELDS).next_power_of_two() - 1;

/// Field boundaries of the current record, in one fixed array: `bounds[i]` is where
/// field `i` starts and `bounds[i + 1] - 1` where it ends (at its separator). Storing
/// a boundary is one masked write, with no capacity check or growth on the hottest
/// loop of a scan. The array has room for more than [`MAX_FIELDS`] fields, and a
/// longer record wraps around it: such a record is refused by its field count, so
/// its fields are never read.
struct Fields {
    bounds: [u32; FIELD_SLOTS + 1],
    n: usize,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            bounds: [0; FIELD_SLOTS + 1],
            n: 0,
        }
    }
}

impl Fields {
    /// Starts a record whose first field starts at `start`.
    #[inline(always)]
    fn clear(&mut self, start: usize) {
        self.n = 0;
        self.bounds[0] = start as u32;
    }
    /// Ends the current field at `end`, where its separator is.
    #[inline(always)]
    fn push_end(&mut self, end: usize) {
        self.n += 1;
        self.bounds[self.n & FIELD_SLOTS] = end as u32 + 1;
    }
    /// Moves the last field's end back to `end` (before a CRLF's CR).
    fn trim_last(&mut self, end: usize) {
        if (1..=MAX_FIELDS).contains(&self.n) {
            self.bounds[self.n] = end as u32 + 1;
        }
    }
    fn len(&self) -> usize {
        self.n
    }
    #[inline(always)]
    fn get(&self, i: usize) -> Range<usize> {
        self.bounds[i] as usize..self.bounds[i + 1] as usize - 1
    }
}

/// Bit masks of the page bytes a 64-byte block holds (bit `k` stands for byte
/// `at + k`): the separators, the line ends, and the bytes that send a line to the
/// strict splitter (a quote or a carriage return). A record consumes its bits, and the
/// next record goes on from the same block, so every byte is classified once.
#[derive(Clone, Copy, Debug, Default)]
struct Block {
    at: usize,
    commas: u64,
    newlines: u64,
    special: u64,
}

impl Block {
    /// Classifies `page[at..at + 64]`; bytes past the page's end count as none.
    #[inline(always)]
    fn classify(page: &[u8], at: usize) -> Block {
        let mut tail = [0u8; 64];
        let bytes: &[u8; 64] = match page.get(at..at + 64) {
            Some(b) => b.try_into().expect("64 bytes"),
            None => {
                let rest = &page[at.min(page.len())..];
                tail[..rest.len()].copy_from_slice(rest);
                &tail
            }
        };
        let (comma, newline, quote, cr) = (
            u8x16::splat(b','),
            u8x16::splat(b'\n'),
            u8x16::splat(b'"'),
            u8x16::splat(b'\r'),
        );
        let mut block = Block {
            at,
            ..Block::default()
        };
        for (k, chunk) in bytes.chunks_exact(16).enumerate() {
            let v = u8x16::new(chunk.try_into().expect("16 bytes"));
            let shift = 16 * k;
            block.commas |= (v.simd_eq(comma).to_bitmask() as u64) << shift;
            block.newlines |= (v.simd_eq(newline).to_bitmask() as u64) << shift;
            block.special |= ((v.simd_eq(quote) | v.simd_eq(cr)).to_bitmask() as u64) << shift;
        }
        block
    }
}

pub(crate) use crate::columns::ALL_COLUMNS;

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
    fn verdict(&mut self, page: &[u8]) -> Option<bool> {
        self.records.verdict(page, self.schema)
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
    /// The block the next line starts in, less the bits of the lines before it.
    block: Block,
    lines: u64,
    /// The filter judged on field texts, to reject most records without decoding.
    prefilter: Option<RawFilter>,
    /// Where the prefilter's columns are in the current page's rows, and whether
    /// all of them are.
    positions: Vec<usize>,
    bound: bool,
}

impl CsvRecords {
    pub(crate) fn new() -> Self {
        CsvRecords {
            fields: Fields::default(),
            unescaped: Vec::with_capacity(4096),
            in_page: true,
            flaw: None,
            pos: 0,
            block: Block::default(),
            lines: 0,
            prefilter: None,
            positions: Vec::new(),
            bound: false,
        }
    }

    /// Reusable state whose records the filter may reject on their text alone (see
    /// [`CsvRecords::verdict`]). Only for a filter that decides alone which records
    /// are kept, when only the columns it reads are checked for rejected records.
    pub(crate) fn with_prefilter(prefilter: Option<RawFilter>) -> Self {
        CsvRecords {
            prefilter,
            ..CsvRecords::new()
        }
    }

    /// The prefilter's verdict on the current record, judged on its field texts
    /// when its shape is sound and every field the filter reads decodes (so
    /// decoding them would have reported nothing either). A record with quotes is
    /// left to the decoder.
    #[inline]
    pub(crate) fn verdict(&self, page: &[u8], schema: &Schema) -> Option<bool> {
        let prefilter = self.prefilter.as_ref()?;
        if !self.bound || !self.in_page || self.flaw.is_some() || self.fields.len() != schema.width
        {
            return None;
        }
        prefilter.verdict_at(|i| &page[self.fields.get(self.positions[i])])
    }

    /// Starts reading a new page laid out by `schema`.
    pub(crate) fn reset(&mut self, schema: &Schema) {
        self.pos = 0;
        self.lines = 0;
        // Where the prefilter's columns are in this input's rows, if all are there.
        self.positions.clear();
        self.bound = false;
        if let Some(prefilter) = &self.prefilter {
            let positions = prefilter.columns().iter().map(|&c| schema.position[c]);
            self.bound = positions.clone().all(|p| p.is_some());
            self.positions.extend(positions.flatten());
        }
    }

    /// Advances to the next non-empty record of `page`, or returns `None` at its end.
    pub(crate) fn next(&mut self, page: &[u8]) -> Option<RawSpan> {
        if self.pos == 0 && self.lines == 0 {
            self.block = Block::classify(page, 0);
        }
        while self.pos < page.len() {
            let start = self.pos;
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
    /// line strictly. The line goes on from the block the previous one ended in.
    #[inline]
    fn split_line(&mut self, page: &[u8], start: usize) -> (Option<usize>, bool) {
        // Locals, so the loop keeps them in registers rather than in `self`.
        let mut block = self.block;
        let bounds = &mut self.fields.bounds;
        bounds[0] = start as u32;
        let mut n = 0;
        let mut special = 0;
        loop {
            // The lowest newline bit, and the bits before it (all, without one).
            let first_newline = block.newlines & block.newlines.wrapping_neg();
            let before = first_newline.wrapping_sub(1);
            special |= block.special & before;
            let mut commas = block.commas & before;
            while commas != 0 {
                n += 1;
                bounds[n & FIELD_SLOTS] = (block.at + commas.trailing_zeros() as usize + 1) as u32;
                commas &= commas - 1;
            }
            if first_newline != 0 {
                let at = block.at + first_newline.trailing_zeros() as usize;
                n += 1;
                bounds[n & FIELD_SLOTS] = at as u32 + 1;
                // What is left of the block belongs to the lines after this one.
                let after = !(before | first_newline);
                block.commas &= after;
                block.newlines &= after;
                block.special &= after;
                self.block = block;
                self.fields.n = n;
                return (Some(at), special != 0);
            }
            let next = block.at + 64;
            if next >= page.len() {
                n += 1;
                bounds[n & FIELD_SLOTS] = page.len() as u32 + 1;
                self.block = Block {
                    at: next,
                    ..Block::default()
                };
                self.fields.n = n;
                return (None, special != 0);
            }
            block = Block::classify(page, next);
        }
    }

    /// Splits one line (without its terminator) by the quoting rules of this module,
    /// unescaping into `unescaped`, and keeps the first flaw; splitting stops there.
    /// Only this line is read, so a stray quote cannot run on into the next record.
    fn split_strict(&mut self, line: &[u8]) {
        self.fields.clear(0);
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
            self.fields.push_end(self.unescaped.len());
            // A separator after each field, as in the page, so the same boundaries
            // describe both.
            self.unescaped.push(b',');
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

    /// Each line of `page` split by the strict splitter alone (which any line may
    /// take): the fields, line offset and flaw the block splitter must agree with.
    fn strict_reference(page: &[u8]) -> Vec<(Vec<String>, u64, Flawed)> {
        let mut out = Vec::new();
        let mut r = CsvRecords::new();
        let mut offset = 0;
        let mut lines = page.split(|&b| b == b'\n').peekable();
        while let Some(mut line) = lines.next() {
            if lines.peek().is_none() && line.is_empty() {
                break;
            }
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            }
            if !line.is_empty() {
                r.flaw = None;
                r.split_strict(line);
                let n = r.fields.len();
                let fields = match r.flaw {
                    // Splitting stopped at the flaw: only the count is compared.
                    Some(_) => vec![n.to_string()],
                    None => (0..n)
                        .map(|i| String::from_utf8_lossy(r.field(page, i)).into_owned())
                        .collect(),
                };
                out.push((fields, offset, r.flaw));
            }
            offset += 1;
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(512))]
        #[test]
        fn the_block_splitter_agrees_with_the_strict_one(
            page in proptest::collection::vec(
                proptest::sample::select(&b"ab,,,\"\r\n\n"[..]), 0..400),
            wide in 0usize..80,
        ) {
            // Long runs of plain bytes move the fields across block edges.
            let mut page = page;
            page.splice(0..0, std::iter::repeat_n(b'x', wide));
            let mut r = CsvRecords::new();
            let mut got = Vec::new();
            while let Some(span) = r.next(&page) {
                let n = r.fields.len();
                let fields = match r.flaw {
                    Some(_) => vec![n.to_string()],
                    None => (0..n)
                        .map(|i| String::from_utf8_lossy(r.field(&page, i)).into_owned())
                        .collect(),
                };
                got.push((fields, span.line_offset, r.flaw));
            }
            proptest::prop_assert_eq!(got, strict_reference(&page));
        }
    }

    #[test]
    fn last_line_without_newline() {
        let got = records(b"a,b\nc,d");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, vec!["c", "d"]);
    }
}
