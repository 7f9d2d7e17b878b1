//! The state `--sort` and `--dedupe` keep while the workers scan.
//!
//! * [`TopK`]: each worker thread's best N matches (or, with `--dedupe`, the best N
//!   distinct itineraries), merged once the scan ends. Memory is O(N x threads)
//!   whatever the dump size; without a limit it holds every match.
//! * [`Ranked`]: a `--sort` run's fan-out, one [`TopK`] per worker thread, and the
//!   memory budget a run without a limit must stay within.
//! * [`Seen`]: the itineraries already emitted by an unordered `--dedupe` run, shared
//!   by the workers (sharded, so they rarely wait on each other).
//!
//! Every match has a [`Place`]: its rank, then its position in the input (page
//! sequence number, record within the page). Places are all distinct, so the order
//! is total and the output the same whatever the thread count or page size.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicI64, Ordering::AcqRel};
use std::sync::Mutex;

use crate::error::Error;
use crate::record::Flight;
use crate::sort::{Itinerary, Rank, SortSpec};

/// What a `--sort` run without a limit may hold in memory before it fails, asking
/// for `-n` (with a limit it holds N matches per worker, whatever the dump size).
pub const SORT_MEMORY_BUDGET: u64 = 1 << 30;

/// A match's place in the output order: rank first, input position to break ties.
pub(crate) type Place = (Rank, u64, u32);

/// One kept match.
struct Kept<B> {
    itinerary: Option<Itinerary>,
    batch: B,
    weight: usize,
}

/// The best matches one worker thread has seen.
pub(crate) struct TopK<B> {
    limit: Option<usize>,
    items: BTreeMap<Place, Kept<B>>,
    /// With `--dedupe`: where each kept itinerary's best offer is.
    best: Option<HashMap<Itinerary, Place>>,
}

impl<B> TopK<B> {
    pub(crate) fn new(limit: Option<u64>, dedupe: bool) -> TopK<B> {
        TopK {
            limit: limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            items: BTreeMap::new(),
            best: dedupe.then(HashMap::new),
        }
    }

    /// Whether a match at `place` would be kept: checked before the match is encoded,
    /// so a scan encodes only what may be emitted.
    pub(crate) fn wants(&self, place: &Place, itinerary: Option<&Itinerary>) -> bool {
        if let (Some(best), Some(it)) = (&self.best, itinerary) {
            if let Some(old) = best.get(it) {
                return place < old;
            }
        }
        match self.limit {
            Some(0) => false,
            Some(n) if self.items.len() >= n => self
                .items
                .last_key_value()
                .is_some_and(|(last, _)| place < last),
            _ => true,
        }
    }

    /// Keeps a match [`TopK::wants`] accepted; returns the change in bytes held.
    pub(crate) fn insert(
        &mut self,
        place: Place,
        itinerary: Option<Itinerary>,
        batch: B,
        weight: usize,
    ) -> isize {
        let mut delta = weight as isize;
        // The same itinerary, worse: it is replaced, and nothing else moves.
        let replaced = match (&mut self.best, &itinerary) {
            (Some(best), Some(it)) => best.insert(it.clone(), place),
            _ => None,
        };
        if let Some(old) = replaced {
            if let Some(k) = self.items.remove(&old) {
                delta -= k.weight as isize;
            }
        } else if self.limit.is_some_and(|n| self.items.len() >= n) {
            if let Some((_, worst)) = self.items.pop_last() {
                delta -= worst.weight as isize;
                if let (Some(best), Some(it)) = (&mut self.best, worst.itinerary) {
                    best.remove(&it);
                }
            }
        }
        self.items.insert(
            place,
            Kept {
                itinerary,
                batch,
                weight,
            },
        );
        delta
    }
}

/// The output of a sorted run: every worker's matches merged, in order, one per
/// itinerary with `--dedupe`, at most `limit`.
pub(crate) fn merge<B>(heaps: Vec<TopK<B>>, limit: Option<u64>) -> Vec<(Place, B)> {
    let dedupe = heaps.iter().any(|h| h.best.is_some());
    let mut all: Vec<(Place, Kept<B>)> = heaps.into_iter().flat_map(|h| h.items).collect();
    all.sort_unstable_by_key(|a| a.0);
    let mut seen = HashSet::new();
    all.into_iter()
        .filter(|(_, k)| {
            !dedupe
                || k.itinerary
                    .as_ref()
                    .is_none_or(|it| seen.insert(it.clone()))
        })
        .take(limit.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)))
        .map(|(place, k)| (place, k.batch))
        .collect()
}

