//! The search pipeline, top to bottom.
//!
//! ```text
//!  a producer per input     dedicated rayon pool (par_bridge)            consumer
//!  ────────────────────     ────────────────────────────────            ────────
//!  read blocks, cut    ──▶  recv page ─▶ decode ─▶ filter ─▶ reserve ─▶  SearchHandle
//!  pages of records   flume  (each worker reuses one Flight)   slot     (iterator of
//!  (source.rs), after bounded                                   │        batches)
//!  any replayed latency                             limit hit ──┴─▶ stop flag
//! ```
//!
//! * Each command-line input has its own producer (at most [`MAX_PRODUCERS`] at once),
//!   as a search asks each provider in parallel; a page's sequence number is its
//!   input's place, then its own ([`SEQ_SHIFT`]), so input order survives the fan-in.
//! * `sort` replaces the slot: each worker thread keeps its best N ([`crate::topk`]),
//!   merged when the scan ends. `dedupe` checks a shared set of itineraries before
//!   the slot (or, ordered, lets the consumer drop repeats in input order).
//!
//! * Pages, not records, cross the channel: one send per page keeps the hand-off cost
//!   negligible, and parsing happens in the workers, in parallel.
//! * Exactly `min(N, matches)` records are emitted: a worker reserves an output slot
//!   (`fetch_update` + `checked_sub`, as rayon's `take_any` does) *before* it keeps a
//!   match, so the count can never overshoot whatever the thread count.
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
//! * Every format is scanned by one loop ([`Worker::scan`]) over a per-format
//!   [`Cursor`]: adding a format means implementing the cursor, not copying the loop.
//! * Every other way to stop (a timeout watchdog, [`Canceller::interrupt`] from a signal
//!   handler, a fatal error) sets the same flag; the first reason wins and becomes the
//!   run's [`Outcome`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::collect::{Collector, Flights, Matched};
use crate::columns::col;
use crate::currency::Converter;
use crate::decode::{
    check_consistency,
    csv::{CsvCursor, CsvRecords, ALL_COLUMNS},
    ndjson::{self, NdjsonCursor},
    responses::{ResponseCursor, Responses},
    Cursor, InputFormat,
};
use crate::error::{Error, Location, RecordError, Result};
use crate::filter::Filter;
use crate::latency::Latency;
use crate::record::Flight;
use crate::sort::{Itinerary, SortSpec};
use crate::source::{Input, Page, PageReader};
use crate::summary::{Counters, InputCounters, Outcome, Progress, Summary};
use crate::topk::{self, Seen, TopK};

/// How often an idle worker re-checks the stop flag while waiting for a page.
const POLL: Duration = Duration::from_millis(20);
/// How long shutdown waits for a producer stuck in a blocking read.
const PRODUCER_GRACE: Duration = Duration::from_millis(200);
/// Default records per page, chosen by measurement (see README, "Performance").
pub const DEFAULT_PAGE_SIZE: usize = 2048;
/// Bytes of an oversized record kept in its reject.
const REJECT_SAMPLE: usize = 1024;
/// At most this many inputs are read at once (one producer thread each); further
/// inputs start as earlier ones finish, in command-line order.
pub const MAX_PRODUCERS: usize = 16;
/// A page's sequence number is its input's place on the command line, then its
/// place in that input: `input << SEQ_SHIFT | page`. Ordering sequence numbers is
/// ordering by input, then page: the order of a sequential scan.
const SEQ_SHIFT: u32 = 40;
/// What a `--sort` run without a limit may hold in memory before it fails, asking
/// for `-n` (with a limit it holds N matches per worker, whatever the dump size).
pub const SORT_MEMORY_BUDGET: u64 = 1 << 30;

/// The input (command-line place) a page comes from.
#[inline]
fn input_of(seq: u64) -> usize {
    (seq >> SEQ_SHIFT) as usize
}

/// What to do with a malformed record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorPolicy {
    /// Stop the run with an error naming file, line and field.
    #[default]
    Fail,
    /// Skip it, count it per input and reason, and (optionally) hand it to
    /// [`SearchHandle::rejects`]. I/O errors stay fatal.
    Skip,
}

