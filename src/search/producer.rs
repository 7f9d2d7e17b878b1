//! The producers: each takes the next unread command-line input, pulls its pages
//! from a page source (wrapped for the statistics, a replayed latency and an ordered
//! run's window) and hands them to the channel; and [`Pages`], the workers' end of
//! that channel.

use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::channel::{Failed, PageItem};
use super::config::{ErrorPolicy, SEQ_SHIFT};
use super::ordered::Gated;
use super::shared::Shared;
use super::stop::Stop;
use crate::decode::InputFormat;
use crate::error::{Error, Location, RecordError, Result};
use crate::latency::{Latency, Replayed};
use crate::source::{self, Input, Next, OnOversized, PageSource, SourceInfo};
use crate::summary::Counters;

/// Bytes of an oversized record kept in its reject.
pub(super) const REJECT_SAMPLE: usize = 1024;

/// How often an idle worker re-checks the stop flag while waiting for a page.
pub(super) const POLL: Duration = Duration::from_millis(20);

/// A producer thread: takes the next unread command-line input, pages it into the
/// channel, and so on until none is left or the run stops.
pub(super) struct Producer {
    pub(super) groups: Arc<Vec<Vec<Input>>>,
    /// The next input no producer has taken yet.
    pub(super) next: Arc<AtomicUsize>,
    pub(super) page_size: usize,
    pub(super) tx: flume::Sender<PageItem>,
    pub(super) spare: flume::Receiver<Vec<u8>>,
    pub(super) shared: Arc<Shared>,
    pub(super) latency: Option<Latency>,
    pub(super) seed: u64,
    pub(super) ordered: bool,
}

impl Producer {
    pub(super) fn run(self) {
        loop {
            let arg = self.next.fetch_add(1, AcqRel);
            if arg >= self.groups.len() || self.shared.stop.stopped() {
                return;
            }
            if !self.input(arg) {
                return;
            }
        }
    }

    /// Whether page `seq` can no longer matter: the run stopped, or (ordered runs)
    /// an earlier page holds a fatal error.
    pub(super) fn done(&self, seq: u64) -> bool {
        self.shared.stop.stopped() || self.shared.stop.after_failure(seq)
    }

    /// Hands a page or marker to the workers; false when they are gone.
    pub(super) fn send(&self, item: PageItem) -> bool {
        if self.ordered {
            self.shared.window.sent();
        }
        let started = Instant::now();
        let sent = self.tx.send(item);
        self.shared
            .counters
            .producer_blocked_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        sent.is_ok()
    }

    /// An input's file failed (it cannot be opened or read to the end). Fatal by
    /// default, at its place among the pages; with `--on-error skip` the rest of
    /// that file is skipped, counted and reported (reason `unreadable`), and the
    /// producer goes on with the input's next file. True to go on.
    pub(super) fn file_failed(
        &self,
        arg: usize,
        seq: u64,
        file: &Input,
        line: u64,
        error: Error,
    ) -> bool {
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
    pub(super) fn input(&self, arg: usize) -> bool {
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
        let stopped = || shared.stop.stopped();
        // A later input's pages wait for the consumer (ordered runs) unless nothing
        // of this input can matter any more.
        let gate_gives_up = || shared.stop.stopped() || shared.stop.after_failure(base);
        for file in &self.groups[arg] {
            if self.done(base | page_no) {
                return !shared.stop.stopped();
            }
            let opened = Instant::now();
            let source = source::open(file, self.page_size);
            shared.counters.files.fetch_add(1, Relaxed);
            shared
                .counters
                .reading_ns
                .fetch_add(opened.elapsed().as_nanos() as u64, Relaxed);
            let source = match source {
                Ok(s) => s,
                Err(e) => {
                    if self.file_failed(arg, base | page_no, file, 1, e) {
                        continue;
                    }
                    return false;
                }
            };
            counters.label(match source.info().layout.format() {
                InputFormat::Responses(Some(p)) => p.name().to_string(),
                InputFormat::Responses(None) => "responses".to_string(),
                InputFormat::Csv | InputFormat::Ndjson => counters.name.clone(),
            });
            // The reading is metered; a live provider answers each request after a
            // while (replayed latency); an ordered run's later inputs wait for the
            // consumer (the window).
            let metered = Metered::new(source, &shared.counters);
            let replayed = Replayed::new(metered, delays.as_mut(), &stopped, &counters.waiting_ns);
            let window = self.ordered.then_some(&shared.window);
            let mut pages = Gated::new(replayed, window, arg, &gate_gives_up);
            loop {
                let spare = self.spare.try_recv().unwrap_or_default();
                match pages.next_page(spare, &mut on_oversized) {
                    Ok(Next::Page(mut page)) => {
                        // Every page cut counts as read; one cut after the stop is also
                        // counted as wasted work, and not handed out.
                        shared.counters.pages.fetch_add(1, Relaxed);
                        counters.pages.fetch_add(1, Relaxed);
                        if self.done(base | page_no) {
                            if shared.stop.reason() == Stop::Limit {
                                shared.counters.pages_after_limit.fetch_add(1, Relaxed);
                            }
                            return !shared.stop.stopped();
                        }
                        page.seq = base | page_no;
                        page_no += 1;
                        if !self.send(PageItem::Page(page)) {
                            return false; // the workers are gone
                        }
                    }
                    Ok(Next::End) => break,
                    Ok(Next::Stopped) => return false,
                    Err(e) => {
                        let line = pages.line();
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

/// A page source whose reading is counted in the run's statistics: the time spent
/// reading and cutting, and the bytes read (a header and sniffed bytes included).
struct Metered<'a, S> {
    inner: S,
    counters: &'a Counters,
    /// Bytes of `inner` already counted.
    counted: u64,
}

impl<'a, S: PageSource> Metered<'a, S> {
    fn new(inner: S, counters: &'a Counters) -> Self {
        // The header and any sniffed bytes were read by opening the input.
        let counted = inner.bytes_read();
        counters.bytes.fetch_add(counted, Relaxed);
        Metered {
            inner,
            counters,
            counted,
        }
    }
}

impl<S: PageSource> PageSource for Metered<'_, S> {
    fn info(&self) -> &Arc<SourceInfo> {
        self.inner.info()
    }

    fn next_page(&mut self, spare: Vec<u8>, on_oversized: &mut OnOversized<'_>) -> Result<Next> {
        let started = Instant::now();
        let next = self.inner.next_page(spare, on_oversized);
        self.counters
            .reading_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        let read = self.inner.bytes_read();
        self.counters.bytes.fetch_add(read - self.counted, Relaxed);
        self.counted = read;
        next
    }

    fn bytes_read(&self) -> u64 {
        self.inner.bytes_read()
    }

    fn line(&mut self) -> u64 {
        self.inner.line()
    }
}

/// The bridged iterator: receives pages, but never waits past a stop.
pub(super) struct Pages<'a> {
    pub(super) rx: flume::Receiver<PageItem>,
    pub(super) shared: &'a Shared,
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
            if self.shared.stop.stopped() {
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
