//! One page's records, whatever its format: what a worker runs on every page.
//!
//! A [`PageScanner`] owns one worker's reusable state for every format (the CSV
//! splitter, the NDJSON member table, the provider-response decoder) and runs the
//! one scan loop over the page's [`Cursor`]: stop check, the text prefilter's
//! verdict, decode what the filter reads, judge, decode the rest only for a kept
//! record (so a selective scan skips most of the parsing), hand it over. Whatever
//! is kept is always fully decoded and checked.
//!
//! The loop knows decoding and nothing of the run: a [`RecordSink`] (the worker)
//! says whether to go on, judges a record, applies the error policy and keeps
//! matches. The loop is monomorphized per format and per sink, so nothing is
//! dispatched at run time per record; the format is matched once per page.

use std::ops::ControlFlow;

use super::csv::{CsvCursor, CsvRecords, ALL_COLUMNS};
use super::ndjson::{Members, NdjsonCursor};
use super::responses::{ResponseCursor, Responses};
use super::{check_consistency, col, Cursor, InputFormat, Schema};
use crate::currency::Converter;
use crate::error::RecordError;
use crate::filter::{Filter, RawFilter};
use crate::provider::Provider;
use crate::record::Flight;

/// How one input's records are laid out: its format, with what reading it needs
/// (a CSV input's columns, from its header).
#[derive(Clone, Debug)]
pub(crate) enum Layout {
    /// Canonical CSV, its columns as the header names them.
    Csv(Box<Schema>),
    /// One canonical JSON object per line.
    Ndjson,
    /// A provider's responses (`None`: each response tells its provider).
    Responses(Option<Provider>),
}

impl Layout {
    /// The format, as the caller named it.
    pub(crate) fn format(&self) -> InputFormat {
        match self {
            Layout::Csv(_) => InputFormat::Csv,
            Layout::Ndjson => InputFormat::Ndjson,
            Layout::Responses(p) => InputFormat::Responses(*p),
        }
    }
}

/// How a run decodes its records, decided once and shared by its workers.
#[derive(Clone)]
pub(crate) struct Decoding<'a> {
    /// Columns decoded before the filter runs (the others only for kept records).
    first_pass: u32,
    /// The columns the filter reads.
    filter_columns: u32,
    /// The filter judged on field texts, when that is exact.
    prefilter: Option<RawFilter>,
    /// Prices converted before the filter reads them.
    currency: Option<&'a Converter>,
}

impl<'a> Decoding<'a> {
    /// What decoding `filter`'s records takes: every column first with
    /// `validate_all`, else the filter's (and the price's, to convert it with
    /// `currency`). `filter_decides` says whether the filter alone keeps or drops a
    /// record (see [`crate::Collector::filter_decides`]).
    pub(crate) fn new(
        filter: &Filter,
        validate_all: bool,
        currency: Option<&'a Converter>,
        filter_decides: bool,
    ) -> Decoding<'a> {
        let first_pass = if validate_all {
            ALL_COLUMNS
        } else if currency.is_some() {
            // The filter must see converted prices.
            filter.columns() | 1 << col::PRICE | 1 << col::CURRENCY
        } else {
            filter.columns()
        };
        // CSV records and NDJSON lines the filter rejects on their text are not
        // decoded (exact: only when nothing but the filter's columns would be checked,
        // and the filter alone decides; not when prices are converted first, as the
        // text holds the unconverted amount).
        let prefilter = (!validate_all && currency.is_none() && filter_decides)
            .then(|| filter.raw())
            .flatten();
        Decoding {
            first_pass,
            filter_columns: filter.columns(),
            prefilter,
            currency,
        }
    }
}

/// Where the scan loop hands a page's records: the worker, which knows when the run
/// stops, what the filter keeps, the error policy and where matches go. Each method
/// may end the page early with a `Break`.
pub(crate) trait RecordSink {
    /// Why a page ended early.
    type Break;
    /// Asked before each record: whether the run goes on.
    fn go_on(&self) -> ControlFlow<Self::Break>;
    /// Whether a record, decoded as far as the first pass, is kept.
    fn judge(&mut self, flight: &Flight) -> bool;
    /// A malformed record, `line_offset` lines into the page: skip it or end.
    fn bad(&mut self, line_offset: u64, error: RecordError, raw: &[u8])
        -> ControlFlow<Self::Break>;
    /// A kept record, decoded in full and checked: `raw` is its text, a canonical
    /// CSV row to copy verbatim when `verbatim`; `index` its place in the page, from 1.
    fn keep(
        &mut self,
        flight: &Flight,
        raw: &[u8],
        verbatim: bool,
        index: u32,
    ) -> ControlFlow<Self::Break>;
}

/// What scanning one page did.
pub(crate) struct Scanned<B> {
    /// Records judged (kept or not; malformed ones are the sink's to count).
    pub records: u64,
    /// Provider offers whose stated duration disagrees with their clock times.
    pub mismatches: u64,
    /// `Continue` when the page was read to its end.
    pub end: ControlFlow<B>,
}

