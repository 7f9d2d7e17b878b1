//! The async adapter (feature `async`): a running search as a
//! [`futures_core::Stream`] of batches, with its rejects as a second stream.
//!
//! [`SearchHandle::into_stream`] moves the handle onto a thread of its own that runs
//! the blocking iterator and hands each batch over a rendezvous channel, whose async
//! end is the stream. The iterator is where the exact-N count and the `ordered`
//! reordering (and the place of an error among the pages) live; running it unchanged
//! gives the stream the same batches, in the same order, as iterating the handle,
//! with no second copy of that logic to keep in step. The cost is one thread per
//! stream, which sleeps whenever the consumer does. No runtime is assumed: the
//! stream wakes whatever executor polls it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::collect::Collector;
use crate::error::{Error, Result};
use crate::search::{Canceller, Reject, SearchHandle};
use crate::summary::Summary;

/// What the handle's thread sends: a batch with its number of records, then the end.
enum Message<B> {
    Batch(B, u64),
    /// Boxed: a summary is large, and a batch crosses far more often.
    End(Box<Result<Summary>>),
}

/// A running search as a [`Stream`] of batches (for [`crate::Flights`], a
/// `Vec<Flight>` per page that had matches). From [`SearchHandle::into_stream`].
///
/// It yields what iterating the handle would, in the same order: exactly `limit`
/// records at most, and with `ordered` the first matches of a sequential scan.
/// [`SearchStream::join`] then gives the [`Summary`] or the error that ended the run.
/// Dropping the stream cancels the run.
pub struct SearchStream<C: Collector> {
    messages: flume::r#async::RecvStream<'static, Message<C::Batch>>,
    end: Option<Result<Summary>>,
    canceller: Canceller,
    rejects: Option<flume::Receiver<Reject>>,
    /// Records handed to the caller: the summary's `emitted` counts these, not the
    /// ones the thread had taken from the handle when the caller stopped early.
    emitted: u64,
}

/// Records skipped under [`crate::ErrorPolicy::Skip`], as a [`Stream`]; from
/// [`SearchStream::rejects`]. It ends when the run does.
pub type RejectStream = flume::r#async::RecvStream<'static, Reject>;

impl<C: Collector> SearchHandle<C> {
    /// Turns the running search into a [`Stream`] of batches for async code
    /// (feature `async`). See [`SearchStream`].
    ///
    /// The stream is driven by any executor; here by a minimal one:
    ///
    /// ```
    /// use flightsift::{Filter, Input, Search, SearchConfig};
    /// use futures::StreamExt;
    ///
    /// let mut config = SearchConfig::new(vec![Input::from_path("data/sample.csv")]);
    /// config.filter = flightsift::filter::parse_and_compile("origin = JFK and stops = 0")?;
    /// config.limit = Some(5);
    /// config.ordered = true;
    /// let mut stream = Search::start(config)?.into_stream();
    /// let summary = futures::executor::block_on(async {
    ///     let mut flights = Vec::new();
    ///     while let Some(batch) = stream.next().await {
    ///         flights.extend(batch);
    ///     }
    ///     assert_eq!(flights.len(), 5);
    ///     assert!(flights.iter().all(|f| f.origin.as_str() == "JFK" && f.stops == 0));
    ///     stream.join().await
    /// })?;
    /// assert_eq!(summary.emitted, 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_stream(mut self) -> SearchStream<C> {
        let canceller = self.canceller();
        let rejects = self.rejects();
        // A rendezvous: the thread takes no batch from the handle before the stream
        // wants one, so a stream that is not polled holds the run back like an
        // iterator that is not advanced (the bounded channels do the rest).
        let (tx, rx) = flume::bounded(0);
        let spawned = std::thread::Builder::new()
            .name("flightsift-stream".into())
            .spawn(move || {
                let mut handle = self;
                loop {
                    let before = handle.emitted();
                    let Some(batch) = handle.next() else { break };
                    let n = handle.emitted() - before;
                    if tx.send(Message::Batch(batch, n)).is_err() {
                        // The stream is gone; dropping the handle cancels the run.
                        return;
                    }
                }
                let _ = tx.send(Message::End(Box::new(handle.join())));
            });
        let end = match spawned {
            Ok(_) => None,
            Err(e) => Some(Err(Error::Config(format!(
                "cannot start the stream thread: {e}"
            )))),
        };
        SearchStream {
            messages: rx.into_stream(),
            end,
            canceller,
            rejects,
            emitted: 0,
        }
    }
}