/// Everything a search needs, validated by [`Search::start_with`].
#[derive(Clone, Debug)]
pub struct SearchConfig {
    /// Inputs, read in order.
    pub inputs: Vec<Input>,
    /// The compiled filter.
    pub filter: Filter,
    /// Emit at most this many matches (`None`: all).
    pub limit: Option<u64>,
    /// Emit matches in input order (the first N of a sequential scan), still
    /// filtering in parallel and still stopping early.
    pub ordered: bool,
    /// Stop paging after this long; the run ends validly with what it found.
    pub timeout: Option<Duration>,
    /// Malformed records: fail (default) or skip and count.
    pub on_error: ErrorPolicy,
    /// Decode and check every field of every record, even of records the filter
    /// rejects. By default only the fields the filter reads are decoded for a
    /// rejected record (every kept record is always checked in full).
    pub validate_all: bool,
    /// With [`ErrorPolicy::Skip`], whether skipped records are delivered on
    /// [`SearchHandle::rejects`], and what happens when nobody drains them.
    pub rejects: Rejects,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Records per page.
    pub page_size: usize,
    /// Pages the channel between producer and workers holds (0: twice the threads).
    pub channel_capacity: usize,
    /// Emit matches in this order (a full scan; with `limit`, the best N, each
    /// worker keeping N). Ties break by input order, so the output does not depend
    /// on threads or paging. Takes precedence over `ordered`.
    pub sort: Option<SortSpec>,
    /// One offer per itinerary ([`Itinerary`]): the first found (with `ordered`,
    /// the first in input order), or with `sort` the best.
    pub dedupe: bool,
    /// Each input's producer waits this long before handing over each page, as a
    /// live provider would.
    pub latency: Option<Latency>,
    /// Seed of the latency draws (each input has its own stream).
    pub seed: u64,
    /// Convert every price to one currency before the filter reads it (so price
    /// filters, `sort` and `dedupe`'s best offer compare converted amounts). A price
    /// no rate converts is a bad record (`reason` `currency`), under `on_error`.
    pub currency: Option<Converter>,
}

impl SearchConfig {
    /// A configuration with defaults: no filter, no limit, all cores.
    pub fn new(inputs: Vec<Input>) -> SearchConfig {
        SearchConfig {
            inputs,
            filter: Filter::all(),
            limit: None,
            ordered: false,
            timeout: None,
            on_error: ErrorPolicy::Fail,
            rejects: Rejects::Count,
            validate_all: false,
            threads: 0,
            page_size: DEFAULT_PAGE_SIZE,
            channel_capacity: 0,
            sort: None,
            dedupe: false,
            latency: None,
            seed: 0,
            currency: None,
        }
    }
}

/// A record skipped under [`ErrorPolicy::Skip`].
#[derive(Clone, Debug)]
pub struct Reject {
    /// File and line.
    pub location: Location,
    /// What was wrong.
    pub error: RecordError,
    /// The record's bytes as read (the first KiB only for an oversized record).
    pub raw: Vec<u8>,
}

/// Whether skipped records (under [`ErrorPolicy::Skip`]) are handed to the caller.
///
/// Counting is always exact (see [`Summary::bad_records`]); this only decides whether
/// the records themselves are kept, and whether an undrained stream may slow the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rejects {
    /// Counted only.
    #[default]
    Count,
    /// Delivered on [`SearchHandle::rejects`], at most `capacity` waiting; beyond that
    /// they are counted in [`Summary::rejects_dropped`] instead. The run never waits
    /// for the caller, so iterating the results without draining rejects is safe.
    Keep {
        /// Rejects held for the caller before further ones are dropped.
        capacity: usize,
    },
    /// Every one delivered: when `capacity` are waiting the workers wait too, so the
    /// caller must drain [`SearchHandle::rejects`] on another thread (as the CLI's
    /// `--rejects` writer does). Nothing is dropped.
    Stream {
        /// Rejects in flight before the workers wait.
        capacity: usize,
    },
}

