//! Splitting a page of canonical CSV into records and fields.
//!
//! Most dump rows contain no quote at all, so the common path finds line ends and
//! commas in one pass, sixteen bytes at a time (SIMD compares turned into bit masks),
//! and never copies a byte. A row with a quote goes through `csv-core`'s DFA,
//! which unescapes into a side buffer. Both paths feed the same field decoder.

use std::ops::Range;

use wide::u8x16;

use super::{check_consistency, decode_field, Schema};
use crate::error::RecordError;
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

/// Reusable per-worker state for reading CSV pages.
pub(crate) struct CsvRecords {
    core: csv_core::Reader,
    /// Field ranges into either the page (fast path) or `unescaped`.
    fields: Fields,
    unescaped: Vec<u8>,
    ends: Vec<usize>,
    in_page: bool,
    pos: usize,
    lines: u64,
}

impl CsvRecords {
    pub(crate) fn new() -> Self {
        CsvRecords {
            // Only a newline ends a record: the page cut lines there, and a bare CR
            // inside a line must not silently end the record early.
            core: csv_core::ReaderBuilder::new()
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
            fields: Fields::default(),
            unescaped: vec![0; 4096],
            ends: vec![0; 64],
            in_page: true,
            pos: 0,
            lines: 0,
        }
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
            let (nl, quoted) = self.split_line(page, start);
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
            if quoted {
                self.quoted(line);
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
    /// returns where its newline is (if any) and whether it holds a quote (then the
    /// ranges are meaningless and the caller re-splits it properly).
    #[inline]
    fn split_line(&mut self, page: &[u8], start: usize) -> (Option<usize>, bool) {
        let (comma, newline, quote) = (u8x16::splat(b','), u8x16::splat(b'\n'), u8x16::splat(b'"'));
        let mut field_start = start;
        let mut i = start;
        let mut quoted = false;
        while i + 16 <= page.len() {
            let chunk = u8x16::new(page[i..i + 16].try_into().expect("16 bytes"));
            let newlines = chunk.simd_eq(newline).to_bitmask();
            // Only bytes before the first newline belong to this line.
            let before = if newlines == 0 {
                u32::MAX
            } else {
                (newlines & newlines.wrapping_neg()) - 1
            };
            quoted |= chunk.simd_eq(quote).to_bitmask() & before != 0;
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
                return (Some(at), quoted);
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
                    return (Some(i), quoted);
                }
                b'"' => quoted = true,
                _ => {}
            }
            i += 1;
        }
        self.fields.push(field_start, page.len());
        (None, quoted)
    }

    /// Splits one line that contains a quote with the csv-core DFA. The DFA sees only
    /// this line, so an unbalanced quote cannot run on into the next record.
    fn quoted(&mut self, line: &[u8]) {
        self.core.reset();
        let mut input = line;
        let mut out_len = 0;
        let mut n_ends = 0;
        loop {
            let (res, nin, nout, nend) = self.core.read_record(
                input,
                &mut self.unescaped[out_len..],
                &mut self.ends[n_ends..],
            );
            input = &input[nin..];
            out_len += nout;
            n_ends += nend;
            match res {
                // End of the line: an empty input tells the DFA to finish the record.
                csv_core::ReadRecordResult::InputEmpty => input = &[],
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.unescaped.len() * 2;
                    self.unescaped.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => break,
            }
        }
        self.fields.clear();
        let mut prev = 0;
        for &e in &self.ends[..n_ends] {
            self.fields.push(prev, e);
            prev = e;
        }
        self.in_page = false;
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

    /// Checks the current record's field count against the schema.
    pub(crate) fn check_width(&self, schema: &Schema) -> Result<(), RecordError> {
        if self.fields.len() == schema.width {
            return Ok(());
        }
        Err(RecordError::record(
            "field_count",
            format!(
                "expected {} fields (as in the header), found {}{}",
                schema.width,
                self.fields.len(),
                if self.in_page {
                    ""
                } else {
                    " (check for an unbalanced quote)"
                }
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
        let page = b"a,b,c\r\n\n\"x,1\",\"he said \"\"hi\"\"\",z\n\"quoted \r\",2,3\nlast,,\n";
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
    }

    #[test]
    fn last_line_without_newline() {
        let got = records(b"a,b\nc,d");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, vec!["c", "d"]);
    }
}
