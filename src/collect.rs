//! What workers do with a matching record: keep it, encode it, or just count it.
//!
//! A [`Collector`] packs a page's matches into one batch, so exactly one channel send
//! happens per page however many records match, and the consumer receives finished
//! work (decoded flights, encoded bytes, or a number).

use crate::encode::Format;
use crate::filter::Filter;
use crate::record::Flight;

/// A matching record as the worker sees it.
#[derive(Clone, Copy)]
pub struct Matched<'a> {
    /// The decoded flight.
    pub flight: &'a Flight,
    /// The record's bytes as read (without terminator).
    pub raw: &'a [u8],
    /// Whether `raw` is already a canonical CSV row (the input's header was exactly
    /// the canonical one), so it can be copied out verbatim.
    pub raw_is_canonical_csv: bool,
}

/// Packs matches into batches; shared by every worker.
pub trait Collector: Send + Sync + 'static {
    /// One page's worth of matches.
    type Batch: Send + 'static;
    /// An empty batch.
    fn batch(&self) -> Self::Batch;
    /// Adds one match.
    fn add(&self, batch: &mut Self::Batch, m: Matched<'_>);
    /// Matches in the batch.
    fn len(&self, batch: &Self::Batch) -> u64;
    /// Keeps only the first `n` matches (ordered runs trim the last batch to the limit).
    fn truncate(&self, batch: &mut Self::Batch, n: u64);
    /// Keeps the matches whose flag is set, in order (`keep` has one flag per match):
    /// an ordered `--dedupe` run drops repeated itineraries from a page's batch.
    fn retain(&self, batch: &mut Self::Batch, keep: &[bool]);
    /// About how many bytes the batch holds: a `--sort` run without a limit keeps
    /// every match, and stops before it holds more than its memory budget.
    fn weight(&self, batch: &Self::Batch) -> usize {
        let _ = batch;
        std::mem::size_of::<Self::Batch>()
    }
    /// Whether the worker keeps a record decoded as far as `filter` reads
    /// ([`Filter::columns`]): a kept record is then decoded in full, checked, and
    /// passed to [`Collector::add`]. By default the filter decides; a collector that
    /// must see every record (the counters of `eval`) decides itself, recording what
    /// it needs in the page's batch.
    #[inline]
    fn judge(&self, filter: &Filter, batch: &mut Self::Batch, flight: &Flight) -> bool {
        let _ = batch;
        filter.matches(flight)
    }
    /// Whether [`Collector::judge`] is the filter's verdict alone, so a record the
    /// filter rejects need never reach it (workers may then reject records on their
    /// text, before decoding). A collector that overrides `judge` says `false`.
    fn filter_decides(&self) -> bool {
        true
    }
}

/// Collects decoded [`Flight`] values (for library users).
#[derive(Clone, Copy, Debug, Default)]
pub struct Flights;

impl Collector for Flights {
    type Batch = Vec<Flight>;
    fn batch(&self) -> Vec<Flight> {
        Vec::new()
    }
    fn add(&self, batch: &mut Vec<Flight>, m: Matched<'_>) {
        batch.push(m.flight.clone());
    }
    fn len(&self, batch: &Vec<Flight>) -> u64 {
        batch.len() as u64
    }
    fn truncate(&self, batch: &mut Vec<Flight>, n: u64) {
        batch.truncate(n as usize);
    }
    fn retain(&self, batch: &mut Vec<Flight>, keep: &[bool]) {
        let mut flags = keep.iter();
        batch.retain(|_| flags.next().copied().unwrap_or(true));
    }
    fn weight(&self, batch: &Vec<Flight>) -> usize {
        batch
            .iter()
            .map(|f| {
                std::mem::size_of::<Flight>()
                    + f.provider.capacity()
                    + f.offer_id.capacity()
                    + 16 * f.flight_numbers.capacity()
            })
            .sum()
    }
}

/// Encoded output: a buffer of whole records in one format.
#[derive(Clone, Debug, Default)]
pub struct Chunk {
    /// The encoded records, joined by the format's separator (nothing before the
    /// first): [`crate::Document`] joins chunks into a whole output.
    pub bytes: Vec<u8>,
    /// How many records `bytes` holds.
    pub records: u64,
    /// Where each record ends in `bytes`.
    ends: Vec<usize>,
}

/// Encodes matches in a given [`Format`] inside the workers, so the single writer
/// only copies bytes.
#[derive(Clone, Copy, Debug)]
pub struct Encoded(pub Format);

impl Collector for Encoded {
    type Batch = Chunk;
    fn batch(&self) -> Chunk {
        Chunk::default()
    }
    fn add(&self, batch: &mut Chunk, m: Matched<'_>) {
        if self.0 == Format::Csv && m.raw_is_canonical_csv {
            batch.bytes.extend_from_slice(m.raw);
            batch.bytes.push(b'\n');
        } else {
            self.0
                .encode(m.flight, batch.records == 0, &mut batch.bytes);
        }
        batch.records += 1;
        batch.ends.push(batch.bytes.len());
    }
    fn len(&self, batch: &Chunk) -> u64 {
        batch.records
    }
    fn truncate(&self, batch: &mut Chunk, n: u64) {
        if n < batch.records {
            let end = if n == 0 {
                0
            } else {
                batch.ends[n as usize - 1]
            };
            batch.bytes.truncate(end);
            batch.ends.truncate(n as usize);
            batch.records = n;
        }
    }
    fn retain(&self, batch: &mut Chunk, keep: &[bool]) {
        // Every record but a chunk's first starts with the separator; a record that
        // becomes first loses it.
        let separator = self.0.separator().len();
        let (mut write, mut start) = (0, 0);
        let mut ends = Vec::with_capacity(batch.ends.len());
        for (i, &end) in batch.ends.iter().enumerate() {
            if keep.get(i).copied().unwrap_or(true) {
                let from = if ends.is_empty() && i > 0 {
                    start + separator
                } else {
                    start
                };
                batch.bytes.copy_within(from..end, write);
                write += end - from;
                ends.push(write);
            }
            start = end;
        }
        batch.bytes.truncate(write);
        batch.records = ends.len() as u64;
        batch.ends = ends;
    }
    fn weight(&self, batch: &Chunk) -> usize {
        std::mem::size_of::<Chunk>() + batch.bytes.capacity() + 8 * batch.ends.capacity()
    }
}

/// Counts matches and keeps nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Count;

impl Collector for Count {
    type Batch = u64;
    fn batch(&self) -> u64 {
        0
    }
    fn add(&self, batch: &mut u64, _: Matched<'_>) {
        *batch += 1;
    }
    fn len(&self, batch: &u64) -> u64 {
        *batch
    }
    fn truncate(&self, batch: &mut u64, n: u64) {
        *batch = (*batch).min(n);
    }
    fn retain(&self, batch: &mut u64, keep: &[bool]) {
        *batch -= keep.iter().filter(|k| !**k).count() as u64;
    }
}