/// One worker's decoding state, reused from page to page (nothing is allocated per
/// record once it has grown).
pub(crate) struct PageScanner<'a> {
    csv: CsvRecords,
    ndjson: Members,
    responses: Responses,
    flight: Flight,
    first_pass: u32,
    currency: Option<&'a Converter>,
}

impl<'a> PageScanner<'a> {
    /// A worker's state for `decoding`.
    pub(crate) fn new(decoding: &Decoding<'a>) -> PageScanner<'a> {
        PageScanner {
            csv: CsvRecords::with_prefilter(decoding.prefilter.clone()),
            ndjson: Members::with_prefilter(decoding.prefilter.clone(), decoding.filter_columns),
            responses: Responses::default(),
            flight: Flight::default(),
            first_pass: decoding.first_pass,
            currency: decoding.currency,
        }
    }

    /// Scans `page`, laid out as `layout`, handing its records to `sink`. The
    /// format picks the cursor; the loop is the same.
    ///
    /// Inlined, so the loop is compiled with the worker's sink, as one piece.
    #[inline]
    pub(crate) fn scan<S: RecordSink>(
        &mut self,
        layout: &Layout,
        page: &[u8],
        sink: &mut S,
    ) -> Scanned<S::Break> {
        let mut scan = Loop {
            flight: &mut self.flight,
            first_pass: self.first_pass,
            currency: self.currency,
        };
        match layout {
            Layout::Csv(schema) => {
                self.csv.reset(schema);
                let mut cursor = CsvCursor {
                    records: &mut self.csv,
                    schema,
                };
                scan.run(&mut cursor, page, sink)
            }
            Layout::Ndjson => scan.run(&mut NdjsonCursor::new(&mut self.ndjson), page, sink),
            Layout::Responses(provider) => {
                let mut cursor = ResponseCursor::new(&mut self.responses, *provider);
                let mut scanned = scan.run(&mut cursor, page, sink);
                scanned.mismatches = cursor.mismatches;
                scanned
            }
        }
    }
}

/// The scan loop's own state: the reused flight and what to decode when.
struct Loop<'s, 'a> {
    flight: &'s mut Flight,
    first_pass: u32,
    currency: Option<&'a Converter>,
}

impl Loop<'_, '_> {
    /// The scan loop, once for every format.
    #[inline]
    fn run<K: Cursor, S: RecordSink>(
        &mut self,
        cursor: &mut K,
        bytes: &[u8],
        sink: &mut S,
    ) -> Scanned<S::Break> {
        let mut scanned = Scanned {
            records: 0,
            mismatches: 0,
            end: ControlFlow::Continue(()),
        };
        let mut index = 0u32;
        while let Some((range, line_offset)) = cursor.next_record(bytes) {
            if let ControlFlow::Break(b) = sink.go_on() {
                scanned.end = ControlFlow::Break(b);
                return scanned;
            }
            index += 1;
            // Judged on its text: a record that fails is never decoded, one that
            // passes is not judged again (the prefilter exists only when the filter
            // alone decides).
            let verdict = cursor.verdict(bytes);
            if verdict == Some(false) {
                scanned.records += 1;
                continue;
            }
            let raw = &bytes[range];
            let flight = &mut *self.flight;
            flight.clear();
            let first = cursor
                .first(bytes, self.first_pass, flight)
                .and_then(|()| {
                    if self.first_pass == ALL_COLUMNS {
                        check_consistency(flight)
                    } else {
                        Ok(())
                    }
                })
                .and_then(|()| match self.currency {
                    Some(c) => c.convert_flight(flight),
                    None => Ok(()),
                });
            if let Err(e) = first {
                match sink.bad(line_offset, e, raw) {
                    ControlFlow::Break(b) => {
                        scanned.end = ControlFlow::Break(b);
                        return scanned;
                    }
                    ControlFlow::Continue(()) => continue,
                }
            }
            // The sink decides (by default: the filter); `eval` counts here.
            if verdict.is_none() && !sink.judge(flight) {
                scanned.records += 1;
                continue;
            }
            if self.first_pass != ALL_COLUMNS {
                let rest = cursor
                    .rest(bytes, ALL_COLUMNS & !self.first_pass, flight)
                    .and_then(|()| check_consistency(flight));
                if let Err(e) = rest {
                    match sink.bad(line_offset, e, raw) {
                        ControlFlow::Break(b) => {
                            scanned.end = ControlFlow::Break(b);
                            return scanned;
                        }
                        ControlFlow::Continue(()) => continue,
                    }
                }
            }
            scanned.records += 1;
            // A converted price is not the one the row says: the row is re-encoded.
            let verbatim = cursor.canonical() && self.currency.is_none();
            if let ControlFlow::Break(b) = sink.keep(flight, raw, verbatim, index) {
                scanned.end = ControlFlow::Break(b);
                return scanned;
            }
        }
        scanned
    }
}