impl<C: Collector> SearchStream<C> {
    /// Stops the run as soon as possible, like [`SearchHandle::cancel`]: batches
    /// already found can still be taken.
    pub fn cancel(&self) {
        self.canceller.cancel();
    }

    /// A handle that can stop the run (or watch its progress) from anywhere.
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    /// The skipped records, when the configuration asked for them
    /// ([`crate::Rejects::Keep`] or [`crate::Rejects::Stream`]); `None` after the
    /// first call. Poll it alongside the results (e.g. in a `select`, or a task of its
    /// own): with `Rejects::Stream` the workers wait for it.
    pub fn rejects(&mut self) -> Option<RejectStream> {
        self.rejects.take().map(flume::Receiver::into_stream)
    }

    /// Waits for the end of the run and returns its summary, or the error that ended
    /// it, like [`SearchHandle::join`]: batches not yet taken are discarded and a run
    /// still going is cancelled. `emitted` counts the records this stream yielded.
    pub async fn join(mut self) -> Result<Summary> {
        if self.end.is_none() {
            self.canceller.cancel();
            let discard = std::future::poll_fn(|cx| loop {
                match self.poll_message(cx) {
                    Poll::Ready(Some(_batch)) => continue,
                    Poll::Ready(None) => return Poll::Ready(()),
                    Poll::Pending => return Poll::Pending,
                }
            });
            discard.await;
        }
        self.end
            .take()
            .unwrap_or_else(|| Err(Error::Internal("the stream thread ended early".into())))
    }

