//! The producers: each takes the next unread command-line input and pages it into
//! the channel; and [`Pages`], the workers' end of that channel.

use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::config::{ErrorPolicy, SEQ_SHIFT};
use super::stop::{Shared, Stop};
use super::{Failed, PageItem};
use crate::decode::InputFormat;
use crate::error::{Error, Location, RecordError};
use crate::latency::Latency;
use crate::source::{Input, PageReader};
use crate::summary::InputCounters;

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
    pub(super) fn done(&self, seq: u64) -> bool {
        self.shared.stopped() || self.shared.after_failure(seq)
    }

    /// Hands a page or marker to the workers; false when they are gone.
    pub(super) fn send(&self, item: PageItem) -> bool {
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
    pub(super) fn wait(&self, delay: Duration, counters: &InputCounters) -> bool {
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
    pub(super) fn gate(&self, arg: usize) -> bool {
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
            counters.label(match reader.info.layout.format() {
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