/// Why the run stopped; the first reason wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Stop {
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
struct Shared {
    stop: AtomicU8,
    /// Output slots left; `None` when unlimited (or ordered: the consumer counts).
    remaining: Option<AtomicU64>,
    counters: Counters,
    error: Mutex<Option<Error>>,
    policy: ErrorPolicy,
    /// Taken (and so closed) by the driver when the run ends, so a consumer draining
    /// rejects sees the end even while something else still holds the shared state.
    rejects: Mutex<Option<flume::Sender<Reject>>>,
    /// `Keep` drops rejects the caller has not taken; `Stream` waits for it.
    rejects_wait: bool,
    /// Ordered runs: the sequence number of the first page known to hold a fatal
    /// error. Pages after it cannot matter (the consumer stops there), so nobody
    /// reads or filters them.
    first_failed: AtomicU64,
    bad_by_input: Mutex<HashMap<String, BTreeMap<&'static str, u64>>>,
    /// `--on-error skip`: the errors that ended files early, in the order met.
    unreadable: Mutex<Vec<String>>,
    /// Per command-line input: what it read, matched, emitted, and waited.
    inputs: Vec<InputCounters>,
    /// Ordered runs: the input the consumer is releasing pages of. Producers of
    /// later inputs may run only `window` pages ahead of it, so the reorder buffer
    /// stays bounded however slow an earlier input is.
    head: AtomicU64,
    /// Ordered runs: pages handed out and not yet released by the consumer.
    ahead: AtomicU64,
    window: u64,
}

impl Shared {
    #[inline]
    fn stopped(&self) -> bool {
        self.stop.load(Relaxed) != Stop::Running as u8
    }