/// A `--sort` run's matches while the workers scan: each worker thread offers its
/// matches to its own [`TopK`] (so they never wait on each other), and the heaps are
/// merged once the scan is over.
pub(crate) struct Ranked<B> {
    spec: SortSpec,
    dedupe: bool,
    limit: Option<u64>,
    heaps: Vec<Mutex<TopK<B>>>,
    /// Bytes held by the heaps, checked against [`SORT_MEMORY_BUDGET`] when there is
    /// no limit (with one, the heaps hold at most N each).
    held: AtomicI64,
}

impl<B> Ranked<B> {
    /// Heaps for `threads` worker threads, keeping the best `limit` (or every match).
    pub(crate) fn new(spec: SortSpec, dedupe: bool, limit: Option<u64>, threads: usize) -> Self {
        Ranked {
            spec,
            dedupe,
            limit,
            heaps: (0..threads.max(1))
                .map(|_| Mutex::new(TopK::new(limit, dedupe)))
                .collect(),
            held: AtomicI64::new(0),
        }
    }

    /// Offers a match found at `position` (page sequence number, record in the
    /// page). `pack` makes its batch and weight, and is called only when the match
    /// is kept, so a scan packs only what may be emitted. `Err` when a run without a
    /// limit would hold more than [`SORT_MEMORY_BUDGET`].
    #[inline]
    pub(crate) fn offer(
        &self,
        flight: &Flight,
        position: (u64, u32),
        pack: impl FnOnce() -> (B, usize),
    ) -> Result<(), Error> {
        let place = (self.spec.rank(flight), position.0, position.1);
        let itinerary = self.dedupe.then(|| Itinerary::of(flight));
        // One heap per worker thread: the lock is only ever contended at the merge.
        let slot = rayon::current_thread_index().unwrap_or(0) % self.heaps.len();
        let mut heap = self.heaps[slot].lock().unwrap_or_else(|p| p.into_inner());
        if !heap.wants(&place, itinerary.as_ref()) {
            return Ok(());
        }
        let (batch, weight) = pack();
        let delta = heap.insert(place, itinerary, batch, weight) as i64;
        let now = self.held.fetch_add(delta, AcqRel) + delta;
        if self.limit.is_none() && now > SORT_MEMORY_BUDGET as i64 {
            return Err(Error::Config(format!(
                "--sort without -n keeps every match in memory, and the matches need more than {} MiB; add -n N to keep only the best N (memory grows with N and the threads, not with the dump)",
                SORT_MEMORY_BUDGET >> 20
            )));
        }
        Ok(())
    }

    /// The kept matches in output order (see [`merge`]), each with its page's
    /// sequence number; the heaps are left empty.
    pub(crate) fn take_merged(&mut self) -> Vec<(u64, B)> {
        let heaps = std::mem::take(&mut self.heaps)
            .into_iter()
            .map(|h| h.into_inner().unwrap_or_else(|p| p.into_inner()))
            .collect();
        merge(heaps, self.limit)
            .into_iter()
            .map(|((_, seq, _), batch)| (seq, batch))
            .collect()
    }
}

/// Shards of [`Seen`]: enough that two workers rarely want the same one.
const SHARDS: usize = 64;

/// Itineraries already taken by an unordered `--dedupe` run.
pub(crate) struct Seen {
    shards: Vec<Mutex<HashSet<Itinerary>>>,
}

impl Seen {
    pub(crate) fn new() -> Seen {
        Seen {
            shards: (0..SHARDS).map(|_| Mutex::new(HashSet::new())).collect(),
        }
    }

    /// True if `it` was not seen before (and is now).
    pub(crate) fn insert(&self, it: Itinerary) -> bool {
        let mut h = DefaultHasher::new();
        it.hash(&mut h);
        let shard = &self.shards[h.finish() as usize % SHARDS];
        shard.lock().unwrap_or_else(|p| p.into_inner()).insert(it)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Flight, FlightNumber};
    use crate::sort::SortSpec;
    use proptest::prelude::*;

