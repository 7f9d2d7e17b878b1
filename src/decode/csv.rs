//! Splitting a page of canonical CSV into records and fields.
//!
//! Most dump rows contain no quote at all, so the common path splits a line with
//! `memchr` and never copies a byte; a row with a quote goes through `csv-core`'s DFA,
//! which unescapes into a side buffer. Both paths feed the same field decoder.

use std::ops::Range;

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

/// Reusable per-worker state for reading CSV pages.
pub(crate) struct CsvRecords {
    core: csv_core::Reader,
    /// Field ranges into either the page (fast path) or `unescaped`.
    fields: Vec<Range<usize>>,
    unescaped: Vec<u8>,
    ends: Vec<usize>,
    in_page: bool,
    pos: usize,
    lines: u64,
}

impl CsvRecords {
    pub(crate) fn new() -> Self {
        CsvRecords {
            core: csv_core::Reader::new(),
            fields: Vec::with_capacity(32),
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
            let nl = memchr::memchr(b'\n', &page[start..]);
            let mut end = nl.map_or(page.len(), |i| start + i);
            self.pos = nl.map_or(page.len(), |i| start + i + 1);
            let line_offset = self.lines;
            self.lines += nl.is_some() as u64;
            if end > start && page[end - 1] == b'\r' {
                end -= 1;
            }
            let line = &page[start..end];
            if line.is_empty() {
                continue;
            }
            if memchr::memchr(b'"', line).is_some() {
                self.quoted(line);
            } else {
                self.fields.clear();
                let mut field_start = start;
                for comma in memchr::memchr_iter(b',', line) {
                    self.fields.push(field_start..start + comma);
                    field_start = start + comma + 1;
                }
                self.fields.push(field_start..end);
                self.in_page = true;
            }
            return Some(RawSpan {
                range: start..end,
                line_offset,
            });
        }
        None
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
            self.fields.push(prev..e);
            prev = e;
        }
        self.in_page = false;
    }

    /// The current record's field `i`.
    fn field<'a>(&'a self, page: &'a [u8], i: usize) -> &'a [u8] {
        let r = self.fields[i].clone();
        if self.in_page {
            &page[r]
        } else {
            &self.unescaped[r]
        }
    }

    /// Decodes the current record into `flight` (cleared first).
    pub(crate) fn decode(
        &self,
        page: &[u8],
        schema: &Schema,
        flight: &mut Flight,
    ) -> Result<(), RecordError> {
        if self.fields.len() != schema.width {
            return Err(RecordError::record(
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
            ));
        }
        flight.clear();
        for (column, position) in schema.position.iter().enumerate() {
            if let Some(p) = *position {
                decode_field(flight, column, self.field(page, p))?;
            }
        }
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
            let fields = (0..r.fields.len())
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
