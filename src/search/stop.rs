//! How a run stops: the stop flag every thread checks (the first reason wins), the
//! exact-N output slots, the fatal error; a timeout [`Watchdog`], and how long
//! shutdown waits for a producer.
//!
//! Everything here is a few atomics, so the rules are unit-tested directly below:
//! slots claimed by many threads at once, and which reason wins a race.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::*};
use std::sync::Mutex;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::error::Error;

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

/// Whether the run goes on, and why not: checked by the workers per record, by the
/// producers per page, by the consumer per batch.
pub(super) struct StopFlag {
    reason: AtomicU8,
    /// Output slots left; `None` when unlimited (or ordered: the consumer counts).
    remaining: Option<AtomicU64>,
    /// The fatal error that stopped the run.
    error: Mutex<Option<Error>>,
    /// Ordered runs: the sequence number of the first page known to hold a fatal
    /// error. Pages after it cannot matter (the consumer stops there), so nobody
    /// reads or filters them.
    first_failed: AtomicU64,
}

impl StopFlag {
    /// A running flag with `slots` output slots (`None`: no limit to count here).
    pub(super) fn new(slots: Option<u64>) -> StopFlag {
        StopFlag {
            reason: AtomicU8::new(Stop::Running as u8),
            remaining: slots.map(AtomicU64::new),
            error: Mutex::new(None),
            first_failed: AtomicU64::new(u64::MAX),
        }
    }

    #[inline]
    pub(super) fn stopped(&self) -> bool {
        self.reason.load(Relaxed) != Stop::Running as u8
    }

