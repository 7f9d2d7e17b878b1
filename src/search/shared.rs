//! What every thread of a run shares: the stop flag, the counters, the error policy
//! and where skipped records go, and (ordered runs) the producers' window; and the
//! handles that stop a run from outside it ([`Canceller`]) or when its driver ends.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering::*;
use std::sync::{Arc, Mutex};
use std::thread;

use super::config::{ErrorPolicy, Reject, Rejects, SearchConfig};
use super::ordered::{Ledger, Window};
use super::stop::{Stop, StopFlag};
#[cfg(doc)]
use super::SearchHandle;
use crate::error::{Error, Location, RecordError, Result};
#[cfg(doc)]
use crate::summary::Outcome;
use crate::summary::{Counters, InputCounters, Progress};

/// State shared by the producers, the workers and the handle.
pub(super) struct Shared {
    pub(super) stop: StopFlag,
    pub(super) counters: Counters,
    pub(super) policy: ErrorPolicy,
    /// Taken (and so closed) by the driver when the run ends, so a consumer draining
    /// rejects sees the end even while something else still holds the shared state.
    pub(super) rejects: Mutex<Option<flume::Sender<Reject>>>,
    /// `Keep` drops rejects the caller has not taken; `Stream` waits for it.
    pub(super) rejects_wait: bool,
    pub(super) bad_by_input: Mutex<HashMap<String, BTreeMap<&'static str, u64>>>,
    /// `--on-error skip`: the errors that ended files early, in the order met.
    pub(super) unreadable: Mutex<Vec<String>>,
    /// Per command-line input: what it read, matched, emitted, and waited.
    pub(super) inputs: Vec<InputCounters>,
    /// Ordered runs: how far producers of later inputs may run ahead.
    pub(super) window: Window,
}

impl Shared {
    /// The state of a run of `config`, whose ordered producers may run `window` pages
    /// ahead. Returns the receiving end of the rejects, when `config` asks for them.
    pub(super) fn new(
        config: &SearchConfig,
        window: u64,
    ) -> (Shared, Option<flume::Receiver<Reject>>) {
        let (rejects_tx, rejects_rx, rejects_wait) = match (config.on_error, config.rejects) {
            (ErrorPolicy::Skip, Rejects::Keep { capacity }) => {
                let (tx, rx) = flume::bounded(capacity);
                (Some(tx), Some(rx), false)
            }
            (ErrorPolicy::Skip, Rejects::Stream { capacity }) => {
                let (tx, rx) = flume::bounded(capacity.max(1));
                (Some(tx), Some(rx), true)
            }
            _ => (None, None, false),
        };
        // In ordered mode the consumer decides which matches count, in order; a
        // sorted run reads everything and keeps the best.
        let slots = if config.ordered || config.sort.is_some() {
            None
        } else {
            config.limit
        };
        let shared = Shared {
            stop: StopFlag::new(slots),
            counters: Counters::default(),
            policy: config.on_error,
            rejects: Mutex::new(rejects_tx),
            rejects_wait,
            bad_by_input: Mutex::new(HashMap::new()),
            unreadable: Mutex::new(Vec::new()),
            inputs: config
                .inputs
                .iter()
                .map(|i| InputCounters::new(i.name()))
                .collect(),
            window: Window::new(window),
        };
        (shared, rejects_rx)
    }

    /// What an ordered run's reordering reports to.
    pub(super) fn ledger(&self) -> Ledger<'_> {
        Ledger {
            stop: &self.stop,
            window: &self.window,
            counters: &self.counters,
            inputs: &self.inputs,
        }
    }

    /// Applies the error policy to a malformed record of command-line input `input`:
    /// `Err` when it is fatal.
    pub(super) fn bad_record(
        &self,
        input: usize,
        location: Location,
        error: RecordError,
        raw: &[u8],
    ) -> Result<()> {
        if self.policy == ErrorPolicy::Fail {
            return Err(Error::Record { location, error });
        }
        self.counters.bad_records.fetch_add(1, Relaxed);
        if let Some(c) = self.inputs.get(input) {
            c.bad.fetch_add(1, Relaxed);
        }
        {
            let mut by = self.bad_by_input.lock().unwrap_or_else(|p| p.into_inner());
            *by.entry(location.input.clone())
                .or_default()
                .entry(error.reason)
                .or_default() += 1;
        }
        let tx = self
            .rejects
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(tx) = tx {
            let reject = Reject {
                location,
                error,
                raw: raw.to_vec(),
            };
            // A consumer that dropped the receiver no longer wants them; one that
            // keeps it but does not drain it must not stall the run (`Keep`).
            let dropped = if self.rejects_wait {
                tx.send(reject).is_err()
            } else {
                tx.try_send(reject).is_err()
            };
            if dropped {
                self.counters.rejects_dropped.fetch_add(1, Relaxed);
            }
        }
        Ok(())
    }
}

/// Ends the run when the driver returns, however it returns: sets the stop flag (so
/// a panic anywhere still ends the producer) and closes the rejects stream.
pub(super) struct StopOnDrop(pub(super) Arc<Shared>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0
                .stop
                .fail(Error::Internal("a pipeline thread panicked".into()));
        }
        self.0.stop.halt(Stop::Finished);
        self.0
            .rejects
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

/// Stops a run from another thread (a signal handler, a UI): cheap to clone.
#[derive(Clone)]
pub struct Canceller(pub(super) Arc<Shared>);

impl Canceller {
    /// Stops the run; its outcome is [`Outcome::Cancelled`].
    pub fn cancel(&self) {
        self.0.stop.halt(Stop::Cancelled);
    }
    /// Stops the run because the user interrupted it; its outcome is
    /// [`Outcome::Interrupted`].
    pub fn interrupt(&self) {
        self.0.stop.halt(Stop::Interrupted);
    }
    /// Live counters, as [`SearchHandle::progress`]: for a thread that reports
    /// progress while the consumer is blocked on the handle.
    pub fn progress(&self) -> Progress {
        self.0.counters.snapshot()
    }
}
