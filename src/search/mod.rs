//! The search pipeline, top to bottom: this file is where a run reads as a whole
//! ([`Search::start_with`] sets it up, `Run::drive` runs it); the rooms beside it
//! hold one stage each.
//!
//! ```text
//!  producers (threads)           workers (a rayon pool, par_bridge)        consumer
//!  ───────────────────           ──────────────────────────────────        ────────
//!  input ─▶ page source  ──▶ flume ──▶ page ─▶ scanner: decode, filter ──▶ SearchHandle
//!  (source/)  │ metered  bounded        (decode::scanner, per format)     (handle.rs)
//!             │ replayed latency              │ keep: slot / dedupe /     ordered runs:
//!             │ ordered window                │ sort (worker.rs, topk)    Reorder
//!             (producer.rs, ordered.rs)       └─ last slot ─▶ stop flag  (ordered.rs)
//! ```
//!
//! The rooms:
//!
//! * `config.rs`: [`SearchConfig`] and its parts ([`ErrorPolicy`], [`Rejects`]), and
//!   the sequence numbers pages are known by.
//! * `stop.rs`: the stop flag (the first reason wins), the exact-N output slots, the
//!   fatal error; [`Canceller`], the timeout watchdog, the producers' shutdown grace.
//! * `shared.rs`: what every thread shares: the stop flag, the counters, the error
//!   policy and where skipped records go.
//! * `producer.rs`: a producer per input, pulling pages from a page source
//!   (`crate::source`) wrapped for the statistics, a replayed latency
//!   (`crate::latency`) and an ordered run's window; and the workers' end of the
//!   channel.
//! * `worker.rs`: a worker scans a page with its `decode::scanner::PageScanner` (which
//!   knows the formats) and keeps what matches (which it alone knows how).
//! * `ordered.rs`: ordered runs' two gates, the producers' window and the consumer's
//!   reordering.
//! * `handle.rs`: [`SearchHandle`], the caller's end, and the run's summary.
//!
//! What holds it together:
//!
//! * Each command-line input has its own producer (at most [`MAX_PRODUCERS`] at once),
//!   as a search asks each provider in parallel; a page's sequence number is its
//!   input's place, then its own, so input order survives the fan-in.
//! * Pages, not records, cross the channel: one send per page keeps the hand-off cost
//!   negligible, and parsing happens in the workers, in parallel.
//! * Exactly `min(N, matches)` records are emitted: a worker reserves an output slot
//!   (`fetch_update` + `checked_sub`, as rayon's `take_any` does) *before* it keeps a
//!   match, so the count can never overshoot whatever the thread count.
//! * `sort` replaces the slot: each worker thread keeps its best N (`crate::topk`),
//!   merged when the scan ends. `dedupe` checks a shared set of itineraries before
//!   the slot (or, ordered, lets the consumer drop repeats in input order).
//! * Stopping is prompt: taking the last slot sets the stop flag; workers check it per
//!   record, the page iterator polls it between receives (so no worker stays parked on
//!   a stalled input), and the producer checks it between pages.
//! * Shutdown order: stop flag → bridge drains → page receiver dropped (a producer
//!   blocked in `send` wakes with an error) → result sender dropped (the consumer's
//!   iterator ends) → producer joined, or left behind if it is stuck in a blocking
//!   read of a pipe that never closes; it owns nothing the caller waits for.
//! * The producer and driver are plain threads, never rayon jobs, and filter code never
//!   calls into rayon, so the pool cannot deadlock on itself.
//! * `ordered` runs reserve no slots: every page reports (even with no match) under its
//!   sequence number, the handle releases pages in order, trims the last batch to N and
//!   then stops the run, so the output is exactly a sequential scan's first N.
//!   Errors are ordered the same way: a fatal error travels with its page's sequence
//!   number (the producer's own errors take the next one), the workers go on with
//!   the pages before it, and the handle applies it only when it gets there, so an
//!   error after the N-th match is never met and one before it always is.
//! * Every format is scanned by one loop (`decode::scanner`) over a per-format cursor:
//!   adding a format means implementing the cursor, not copying the loop, and the
//!   worker never learns of it.
//! * Every other way to stop (a timeout watchdog, [`Canceller::interrupt`] from a signal
//!   handler, a fatal error) sets the same flag; the first reason wins and becomes the
//!   run's [`crate::Outcome`].