    fn itinerary(n: u8) -> Itinerary {
        let number = format!("AA{}", n as u32 + 1);
        Itinerary::of(&Flight {
            flight_numbers: vec![FlightNumber::parse(number.as_bytes()).unwrap()],
            ..Flight::default()
        })
    }

    fn rank(price: i64) -> Rank {
        let mut f = Flight::default();
        f.price.micros = price;
        "price".parse::<SortSpec>().unwrap().rank(&f)
    }

    /// The reference: sort everything, keep the best offer of each itinerary, take N.
    fn reference(items: &[(i64, u8)], limit: Option<u64>, dedupe: bool) -> Vec<u64> {
        let mut all: Vec<(Place, u8)> = items
            .iter()
            .enumerate()
            .map(|(i, &(p, it))| ((rank(p), i as u64, 0), it))
            .collect();
        all.sort();
        let mut seen = HashSet::new();
        all.into_iter()
            .filter(|(_, it)| !dedupe || seen.insert(*it))
            .take(limit.map_or(usize::MAX, |n| n as usize))
            .map(|(place, _)| place.1)
            .collect()
    }

    proptest! {
        /// Split among any number of workers, in any order, the merged heaps give the
        /// sequential answer.
        #[test]
        fn heaps_split_any_way_merge_to_the_sequential_answer(
            items in proptest::collection::vec((0i64..50, 0u8..12), 0..120),
            workers in 1usize..5,
            limit in proptest::option::of(0u64..15),
            dedupe: bool,
            assignment in proptest::collection::vec(0usize..5, 120),
        ) {
            let mut heaps: Vec<TopK<u64>> = (0..workers).map(|_| TopK::new(limit, dedupe)).collect();
            for (i, &(price, it)) in items.iter().enumerate() {
                let heap = &mut heaps[assignment[i] % workers];
                let place = (rank(price), i as u64, 0);
                let it = dedupe.then(|| itinerary(it));
                if heap.wants(&place, it.as_ref()) {
                    heap.insert(place, it, i as u64, 1);
                }
            }
            let merged: Vec<u64> = merge(heaps, limit).into_iter().map(|(_, b)| b).collect();
            prop_assert_eq!(merged, reference(&items, limit, dedupe));
        }
    }

    #[test]
    fn weights_add_up_to_what_is_held() {
        let mut heap: TopK<()> = TopK::new(Some(2), true);
        let mut held = 0isize;
        for (i, (price, it)) in [(5, 1), (4, 1), (3, 2), (2, 3), (9, 4), (1, 2)]
            .into_iter()
            .enumerate()
        {
            let place = (rank(price), i as u64, 0);
            let it = Some(itinerary(it));
            if heap.wants(&place, it.as_ref()) {
                held += heap.insert(place, it, (), 10);
            }
        }
        assert_eq!(held, 20);
        assert_eq!(heap.items.len(), 2);
    }

    #[test]
    fn ranked_keeps_the_best_and_without_a_limit_stays_within_its_budget() {
        let ranked: Ranked<i64> = Ranked::new("price".parse().unwrap(), false, Some(2), 3);
        for (i, price) in [7, 3, 9, 1, 5].into_iter().enumerate() {
            let mut f = Flight::default();
            f.price.micros = price;
            ranked.offer(&f, (0, i as u32), || (price, 1)).unwrap();
        }
        let mut ranked = ranked;
        let kept: Vec<i64> = ranked.take_merged().into_iter().map(|(_, b)| b).collect();
        assert_eq!(kept, [1, 3]);

        let unlimited: Ranked<()> = Ranked::new("price".parse().unwrap(), false, None, 1);
        let f = Flight::default();
        let half = (SORT_MEMORY_BUDGET / 2) as usize;
        assert!(unlimited.offer(&f, (0, 0), || ((), half)).is_ok());
        assert!(unlimited.offer(&f, (0, 1), || ((), half)).is_ok());
        let over = unlimited.offer(&f, (0, 2), || ((), 1)).unwrap_err();
        assert!(over.to_string().contains("add -n N"), "{over}");
    }

    #[test]
    fn seen_takes_each_itinerary_once() {
        let seen = Seen::new();
        assert!(seen.insert(itinerary(1)));
        assert!(!seen.insert(itinerary(1)));
        assert!(seen.insert(itinerary(2)));
    }
}
