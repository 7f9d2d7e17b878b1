//! Run accounting: live counters the workers bump, and the summary a run ends with.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// Counters shared by the producer and the workers; read live through
/// [`crate::SearchHandle::progress`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub records: AtomicU64,
    pub pages: AtomicU64,
    pub pages_after_limit: AtomicU64,
    pub matched: AtomicU64,
    pub bad_records: AtomicU64,
    /// Skipped records not kept because the caller did not drain them in time.
    pub rejects_dropped: AtomicU64,
    pub bytes: AtomicU64,
    /// Provider offers whose stated duration disagrees with their clock times.
    pub duration_mismatches: AtomicU64,
    /// Input files opened (a directory counts its files).
    pub files: AtomicU64,
    /// Matches dropped by `--dedupe` as another offer of an itinerary already kept.
    pub duplicates: AtomicU64,
    /// Nanoseconds the producer spent reading and cutting pages.
    pub reading_ns: AtomicU64,
    /// Nanoseconds the producer spent blocked on a full channel (workers busy).
    pub producer_blocked_ns: AtomicU64,
    /// Nanoseconds the workers spent on pages, summed over workers.
    pub filtering_ns: AtomicU64,
    /// Nanoseconds the workers spent waiting for pages, summed over workers.
    pub workers_waiting_ns: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Progress {
        Progress {
            records_read: self.records.load(Relaxed),
            pages_read: self.pages.load(Relaxed),
            matched: self.matched.load(Relaxed),
            bytes_read: self.bytes.load(Relaxed),
        }
    }
}

/// What one command-line input (a file, a directory, stdin) did.
#[derive(Debug, Default)]
pub(crate) struct InputCounters {
    pub name: String,
    /// What the input holds: a provider's name for raw responses, else the input's
    /// own name (a canonical dump's rows may come from any provider).
    pub provider: Mutex<Option<String>>,
    pub records: AtomicU64,
    pub pages: AtomicU64,
    pub matched: AtomicU64,
    pub emitted: AtomicU64,
    pub bad: AtomicU64,
    /// Nanoseconds its producer spent waiting as a live provider would.
    pub waiting_ns: AtomicU64,
}

impl InputCounters {
    pub(crate) fn new(name: String) -> InputCounters {
        InputCounters {
            name,
            ..InputCounters::default()
        }
    }

    /// Records what a file of this input holds; a directory whose files disagree
    /// is `mixed`.
    pub(crate) fn label(&self, provider: String) {
        let mut p = self.provider.lock().unwrap_or_else(|p| p.into_inner());
        match p.as_deref() {
            None => *p = Some(provider),
            Some(old) if old != provider => *p = Some("mixed".into()),
            Some(_) => {}
        }
    }
}

/// What an input, or a provider over its inputs, read, matched, emitted and waited.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Records decoded.
    pub records_read: u64,
    /// Pages read.
    pub pages_read: u64,
    /// Records that matched the filter.
    pub matched: u64,
    /// Records emitted.
    pub emitted: u64,
    /// Malformed records skipped (and files skipped as unreadable).
    pub bad_records: u64,
    /// Time spent waiting as a live provider would (`--replay-latency`).
    pub waiting_secs: f64,
}

impl std::ops::AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, c: &Counts) {
        self.records_read += c.records_read;
        self.pages_read += c.pages_read;
        self.matched += c.matched;
        self.emitted += c.emitted;
        self.bad_records += c.bad_records;
        self.waiting_secs += c.waiting_secs;
    }
}

/// What one command-line input did, in [`Summary::inputs`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InputSummary {
    /// The input as given (a file, a directory, `<stdin>`).
    pub input: String,
    /// The provider it holds (see [`Summary::providers`]).
    pub provider: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// A provider's totals over its inputs, in [`Summary::providers`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProviderSummary {
    /// Summed over its inputs.
    #[serde(flatten)]
    pub counts: Counts,
    /// Its inputs, in command-line order.
    pub inputs: Vec<String>,
}

/// A live view of a running search.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Records decoded so far.
    pub records_read: u64,
    /// Pages the producer has read so far.
    pub pages_read: u64,
    /// Records that matched the filter so far.
    pub matched: u64,
    /// Input bytes read so far.
    pub bytes_read: u64,
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every input was read to the end.
    Complete,
    /// `--limit` matches were emitted; the rest of the input was not read.
    LimitReached,
    /// The caller cancelled (or the consumer went away, e.g. a closed pipe).
    Cancelled,
    /// The timeout expired; the output holds what was found until then.
    TimedOut,
    /// Interrupted (Ctrl-C, SIGTERM); the output holds what was found until then.
    Interrupted,
    /// A fatal error ended the run.
    Failed,
}