    /// The next batch, counting it as emitted; at the end, keeps the summary.
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<(C::Batch, u64)>> {
        if self.end.is_some() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.messages).poll_next(cx) {
            Poll::Ready(Some(Message::Batch(batch, n))) => Poll::Ready(Some((batch, n))),
            Poll::Ready(Some(Message::End(result))) => {
                let mut result = *result;
                if let Ok(summary) = &mut result {
                    summary.emitted = self.emitted;
                }
                self.end = Some(result);
                Poll::Ready(None)
            }
            Poll::Ready(None) => {
                self.end = Some(Err(Error::Internal(
                    "the stream thread ended without a summary".into(),
                )));
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<C: Collector> Stream for SearchStream<C> {
    type Item = C::Batch;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<C::Batch>> {
        let this = self.get_mut();
        match this.poll_message(cx) {
            Poll::Ready(Some((batch, n))) => {
                this.emitted += n;
                Poll::Ready(Some(batch))
            }
            other => other.map(|o| o.map(|(batch, _)| batch)),
        }
    }
}

/// Dropping the stream stops the run at once: the thread is told through the shared
/// stop flag (it may be waiting for the next batch, not on the channel), and drops
/// the handle when it sees the end, which reclaims the workers. Nothing here blocks.
impl<C: Collector> Drop for SearchStream<C> {
    fn drop(&mut self) {
        if self.end.is_none() {
            self.canceller.cancel();
        }
    }
}

/// [`SearchStream::join`]'s future is `Send` when the batches are: it can run on a
/// multi-threaded executor.
#[allow(dead_code)]
fn join_is_send<C: Collector>(s: SearchStream<C>) -> impl Future<Output = Result<Summary>> + Send
where
    C::Batch: Send,
{
    s.join()
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use futures::executor::block_on;
    use futures::StreamExt;

    use crate::{
        filter::parse_and_compile, ErrorPolicy, Flight, Input, InputFormat, Outcome, Rejects,
        Search, SearchConfig,
    };

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample.csv");
    const ROW: &str = "sabre,sa-{},BOM,DXB,2027-02-26T14:45:00+05:30,2027-02-26T16:05:00+04:00,\
        170,0,,AI,AI5308,,business,718.20,USD,3,1,false,457,,\n";

    fn config(filter: &str, limit: Option<u64>, ordered: bool) -> SearchConfig {
        let mut config = SearchConfig::new(vec![Input::from_path(SAMPLE)]);
        config.filter = parse_and_compile(filter).unwrap();
        config.limit = limit;
        config.ordered = ordered;
        config.threads = 2;
        config.page_size = 64;
        config
    }

    /// Polls the stream to its end; the flights, then the summary.
    fn drain(config: SearchConfig) -> (Vec<Flight>, crate::Result<crate::Summary>) {
        let mut stream = Search::start(config).unwrap().into_stream();
        block_on(async {
            let mut flights = Vec::new();
            while let Some(batch) = stream.next().await {
                flights.extend(batch);
            }
            (flights, stream.join().await)
        })
    }

    #[test]
    fn the_stream_yields_what_the_iterator_does() {
        for (filter, limit) in [
            ("stops <= 1", Some(37)),
            ("price < 300", None),
            ("true", Some(0)),
        ] {
            let mut search = Search::start(config(filter, limit, true)).unwrap();
            let want: Vec<Flight> = search.flights().collect();
            let want_summary = search.join().unwrap();
            let (got, summary) = drain(config(filter, limit, true));
            let summary = summary.unwrap();
            assert_eq!(
                got, want,
                "{filter} {limit:?}: ordered runs are the same sequence"
            );
            assert_eq!(summary.outcome, want_summary.outcome, "{filter}");
            assert_eq!(summary.emitted, want.len() as u64, "{filter}");
            // Unordered: still exactly N, all matching.
            let (got, summary) = drain(config(filter, limit, false));
            assert_eq!(
                got.len(),
                want.len(),
                "{filter} {limit:?}: exactly N unordered"
            );
            assert_eq!(summary.unwrap().emitted, got.len() as u64);
            let f = parse_and_compile(filter).unwrap();
            assert!(got.iter().all(|x| f.matches(x)));
        }
    }

    #[test]
    fn errors_end_the_stream_and_come_from_join() {
        let mut config = config("true", None, true);
        config.inputs.push(Input::from_path("no/such/dump.csv"));
        // A missing input fails the start, before any stream exists.
        let missing = Search::start(config).err().expect("a missing input fails");
        assert!(
            missing.to_string().contains("no/such/dump.csv"),
            "{missing}"
        );
        let bad = format!(
            "{}{}",
            crate::record::CSV_HEADER,
            ROW.replace("{}", "1").replace("170", "x")
        );
        let input = Input::from_reader(
            "bad.csv",
            InputFormat::Csv,
            Box::new(std::io::Cursor::new(bad)),
        );
        let (flights, result) = drain(SearchConfig::new(vec![input]));
        assert!(flights.is_empty());
        let err = result.unwrap_err().to_string();
        assert!(err.starts_with("bad.csv:2: field `duration_min`"), "{err}");
    }

    #[test]
    fn rejects_come_as_a_second_stream() {
        let mut text = crate::record::CSV_HEADER.to_string();
        for i in 0..500 {
            let row = ROW.replace("{}", &i.to_string());
            text.push_str(&if i % 7 == 3 {
                row.replace(",USD,", ",usd,")
            } else {
                row
            });
        }
        let input = Input::from_reader(
            "mixed.csv",
            InputFormat::Csv,
            Box::new(std::io::Cursor::new(text)),
        );
        let mut config = SearchConfig::new(vec![input]);
        config.on_error = ErrorPolicy::Skip;
        // Stream: the workers wait for the rejects, so they are drained alongside.
        config.rejects = Rejects::Stream { capacity: 2 };
        config.page_size = 16;
        let mut stream = Search::start(config).unwrap().into_stream();
        let rejects = stream.rejects().expect("asked for");
        assert!(stream.rejects().is_none(), "taken once");
        let drainer = std::thread::spawn(move || block_on(rejects.collect::<Vec<_>>()));
        let (n, summary) = block_on(async {
            let mut n = 0;
            while let Some(batch) = stream.next().await {
                n += batch.len();
            }
            (n, stream.join().await.unwrap())
        });
        let rejects = drainer.join().unwrap();
        let bad = (0..500).filter(|i| i % 7 == 3).count();
        assert_eq!((n, rejects.len()), (500 - bad, bad));
        assert_eq!(summary.bad_records, bad as u64);
        assert!(rejects.iter().all(|r| r.error.field == Some("currency")));
    }

    /// An endless dump whose only match is its first record: after that batch the
    /// run has nothing to deliver, so only a cancel can stop it.
    struct Endless {
        next: u64,
        buf: Vec<u8>,
        pos: usize,
        bytes: Arc<AtomicU64>,
        dropped: Arc<AtomicBool>,
    }

    impl Read for Endless {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.pos == self.buf.len() {
                self.buf = ROW.replace("{}", &self.next.to_string()).into_bytes();
                self.pos = 0;
                self.next += 1;
            }
            let n = out.len().min(self.buf.len() - self.pos);
            out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            self.bytes.fetch_add(n as u64, Ordering::Relaxed);
            Ok(n)
        }
    }

    impl Drop for Endless {
        fn drop(&mut self) {
            self.dropped.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn dropping_the_stream_stops_the_run() {
        let bytes = Arc::new(AtomicU64::new(0));
        let dropped = Arc::new(AtomicBool::new(false));
        let reader = Endless {
            next: 1,
            buf: crate::record::CSV_HEADER.as_bytes().to_vec(),
            pos: 0,
            bytes: bytes.clone(),
            dropped: dropped.clone(),
        };
        let input = Input::from_reader("endless.csv", InputFormat::Csv, Box::new(reader));
        let mut config = SearchConfig::new(vec![input]);
        config.filter = parse_and_compile("offer_id = \"sa-1\"").unwrap();
        config.page_size = 64;
        config.threads = 2;
        let mut stream = Search::start(config).unwrap().into_stream();
        let first = block_on(stream.next()).expect("the first record matches");
        assert_eq!(first[0].offer_id, "sa-1");
        let canceller = stream.canceller();
        // Let the run go on for a while, then drop the stream while its thread waits
        // for a batch that never comes.
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !dropped.load(Ordering::SeqCst),
            "still running before the drop"
        );
        drop(stream);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !dropped.load(Ordering::SeqCst) {
            assert!(
                Instant::now() < deadline,
                "the run goes on after the stream was dropped"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let pages = canceller.progress().pages_read;
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            canceller.progress().pages_read,
            pages,
            "nothing read after the end"
        );
        assert!(bytes.load(Ordering::Relaxed) > 0);
    }

    #[test]
    fn join_cancels_a_running_stream_and_counts_what_it_yielded() {
        let (tx, _keep) = (Arc::new(AtomicBool::new(false)), ());
        let reader = Endless {
            next: 1,
            buf: crate::record::CSV_HEADER.as_bytes().to_vec(),
            pos: 0,
            bytes: Arc::new(AtomicU64::new(0)),
            dropped: tx,
        };
        let input = Input::from_reader("endless.csv", InputFormat::Csv, Box::new(reader));
        let mut config = SearchConfig::new(vec![input]);
        config.page_size = 8;
        let mut stream = Search::start(config).unwrap().into_stream();
        let summary = block_on(async {
            let a = stream.next().await.unwrap().len();
            let b = stream.next().await.unwrap().len();
            let summary = stream.join().await.unwrap();
            assert_eq!(
                summary.emitted,
                (a + b) as u64,
                "only what the stream yielded"
            );
            summary
        });
        assert_eq!(summary.outcome, Outcome::Cancelled);
        assert!(summary.matched >= summary.emitted);
    }
}
