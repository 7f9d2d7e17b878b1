//! The search pipeline, top to bottom.
//!
//! ```text
//!  producer thread          dedicated rayon pool (par_bridge)            consumer
//!  ───────────────          ────────────────────────────────            ────────
//!  read blocks, cut    ──▶  recv page ─▶ decode ─▶ filter ─▶ reserve ─▶  SearchHandle
//!  pages of records   flume  (each worker reuses one Flight)   slot     (iterator of
//!  (source.rs)       bounded                                    │        batches)
//!                                                   limit hit ──┴─▶ stop flag
//! ```
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
//! * Every other way to stop (a timeout watchdog, [`Canceller::interrupt`] from a signal
//!   handler, a fatal error) sets the same flag; the first reason wins and becomes the
//!   run's [`Outcome`].

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::collect::{Collector, Flights, Matched};
use crate::decode::{
    check_consistency,
    csv::{CsvRecords, ALL_COLUMNS},
    ndjson, InputFormat, Schema,
};
use crate::error::{Error, Location, RecordError, Result};
use crate::filter::Filter;
use crate::record::Flight;
use crate::source::{Input, Page, PageReader};
use crate::summary::{Counters, Outcome, Progress, Summary};

/// How often an idle worker re-checks the stop flag while waiting for a page.
const POLL: Duration = Duration::from_millis(20);
/// How long shutdown waits for a producer stuck in a blocking read.
const PRODUCER_GRACE: Duration = Duration::from_millis(200);
/// Default records per page, chosen by measurement (see README, "Performance").
pub const DEFAULT_PAGE_SIZE: usize = 2048;
/// Bytes of an oversized record kept in its reject.
const REJECT_SAMPLE: usize = 1024;

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
    /// With [`ErrorPolicy::Skip`], deliver each skipped record on
    /// [`SearchHandle::rejects`] (which must then be drained).
    pub collect_rejects: bool,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Records per page.
    pub page_size: usize,
    /// Pages the channel between producer and workers holds (0: twice the threads).
    pub channel_capacity: usize,
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
            collect_rejects: false,
            validate_all: false,
            threads: 0,
            page_size: DEFAULT_PAGE_SIZE,
            channel_capacity: 0,
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
    bad_by_input: Mutex<HashMap<String, BTreeMap<&'static str, u64>>>,
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

    /// Applies the error policy to a malformed record: `Err` when it is fatal.
    fn bad_record(&self, location: Location, error: RecordError, raw: &[u8]) -> Result<()> {
        if self.policy == ErrorPolicy::Fail {
            return Err(Error::Record { location, error });
        }
        self.counters.bad_records.fetch_add(1, Relaxed);
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
            // A consumer that dropped the receiver no longer wants them.
            let _ = tx.send(Reject {
                location,
                error,
                raw: raw.to_vec(),
            });
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
        let threads = match config.threads {
            0 => thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        if config.page_size == 0 {
            return Err(Error::Config("page size must be at least 1".into()));
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
        let (rejects_tx, rejects_rx) =
            if config.collect_rejects && config.on_error == ErrorPolicy::Skip {
                let (tx, rx) = flume::bounded(1024);
                (Some(tx), Some(rx))
            } else {
                (None, None)
            };
        let shared = Arc::new(Shared {
            stop: AtomicU8::new(Stop::Running as u8),
            // In ordered mode the consumer decides which matches count, in order.
            remaining: if config.ordered {
                None
            } else {
                config.limit.map(AtomicU64::new)
            },
            counters: Counters::default(),
            error: Mutex::new(None),
            policy: config.on_error,
            rejects: Mutex::new(rejects_tx),
            bad_by_input: Mutex::new(HashMap::new()),
        });
        // Results are bounded too: a slow consumer slows the workers instead of
        // letting memory grow.
        let (results_tx, results_rx) = flume::bounded(capacity.max(2));
        let collector = Arc::new(collector);
        let run = Run {
            config: config.clone(),
            threads,
            capacity,
            shared: shared.clone(),
            collector: collector.clone(),
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
            started: Instant::now(),
            emitted: 0,
            order: config.ordered.then(|| Reorder {
                next: 0,
                waiting: BTreeMap::new(),
                left: config.limit,
                ended: false,
            }),
            shape: (threads, config.page_size, capacity),
        })
    }
}

