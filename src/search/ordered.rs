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

use super::channel::Delivery;
use super::config::{input_of, SEQ_SHIFT};
use super::stop::StopFlag;
use crate::collect::Collector;
use crate::error::{Error, Result};
use crate::sort::Itinerary;
use crate::source::{Next, OnOversized, PageSource, SourceInfo};
use crate::summary::{Counters, InputCounters};

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

/// What the reordering reports to as it releases pages: the run's stop flag (the
/// limit or an error reached in order), the window it frees, and the counters of
/// what it drops and emits.
pub(super) struct Ledger<'a> {
    pub(super) stop: &'a StopFlag,
    pub(super) window: &'a Window,
    pub(super) counters: &'a Counters,
    pub(super) inputs: &'a [InputCounters],
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
        shared: Ledger<'_>,
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::collect::Matched;
    use crate::search::stop::Stop;

    /// What a run's shared state gives the reordering.
    struct Run {
        stop: StopFlag,
        window: Window,
        counters: Counters,
    }

    impl Run {
        fn new() -> Run {
            Run {
                stop: StopFlag::new(None),
                window: Window::new(4),
                counters: Counters::default(),
            }
        }
        fn ledger(&self) -> Ledger<'_> {
            Ledger {
                stop: &self.stop,
                window: &self.window,
                counters: &self.counters,
                inputs: &[],
            }
        }
    }

    /// Batches of match numbers.
    struct Ids;

    impl Collector for Ids {
        type Batch = Vec<u64>;
        fn batch(&self) -> Vec<u64> {
            Vec::new()
        }
        fn add(&self, _: &mut Vec<u64>, _: Matched<'_>) {}
        fn len(&self, batch: &Vec<u64>) -> u64 {
            batch.len() as u64
        }
        fn truncate(&self, batch: &mut Vec<u64>, n: u64) {
            batch.truncate(n as usize);
        }
        fn retain(&self, batch: &mut Vec<u64>, keep: &[bool]) {
            let mut flags = keep.iter();
            batch.retain(|_| *flags.next().unwrap_or(&true));
        }
    }

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n.max(1)
        }
    }

    /// One page as a worker reports it: its matches, and whether a fatal error cut
    /// it short (after those matches).
    struct PageReport {
        seq: u64,
        matches: Vec<u64>,
        error: bool,
    }

    /// What a sequential scan of `inputs` emits with `limit`, and the error it meets
    /// (the sequence number of its page), if it meets one before the limit.
    fn sequential(inputs: &[Vec<PageReport>], limit: Option<u64>) -> (Vec<u64>, Option<u64>) {
        let mut out = Vec::new();
        for page in inputs.iter().flatten() {
            for &m in &page.matches {
                if limit.is_some_and(|n| out.len() as u64 >= n) {
                    return (out, None);
                }
                out.push(m);
            }
            if limit.is_some_and(|n| out.len() as u64 >= n) {
                return (out, None);
            }
            if page.error {
                return (out, Some(page.seq));
            }
        }
        (out, None)
    }

    /// Random inputs: pages with a few matches each (often none), and now and then a
    /// page that fails.
    fn random_inputs(rng: &mut Rng) -> Vec<Vec<PageReport>> {
        let mut id = 0;
        (0..1 + rng.below(4))
            .map(|input| {
                (0..rng.below(7))
                    .map(|page| PageReport {
                        seq: input << SEQ_SHIFT | page,
                        matches: (0..rng.below(4))
                            .map(|_| {
                                id += 1;
                                id
                            })
                            .collect(),
                        error: rng.below(12) == 0,
                    })
                    .collect()
            })
            .collect()
    }

    /// Every delivery the workers would make, each input's end marker included.
    fn deliveries(inputs: &[Vec<PageReport>]) -> Vec<Delivery<Vec<u64>>> {
        let mut out = Vec::new();
        for (input, pages) in inputs.iter().enumerate() {
            for page in pages {
                let mut d = Delivery::new(page.seq, page.matches.clone());
                if page.error {
                    d.complete = false;
                    d.error = Some(Error::Internal(format!("page {}", page.seq)));
                }
                out.push(d);
            }
            let mut end =
                Delivery::new((input as u64) << SEQ_SHIFT | pages.len() as u64, Vec::new());
            end.end = true;
            out.push(end);
        }
        out
    }

    /// Pages reported in any order (workers finish out of order, several at a time,
    /// and pages after a failure may never report): the released batches are a
    /// sequential scan's first N, and the run fails exactly when that scan would.
    #[test]
    fn pages_are_released_in_sequence_whatever_order_they_arrive_in() {
        for seed in 0..3000u64 {
            let mut rng = Rng(seed);
            let inputs = random_inputs(&mut rng);
            let limit = (rng.below(3) > 0).then(|| 1 + rng.below(12));
            let (want, failed) = sequential(&inputs, limit);
            let mut pending = deliveries(&inputs);
            // Workers finish pages out of order, at most `spread` apart; pages after
            // a failed one are sometimes skipped.
            let spread = 1 + rng.below(6) as usize;
            let first_failed = inputs.iter().flatten().find(|p| p.error).map(|p| p.seq);
            if rng.below(2) == 0 {
                pending.retain(|d| first_failed.is_none_or(|f| d.seq <= f || d.end));
            }
            let shared = Run::new();
            for _ in &pending {
                shared.window.sent();
            }
            let mut reorder = Reorder::new(limit, false);
            let mut got = Vec::new();
            let recv = || {
                if pending.is_empty() {
                    return None;
                }
                let i = rng.below(spread.min(pending.len()) as u64) as usize;
                Some(pending.remove(i))
            };
            let mut recv = recv;
            while let Some(batch) = reorder.next(&Ids, shared.ledger(), &mut recv) {
                assert!(!batch.is_empty(), "seed {seed}: an empty batch released");
                got.extend(batch);
            }
            let ctx = format!("seed {seed}, limit {limit:?}, spread {spread}");
            assert_eq!(got, want, "{ctx}");
            let error = shared.stop.take_error().map(|e| e.to_string());
            let want_error = failed.map(|seq| format!("internal error: page {seq}"));
            assert_eq!(error, want_error, "{ctx}");
            let reached = limit.is_some_and(|n| want.len() as u64 >= n);
            let reason = shared.stop.reason();
            match (reached, failed) {
                (true, _) => assert_eq!(reason, Stop::Limit, "{ctx}"),
                (false, Some(_)) => assert_eq!(reason, Stop::Failed, "{ctx}"),
                (false, None) => assert_eq!(reason, Stop::Running, "{ctx}"),
            }
        }
    }

    /// A page cut short by a stop is the end of the ordered output: what comes after
    /// it is not a prefix of the scan.
    #[test]
    fn a_page_cut_short_ends_the_output() {
        let shared = Run::new();
        let mut cut = Delivery::new(1, vec![3, 4]);
        cut.complete = false;
        let mut pending = vec![Delivery::new(2, vec![5]), cut, Delivery::new(0, vec![1, 2])];
        for _ in &pending {
            shared.window.sent();
        }
        let mut reorder = Reorder::new(None, false);
        let mut got = Vec::new();
        while let Some(batch) = reorder.next(&Ids, shared.ledger(), || pending.pop()) {
            got.extend(batch);
        }
        assert_eq!(got, [1, 2, 3, 4]);
        assert_eq!(shared.stop.reason(), Stop::Running);
    }

    /// Waits for `admit` on another thread: whether it returned within `wait`.
    fn admitted_within(window: &Window, input: usize, wait: Duration) -> (bool, bool) {
        let done = AtomicBool::new(false);
        let give_up = AtomicBool::new(false);
        thread::scope(|s| {
            let handle = s.spawn(|| {
                let admitted = window.admit(input, &|| give_up.load(Acquire));
                done.store(true, Release);
                admitted
            });
            let deadline = std::time::Instant::now() + wait;
            while !done.load(Acquire) && std::time::Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
            let in_time = done.load(Acquire);
            give_up.store(true, Release);
            (in_time, handle.join().unwrap())
        })
    }

    /// The head input never waits; a later one waits while the window is full, and
    /// goes on when the consumer releases a page or moves on to it.
    #[test]
    fn a_later_input_waits_for_the_window_and_the_head_never_does() {
        let window = Window::new(2);
        let long = Duration::from_millis(2000);
        let short = Duration::from_millis(60);
        window.sent();
        // Room left: anyone goes.
        assert_eq!(admitted_within(&window, 3, long), (true, true));
        window.sent();
        // Full: the head goes, a later input waits (and gives up when told).
        assert_eq!(admitted_within(&window, 0, long), (true, true));
        assert_eq!(admitted_within(&window, 1, short), (false, false));
        window.released();
        assert_eq!(admitted_within(&window, 1, long), (true, true));
        window.sent();
        window.advance(1);
        assert_eq!(admitted_within(&window, 1, long), (true, true));
        assert_eq!(admitted_within(&window, 2, short), (false, false));
    }
}