    fn reason(&self) -> Stop {
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
    fn halt(&self, reason: Stop) -> bool {
        self.stop
            .compare_exchange(Stop::Running as u8, reason as u8, AcqRel, Acquire)
            .is_ok()
    }

    /// Reserves one output slot. `Some(true)` means this was the last one.
    #[inline]
    fn take_slot(&self) -> Option<bool> {
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
    fn fail(&self, err: Error) {
        if self.halt(Stop::Failed) {
            *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(err);
        }
    }

    /// Ordered runs: the consumer reached a fatal error in input order, so nothing
    /// it could still emit precedes it. This overrides any stop but the limit (which
    /// only the consumer sets in ordered runs, and then never reaches an error): a
    /// page that failed before a timeout or the end of input still failed.
    fn fail_in_order(&self, err: Error) {
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
    fn limit_in_order(&self) {
        let _ = self.stop.fetch_update(AcqRel, Acquire, |s| {
            (s == Stop::Running as u8 || s == Stop::Finished as u8).then_some(Stop::Limit as u8)
        });
    }

    /// Ordered runs: notes that page `seq` holds a fatal error.
    fn failed_at(&self, seq: u64) {
        self.first_failed.fetch_min(seq, AcqRel);
    }

    /// Ordered runs: whether page `seq` comes after a known fatal error.
    #[inline]
    fn after_failure(&self, seq: u64) -> bool {
        seq > self.first_failed.load(Acquire)
    }

    /// Applies the error policy to a malformed record of command-line input `input`:
    /// `Err` when it is fatal.
    fn bad_record(
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
struct StopOnDrop(Arc<Shared>);
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
        let shared = Arc::new(Shared {
            stop: AtomicU8::new(Stop::Running as u8),
            // In ordered mode the consumer decides which matches count, in order; a
            // sorted run reads everything and keeps the best.
            remaining: if config.ordered || config.sort.is_some() {
                None
            } else {
                config.limit.map(AtomicU64::new)
            },
            counters: Counters::default(),
            error: Mutex::new(None),
            policy: config.on_error,
            rejects: Mutex::new(rejects_tx),
            rejects_wait,
            first_failed: AtomicU64::new(u64::MAX),
            bad_by_input: Mutex::new(HashMap::new()),
            unreadable: Mutex::new(Vec::new()),
            inputs: config
                .inputs
                .iter()
                .map(|i| InputCounters::new(i.name()))
                .collect(),
            head: AtomicU64::new(0),
            ahead: AtomicU64::new(0),
            // Enough for every worker to stay busy on later inputs while the head
            // input catches up, little enough to bound the reorder buffer.
            window: (2 * capacity + threads) as u64,
        });
        let ordered = config.ordered && config.sort.is_none();
        let fanout = match (&config.sort, config.dedupe) {
            (Some(spec), dedupe) => Fanout::Ranked {
                spec: spec.clone(),
                dedupe,
                limit: config.limit,
                heaps: (0..threads)
                    .map(|_| Mutex::new(TopK::new(config.limit, dedupe)))
                    .collect(),
                held: std::sync::atomic::AtomicI64::new(0),
            },
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
            order: ordered.then(|| Reorder {
                next: 0,
                waiting: BTreeMap::new(),
                left: config.limit,
                ended: false,
                error: None,
                seen: config.dedupe.then(HashSet::new),
            }),
            shape: (threads, config.page_size, capacity),
            limit: config.limit,
        })
    }
}

/// A batch of matches from one page.
struct Delivery<B> {
    seq: u64,
    batch: B,
    /// False when the page's scan was cut short by a stop or an error.
    complete: bool,
    /// Ordered runs: the fatal error that ended this page, after `batch`'s matches.
    /// The consumer applies it in input order, as a sequential scan would meet it.
    error: Option<Error>,
    /// Ordered `--dedupe` runs: each match's itinerary, in batch order, so the
    /// consumer keeps the first of each in input order.
    itineraries: Vec<Itinerary>,
    /// Ordered runs: the input `seq` belongs to has no page at or after `seq`.
    end: bool,
}

impl<B> Delivery<B> {
    fn new(seq: u64, batch: B) -> Delivery<B> {
        Delivery {
            seq,
            batch,
            complete: true,
            error: None,
            itineraries: Vec::new(),
            end: false,
        }
    }
}

/// A fatal error from a producer (an input that cannot be read, a bad header, an
/// oversized record), at its place among the pages.
struct Failed {
    seq: u64,
    error: Error,
}

/// What crosses the page channel.
enum PageItem {
    Page(Page),
    Failed(Failed),
    /// Ordered runs: an input ended; the sequence number its next page would have had.
    End(u64),
}

/// What happens to a match besides the filter: plain emission, deduplication, or
/// ranking (see [`crate::topk`]).
enum Fanout<B> {
    Plain,
    /// Unordered `--dedupe`: the first worker to take an itinerary keeps it.
    FirstSeen(Seen),
    /// Ordered `--dedupe`: the consumer keeps the first of each, in input order.
    InOrder,
    /// `--sort`: each worker thread keeps its best matches, merged at the end.
    Ranked {
        spec: SortSpec,
        dedupe: bool,
        limit: Option<u64>,
        heaps: Vec<Mutex<TopK<B>>>,
        /// Bytes held by the heaps (checked against [`SORT_MEMORY_BUDGET`] when
        /// there is no limit).
        held: std::sync::atomic::AtomicI64,
    },
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
            self.shared.halt(Stop::Limit);
            return;
        }
        let _watchdog = self
            .config
            .timeout
            .map(|t| Watchdog::start(t, self.shared.clone()));
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
                    self.shared.fail(Error::Config(format!(
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
        let first_pass = if self.config.validate_all {
            ALL_COLUMNS
        } else if self.config.currency.is_some() {
            // The filter must see converted prices.
            self.config.filter.columns() | 1 << col::PRICE | 1 << col::CURRENCY
        } else {
            self.config.filter.columns()
        };
        let per_page_cap = if ordered && !self.config.dedupe {
            self.config.limit
        } else {
            None
        };
        // CSV records and NDJSON lines the filter rejects on their text are not
        // decoded (exact: only when nothing but the filter's columns would be checked,
        // and the filter alone decides; not when prices are converted first, as the
        // text holds the unconverted amount).
        let prefilter = (!self.config.validate_all
            && self.config.currency.is_none()
            && self.collector.filter_decides())
        .then(|| self.config.filter.raw())
        .flatten();
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
                    flight: Flight::default(),
                    csv: Some(CsvRecords::with_prefilter(prefilter.clone())),
                    shared,
                    filter,
                    collector,
                    results: sender,
                    first_pass,
                    members: Some(ndjson::Members::with_prefilter(
                        prefilter.clone(),
                        filter.columns(),
                    )),
                    responses: Some(Responses::default()),
                    spare,
                    ordered,
                    per_page_cap,
                    fanout,
                    itineraries: Vec::new(),
                    currency: self.config.currency.as_ref(),
                },
                |worker, page| worker.page(page),
            )
        });
        // The bridge is done and its receiver dropped: a blocked producer wakes.
        if let Fanout::Ranked { heaps, limit, .. } = &mut self.fanout {
            // A sorted run emits once the scan is over (or was stopped by a timeout
            // or an interruption: then the best of what was read, validly).
            if !matches!(self.shared.reason(), Stop::Failed | Stop::Cancelled) {
                let heaps = std::mem::take(heaps)
                    .into_iter()
                    .map(|h| h.into_inner().unwrap_or_else(|p| p.into_inner()))
                    .collect();
                for ((_, seq, _), batch) in topk::merge(heaps, *limit) {
                    if results.send(Delivery::new(seq, batch)).is_err() {
                        self.shared.halt(Stop::Cancelled);
                        break;
                    }
                }
            }
        }
        self.shared.halt(Stop::Finished);
        drop(results);
        wait_briefly(producers, PRODUCER_GRACE);
    }
}

