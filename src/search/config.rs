//! What a search is asked to do: [`SearchConfig`] and its parts (the error policy,
//! what becomes of skipped records), and the sequence numbers pages are known by.

use std::time::Duration;

#[cfg(doc)]
use super::{Search, SearchHandle};
use crate::currency::Converter;
use crate::error::{Location, RecordError};
use crate::filter::Filter;
use crate::latency::Latency;
use crate::sort::SortSpec;
use crate::source::Input;
#[cfg(doc)]
use crate::{sort::Itinerary, summary::Summary};

/// Default records per page, chosen by measurement (see README, "Performance").
pub const DEFAULT_PAGE_SIZE: usize = 2048;

/// At most this many inputs are read at once (one producer thread each); further
/// inputs start as earlier ones finish, in command-line order.
pub const MAX_PRODUCERS: usize = 16;

/// A page's sequence number is its input's place on the command line, then its
/// place in that input: `input << SEQ_SHIFT | page`. Ordering sequence numbers is
/// ordering by input, then page: the order of a sequential scan.
pub(super) const SEQ_SHIFT: u32 = 40;

/// The input (command-line place) a page comes from.
#[inline]
pub(super) fn input_of(seq: u64) -> usize {
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