/// A batch of matches from one page.
struct Delivery<B> {
    seq: u64,
    batch: B,
    /// False when the page's scan was cut short by a stop.
    complete: bool,
}

struct Run<C: Collector> {
    config: SearchConfig,
    threads: usize,
    capacity: usize,
    shared: Arc<Shared>,
    collector: Arc<C>,
}

impl<C: Collector> Run<C> {
    /// Runs the whole search on the driver thread.
    fn drive(self, pool: rayon::ThreadPool, results: flume::Sender<Delivery<C::Batch>>) {
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
        let (page_tx, page_rx) = flume::bounded::<Result<Page>>(self.capacity);
        let (spare_tx, spare_rx) = flume::bounded::<Vec<u8>>(self.capacity + self.threads);
        let producer = {
            let shared = self.shared.clone();
            let inputs = self.config.inputs.clone();
            let page_size = self.config.page_size;
            thread::Builder::new()
                .name("flightsift-producer".into())
                .spawn(move || produce(&inputs, page_size, &page_tx, &spare_rx, &shared))
        };
        let producer = match producer {
            Ok(p) => p,
            Err(e) => {
                self.shared.fail(Error::Config(format!(
                    "cannot start the producer thread: {e}"
                )));
                return;
            }
        };

        let pages = Pages {
            rx: page_rx,
            shared: &self.shared,
        };
        let ordered = self.config.ordered;
        let first_pass = if self.config.validate_all {
            ALL_COLUMNS
        } else {
            self.config.filter.columns()
        };
        let per_page_cap = if ordered { self.config.limit } else { None };
        let (shared, filter, collector, sender, spare) = (
            &*self.shared,
            &self.config.filter,
            &*self.collector,
            &results,
            &spare_tx,
        );
        let _ = pool.install(|| {
            pages.par_bridge().try_for_each_init(
                || Worker {
                    flight: Flight::default(),
                    csv: CsvRecords::new(),
                    shared,
                    filter,
                    collector,
                    results: sender,
                    first_pass,
                    members: ndjson::Members::new(),
                    spare,
                    ordered,
                    per_page_cap,
                },
                |worker, page| worker.page(page),
            )
        });
        // The bridge is done and its receiver dropped: the producer wakes if blocked.
        self.shared.halt(Stop::Finished);
        drop(results);
        wait_briefly(producer, PRODUCER_GRACE);
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

/// Joins the producer unless it is stuck in a read that may never return (a FIFO or
/// terminal left open); such a thread exits on its own once the read returns.
fn wait_briefly(producer: JoinHandle<()>, grace: Duration) {
    let deadline = Instant::now() + grace;
    while !producer.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    if producer.is_finished() {
        let _ = producer.join();
    }
}

/// The producer: pages every input in order into the channel.
fn produce(
    inputs: &[Input],
    page_size: usize,
    tx: &flume::Sender<Result<Page>>,
    spare: &flume::Receiver<Vec<u8>>,
    shared: &Shared,
) {
    let mut seq = 0;
    let mut on_oversized = |location: Location, error: RecordError, sample: &[u8]| {
        shared.bad_record(location, error, &sample[..sample.len().min(REJECT_SAMPLE)])
    };
    for input in inputs {
        if shared.stopped() {
            return;
        }
        let mut reader = match PageReader::open(input, page_size) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let mut counted = reader.bytes_read;
        loop {
            let started = Instant::now();
            let page = reader.next_page(spare.try_recv().unwrap_or_default(), &mut on_oversized);
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
                    if shared.stopped() {
                        if shared.reason() == Stop::Limit {
                            shared.counters.pages_after_limit.fetch_add(1, Relaxed);
                        }
                        return;
                    }
                    page.seq = seq;
                    seq += 1;
                    shared.counters.pages.fetch_add(1, Relaxed);
                    let started = Instant::now();
                    let sent = tx.send(Ok(page));
                    shared
                        .counters
                        .producer_blocked_ns
                        .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
                    if sent.is_err() {
                        return; // the workers are gone
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
    }
}

/// The bridged iterator: receives pages, but never waits past a stop.
struct Pages<'a> {
    rx: flume::Receiver<Result<Page>>,
    shared: &'a Shared,
}

impl Iterator for Pages<'_> {
    type Item = Result<Page>;
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
    csv: CsvRecords,
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
    members: ndjson::Members,
}

impl<C: Collector> Worker<'_, C> {
    /// Filters one page; `Err` short-circuits the parallel iteration.
    fn page(&mut self, item: Result<Page>) -> std::result::Result<(), ()> {
        let page = match item {
            Ok(p) => p,
            Err(e) => {
                self.shared.fail(e);
                return Err(());
            }
        };
        let started = Instant::now();
        let mut batch = self.collector.batch();
        let mut records = 0u64;
        let mut matched = 0u64;
        let scan = match page.source.format {
            InputFormat::Csv => self.csv_page(&page, &mut batch, &mut records, &mut matched),
            InputFormat::Ndjson => self.ndjson_page(&page, &mut batch, &mut records, &mut matched),
        };
        let counters = &self.shared.counters;
        counters.records.fetch_add(records, Relaxed);
        counters
            .filtering_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        counters.matched.fetch_add(matched, Relaxed);
        // Slots reserved in this batch must reach the consumer, even on the way out.
        // In ordered mode every page reports, empty or not, so the consumer can tell
        // a page with no match from one still in progress.
        if self.ordered || self.collector.len(&batch) > 0 {
            let delivery = Delivery {
                seq: page.seq,
                batch,
                complete: matches!(scan, Scan::Done),
            };
            if self.results.send(delivery).is_err() {
                self.shared.halt(Stop::Cancelled); // the consumer went away
                return Err(());
            }
        }
        let _ = self.spare.try_send(page.bytes);
        match scan {
            Scan::Done => Ok(()),
            Scan::Stop => Err(()),
            Scan::Fail(e) => {
                self.shared.fail(e);
                Err(())
            }
        }
    }

    /// First pass over a CSV record: its width, and the columns the filter reads
    /// (with the cross-field checks when that is every column).
    #[inline]
    fn decode_first(
        &mut self,
        bytes: &[u8],
        schema: &Schema,
    ) -> std::result::Result<(), RecordError> {
        self.csv.check_width(schema)?;
        self.flight.clear();
        self.csv
            .decode_columns(bytes, schema, self.first_pass, &mut self.flight)?;
        if self.first_pass == ALL_COLUMNS {
            check_consistency(&self.flight)?;
        }
        Ok(())
    }

    /// Second pass, for a match: the remaining columns, then the cross-field checks.
    #[inline]
    fn decode_rest(
        &mut self,
        bytes: &[u8],
        schema: &Schema,
    ) -> std::result::Result<(), RecordError> {
        self.csv.decode_columns(
            bytes,
            schema,
            ALL_COLUMNS & !self.first_pass,
            &mut self.flight,
        )?;
        check_consistency(&self.flight)
    }

    /// Keeps a match if an output slot is left; `false` when this page or the run is done.
    #[inline]
    fn keep(
        &mut self,
        raw: &[u8],
        canonical: bool,
        batch: &mut C::Batch,
        matched: &mut u64,
    ) -> bool {
        *matched += 1;
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
            .bad_record(location, error, raw)
            .err()
            .map(Scan::Fail)
    }

    fn csv_page(
        &mut self,
        page: &Page,
        batch: &mut C::Batch,
        records: &mut u64,
        matched: &mut u64,
    ) -> Scan {
        let Some(schema) = page.source.schema.as_ref() else {
            return Scan::Fail(Error::Internal("CSV page without a schema".into()));
        };
        let bytes = &page.bytes[..];
        self.csv.reset();
        while let Some(span) = self.csv.next(bytes) {
            if self.shared.stopped() {
                return Scan::Stop;
            }
            let raw = &bytes[span.range.clone()];
            // Decode what the filter reads; the rest only if the record matches, so
            // a selective scan skips most of the parsing. Whatever is kept (emitted or
            // counted) is always fully decoded and checked.
            if let Err(e) = self.decode_first(bytes, schema) {
                match self.bad_record(page, span.line_offset, e, raw) {
                    Some(scan) => return scan,
                    None => continue,
                }
            }
            if !self.filter.matches(&self.flight) {
                *records += 1;
                continue;
            }
            if self.first_pass != ALL_COLUMNS {
                if let Err(e) = self.decode_rest(bytes, schema) {
                    match self.bad_record(page, span.line_offset, e, raw) {
                        Some(scan) => return scan,
                        None => continue,
                    }
                }
            }
            *records += 1;
            if !self.keep(raw, schema.canonical, batch, matched) {
                return if self.per_page_cap.is_some() && !self.shared.stopped() {
                    Scan::Done
                } else {
                    Scan::Stop
                };
            }
        }
        Scan::Done
    }

    fn ndjson_page(
        &mut self,
        page: &Page,
        batch: &mut C::Batch,
        records: &mut u64,
        matched: &mut u64,
    ) -> Scan {
        let bytes = &page.bytes[..];
        let mut pos = 0;
        let mut line_offset = 0u64;
        while pos < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            let line = bytes[pos..end].trim_ascii();
            let this_line = line_offset;
            pos = end + 1;
            line_offset += 1;
            if line.is_empty() {
                continue;
            }
            if self.shared.stopped() {
                return Scan::Stop;
            }
            // Flat canonical lines decode lazily, like CSV; others in full, the general way.
            let fast = self.members.split(line);
            let first = if fast {
                self.flight.clear();
                let first = self
                    .members
                    .check_required()
                    .and_then(|()| self.members.decode(line, self.first_pass, &mut self.flight));
                first.and_then(|()| {
                    if self.first_pass == ALL_COLUMNS {
                        check_consistency(&self.flight)
                    } else {
                        Ok(())
                    }
                })
            } else {
                ndjson::decode_line(line, &mut self.flight)
            };
            if let Err(e) = first {
                match self.bad_record(page, this_line, e, line) {
                    Some(scan) => return scan,
                    None => continue,
                }
            }
            if !self.filter.matches(&self.flight) {
                *records += 1;
                continue;
            }
            if fast && self.first_pass != ALL_COLUMNS {
                let rest =
                    self.members
                        .decode(line, ALL_COLUMNS & !self.first_pass, &mut self.flight);
                if let Err(e) = rest.and_then(|()| check_consistency(&self.flight)) {
                    match self.bad_record(page, this_line, e, line) {
                        Some(scan) => return scan,
                        None => continue,
                    }
                }
            }
            *records += 1;
            if !self.keep(line, false, batch, matched) {
                return if self.per_page_cap.is_some() && !self.shared.stopped() {
                    Scan::Done
                } else {
                    Scan::Stop
                };
            }
        }
        Scan::Done
    }
}