/// Ends the run at a deadline, like a context timeout. Dropping it disarms it.
struct Watchdog {
    _disarm: flume::Sender<()>,
}

impl Watchdog {
    fn start(after: Duration, shared: Arc<Shared>) -> Watchdog {
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

/// Joins the producers unless one is stuck in a read that may never return (a FIFO
/// or terminal left open); such a thread exits on its own once the read returns.
fn wait_briefly(producers: Vec<JoinHandle<()>>, grace: Duration) {
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

/// A producer thread: takes the next unread command-line input, pages it into the
/// channel, and so on until none is left or the run stops.
struct Producer {
    groups: Arc<Vec<Vec<Input>>>,
    /// The next input no producer has taken yet.
    next: Arc<AtomicUsize>,
    page_size: usize,
    tx: flume::Sender<PageItem>,
    spare: flume::Receiver<Vec<u8>>,
    shared: Arc<Shared>,
    latency: Option<Latency>,
    seed: u64,
    ordered: bool,
}

impl Producer {
    fn run(self) {
        loop {
            let arg = self.next.fetch_add(1, AcqRel);
            if arg >= self.groups.len() || self.shared.stopped() {
                return;
            }
            if !self.input(arg) {
                return;
            }
        }
    }

    /// Whether page `seq` can no longer matter: the run stopped, or (ordered runs)
    /// an earlier page holds a fatal error.
    fn done(&self, seq: u64) -> bool {
        self.shared.stopped() || self.shared.after_failure(seq)
    }

    /// Hands a page or marker to the workers; false when they are gone.
    fn send(&self, item: PageItem) -> bool {
        if self.ordered {
            self.shared.ahead.fetch_add(1, AcqRel);
        }
        let started = Instant::now();
        let sent = self.tx.send(item);
        self.shared
            .counters
            .producer_blocked_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        sent.is_ok()
    }

    /// Waits like a live provider before a page; false if the run stopped meanwhile.
    fn wait(&self, delay: Duration, counters: &InputCounters) -> bool {
        let started = Instant::now();
        let until = started + delay;
        let done = loop {
            if self.shared.stopped() {
                break false;
            }
            let now = Instant::now();
            if now >= until {
                break true;
            }
            thread::sleep((until - now).min(Duration::from_millis(5)));
        };
        counters
            .waiting_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        done
    }

    /// Ordered runs: an input after the one the consumer is releasing waits while
    /// `window` pages are already ahead of it (the head input never waits, so the
    /// consumer always progresses). False if the run stopped meanwhile.
    fn gate(&self, arg: usize) -> bool {
        if !self.ordered {
            return true;
        }
        let shared = &self.shared;
        while arg as u64 > shared.head.load(Acquire) && shared.ahead.load(Acquire) >= shared.window
        {
            if shared.stopped() {
                return false;
            }
            thread::sleep(Duration::from_millis(1));
        }
        true
    }

    /// An input's file failed (it cannot be opened or read to the end). Fatal by
    /// default, at its place among the pages; with `--on-error skip` the rest of
    /// that file is skipped, counted and reported (reason `unreadable`), and the
    /// producer goes on with the input's next file. True to go on.
    fn file_failed(&self, arg: usize, seq: u64, file: &Input, line: u64, error: Error) -> bool {
        if self.shared.policy == ErrorPolicy::Skip && !matches!(error, Error::Record { .. }) {
            let location = Location {
                input: file.name(),
                line,
            };
            let message = error.to_string();
            self.shared
                .unreadable
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!(
                    "{message} (line {line}; the rest of it was skipped)"
                ));
            let error = RecordError::record("unreadable", message);
            return self.shared.bad_record(arg, location, error, &[]).is_ok();
        }
        let _ = self.send(PageItem::Failed(Failed { seq, error }));
        false
    }

    /// Pages command-line input `arg` (every file it stands for) into the channel;
    /// false when the run is over for every producer.
    fn input(&self, arg: usize) -> bool {
        let shared = &*self.shared;
        let counters = &shared.inputs[arg];
        let base = (arg as u64) << SEQ_SHIFT;
        let mut page_no = 0u64;
        let mut delays = self.latency.map(|l| l.delays(self.seed, arg as u64));
        let mut on_oversized = |location: Location, error: RecordError, sample: &[u8]| {
            shared.bad_record(
                arg,
                location,
                error,
                &sample[..sample.len().min(REJECT_SAMPLE)],
            )
        };
        for file in &self.groups[arg] {
            if self.done(base | page_no) {
                return !shared.stopped();
            }
            let opened = Instant::now();
            let reader = PageReader::open(file, self.page_size);
            shared.counters.files.fetch_add(1, Relaxed);
            shared
                .counters
                .reading_ns
                .fetch_add(opened.elapsed().as_nanos() as u64, Relaxed);
            let mut reader = match reader {
                Ok(r) => r,
                Err(e) => {
                    if self.file_failed(arg, base | page_no, file, 1, e) {
                        continue;
                    }
                    return false;
                }
            };
            counters.label(match reader.info.format {
                InputFormat::Responses(Some(p)) => p.name().to_string(),
                InputFormat::Responses(None) => "responses".to_string(),
                InputFormat::Csv | InputFormat::Ndjson => counters.name.clone(),
            });
            // The header and any sniffed bytes were read by `open`: they count too.
            shared.counters.bytes.fetch_add(reader.bytes_read, Relaxed);
            let mut counted = reader.bytes_read;
            loop {
                // A live provider answers each request after a while.
                if let Some(delay) = delays.as_mut().and_then(Iterator::next) {
                    if !self.wait(delay, counters) {
                        return false;
                    }
                }
                let started = Instant::now();
                let spare = self.spare.try_recv().unwrap_or_default();
                let page = reader.next_page(spare, &mut on_oversized);
                shared
                    .counters
                    .reading_ns
                    .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
                shared
                    .counters
                    .bytes
                    .fetch_add(reader.bytes_read - counted, Relaxed);
                counted = reader.bytes_read;
                match page {
                    Ok(Some(mut page)) => {
                        // Every page cut counts as read; one cut after the stop is also
                        // counted as wasted work, and not handed out.
                        shared.counters.pages.fetch_add(1, Relaxed);
                        counters.pages.fetch_add(1, Relaxed);
                        if self.done(base | page_no) || !self.gate(arg) {
                            if shared.reason() == Stop::Limit {
                                shared.counters.pages_after_limit.fetch_add(1, Relaxed);
                            }
                            return !shared.stopped();
                        }
                        page.seq = base | page_no;
                        page_no += 1;
                        if !self.send(PageItem::Page(page)) {
                            return false; // the workers are gone
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let line = reader.line();
                        if self.file_failed(arg, base | page_no, file, line, e) {
                            break;
                        }
                        return false;
                    }
                }
            }
        }
        // The consumer moves on to the next input only once it knows this one ended.
        !self.ordered || self.send(PageItem::End(base | page_no))
    }
}

/// The bridged iterator: receives pages, but never waits past a stop.
struct Pages<'a> {
    rx: flume::Receiver<PageItem>,
    shared: &'a Shared,
}

impl Iterator for Pages<'_> {
    type Item = PageItem;
    fn next(&mut self) -> Option<Self::Item> {
        let started = Instant::now();
        let waited = || {
            self.shared
                .counters
                .workers_waiting_ns
                .fetch_add(started.elapsed().as_nanos() as u64, Relaxed)
        };
        loop {
            if self.shared.stopped() {
                waited();
                return None;
            }
            match self.rx.recv_timeout(POLL) {
                Ok(item) => {
                    waited();
                    return Some(item);
                }
                Err(flume::RecvTimeoutError::Timeout) => continue,
                Err(flume::RecvTimeoutError::Disconnected) => {
                    waited();
                    return None;
                }
            }
        }
    }
}

/// How scanning a page ended.
enum Scan {
    /// The page is done; go on.
    Done,
    /// The run is over (limit, cancel, or another worker's error).
    Stop,
    /// This page holds a fatal error.
    Fail(Error),
}

/// One worker's reusable state.
struct Worker<'a, C: Collector> {
    flight: Flight,
    /// Per-format reusable state, taken by the page being scanned.
    csv: Option<CsvRecords>,
    shared: &'a Shared,
    filter: &'a Filter,
    collector: &'a C,
    results: &'a flume::Sender<Delivery<C::Batch>>,
    spare: &'a flume::Sender<Vec<u8>>,
    /// Every page reports to the consumer's reorder stage.
    ordered: bool,
    /// Ordered mode with a limit: no page can contribute more than the limit.
    per_page_cap: Option<u64>,
    /// Columns decoded before the filter runs (the others only for matches).
    first_pass: u32,
    members: Option<ndjson::Members>,
    responses: Option<Responses>,
    fanout: &'a Fanout<C::Batch>,
    /// Ordered `--dedupe`: the itineraries of the page's matches, in order.
    itineraries: Vec<Itinerary>,
    currency: Option<&'a Converter>,
}