    pub(super) fn reason(&self) -> Stop {
        match self.reason.load(Acquire) {
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
        self.reason
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
        let _ = self.reason.fetch_update(AcqRel, Acquire, |s| {
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
        let _ = self.reason.fetch_update(AcqRel, Acquire, |s| {
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

    /// The fatal error that stopped the run, taken (once) by whoever reports it.
    pub(super) fn take_error(&self) -> Option<Error> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Ends the run at a deadline, like a context timeout. Dropping it disarms it.
pub(super) struct Watchdog {
    pub(super) _disarm: flume::Sender<()>,
}

impl Watchdog {
    /// Calls `expire` (which stops the run) after `after`, unless dropped first.
    pub(super) fn start(after: Duration, expire: impl FnOnce() + Send + 'static) -> Watchdog {
        let (tx, rx) = flume::bounded::<()>(0);
        let _ = thread::Builder::new()
            .name("flightsift-timeout".into())
            .spawn(move || {
                if let Err(flume::RecvTimeoutError::Timeout) = rx.recv_timeout(after) {
                    expire();
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

#[cfg(test)]
mod tests {
    use std::sync::Barrier;

    use super::*;

    const ALL: [Stop; 7] = [
        Stop::Running,
        Stop::Limit,
        Stop::Cancelled,
        Stop::TimedOut,
        Stop::Interrupted,
        Stop::Failed,
        Stop::Finished,
    ];

    /// A flag already stopped for `reason` (or running).
    fn stopped_for(reason: Stop) -> StopFlag {
        let flag = StopFlag::new(None);
        if reason != Stop::Running {
            flag.halt(reason);
        }
        flag
    }

    /// `threads` threads claim slots (each at most `tries` times) from a flag with
    /// `slots`, all starting together: the slots each got, and how many saw "last".
    fn claim(slots: u64, threads: usize, tries: usize) -> (StopFlag, Vec<u64>, usize) {
        let flag = StopFlag::new(Some(slots));
        let start = Barrier::new(threads);
        let (got, last): (Vec<u64>, Vec<usize>) = thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        let (mut got, mut last) = (0, 0);
                        for _ in 0..tries {
                            match flag.take_slot() {
                                Some(l) => {
                                    got += 1;
                                    last += l as usize;
                                }
                                None => break,
                            }
                        }
                        (got, last)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).unzip()
        });
        (flag, got, last.iter().sum())
    }

    /// However many threads race for them, exactly `min(slots, tries)` slots are
    /// claimed, exactly one claimer is told it took the last, and the run stops for
    /// the limit exactly when the slots ran out: what one thread alone would see.
    #[test]
    fn exactly_n_slots_are_claimed_by_any_number_of_threads() {
        for round in 0..20 {
            for threads in [1, 2, 3, 8, 16] {
                for slots in [0, 1, 2, 7, 64, 1000] {
                    let tries = 1 + (round * 37 + slots as usize) % 150;
                    let (flag, got, last) = claim(slots, threads, tries);
                    let (reference, _, reference_last) = claim(slots, 1, threads * tries);
                    let claimed: u64 = got.iter().sum();
                    let ctx = format!("{threads} threads, {slots} slots, {tries} tries each");
                    assert_eq!(claimed, slots.min((threads * tries) as u64), "{ctx}");
                    assert_eq!(last, reference_last, "{ctx}");
                    assert_eq!(last, usize::from(slots > 0 && claimed == slots), "{ctx}");
                    assert_eq!(flag.reason(), reference.reason(), "{ctx}");
                    let ran_out = (threads * tries) as u64 >= slots;
                    let expected = if ran_out { Stop::Limit } else { Stop::Running };
                    assert_eq!(flag.reason(), expected, "{ctx}");
                }
            }
        }
    }

    /// Unlimited runs never stop for a slot.
    #[test]
    fn without_a_limit_every_slot_is_granted() {
        let flag = StopFlag::new(None);
        for _ in 0..10_000 {
            assert_eq!(flag.take_slot(), Some(false));
        }
        assert_eq!(flag.reason(), Stop::Running);
    }

    /// Threads stopping the run for different reasons at once: exactly one of them
    /// stops it, and its reason is the run's.
    #[test]
    fn the_first_reason_wins_a_race() {
        // Every reason a run can stop for (all but `Running`).
        let reasons = &ALL[1..];
        for round in 0..200 {
            let threads = 2 + round % 11;
            let flag = StopFlag::new(None);
            let start = Barrier::new(threads);
            let won: Vec<Stop> = thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|i| {
                        let (flag, start) = (&flag, &start);
                        let reason = reasons[(i + round) % reasons.len()];
                        s.spawn(move || {
                            start.wait();
                            flag.halt(reason).then_some(reason)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|h| h.join().unwrap())
                    .collect()
            });
            assert_eq!(won.len(), 1, "round {round}: {won:?}");
            assert_eq!(flag.reason(), won[0], "round {round}");
            assert!(flag.stopped());
        }
    }

    /// A fatal error is the run's only if it stopped the run: a later one is a
    /// consequence, and one after a cancel, a limit or the end is not reported.
    #[test]
    fn an_error_counts_only_if_it_stopped_the_run() {
        for before in ALL {
            let flag = stopped_for(before);
            flag.fail(Error::Internal("first".into()));
            flag.fail(Error::Internal("second".into()));
            let error = flag.take_error().map(|e| e.to_string());
            if before == Stop::Running {
                assert_eq!(flag.reason(), Stop::Failed);
                assert_eq!(error.as_deref(), Some("internal error: first"));
            } else {
                assert_eq!(flag.reason(), before, "{before:?}");
                assert_eq!(error, None, "{before:?}");
            }
        }
    }

    /// Ordered runs meet errors and the limit in input order, after the fact: an
    /// error reached in order overrides every stop but the limit (the consumer sets
    /// that one, and never reaches an error after it), and the limit reached in
    /// order overrides only a run still going or marked finished.
    #[test]
    fn in_order_stops_override_what_a_sequential_scan_would_not_have_met() {
        for before in ALL {
            let flag = stopped_for(before);
            flag.fail_in_order(Error::Internal("in order".into()));
            if before == Stop::Limit {
                assert_eq!(flag.reason(), Stop::Limit);
                assert!(flag.take_error().is_none());
            } else {
                assert_eq!(flag.reason(), Stop::Failed, "{before:?}");
                assert!(flag.take_error().is_some(), "{before:?}");
            }

            let flag = stopped_for(before);
            flag.limit_in_order();
            let expected = match before {
                Stop::Running | Stop::Finished => Stop::Limit,
                other => other,
            };
            assert_eq!(flag.reason(), expected, "{before:?}");
        }
    }

    /// The first failed page is the earliest ever reported, whatever the order the
    /// reports arrive in; only pages after it are skipped.
    #[test]
    fn the_earliest_failed_page_bounds_what_is_read() {
        for round in 0..50u64 {
            let flag = StopFlag::new(None);
            let pages: Vec<u64> = (0..8).map(|i| 100 + (i * 7 + round * 13) % 50).collect();
            thread::scope(|s| {
                for &page in &pages {
                    let flag = &flag;
                    s.spawn(move || flag.failed_at(page));
                }
            });
            let first = *pages.iter().min().unwrap();
            assert!(!flag.after_failure(first), "round {round}");
            assert!(!flag.after_failure(first - 1), "round {round}");
            assert!(flag.after_failure(first + 1), "round {round}");
        }
        assert!(!StopFlag::new(None).after_failure(u64::MAX - 1));
    }
}
