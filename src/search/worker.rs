//! A worker: filters one page at a time, and keeps what matches.

use std::sync::atomic::Ordering::*;
use std::time::Instant;

use super::config::input_of;
use super::stop::{Shared, Stop};
use super::{Delivery, Failed, Fanout, PageItem};
use crate::collect::{Collector, Matched};
use crate::currency::Converter;
use crate::decode::{
    check_consistency,
    csv::{CsvCursor, CsvRecords, ALL_COLUMNS},
    ndjson::{self, NdjsonCursor},
    responses::{ResponseCursor, Responses},
    Cursor, InputFormat,
};
use crate::error::{Error, Location, RecordError};
use crate::filter::Filter;
use crate::record::Flight;
use crate::sort::Itinerary;
use crate::source::Page;

/// How scanning a page ended.
pub(super) enum Scan {
    /// The page is done; go on.
    Done,
    /// The run is over (limit, cancel, or another worker's error).
    Stop,
    /// This page holds a fatal error.
    Fail(Error),
}

/// One worker's reusable state.
pub(super) struct Worker<'a, C: Collector> {
    pub(super) flight: Flight,
    /// Per-format reusable state, taken by the page being scanned.
    pub(super) csv: Option<CsvRecords>,
    pub(super) shared: &'a Shared,
    pub(super) filter: &'a Filter,
    pub(super) collector: &'a C,
    pub(super) results: &'a flume::Sender<Delivery<C::Batch>>,
    pub(super) spare: &'a flume::Sender<Vec<u8>>,
    /// Every page reports to the consumer's reorder stage.
    pub(super) ordered: bool,
    /// Ordered mode with a limit: no page can contribute more than the limit.
    pub(super) per_page_cap: Option<u64>,
    /// Columns decoded before the filter runs (the others only for matches).
    pub(super) first_pass: u32,
    pub(super) members: Option<ndjson::Members>,
    pub(super) responses: Option<Responses>,
    pub(super) fanout: &'a Fanout<C::Batch>,
    /// Ordered `--dedupe`: the itineraries of the page's matches, in order.
    pub(super) itineraries: Vec<Itinerary>,
    pub(super) currency: Option<&'a Converter>,
}

