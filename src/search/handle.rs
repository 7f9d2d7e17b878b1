//! The caller's end of a run: [`SearchHandle`], and the reordering of pages for
//! ordered runs.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::config::{input_of, Reject, SEQ_SHIFT};
use super::stop::{Canceller, Shared, Stop};
use super::Delivery;
use crate::collect::{Collector, Flights};
use crate::error::{Error, Result};
use crate::record::Flight;
use crate::sort::Itinerary;
use crate::summary::{Outcome, Progress, Summary};

/// Consumer-side reordering for `ordered` runs: pages are released in sequence, and
/// the run stops once the first N matches in input order are known.
pub(super) struct Reorder<B> {
    pub(super) next: u64,
    pub(super) waiting: BTreeMap<u64, Delivery<B>>,
    pub(super) left: Option<u64>,
    pub(super) ended: bool,
    /// An error met in order, applied once the matches before it were handed out.
    pub(super) error: Option<Error>,
    /// `--dedupe`: the itineraries already released.
    pub(super) seen: Option<HashSet<Itinerary>>,
}

/// A running search: iterate it for batches of results as they are found.
///
/// The iterator ends when the run ends, for whatever reason; [`SearchHandle::join`]
/// then says why (and returns the fatal error, if any). Dropping the handle cancels
/// the run and waits for its threads.
pub struct SearchHandle<C: Collector> {
    pub(super) results: Option<flume::Receiver<Delivery<C::Batch>>>,
    pub(super) rejects: Option<flume::Receiver<Reject>>,
    pub(super) collector: Arc<C>,
    pub(super) shared: Arc<Shared>,
    pub(super) driver: Option<JoinHandle<()>>,
    pub(super) started: Instant,
    /// When the first and the latest results were handed out.
    pub(super) first_at: Option<Duration>,
    pub(super) last_at: Option<Duration>,
    pub(super) emitted: u64,
    pub(super) order: Option<Reorder<C::Batch>>,
    pub(super) shape: (usize, usize, usize),
    pub(super) limit: Option<u64>,
}

impl<C: Collector> SearchHandle<C> {
    /// Asks the run to stop as soon as possible. Batches already found can still be
    /// taken; nothing new is started.
    pub fn cancel(&self) {
        self.shared.halt(Stop::Cancelled);
    }

    /// A handle that can stop this run from another thread.
    pub fn canceller(&self) -> Canceller {
        Canceller(self.shared.clone())
    }

    /// Records skipped under [`ErrorPolicy::Skip`], when the configuration asked to
    /// collect them. Drain it (from another thread) while the run goes on.
    pub fn rejects(&mut self) -> Option<flume::Receiver<Reject>> {
        self.rejects.take()
    }

    /// Live counters.
    pub fn progress(&self) -> Progress {
        self.shared.counters.snapshot()
    }

    /// Batches found but not yet taken.
    pub fn pending(&self) -> usize {
        self.results.as_ref().map_or(0, |r| r.len())
    }

    /// Records taken from the handle so far.
    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    /// Waits for the run to end and returns its summary, or the error that ended it.
    /// Batches not yet taken are discarded (and the run cancelled, if still going).
    pub fn join(mut self) -> Result<Summary> {
        self.finish()
    }