/// Consumer-side reordering for `ordered` runs: pages are released in sequence, and
/// the run stops once the first N matches in input order are known.
struct Reorder<B> {
    next: u64,
    waiting: BTreeMap<u64, Delivery<B>>,
    left: Option<u64>,
    ended: bool,
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
    emitted: u64,
    order: Option<Reorder<C::Batch>>,
    shape: (usize, usize, usize),
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
        Ok(Summary::new(
            &self.shared.counters,
            outcome,
            self.emitted,
            self.started.elapsed(),
            self.shape,
            bad_by_input,
        ))
    }

    fn recv(&mut self) -> Option<Delivery<C::Batch>> {
        self.results.as_ref()?.recv().ok()
    }

    /// Ordered mode: the next batch in sequence, trimmed to the limit.
    fn next_in_order(&mut self) -> Option<C::Batch> {
        loop {
            let order = self.order.as_mut()?;
            if order.ended {
                return None;
            }
            if let Some(d) = order.waiting.remove(&order.next) {
                order.next += 1;
                let mut batch = d.batch;
                if !d.complete {
                    // A page cut short by a stop: what follows it is not a prefix.
                    order.ended = true;
                }
                if let Some(left) = order.left.as_mut() {
                    let n = self.collector.len(&batch);
                    if n >= *left {
                        self.collector.truncate(&mut batch, *left);
                        *left = 0;
                        order.ended = true;
                        self.shared.halt(Stop::Limit);
                    } else {
                        *left -= n;
                    }
                }
                if self.collector.len(&batch) > 0 {
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
            self.recv()?.batch
        };
        self.emitted += self.collector.len(&batch);
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
