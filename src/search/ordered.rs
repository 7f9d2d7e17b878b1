//! Ordered runs (`ordered`): the output is exactly a sequential scan's first N,
//! though pages are filtered in parallel and the run still stops early.
//!
//! Two gates make it so, one at each end of the pipeline:
//!
//! * [`Gated`], around each producer's page source: an input after the one the
//!   consumer is releasing may run only a [`Window`] of pages ahead, so the reorder
//!   buffer stays bounded however slow an earlier input is. The head input never
//!   waits, so the consumer always progresses.
//! * [`Reorder`], in the consumer: every page reports (even with no match) under its
//!   sequence number, pages are released in sequence, the last batch is trimmed to N
//!   and then the run stops. Errors are ordered the same way: a fatal error travels
//!   with its page and is applied only when the release gets there, so an error
//!   after the N-th match is never met and one before it always is.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::config::{input_of, SEQ_SHIFT};
use super::shared::Shared;
use super::Delivery;
use crate::collect::Collector;
use crate::error::{Error, Result};
use crate::sort::Itinerary;
use crate::source::{Next, OnOversized, PageSource, SourceInfo};

/// How far the producers of later inputs may run ahead of the consumer.
pub(super) struct Window {
    /// The input the consumer is releasing pages of.
    head: AtomicU64,
    /// Pages (and markers) handed out and not yet released by the consumer.
    ahead: AtomicU64,
    size: u64,
}

impl Window {
    /// A window of `size` pages, at the first input.
    pub(super) fn new(size: u64) -> Window {
        Window {
            head: AtomicU64::new(0),
            ahead: AtomicU64::new(0),
            size,
        }
    }

    /// A producer handed a page or marker to the workers.
    pub(super) fn sent(&self) {
        self.ahead.fetch_add(1, AcqRel);
    }

    /// The consumer released a page or marker.
    pub(super) fn released(&self) {
        self.ahead.fetch_sub(1, AcqRel);
    }

    /// The consumer moved on to input `input`.
    pub(super) fn advance(&self, input: u64) {
        self.head.store(input, Release);
    }

    /// Waits while input `input` is after the head one and the window is full, or
    /// until `give_up` (the run stopped). Returns whether it was admitted.
    pub(super) fn admit(&self, input: usize, give_up: &dyn Fn() -> bool) -> bool {
        while input as u64 > self.head.load(Acquire) && self.ahead.load(Acquire) >= self.size {
            if give_up() {
                return false;
            }
            thread::sleep(Duration::from_millis(1));
        }
        true
    }
}

/// A page source whose pages wait for the [`Window`] (ordered runs only; otherwise
/// it passes pages straight through).
pub(super) struct Gated<'a, S> {
    inner: S,
    window: Option<&'a Window>,
    /// The command-line input the pages are of.
    input: usize,
    give_up: &'a dyn Fn() -> bool,
}

impl<'a, S: PageSource> Gated<'a, S> {
    pub(super) fn new(
        inner: S,
        window: Option<&'a Window>,
        input: usize,
        give_up: &'a dyn Fn() -> bool,
    ) -> Self {
        Gated {
            inner,
            window,
            input,
            give_up,
        }
    }
}

impl<S: PageSource> PageSource for Gated<'_, S> {
    fn info(&self) -> &Arc<SourceInfo> {
        self.inner.info()
    }

    /// A page cut is handed over even if the run stops while it waits: it was read,
    /// and the producer's own stop check decides what becomes of it.
    fn next_page(&mut self, spare: Vec<u8>, on_oversized: &mut OnOversized<'_>) -> Result<Next> {
        let next = self.inner.next_page(spare, on_oversized)?;
        if let (Next::Page(_), Some(window)) = (&next, self.window) {
            window.admit(self.input, self.give_up);
        }
        Ok(next)
    }

    fn bytes_read(&self) -> u64 {
        self.inner.bytes_read()
    }

    fn line(&mut self) -> u64 {
        self.inner.line()
    }
}

/// Consumer-side reordering for ordered runs: pages are released in sequence, and
/// the run stops once the first N matches in input order are known.
pub(super) struct Reorder<B> {
    next: u64,
    waiting: BTreeMap<u64, Delivery<B>>,
    left: Option<u64>,
    ended: bool,
    /// An error met in order, applied once the matches before it were handed out.
    error: Option<Error>,
    /// `--dedupe`: the itineraries already released.
    seen: Option<HashSet<Itinerary>>,
}

impl<B> Reorder<B> {
    /// Releases at most `limit` matches; with `dedupe`, the first of each itinerary.
    pub(super) fn new(limit: Option<u64>, dedupe: bool) -> Reorder<B> {
        Reorder {
            next: 0,
            waiting: BTreeMap::new(),
            left: limit,
            ended: false,
            error: None,
            seen: dedupe.then(HashSet::new),
        }
    }

    /// The next batch in sequence, trimmed to the limit, taking deliveries from
    /// `recv` until it has one; `None` once the ordered output is over.
    pub(super) fn next<C: Collector<Batch = B>>(
        &mut self,
        collector: &C,
        shared: &Shared,
        mut recv: impl FnMut() -> Option<Delivery<B>>,
    ) -> Option<B> {
        loop {
            if let Some(error) = self.error.take() {
                shared.stop.fail_in_order(error);
                return None;
            }
            if self.ended {
                return None;
            }
            if let Some(d) = self.waiting.remove(&self.next) {
                shared.window.released();
                if d.end {
                    // This input is done: the next one's first page comes next.
                    let input = input_of(d.seq) as u64 + 1;
                    self.next = input << SEQ_SHIFT;
                    shared.window.advance(input);
                    continue;
                }
                self.next += 1;
                let mut batch = d.batch;
                if let Some(seen) = self.seen.as_mut() {
                    // The first offer of each itinerary in input order is kept.
                    let keep: Vec<bool> = d
                        .itineraries
                        .into_iter()
                        .map(|it| seen.insert(it))
                        .collect();
                    if keep.iter().any(|k| !k) {
                        let dropped = keep.iter().filter(|k| !**k).count() as u64;
                        shared.counters.duplicates.fetch_add(dropped, Relaxed);
                        collector.retain(&mut batch, &keep);
                    }
                }
                if !d.complete {
                    // A page cut short by a stop or an error: what follows it is not
                    // a prefix.
                    self.ended = true;
                }
                let mut limit_reached = false;
                if let Some(left) = self.left.as_mut() {
                    let n = collector.len(&batch);
                    if n >= *left {
                        collector.truncate(&mut batch, *left);
                        *left = 0;
                        self.ended = true;
                        limit_reached = true;
                        shared.stop.limit_in_order();
                    } else {
                        *left -= n;
                    }
                }
                // The N-th match came before the error: a sequential scan would have
                // stopped without meeting it.
                if !limit_reached {
                    self.error = d.error;
                }
                let n = collector.len(&batch);
                if n > 0 {
                    if let Some(input) = shared.inputs.get(input_of(d.seq)) {
                        input.emitted.fetch_add(n, Relaxed);
                    }
                    return Some(batch);
                }
                continue;
            }
            match recv() {
                Some(d) => {
                    self.waiting.insert(d.seq, d);
                }
                None => {
                    // The run is over; a gap means later pages were never finished.
                    if !self.waiting.contains_key(&self.next) {
                        self.ended = true;
                    }
                }
            }
        }
    }
}