impl<C: Collector> Worker<'_, C> {
    /// Filters one page; `Err` short-circuits the parallel iteration.
    ///
    /// A fatal error ends an unordered run at once. An ordered run must instead meet
    /// errors in input order: the page reports its error to the consumer, and the
    /// workers carry on with the pages before it (short-circuiting here could leave
    /// an earlier page unread, and its matches or error unknown).
    pub(super) fn page(&mut self, item: PageItem) -> std::result::Result<(), ()> {
        let page = match item {
            PageItem::Page(p) => p,
            PageItem::Failed(Failed { seq, error }) if self.ordered => {
                self.shared.failed_at(seq);
                let batch = self.collector.batch();
                return self.deliver(seq, batch, false, Some(error));
            }
            PageItem::Failed(Failed { error, .. }) => {
                self.shared.fail(error);
                return Err(());
            }
            PageItem::End(seq) => {
                if !self.ordered {
                    return Ok(());
                }
                let mut end = Delivery::new(seq, self.collector.batch());
                end.end = true;
                return self.send(end);
            }
        };
        if self.ordered && self.shared.after_failure(page.seq) {
            let _ = self.spare.try_send(page.bytes);
            return Ok(()); // the consumer stops at the earlier error
        }
        let started = Instant::now();
        let mut batch = self.collector.batch();
        let mut records = 0u64;
        let mut matched = 0u64;
        let scan = self.scan_page(&page, &mut batch, &mut records, &mut matched);
        let counters = &self.shared.counters;
        counters.records.fetch_add(records, Relaxed);
        counters
            .filtering_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        counters.matched.fetch_add(matched, Relaxed);
        if let Some(input) = self.shared.inputs.get(input_of(page.seq)) {
            input.records.fetch_add(records, Relaxed);
            input.matched.fetch_add(matched, Relaxed);
        }
        let _ = self.spare.try_send(page.bytes);
        match scan {
            Scan::Done => self.deliver(page.seq, batch, true, None),
            Scan::Stop => self.deliver(page.seq, batch, false, None).and(Err(())),
            Scan::Fail(e) if self.ordered => {
                self.shared.failed_at(page.seq);
                self.deliver(page.seq, batch, false, Some(e))
            }
            Scan::Fail(e) => {
                // The error is recorded before the batch is handed over, so nothing
                // the consumer does with the batch can win the race for the stop.
                self.shared.fail(e);
                self.deliver(page.seq, batch, false, None).and(Err(()))
            }
        }
    }

    /// Hands a page's batch to the consumer. Slots reserved in it must reach the
    /// consumer, even on the way out; in ordered mode every page reports, empty or
    /// not, so the consumer can tell a page with no match from one still in progress.
    pub(super) fn deliver(
        &mut self,
        seq: u64,
        batch: C::Batch,
        complete: bool,
        error: Option<Error>,
    ) -> std::result::Result<(), ()> {
        if !self.ordered && self.collector.len(&batch) == 0 {
            return Ok(());
        }
        let delivery = Delivery {
            seq,
            batch,
            complete,
            error,
            itineraries: std::mem::take(&mut self.itineraries),
            end: false,
        };
        self.send(delivery)
    }

    pub(super) fn send(&self, delivery: Delivery<C::Batch>) -> std::result::Result<(), ()> {
        if self.results.send(delivery).is_err() {
            self.shared.halt(Stop::Cancelled); // the consumer went away
            return Err(());
        }
        Ok(())
    }

    /// Keeps a match if an output slot is left; `false` when this page or the run is
    /// done. `place` is the record's position: page sequence number, then index.
    #[inline]
    pub(super) fn keep(
        &mut self,
        raw: &[u8],
        canonical: bool,
        batch: &mut C::Batch,
        matched: &mut u64,
        place: (u64, u32),
    ) -> bool {
        *matched += 1;
        match self.fanout {
            Fanout::Plain => {}
            Fanout::FirstSeen(seen) => {
                if !seen.insert(Itinerary::of(&self.flight)) {
                    self.shared.counters.duplicates.fetch_add(1, Relaxed);
                    return true;
                }
            }
            Fanout::InOrder => self.itineraries.push(Itinerary::of(&self.flight)),
            Fanout::Ranked(ranked) => {
                let (collector, flight) = (self.collector, &self.flight);
                let packed = ranked.offer(flight, place, || {
                    let mut one = collector.batch();
                    collector.add(
                        &mut one,
                        Matched {
                            flight,
                            raw,
                            raw_is_canonical_csv: canonical,
                        },
                    );
                    let weight = collector.weight(&one);
                    (one, weight)
                });
                if let Err(e) = packed {
                    self.shared.fail(e);
                    return false;
                }
                return true;
            }
        }
        match self.shared.take_slot() {
            None => false,
            Some(last) => {
                self.collector.add(
                    batch,
                    Matched {
                        flight: &self.flight,
                        raw,
                        raw_is_canonical_csv: canonical,
                    },
                );
                !last
                    && self
                        .per_page_cap
                        .is_none_or(|cap| self.collector.len(batch) < cap)
            }
        }
    }

    /// Applies the error policy; `Some` when the page must end.
    pub(super) fn bad_record(
        &self,
        page: &Page,
        line_offset: u64,
        error: RecordError,
        raw: &[u8],
    ) -> Option<Scan> {
        let location = Location {
            input: page.source.name.clone(),
            line: page.first_line + line_offset,
        };
        self.shared
            .bad_record(input_of(page.seq), location, error, raw)
            .err()
            .map(Scan::Fail)
    }

    /// The scan loop, once for every format: stop check, decode what the filter
    /// reads, filter, decode the rest only for a match (so a selective scan skips
    /// most of the parsing), keep. Whatever is kept (emitted or counted) is always
    /// fully decoded and checked.
    #[inline]
    pub(super) fn scan<K: Cursor>(
        &mut self,
        cursor: &mut K,
        page: &Page,
        batch: &mut C::Batch,
        records: &mut u64,
        matched: &mut u64,
    ) -> Scan {
        let bytes = &page.bytes[..];
        let mut index = 0u32;
        while let Some((range, line_offset)) = cursor.next_record(bytes) {
            if self.shared.stopped() {
                return Scan::Stop;
            }
            index += 1;
            // Judged on its text: a record that fails is never decoded, one that
            // passes is not judged again (the prefilter exists only when the filter
            // alone decides).
            let verdict = cursor.verdict(bytes);
            if verdict == Some(false) {
                *records += 1;
                continue;
            }
            let raw = &bytes[range];
            self.flight.clear();
            let first = cursor
                .first(bytes, self.first_pass, &mut self.flight)
                .and_then(|()| {
                    if self.first_pass == ALL_COLUMNS {
                        check_consistency(&self.flight)
                    } else {
                        Ok(())
                    }
                })
                .and_then(|()| match self.currency {
                    Some(c) => c.convert_flight(&mut self.flight),
                    None => Ok(()),
                });
            if let Err(e) = first {
                match self.bad_record(page, line_offset, e, raw) {
                    Some(scan) => return scan,
                    None => continue,
                }
            }
            // The collector decides (by default: the filter); `eval` counts here.
            if verdict.is_none() && !self.collector.judge(self.filter, batch, &self.flight) {
                *records += 1;
                continue;
            }
            if self.first_pass != ALL_COLUMNS {
                let rest = cursor
                    .rest(bytes, ALL_COLUMNS & !self.first_pass, &mut self.flight)
                    .and_then(|()| check_consistency(&self.flight));
                if let Err(e) = rest {
                    match self.bad_record(page, line_offset, e, raw) {
                        Some(scan) => return scan,
                        None => continue,
                    }
                }
            }
            *records += 1;
            // A converted price is not the one the row says: the row is re-encoded.
            let verbatim = cursor.canonical() && self.currency.is_none();
            if !self.keep(raw, verbatim, batch, matched, (page.seq, index)) {
                return if self.per_page_cap.is_some() && !self.shared.stopped() {
                    Scan::Done
                } else {
                    Scan::Stop
                };
            }
        }
        Scan::Done
    }

    /// The page's format picks its cursor; the loop is the same.
    pub(super) fn scan_page(
        &mut self,
        page: &Page,
        batch: &mut C::Batch,
        records: &mut u64,
        matched: &mut u64,
    ) -> Scan {
        match page.source.format {
            InputFormat::Csv => {
                let Some(schema) = page.source.schema.as_ref() else {
                    return Scan::Fail(Error::Internal("CSV page without a schema".into()));
                };
                // Taken for the page so the loop can borrow the worker beside it.
                let Some(mut state) = self.csv.take() else {
                    return Scan::Fail(Error::Internal("CSV state already in use".into()));
                };
                state.reset(schema);
                let mut cursor = CsvCursor {
                    records: &mut state,
                    schema,
                };
                let scan = self.scan(&mut cursor, page, batch, records, matched);
                self.csv = Some(state);
                scan
            }
            InputFormat::Ndjson => {
                let Some(mut state) = self.members.take() else {
                    return Scan::Fail(Error::Internal("NDJSON state already in use".into()));
                };
                let scan = self.scan(
                    &mut NdjsonCursor::new(&mut state),
                    page,
                    batch,
                    records,
                    matched,
                );
                self.members = Some(state);
                scan
            }
            InputFormat::Responses(provider) => {
                let Some(mut state) = self.responses.take() else {
                    return Scan::Fail(Error::Internal("response state already in use".into()));
                };
                let mut cursor = ResponseCursor::new(&mut state, provider);
                let scan = self.scan(&mut cursor, page, batch, records, matched);
                self.shared
                    .counters
                    .duration_mismatches
                    .fetch_add(cursor.mismatches, Relaxed);
                self.responses = Some(state);
                scan
            }
        }
    }
}