mod channel;
mod config;
mod handle;
mod ordered;
mod producer;
mod shared;
mod stop;
mod worker;

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use rayon::iter::{ParallelBridge, ParallelIterator};

pub use config::{ErrorPolicy, Reject, Rejects, SearchConfig, DEFAULT_PAGE_SIZE, MAX_PRODUCERS};
pub use handle::SearchHandle;
pub use shared::Canceller;

use crate::collect::{Collector, Flights};
use crate::decode::scanner::{Decoding, PageScanner};
use crate::error::{Error, Result};
#[cfg(doc)]
use crate::record::Flight;
use crate::source::Input;
use crate::topk::{Ranked, Seen};
use channel::{Delivery, Fanout, PageItem};
use ordered::Reorder;
use producer::{Pages, Producer};
use shared::{Shared, StopOnDrop};
use stop::{wait_briefly, Stop, Watchdog, PRODUCER_GRACE};
use worker::{Keeper, Worker};

/// Entry point of the library.
pub struct Search;

impl Search {
    /// Starts a search whose results are decoded [`Flight`]s. Returns at once.
    pub fn start(config: SearchConfig) -> Result<SearchHandle<Flights>> {
        Search::start_with(config, Flights)
    }

    /// Starts a search whose matches are packed by `collector` (decoded flights,
    /// encoded bytes, or a count). Returns at once; the work runs on its own threads.
    pub fn start_with<C: Collector>(config: SearchConfig, collector: C) -> Result<SearchHandle<C>> {
        // The run's clock starts before any thread does, so the time to the first
        // result is never shorter than the work (or replayed wait) behind it.
        let started = Instant::now();
        let threads = match config.threads {
            0 => thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        if config.page_size == 0 {
            return Err(Error::Config("page size must be at least 1".into()));
        }
        // Every input is checked before anything runs, so nothing is written for a
        // run that cannot succeed, and a typo in a later input is never hidden by a
        // limit reached in an earlier one.
        // Directories stand for their dump files, in name order.
        let groups = config
            .inputs
            .iter()
            .map(Input::expand)
            .collect::<Result<Vec<_>>>()?;
        for input in groups.iter().flatten() {
            input.check()?;
        }
        let capacity = if config.channel_capacity == 0 {
            2 * threads
        } else {
            config.channel_capacity
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("flightsift-worker-{i}"))
            .build()
            .map_err(|e| Error::Config(format!("cannot start {threads} worker threads: {e}")))?;
        // Enough for every worker to stay busy on later inputs while the head input
        // catches up, little enough to bound the reorder buffer.
        let window = (2 * capacity + threads) as u64;
        let (shared, rejects_rx) = Shared::new(&config, window);
        let shared = Arc::new(shared);
        let ordered = config.ordered && config.sort.is_none();
        let fanout = match (&config.sort, config.dedupe) {
            (Some(spec), dedupe) => {
                Fanout::Ranked(Ranked::new(spec.clone(), dedupe, config.limit, threads))
            }
            (None, true) if ordered => Fanout::InOrder,
            (None, true) => Fanout::FirstSeen(Seen::new()),
            (None, false) => Fanout::Plain,
        };
        // Results are bounded too: a slow consumer slows the workers instead of
        // letting memory grow.
        let (results_tx, results_rx) = flume::bounded(capacity.max(2));
        let collector = Arc::new(collector);
        let run = Run {
            config: config.clone(),
            groups: Arc::new(groups),
            threads,
            capacity,
            shared: shared.clone(),
            collector: collector.clone(),
            fanout,
        };
        let driver = thread::Builder::new()
            .name("flightsift-driver".into())
            .spawn(move || run.drive(pool, results_tx))
            .map_err(|e| Error::Config(format!("cannot start the driver thread: {e}")))?;
        Ok(SearchHandle {
            results: Some(results_rx),
            rejects: rejects_rx,
            collector,
            shared,
            driver: Some(driver),
            started,
            first_at: None,
            last_at: None,
            emitted: 0,
            order: ordered.then(|| Reorder::new(config.limit, config.dedupe)),
            shape: (threads, config.page_size, capacity),
            limit: config.limit,
        })
    }
}

struct Run<C: Collector> {
    config: SearchConfig,
    /// Each command-line input with the files it stands for (a directory's, in
    /// name order).
    groups: Arc<Vec<Vec<Input>>>,
    threads: usize,
    capacity: usize,
    shared: Arc<Shared>,
    collector: Arc<C>,
    fanout: Fanout<C::Batch>,
}

impl<C: Collector> Run<C> {
    /// Runs the whole search on the driver thread.
    fn drive(mut self, pool: rayon::ThreadPool, results: flume::Sender<Delivery<C::Batch>>) {
        let _guard = StopOnDrop(self.shared.clone());
        if self.config.limit == Some(0) {
            // `-n 0`: emit nothing, read nothing.
            self.shared.stop.halt(Stop::Limit);
            return;
        }
        let _watchdog = self.config.timeout.map(|t| {
            let shared = self.shared.clone();
            Watchdog::start(t, move || {
                shared.stop.halt(Stop::TimedOut);
            })
        });
        let (page_tx, page_rx) = flume::bounded::<PageItem>(self.capacity);
        let (spare_tx, spare_rx) = flume::bounded::<Vec<u8>>(self.capacity + self.threads);
        let ordered = self.config.ordered && self.config.sort.is_none();
        let next = Arc::new(AtomicUsize::new(0));
        let mut producers = Vec::new();
        for i in 0..self.groups.len().min(MAX_PRODUCERS) {
            let producer = Producer {
                groups: self.groups.clone(),
                next: next.clone(),
                page_size: self.config.page_size,
                tx: page_tx.clone(),
                spare: spare_rx.clone(),
                shared: self.shared.clone(),
                latency: self.config.latency,
                seed: self.config.seed,
                ordered,
            };
            match thread::Builder::new()
                .name(format!("flightsift-producer-{i}"))
                .spawn(move || producer.run())
            {
                Ok(p) => producers.push(p),
                Err(e) => {
                    self.shared.stop.fail(Error::Config(format!(
                        "cannot start a producer thread: {e}"
                    )));
                    return;
                }
            }
        }
        // The producers hold the only senders: the channel ends when they all do.
        drop(page_tx);

        let pages = Pages {
            rx: page_rx,
            shared: &self.shared,
        };
        let per_page_cap = if ordered && !self.config.dedupe {
            self.config.limit
        } else {
            None
        };
        let decoding = Decoding::new(
            &self.config.filter,
            self.config.validate_all,
            self.config.currency.as_ref(),
            self.collector.filter_decides(),
        );
        let (shared, filter, collector, sender, spare, fanout) = (
            &*self.shared,
            &self.config.filter,
            &*self.collector,
            &results,
            &spare_tx,
            &self.fanout,
        );
        let _ = pool.install(|| {
            pages.par_bridge().try_for_each_init(
                || Worker {
                    scanner: PageScanner::new(&decoding),
                    keeper: Keeper {
                        shared,
                        filter,
                        collector,
                        results: sender,
                        spare,
                        ordered,
                        per_page_cap,
                        fanout,
                        itineraries: Vec::new(),
                    },
                },
                |worker, page| worker.page(page),
            )
        });
        // The bridge is done and its receiver dropped: a blocked producer wakes.
        if let Fanout::Ranked(ranked) = &mut self.fanout {
            // A sorted run emits once the scan is over (or was stopped by a timeout
            // or an interruption: then the best of what was read, validly).
            if !matches!(self.shared.stop.reason(), Stop::Failed | Stop::Cancelled) {
                for (seq, batch) in ranked.take_merged() {
                    if results.send(Delivery::new(seq, batch)).is_err() {
                        self.shared.stop.halt(Stop::Cancelled);
                        break;
                    }
                }
            }
        }
        self.shared.stop.halt(Stop::Finished);
        drop(results);
        wait_briefly(producers, PRODUCER_GRACE);
    }
}
