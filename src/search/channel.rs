//! What crosses the run's channels: pages (or a producer's failure, or an input's
//! end) from the producers to the workers, and batches of matches from the workers
//! to the handle, with what an ordered run needs to put them back in input order.

use crate::error::Error;
use crate::sort::Itinerary;
use crate::source::Page;
use crate::topk::{Ranked, Seen};

/// A batch of matches from one page.
pub(super) struct Delivery<B> {
    pub(super) seq: u64,
    pub(super) batch: B,
    /// False when the page's scan was cut short by a stop or an error.
    pub(super) complete: bool,
    /// Ordered runs: the fatal error that ended this page, after `batch`'s matches.
    /// The consumer applies it in input order, as a sequential scan would meet it.
    pub(super) error: Option<Error>,
    /// Ordered `--dedupe` runs: each match's itinerary, in batch order, so the
    /// consumer keeps the first of each in input order.
    pub(super) itineraries: Vec<Itinerary>,
    /// Ordered runs: the input `seq` belongs to has no page at or after `seq`.
    pub(super) end: bool,
}

impl<B> Delivery<B> {
    pub(super) fn new(seq: u64, batch: B) -> Delivery<B> {
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
pub(super) struct Failed {
    pub(super) seq: u64,
    pub(super) error: Error,
}

/// What crosses the page channel.
pub(super) enum PageItem {
    Page(Page),
    Failed(Failed),
    /// Ordered runs: an input ended; the sequence number its next page would have had.
    End(u64),
}

/// What happens to a match besides the filter: plain emission, deduplication, or
/// ranking (see [`crate::topk`]).
pub(super) enum Fanout<B> {
    Plain,
    /// Unordered `--dedupe`: the first worker to take an itinerary keeps it.
    FirstSeen(Seen),
    /// Ordered `--dedupe`: the consumer keeps the first of each, in input order.
    InOrder,
    /// `--sort`: each worker thread keeps its best matches, merged at the end.
    Ranked(Ranked<B>),
}
