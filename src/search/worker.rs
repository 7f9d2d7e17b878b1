//! A worker: scans one page at a time and keeps what matches.
//!
//! The decoding is [`PageScanner`]'s, whatever the format; the worker is the
//! [`RecordSink`] it hands records to, and knows the run: when it stops, the error
//! policy, the exact-N output slots and the fan-out (`--dedupe`, `--sort`).

use std::ops::ControlFlow;
use std::sync::atomic::Ordering::*;
use std::time::Instant;

use super::channel::{Delivery, Failed, Fanout, PageItem};
use super::config::input_of;
use super::shared::Shared;
use super::stop::Stop;
use crate::collect::{Collector, Matched};
use crate::decode::scanner::{PageScanner, RecordSink};
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

/// One worker's reusable state: its decoding state, and what it keeps matches with.
pub(super) struct Worker<'a, C: Collector> {
    pub(super) scanner: PageScanner<'a>,
    pub(super) keeper: Keeper<'a, C>,
}

/// What a worker keeps matches with, and hands them on to.
pub(super) struct Keeper<'a, C: Collector> {
    pub(super) shared: &'a Shared,
    pub(super) filter: &'a Filter,
    pub(super) collector: &'a C,
    pub(super) results: &'a flume::Sender<Delivery<C::Batch>>,
    pub(super) spare: &'a flume::Sender<Vec<u8>>,
    /// Every page reports to the consumer's reorder stage.
    pub(super) ordered: bool,
    /// Ordered mode with a limit: no page can contribute more than the limit.
    pub(super) per_page_cap: Option<u64>,
    pub(super) fanout: &'a Fanout<C::Batch>,
    /// Ordered `--dedupe`: the itineraries of the page's matches, in order.
    pub(super) itineraries: Vec<Itinerary>,
}

impl<C: Collector> Worker<'_, C> {
    /// Filters one page; `Err` short-circuits the parallel iteration.
    ///
    /// A fatal error ends an unordered run at once. An ordered run must instead meet
    /// errors in input order: the page reports its error to the consumer, and the
    /// workers carry on with the pages before it (short-circuiting here could leave
    /// an earlier page unread, and its matches or error unknown).
    pub(super) fn page(&mut self, item: PageItem) -> std::result::Result<(), ()> {
        let keeper = &mut self.keeper;
        let page = match item {
            PageItem::Page(p) => p,
            PageItem::Failed(Failed { seq, error }) if keeper.ordered => {
                keeper.shared.stop.failed_at(seq);
                let batch = keeper.collector.batch();
                return keeper.deliver(seq, batch, false, Some(error));
            }
            PageItem::Failed(Failed { error, .. }) => {
                keeper.shared.stop.fail(error);
                return Err(());
            }
            PageItem::End(seq) => {
                if !keeper.ordered {
                    return Ok(());
                }
                let mut end = Delivery::new(seq, keeper.collector.batch());
                end.end = true;
                return keeper.send(end);
            }
        };
        if keeper.ordered && keeper.shared.stop.after_failure(page.seq) {
            let _ = keeper.spare.try_send(page.bytes);
            return Ok(()); // the consumer stops at the earlier error
        }
        let started = Instant::now();
        let mut sink = PageSink {
            batch: keeper.collector.batch(),
            keeper,
            page: &page,
            matched: 0,
        };
        let scanned = self
            .scanner
            .scan(&page.source.layout, &page.bytes, &mut sink);
        let PageSink {
            batch,
            matched,
            keeper,
            ..
        } = sink;
        let records = scanned.records;
        let counters = &keeper.shared.counters;
        counters.records.fetch_add(records, Relaxed);
        counters
            .filtering_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        counters.matched.fetch_add(matched, Relaxed);
        if scanned.mismatches > 0 {
            counters
                .duration_mismatches
                .fetch_add(scanned.mismatches, Relaxed);
        }
        if let Some(input) = keeper.shared.inputs.get(input_of(page.seq)) {
            input.records.fetch_add(records, Relaxed);
            input.matched.fetch_add(matched, Relaxed);
        }
        let _ = keeper.spare.try_send(page.bytes);
        let scan = match scanned.end {
            ControlFlow::Continue(()) => Scan::Done,
            ControlFlow::Break(scan) => scan,
        };
        match scan {
            Scan::Done => keeper.deliver(page.seq, batch, true, None),
            Scan::Stop => keeper.deliver(page.seq, batch, false, None).and(Err(())),
            Scan::Fail(e) if keeper.ordered => {
                keeper.shared.stop.failed_at(page.seq);
                keeper.deliver(page.seq, batch, false, Some(e))
            }
            Scan::Fail(e) => {
                // The error is recorded before the batch is handed over, so nothing
                // the consumer does with the batch can win the race for the stop.
                keeper.shared.stop.fail(e);
                keeper.deliver(page.seq, batch, false, None).and(Err(()))
            }
        }
    }
}