impl<C: Collector> Worker<'_, C> {
    /// Filters one page; `Err` short-circuits the parallel iteration.
    ///
    /// A fatal error ends an unordered run at once. An ordered run must instead meet
    /// errors in input order: the page reports its error to the consumer, and the
    /// workers carry on with the pages before it (short-circuiting here could leave
    /// an earlier page unread, and its matches or error unknown).
    fn page(&mut self, item: PageItem) -> std::result::Result<(), ()> {
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
            self.shared.halt(Stop::Cancelled); // the consumer went away
            return Err(());
        }
        Ok(())
    }

    /// Keeps a match if an output slot is left; `false` when this page or the run is
    /// done. `place` is the record's position: page sequence number, then index.
    #[inline]
    fn keep(
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
            Fanout::Ranked {
                spec,
                dedupe,
                limit,
                heaps,
                held,
            } => {
                let place = (spec.rank(&self.flight), place.0, place.1);
                let itinerary = dedupe.then(|| Itinerary::of(&self.flight));
                let slot = rayon::current_thread_index().unwrap_or(0) % heaps.len().max(1);
                let Some(heap) = heaps.get(slot) else {
                    return true;
                };
                let mut heap = heap.lock().unwrap_or_else(|p| p.into_inner());
                if !heap.wants(&place, itinerary.as_ref()) {
                    return true;
                }
                let mut one = self.collector.batch();
                self.collector.add(
                    &mut one,
                    Matched {
                        flight: &self.flight,
                        raw,
                        raw_is_canonical_csv: canonical,
                    },
                );
                let weight = self.collector.weight(&one);
                let delta = heap.insert(place, itinerary, one, weight) as i64;
                let now = held.fetch_add(delta, AcqRel) + delta;
                if limit.is_none() && now > SORT_MEMORY_BUDGET as i64 {
                    self.shared.fail(Error::Config(format!(
                        "--sort without -n keeps every match in memory, and the matches need more than {} MiB; add -n N to keep only the best N (memory grows with N and the threads, not with the dump)",
                        SORT_MEMORY_BUDGET >> 20
                    )));
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
    fn bad_record(
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
    fn scan<K: Cursor>(
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
    fn scan_page(
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

/// Consumer-side reordering for `ordered` runs: pages are released in sequence, and
/// the run stops once the first N matches in input order are known.
struct Reorder<B> {
    next: u64,
    waiting: BTreeMap<u64, Delivery<B>>,
    left: Option<u64>,
    ended: bool,
    /// An error met in order, applied once the matches before it were handed out.
    error: Option<Error>,
    /// `--dedupe`: the itineraries already released.
    seen: Option<HashSet<Itinerary>>,
}

/// Stops a run from another thread (a signal handler, a UI): cheap to clone.
#[derive(Clone)]
pub struct Canceller(Arc<Shared>);

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

/// A running search: iterate it for batches of results as they are found.
///
/// The iterator ends when the run ends, for whatever reason; [`SearchHandle::join`]
/// then says why (and returns the fatal error, if any). Dropping the handle cancels
/// the run and waits for its threads.
pub struct SearchHandle<C: Collector> {
    results: Option<flume::Receiver<Delivery<C::Batch>>>,
    rejects: Option<flume::Receiver<Reject>>,
    collector: Arc<C>,
    shared: Arc<Shared>,
    driver: Option<JoinHandle<()>>,
    started: Instant,
    /// When the first and the latest results were handed out.
    first_at: Option<Duration>,
    last_at: Option<Duration>,
    emitted: u64,
    order: Option<Reorder<C::Batch>>,
    shape: (usize, usize, usize),
    limit: Option<u64>,
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

    fn finish(&mut self) -> Result<Summary> {
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

    fn recv(&mut self) -> Option<Delivery<C::Batch>> {
        self.results.as_ref()?.recv().ok()
    }

    /// Ordered mode: the next batch in sequence, trimmed to the limit.
    fn next_in_order(&mut self) -> Option<C::Batch> {
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