/// Where a run's time went, so a user can see what bounds it: reading (the producer),
/// filtering (the workers) or writing (the consumer).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TimeSplit {
    /// The producer reading input and cutting pages.
    pub reading_secs: f64,
    /// The producer blocked on a full channel: the workers are the bottleneck.
    pub producer_blocked_secs: f64,
    /// Decoding and filtering, summed over workers.
    pub filtering_secs: f64,
    /// Workers waiting for pages (reading is the bottleneck), summed over workers.
    pub workers_waiting_secs: f64,
    /// The consumer writing output, when the consumer measured it (the CLI does).
    pub writing_secs: Option<f64>,
}

fn secs_of(ns: &AtomicU64) -> f64 {
    ns.load(Relaxed) as f64 / 1e9
}

/// What a finished run did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Why it ended.
    pub outcome: Outcome,
    /// Records decoded.
    pub records_read: u64,
    /// The limit the run was given, if any.
    pub limit: Option<u64>,
    /// Pages the producer cut from the inputs, including any read after the limit.
    pub pages_read: u64,
    /// Of `pages_read`, those cut after the limit was reached (wasted work; at most
    /// one per run by design). Always 0 without a limit.
    pub pages_read_after_limit: u64,
    /// Records that matched the filter (a few more than `emitted` when several
    /// workers matched at once as the limit was reached).
    pub matched: u64,
    /// Records delivered to the consumer.
    pub emitted: u64,
    /// Malformed records skipped (with `--on-error skip`).
    pub bad_records: u64,
    /// Skipped records not delivered because the caller did not drain
    /// [`crate::SearchHandle::rejects`] in time (see [`crate::Rejects::Keep`]);
    /// they are still counted in `bad_records`.
    pub rejects_dropped: u64,
    /// Provider offers whose stated duration disagrees with arrival − departure
    /// (the record keeps the clock's value; see `docs/providers.md`, "The mapping").
    pub duration_mismatches: u64,
    /// Input files opened; a directory counts the dump files in it.
    pub files_read: u64,
    /// Matches dropped by `--dedupe` as another offer of an itinerary already kept.
    pub duplicates: u64,
    /// Seconds from the start to the first result handed out (`None`: no result).
    pub time_to_first_secs: Option<f64>,
    /// Seconds from the start to the last result handed out (the N-th with `-n N`).
    pub time_to_last_secs: Option<f64>,
    /// Per command-line input, in order.
    pub inputs: Vec<InputSummary>,
    /// Per provider: raw responses are keyed by the provider's name (`amadeus`,
    /// `duffel`, `kiwi`, `sabre`); a canonical dump, whose rows may come from any
    /// provider, by its input's name; a directory mixing providers' files is `mixed`.
    pub providers: BTreeMap<String, ProviderSummary>,
    /// With `--on-error skip`: the errors that ended an input file early (its rest
    /// skipped, counted in `bad_records` with reason `unreadable`), in the order met.
    pub unreadable: Vec<String>,
    /// Skipped records per input, per reason.
    pub bad_records_by_input: BTreeMap<String, BTreeMap<String, u64>>,
    /// True when the run stopped before reading everything it would otherwise have
    /// read (timeout, interruption, cancellation): the output is valid but partial.
    pub partial: bool,
    /// Input bytes read.
    pub bytes_read: u64,
    /// Wall time in seconds.
    pub elapsed_secs: f64,
    /// Records decoded per second.
    pub records_per_sec: f64,
    /// Input megabytes (10^6 bytes) read per second.
    pub mb_per_sec: f64,
    /// Where the time went (see [`TimeSplit`]).
    pub time: TimeSplit,
    /// Worker threads used.
    pub threads: usize,
    /// Records per page.
    pub page_size: usize,
    /// Pages the input channel holds.
    pub channel_capacity: usize,
}

impl Summary {
    pub(crate) fn new(
        counters: &Counters,
        outcome: Outcome,
        emitted: u64,
        elapsed: Duration,
        config: (usize, usize, usize),
        limit: Option<u64>,
        bad_by_input: HashMap<String, BTreeMap<&'static str, u64>>,
    ) -> Summary {
        let secs = elapsed.as_secs_f64();
        let records = counters.records.load(Relaxed);
        let bytes = counters.bytes.load(Relaxed);
        let rate = |n: f64| if secs > 0.0 { n / secs } else { 0.0 };
        Summary {
            outcome,
            records_read: records,
            limit,
            pages_read: counters.pages.load(Relaxed),
            pages_read_after_limit: counters.pages_after_limit.load(Relaxed),
            matched: counters.matched.load(Relaxed),
            emitted,
            bad_records: counters.bad_records.load(Relaxed),
            rejects_dropped: counters.rejects_dropped.load(Relaxed),
            duration_mismatches: counters.duration_mismatches.load(Relaxed),
            files_read: counters.files.load(Relaxed),
            duplicates: counters.duplicates.load(Relaxed),
            unreadable: Vec::new(),
            time_to_first_secs: None,
            time_to_last_secs: None,
            inputs: Vec::new(),
            providers: BTreeMap::new(),
            bad_records_by_input: bad_by_input
                .into_iter()
                .map(|(input, reasons)| {
                    (
                        input,
                        reasons
                            .into_iter()
                            .map(|(r, n)| (r.to_string(), n))
                            .collect(),
                    )
                })
                .collect(),
            partial: matches!(
                outcome,
                Outcome::TimedOut | Outcome::Interrupted | Outcome::Cancelled
            ),
            bytes_read: bytes,
            elapsed_secs: secs,
            records_per_sec: rate(records as f64),
            mb_per_sec: rate(bytes as f64 / 1e6),
            time: TimeSplit {
                reading_secs: secs_of(&counters.reading_ns),
                producer_blocked_secs: secs_of(&counters.producer_blocked_ns),
                filtering_secs: secs_of(&counters.filtering_ns),
                workers_waiting_secs: secs_of(&counters.workers_waiting_ns),
                writing_secs: None,
            },
            threads: config.0,
            page_size: config.1,
            channel_capacity: config.2,
        }
    }