impl<C: Collector> Keeper<'_, C> {
    /// Hands a page's batch to the consumer. Slots reserved in it must reach the
    /// consumer, even on the way out; in ordered mode every page reports, empty or
    /// not, so the consumer can tell a page with no match from one still in progress.
    fn deliver(
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

    fn send(&self, delivery: Delivery<C::Batch>) -> std::result::Result<(), ()> {
        if self.results.send(delivery).is_err() {
            self.shared.stop.halt(Stop::Cancelled); // the consumer went away
            return Err(());
        }
        Ok(())
    }

    /// Keeps a match if an output slot is left; `false` when this page or the run is
    /// done. `place` is the record's position: page sequence number, then index.
    #[inline]
    fn keep(
        &mut self,
        flight: &Flight,
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
                if !seen.insert(Itinerary::of(flight)) {
                    self.shared.counters.duplicates.fetch_add(1, Relaxed);
                    return true;
                }
            }
            Fanout::InOrder => self.itineraries.push(Itinerary::of(flight)),
            Fanout::Ranked(ranked) => {
                let collector = self.collector;
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
                    self.shared.stop.fail(e);
                    return false;
                }
                return true;
            }
        }
        match self.shared.stop.take_slot() {
            None => false,
            Some(last) => {
                self.collector.add(
                    batch,
                    Matched {
                        flight,
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
}

/// One page's records as the scan loop hands them over.
struct PageSink<'k, 'p, 'a, C: Collector> {
    keeper: &'k mut Keeper<'a, C>,
    page: &'p Page,
    batch: C::Batch,
    matched: u64,
}

impl<C: Collector> RecordSink for PageSink<'_, '_, '_, C> {
    type Break = Scan;

    #[inline]
    fn go_on(&self) -> ControlFlow<Scan> {
        if self.keeper.shared.stop.stopped() {
            ControlFlow::Break(Scan::Stop)
        } else {
            ControlFlow::Continue(())
        }
    }

    /// The collector decides (by default: the filter); `eval` counts here.
    #[inline]
    fn judge(&mut self, flight: &Flight) -> bool {
        self.keeper
            .collector
            .judge(self.keeper.filter, &mut self.batch, flight)
    }

    /// Applies the error policy: a fatal error ends the page.
    fn bad(&mut self, line_offset: u64, error: RecordError, raw: &[u8]) -> ControlFlow<Scan> {
        let location = Location {
            input: self.page.source.name.clone(),
            line: self.page.line(line_offset),
        };
        match self
            .keeper
            .shared
            .bad_record(input_of(self.page.seq), location, error, raw)
        {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(Scan::Fail(e)),
        }
    }

    #[inline]
    fn keep(
        &mut self,
        flight: &Flight,
        raw: &[u8],
        verbatim: bool,
        index: u32,
    ) -> ControlFlow<Scan> {
        let keeper = &mut *self.keeper;
        if keeper.keep(
            flight,
            raw,
            verbatim,
            &mut self.batch,
            &mut self.matched,
            (self.page.seq, index),
        ) {
            return ControlFlow::Continue(());
        }
        ControlFlow::Break(
            if keeper.per_page_cap.is_some() && !keeper.shared.stop.stopped() {
                Scan::Done
            } else {
                Scan::Stop
            },
        )
    }
}