    pub(super) fn finish(&mut self) -> Result<Summary> {
        if let Some(rx) = self.results.take() {
            if !rx.is_disconnected() {
                self.shared.halt(Stop::Cancelled);
            }
            drop(rx);
        }
        drop(self.rejects.take());
        if let Some(driver) = self.driver.take() {
            if driver.join().is_err() {
                self.shared
                    .fail(Error::Internal("the pipeline driver panicked".into()));
            }
        }
        if let Some(e) = self
            .shared
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            return Err(e);
        }
        let outcome = match self.shared.reason() {
            Stop::Limit => Outcome::LimitReached,
            Stop::TimedOut => Outcome::TimedOut,
            Stop::Interrupted => Outcome::Interrupted,
            Stop::Failed => Outcome::Failed,
            Stop::Cancelled => Outcome::Cancelled,
            Stop::Finished | Stop::Running => Outcome::Complete,
        };
        let bad_by_input = std::mem::take(
            &mut *self
                .shared
                .bad_by_input
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        let mut summary = Summary::new(
            &self.shared.counters,
            outcome,
            self.emitted,
            self.started.elapsed(),
            self.shape,
            self.limit,
            bad_by_input,
        );
        summary.add_inputs(&self.shared.inputs, self.first_at, self.last_at);
        summary.unreadable = std::mem::take(
            &mut *self
                .shared
                .unreadable
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        Ok(summary)
    }

    pub(super) fn recv(&mut self) -> Option<Delivery<C::Batch>> {
        self.results.as_ref()?.recv().ok()
    }

    /// Ordered mode: the next batch in sequence, trimmed to the limit.
    pub(super) fn next_in_order(&mut self) -> Option<C::Batch> {
        loop {
            let order = self.order.as_mut()?;
            if let Some(error) = order.error.take() {
                self.shared.fail_in_order(error);
                return None;
            }
            if order.ended {
                return None;
            }
            if let Some(d) = order.waiting.remove(&order.next) {
                self.shared.ahead.fetch_sub(1, AcqRel);
                if d.end {
                    // This input is done: the next one's first page comes next.
                    let input = input_of(d.seq) as u64 + 1;
                    order.next = input << SEQ_SHIFT;
                    self.shared.head.store(input, Release);
                    continue;
                }
                order.next += 1;
                let mut batch = d.batch;
                if let Some(seen) = order.seen.as_mut() {
                    // The first offer of each itinerary in input order is kept.
                    let keep: Vec<bool> = d
                        .itineraries
                        .into_iter()
                        .map(|it| seen.insert(it))
                        .collect();
                    if keep.iter().any(|k| !k) {
                        let dropped = keep.iter().filter(|k| !**k).count() as u64;
                        self.shared.counters.duplicates.fetch_add(dropped, Relaxed);
                        self.collector.retain(&mut batch, &keep);
                    }
                }
                if !d.complete {
                    // A page cut short by a stop or an error: what follows it is not
                    // a prefix.
                    order.ended = true;
                }
                let mut limit_reached = false;
                if let Some(left) = order.left.as_mut() {
                    let n = self.collector.len(&batch);
                    if n >= *left {
                        self.collector.truncate(&mut batch, *left);
                        *left = 0;
                        order.ended = true;
                        limit_reached = true;
                        self.shared.limit_in_order();
                    } else {
                        *left -= n;
                    }
                }
                // The N-th match came before the error: a sequential scan would have
                // stopped without meeting it.
                if !limit_reached {
                    order.error = d.error;
                }
                let n = self.collector.len(&batch);
                if n > 0 {
                    if let Some(input) = self.shared.inputs.get(input_of(d.seq)) {
                        input.emitted.fetch_add(n, Relaxed);
                    }
                    return Some(batch);
                }
                continue;
            }
            match self.recv() {
                Some(d) => {
                    let order = self.order.as_mut()?;
                    order.waiting.insert(d.seq, d);
                }
                None => {
                    // The run is over; a gap means later pages were never finished.
                    let order = self.order.as_mut()?;
                    if !order.waiting.contains_key(&order.next) {
                        order.ended = true;
                    }
                }
            }
        }
    }
}

impl<C: Collector> Iterator for SearchHandle<C> {
    type Item = C::Batch;
    fn next(&mut self) -> Option<C::Batch> {
        let batch = if self.order.is_some() {
            self.next_in_order()?
        } else {
            let d = self.recv()?;
            if let Some(input) = self.shared.inputs.get(input_of(d.seq)) {
                input
                    .emitted
                    .fetch_add(self.collector.len(&d.batch), Relaxed);
            }
            d.batch
        };
        let n = self.collector.len(&batch);
        if n > 0 {
            let now = self.started.elapsed();
            self.first_at.get_or_insert(now);
            self.last_at = Some(now);
        }
        self.emitted += n;
        Some(batch)
    }
}

impl SearchHandle<Flights> {
    /// The results one flight at a time.
    pub fn flights(&mut self) -> impl Iterator<Item = Flight> + '_ {
        self.flatten()
    }
}

impl<C: Collector> Drop for SearchHandle<C> {
    fn drop(&mut self) {
        if self.driver.is_some() {
            self.shared.halt(Stop::Cancelled);
            let _ = self.finish();
        }
    }
}
