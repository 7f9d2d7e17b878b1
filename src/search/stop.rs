//! How a run stops, and what its threads share: the stop flag (the first reason wins),
//! the exact-N output slots, the fatal error, the error policy's counts.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::config::{ErrorPolicy, Reject};
use crate::error::{Error, Location, RecordError, Result};
use crate::summary::{Counters, InputCounters, Progress};

/// Why the run stopped; the first reason wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Stop {
    Running = 0,
    Limit = 1,
    Cancelled = 2,
    TimedOut = 3,
    Interrupted = 4,
    Failed = 5,
    /// Every input was read (set by the driver as it finishes).
    Finished = 6,
}

/// State shared by the producer, the workers and the handle.
pub(super) struct Shared {
    pub(super) stop: AtomicU8,
    /// Output slots left; `None` when unlimited (or ordered: the consumer counts).
    pub(super) remaining: Option<AtomicU64>,
    pub(super) counters: Counters,
    pub(super) error: Mutex<Option<Error>>,
    pub(super) policy: ErrorPolicy,
    /// Taken (and so closed) by the driver when the run ends, so a consumer draining
    /// rejects sees the end even while something else still holds the shared state.
    pub(super) rejects: Mutex<Option<flume::Sender<Reject>>>,
    /// `Keep` drops rejects the caller has not taken; `Stream` waits for it.
    pub(super) rejects_wait: bool,
    /// Ordered runs: the sequence number of the first page known to hold a fatal
    /// error. Pages after it cannot matter (the consumer stops there), so nobody
    /// reads or filters them.
    pub(super) first_failed: AtomicU64,
    pub(super) bad_by_input: Mutex<HashMap<String, BTreeMap<&'static str, u64>>>,
    /// `--on-error skip`: the errors that ended files early, in the order met.
    pub(super) unreadable: Mutex<Vec<String>>,
    /// Per command-line input: what it read, matched, emitted, and waited.
    pub(super) inputs: Vec<InputCounters>,
    /// Ordered runs: the input the consumer is releasing pages of. Producers of
    /// later inputs may run only `window` pages ahead of it, so the reorder buffer
    /// stays bounded however slow an earlier input is.
    pub(super) head: AtomicU64,
    /// Ordered runs: pages handed out and not yet released by the consumer.
    pub(super) ahead: AtomicU64,
    pub(super) window: u64,
}

impl Shared {
    #[inline]
    pub(super) fn stopped(&self) -> bool {
        self.stop.load(Relaxed) != Stop::Running as u8
    }

    pub(super) fn reason(&self) -> Stop {
        match self.stop.load(Acquire) {
            0 => Stop::Running,
            1 => Stop::Limit,
            2 => Stop::Cancelled,
            3 => Stop::TimedOut,
            4 => Stop::Interrupted,
            5 => Stop::Failed,
            _ => Stop::Finished,
        }
    }

    /// Stops the run for `reason` unless it already stopped; true if this call did.
    pub(super) fn halt(&self, reason: Stop) -> bool {
        self.stop
            .compare_exchange(Stop::Running as u8, reason as u8, AcqRel, Acquire)
            .is_ok()
    }

    /// Reserves one output slot. `Some(true)` means this was the last one.
    #[inline]
    pub(super) fn take_slot(&self) -> Option<bool> {
        let Some(remaining) = &self.remaining else {
            return Some(false);
        };
        match remaining.fetch_update(AcqRel, Acquire, |n| n.checked_sub(1)) {
            Ok(1) => {
                self.halt(Stop::Limit);
                Some(true)
            }
            Ok(_) => Some(false),
            Err(_) => {
                self.halt(Stop::Limit);
                None
            }
        }
    }

    /// Records the fatal error that stopped the run (later ones are consequences).
    pub(super) fn fail(&self, err: Error) {
        if self.halt(Stop::Failed) {
            *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(err);
        }
    }

    /// Ordered runs: the consumer reached a fatal error in input order, so nothing
    /// it could still emit precedes it. This overrides any stop but the limit (which
    /// only the consumer sets in ordered runs, and then never reaches an error): a
    /// page that failed before a timeout or the end of input still failed.
    pub(super) fn fail_in_order(&self, err: Error) {
        let _ = self.stop.fetch_update(AcqRel, Acquire, |s| {
            (s != Stop::Limit as u8).then_some(Stop::Failed as u8)
        });
        if self.reason() == Stop::Failed {
            *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(err);
        }
    }

    /// Ordered runs: the limit was reached in input order. The driver may already
    /// have marked the run finished (every page filtered before the consumer caught
    /// up); the limit is still why the output ends where it does.
    pub(super) fn limit_in_order(&self) {
        let _ = self.stop.fetch_update(AcqRel, Acquire, |s| {
            (s == Stop::Running as u8 || s == Stop::Finished as u8).then_some(Stop::Limit as u8)
        });
    }

    /// Ordered runs: notes that page `seq` holds a fatal error.
    pub(super) fn failed_at(&self, seq: u64) {
        self.first_failed.fetch_min(seq, AcqRel);
    }

    /// Ordered runs: whether page `seq` comes after a known fatal error.
    #[inline]
    pub(super) fn after_failure(&self, seq: u64) -> bool {
        seq > self.first_failed.load(Acquire)
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
                .fail(Error::Internal("a pipeline thread panicked".into()));
        }
        self.0.halt(Stop::Finished);
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
        self.0.halt(Stop::Cancelled);
    }
    /// Stops the run because the user interrupted it; its outcome is
    /// [`Outcome::Interrupted`].
    pub fn interrupt(&self) {
        self.0.halt(Stop::Interrupted);
    }
    /// Live counters, as [`SearchHandle::progress`]: for a thread that reports
    /// progress while the consumer is blocked on the handle.
    pub fn progress(&self) -> Progress {
        self.0.counters.snapshot()
    }
}

/// Ends the run at a deadline, like a context timeout. Dropping it disarms it.
pub(super) struct Watchdog {
    pub(super) _disarm: flume::Sender<()>,
}

impl Watchdog {
    pub(super) fn start(after: Duration, shared: Arc<Shared>) -> Watchdog {
        let (tx, rx) = flume::bounded::<()>(0);
        let _ = thread::Builder::new()
            .name("flightsift-timeout".into())
            .spawn(move || {
                if let Err(flume::RecvTimeoutError::Timeout) = rx.recv_timeout(after) {
                    shared.halt(Stop::TimedOut);
                }
            });
        Watchdog { _disarm: tx }
    }
}

/// How long shutdown waits for a producer stuck in a blocking read.
pub(super) const PRODUCER_GRACE: Duration = Duration::from_millis(200);

/// Joins the producers unless one is stuck in a read that may never return (a FIFO
/// or terminal left open); such a thread exits on its own once the read returns.
pub(super) fn wait_briefly(producers: Vec<JoinHandle<()>>, grace: Duration) {
    let deadline = Instant::now() + grace;
    while producers.iter().any(|p| !p.is_finished()) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    for p in producers {
        if p.is_finished() {
            let _ = p.join();
        }
    }
}
