//! The caller's end of a run: [`SearchHandle`], an iterator of batches, and its
//! summary once the run is over.

use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::channel::Delivery;
#[cfg(doc)]
use super::config::ErrorPolicy;
use super::config::{input_of, Reject};
use super::ordered::Reorder;
use super::shared::{Canceller, Shared};
use super::stop::Stop;
use crate::collect::{Collector, Flights};
use crate::error::{Error, Result};
use crate::record::Flight;
use crate::summary::{Outcome, Progress, Summary};

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
        self.shared.stop.halt(Stop::Cancelled);
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

    fn finish(&mut self) -> Result<Summary> {
        if let Some(rx) = self.results.take() {
            if !rx.is_disconnected() {
                self.shared.stop.halt(Stop::Cancelled);
            }
            drop(rx);
        }
        drop(self.rejects.take());
        if let Some(driver) = self.driver.take() {
            if driver.join().is_err() {
                self.shared
                    .stop
                    .fail(Error::Internal("the pipeline driver panicked".into()));
            }
        }
        if let Some(e) = self.shared.stop.take_error() {
            return Err(e);
        }
        let outcome = match self.shared.stop.reason() {
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

    fn recv(&mut self) -> Option<Delivery<C::Batch>> {
        self.results.as_ref()?.recv().ok()
    }
}

impl<C: Collector> Iterator for SearchHandle<C> {
    type Item = C::Batch;
    fn next(&mut self) -> Option<C::Batch> {
        let batch = if let Some(order) = self.order.as_mut() {
            // Ordered mode: the next batch in sequence, trimmed to the limit.
            let results = self.results.as_ref();
            order.next(&*self.collector, self.shared.ledger(), || {
                results?.recv().ok()
            })?
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
            self.shared.stop.halt(Stop::Cancelled);
            let _ = self.finish();
        }
    }
}