    /// Fills in the per-input and per-provider accounts and the result times.
    pub(crate) fn add_inputs(
        &mut self,
        inputs: &[InputCounters],
        first: Option<Duration>,
        last: Option<Duration>,
    ) {
        self.time_to_first_secs = first.map(|d| d.as_secs_f64());
        self.time_to_last_secs = last.map(|d| d.as_secs_f64());
        for c in inputs {
            let provider = c
                .provider
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or_else(|| c.name.clone());
            let i = InputSummary {
                input: c.name.clone(),
                provider: provider.clone(),
                counts: Counts {
                    records_read: c.records.load(Relaxed),
                    pages_read: c.pages.load(Relaxed),
                    matched: c.matched.load(Relaxed),
                    emitted: c.emitted.load(Relaxed),
                    bad_records: c.bad.load(Relaxed),
                    waiting_secs: secs_of(&c.waiting_ns),
                },
            };
            let p = self.providers.entry(provider).or_default();
            p.counts += &i.counts;
            p.inputs.push(i.input.clone());
            self.inputs.push(i);
        }
    }

    /// The human-readable block `--stats` prints.
    pub fn render(&self) -> String {
        let outcome = serde_json::to_value(self.outcome)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let after_limit = match self.limit {
            Some(_) => format!(
                " ({} after the limit was reached)",
                self.pages_read_after_limit
            ),
            None => String::new(),
        };
        let mut out = format!(
            "outcome:          {outcome}{}\nrecords read:     {}\nbytes read:       {} in {} file{}\npages read:       {}{after_limit}\nmatched:          {}\nemitted:          {}\nbad records:      {}\n",
            if self.partial { " (partial output)" } else { "" },
            self.records_read,
            self.bytes_read,
            self.files_read,
            if self.files_read == 1 { "" } else { "s" },
            self.pages_read,
            self.matched,
            self.emitted,
            self.bad_records,
        );
        if self.rejects_dropped > 0 {
            out.push_str(&format!(
                "rejects dropped:  {} (skipped and counted, but not drained in time)\n",
                self.rejects_dropped
            ));
        }
        if self.duration_mismatches > 0 {
            out.push_str(&format!(
                "duration mismatches: {} (a provider's stated duration disagrees with its times; the times win)\n",
                self.duration_mismatches
            ));
        }
        if self.duplicates > 0 {
            out.push_str(&format!(
                "duplicates:       {} (other offers of itineraries already kept, dropped by --dedupe)\n",
                self.duplicates
            ));
        }
        if let Some(first) = self.time_to_first_secs {
            out.push_str(&format!(
                "first result:     {first:.3} s; last: {:.3} s\n",
                self.time_to_last_secs.unwrap_or(first)
            ));
        }
        if self.inputs.len() > 1 || self.inputs.iter().any(|i| i.counts.waiting_secs > 0.0) {
            out.push_str("by provider:      records / pages / matched / emitted / bad / waiting\n");
            for (name, ProviderSummary { counts: p, .. }) in &self.providers {
                out.push_str(&format!(
                    "  {name}: {} / {} / {} / {} / {} / {:.3} s\n",
                    p.records_read,
                    p.pages_read,
                    p.matched,
                    p.emitted,
                    p.bad_records,
                    p.waiting_secs
                ));
            }
        }
        for (input, reasons) in &self.bad_records_by_input {
            let list: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
            out.push_str(&format!("  {input}: {}\n", list.join(", ")));
        }
        out.push_str(&format!(
            "elapsed:          {:.3} s\nthroughput:       {:.0} records/s, {:.1} MB/s\nthreads:          {} (page size {}, channel capacity {})\n",
            self.elapsed_secs, self.records_per_sec, self.mb_per_sec, self.threads, self.page_size, self.channel_capacity
        ));
        let t = &self.time;
        out.push_str(&format!(
            "time split:       reading {:.3} s (blocked on full channel {:.3} s), filtering {:.3} s and waiting {:.3} s summed over workers",
            t.reading_secs, t.producer_blocked_secs, t.filtering_secs, t.workers_waiting_secs
        ));
        match t.writing_secs {
            Some(w) => out.push_str(&format!(", writing {w:.3} s\n")),
            None => out.push('\n'),
        }
        out
    }
}
