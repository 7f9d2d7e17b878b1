//! flightsift: filter recorded flight-offer dumps in parallel, and stop the moment
//! you have enough.
//!
//! A producer thread pages a dump (canonical CSV or NDJSON, or raw provider responses)
//! into a bounded channel; a dedicated rayon pool decodes and filters the pages; an
//! atomic slot counter ends the run after exactly `N` matches. [`Search::start`]
//! returns at once with a handle that yields results as they are found, can be
//! cancelled at any time, and reports a [`Summary`] when joined.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use flightsift::{Filter, FilterFlags, Input, Search, SearchConfig};
//!
//! let flags = FilterFlags::new().from(["JFK"]).max_stops(1);
//! let mut config = SearchConfig::new(vec![Input::from_path("data/sample.csv")]);
//! config.filter = Filter::compile(&flags.to_expr())?;
//! config.limit = Some(10);
//! let mut search = Search::start(config)?;
//! for flight in search.flights() {
//!     // Each match arrives as soon as a worker finds it, as a canonical CSV row here.
//!     println!("{flight}");
//! }
//! let summary = search.join()?;
//! assert_eq!(summary.emitted, 10);
//! # Ok(()) }
//! ```
//!
//! The same example opens the guide's library page (`docs/library.md`); a test keeps
//! the two equal.
//!
//! # Features
//!
//! * `cli` (default): the `flightsift` binary and what only it needs (clap, anyhow,
//!   signal handling, the progress bar, atomic output files, manual pages). Implies
//!   `gen` and `eval-toml`. A library user can leave it out: `default-features = false`.
//! * `gen` (default): [`gen`], synthetic dumps and provider responses.
//! * `eval-toml` (default, through `cli`): `eval::parse_queries` and
//!   `eval::update_expectations`, the TOML queries file of `flightsift eval` (the
//!   `toml` and `toml_edit` crates). Without it, [`eval`] takes [`Query`] values built
//!   in code.
//! * `async`: [`SearchHandle::into_stream`], the results and rejects as
//!   `futures_core::Stream`s, for any executor.
//!
//! # More examples
//!
//! **In input order.** With `ordered`, the results are the first `N` matches of a
//! sequential scan, in file order, though the filtering is still parallel and the
//! run still stops early:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use flightsift::{filter::parse_and_compile, Input, Search, SearchConfig};
//!
//! let filter = parse_and_compile("cabin = business and price < 900")?;
//! let mut config = SearchConfig::new(vec![Input::from_path("data/sample.csv")]);
//! config.filter = filter.clone();
//! config.limit = Some(5);
//! config.ordered = true;
//! let first: Vec<String> = Search::start(config)?.flights().map(|f| f.offer_id).collect();
//!
//! // A plain scan of the whole file, one thread, filtered here:
//! let mut config = SearchConfig::new(vec![Input::from_path("data/sample.csv")]);
//! config.threads = 1;
//! config.ordered = true;
//! let all: Vec<String> = Search::start(config)?
//!     .flights()
//!     .filter(|f| filter.matches(f))
//!     .map(|f| f.offer_id)
//!     .collect();
//! assert_eq!(first, all[..5]);
//! # Ok(()) }
//! ```
//!
//! **Cancel from another thread** (a UI, a deadline of your own), with a
//! [`Canceller`]; the run ends validly with what it found:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use flightsift::{Input, Outcome, Search, SearchConfig};
//!
//! let mut search = Search::start(SearchConfig::new(vec![Input::from_path("data/sample.csv")]))?;
//! let canceller = search.canceller();
//! let ui = std::thread::spawn(move || {
//!     // The user pressed Stop after the first thousand records.
//!     while canceller.progress().records_read < 1000 {
//!         std::thread::yield_now();
//!     }
//!     canceller.cancel();
//! });
//! let found = search.flights().count() as u64;
//! ui.join().unwrap();
//! let summary = search.join()?;
//! // Cancelled, unless the 3,000-record sample was all read before the stop.
//! assert!(matches!(summary.outcome, Outcome::Cancelled | Outcome::Complete));
//! assert_eq!(summary.emitted, found);
//! # Ok(()) }
//! ```
//!
//! **Skip bad records and keep them.** By default a malformed record ends the run
//! with its file, line and field; with [`ErrorPolicy::Skip`] it is counted and, with
//! [`Rejects::Keep`], handed over on [`SearchHandle::rejects`]:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use flightsift::{ErrorPolicy, Input, InputFormat, Rejects, Search, SearchConfig};
//!
//! let sample = std::fs::read_to_string("data/sample.csv")?;
//! let mut dump: Vec<&str> = sample.lines().take(5).collect(); // the header, 4 offers
//! dump.insert(3, "sabre,sa-x,JFK,LAX,yesterday");
//! let dump = dump.join("\n");
//! let input = Input::from_reader("mixed.csv", InputFormat::Csv, Box::new(std::io::Cursor::new(dump)));
//! let mut config = SearchConfig::new(vec![input]);
//! config.on_error = ErrorPolicy::Skip;
//! config.rejects = Rejects::Keep { capacity: 100 };
//! let mut search = Search::start(config)?;
//! let rejects = search.rejects().expect("asked for with Rejects::Keep");
//! assert_eq!(search.flights().count(), 4);
//! let summary = search.join()?;
//! assert_eq!(summary.bad_records, 1);
//! let reject = rejects.recv()?;
//! assert_eq!(reject.location.to_string(), "mixed.csv:4");
//! assert_eq!(reject.raw, b"sabre,sa-x,JFK,LAX,yesterday");
//! # Ok(()) }
//! ```
//!
//! **Filters from text, from typed values, or both.** An expression in the `--where`
//! language, the search flags built with typed values ([`FilterFlags`]), or the two
//! joined by `and` as the command line does:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use flightsift::filter::{build, parse_and_compile};
//! use flightsift::record::{Cabin, Price};
//! use flightsift::FilterFlags;
//!
//! let text = parse_and_compile("origin = JFK and stops <= 1 and cabin = business")?;
//! let flags = FilterFlags::new().from(["JFK"]).max_stops(1).cabin([Cabin::Business]);
//! let typed = flightsift::Filter::compile(&flags.to_expr())?;
//! assert_eq!(text.expr().to_string(), "origin = JFK and stops <= 1 and cabin = business");
//! assert_eq!(typed.expr().to_string(), "origin in (JFK) and stops <= 1 and cabin in (business)");
//!
//! let both = build(&FilterFlags::new().max_price("450".parse::<Price>()?), Some("not via has ORD"))?;
//! assert_eq!(both.expr().to_string(), "price <= 450 and not via has ORD");
//! # Ok(()) }
//! ```
//!
//! **Count only.** With the [`Count`] collector the workers keep nothing: each batch
//! is the number of matches of one page.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use flightsift::{filter::parse_and_compile, Count, Input, Search, SearchConfig};
//!
//! let mut config = SearchConfig::new(vec![Input::from_path("data/sample.csv")]);
//! config.filter = parse_and_compile("origin = JFK and stops <= 1")?;
//! let mut search = Search::start_with(config, Count)?;
//! let matches: u64 = search.by_ref().sum();
//! let summary = search.join()?;
//! assert_eq!((matches, summary.matched), (117, 117));
//! # Ok(()) }
//! ```
//!
//! # Where things are
//!
//! A run goes input → pages → workers → handle, one room each:
//!
//! * `source` (internal): inputs ([`Input`]) and the page sources that cut them into
//!   pages of whole records: a stream (stdin, pipes, compressed files, and today every
//!   file) or byte ranges of a seekable file.
//! * [`decode`]: a page's records into [`Flight`]s, whatever the format;
//!   `decode::scanner` holds a worker's per-format state and the one scan loop.
//! * [`filter`]: the `--where` language and the search flags, compiled to a [`Filter`].
//! * `search` (internal): the pipeline, from [`Search::start`] to [`SearchHandle`];
//!   `src/search/mod.rs` reads top to bottom, its rooms hold the stop logic, the
//!   producers, the workers, ordered runs and the handle.
//! * [`collect`], [`sort`] and `topk`: what becomes of a match (kept, encoded, counted;
//!   ranked and deduplicated).
//! * [`encode`]: canonical CSV and NDJSON out; [`provider`]: recorded provider
//!   responses in.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod collect;
mod columns;
pub mod currency;
pub mod decode;
pub mod encode;
mod error;
pub mod eval;
pub mod filter;
#[cfg(feature = "gen")]
pub mod gen;
pub mod latency;
pub mod provider;
pub mod record;
/// The pipeline: `src/search/mod.rs` reads top to bottom.
mod search;
pub mod sort;
/// Inputs and the page sources that cut them into pages.
mod source;
pub mod sql;
#[cfg(feature = "async")]
mod stream;
mod summary;
mod text;
mod topk;

pub use collect::{Chunk, Collector, Count, Encoded, Flights};
pub use decode::InputFormat;
pub use encode::{Document, Format};
pub use error::{Error, Location, RecordError, Result};
pub use eval::{Eval, Query, Report};
pub use filter::{CompileError, Expr, Filter, FilterFlags};
/// The channel crate of [`SearchHandle::rejects`]' receiver, re-exported so callers
/// name its types (`flightsift::flume::Receiver<Reject>`) with the same version.
pub use flume;
/// The `Stream` trait [`SearchStream`] implements (feature `async`).
#[cfg(feature = "async")]
pub use futures_core;
/// The date and time types of [`FilterFlags`]' typed builder (`jiff::civil::Date`,
/// `jiff::civil::Time`), re-exported so callers use the same version.
pub use jiff;
pub use record::Flight;
pub use search::{
    Canceller, ErrorPolicy, Reject, Rejects, Search, SearchConfig, SearchHandle, DEFAULT_PAGE_SIZE,
    MAX_PRODUCERS,
};
pub use source::{compression::Compression, Input, MAX_RECORD_BYTES, MAX_RESPONSE_BYTES};
#[cfg(feature = "async")]
pub use stream::{RejectStream, SearchStream};
pub use summary::{Counts, InputSummary, Outcome, Progress, ProviderSummary, Summary, TimeSplit};
pub use topk::SORT_MEMORY_BUDGET;

#[cfg(test)]
mod front_page {
    /// The visible lines of the first Rust example in `doc`.
    fn first_example(doc: &str) -> Vec<&str> {
        let mut lines = doc.lines().skip_while(|l| !l.starts_with("```"));
        let _fence = lines.next();
        lines
            .take_while(|l| !l.starts_with("```"))
            .filter(|l| !(l.starts_with("# ") || *l == "#"))
            .collect()
    }

    /// The guide's library page opens with the crate's front-page example, and it is
    /// the same code: one definition, checked here, run as a doc test.
    #[test]
    fn the_guide_library_example_is_the_crate_example() {
        let lib: String = include_str!("lib.rs")
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let page = include_str!("../docs/library.md");
        let lib_example = first_example(&lib);
        assert!(lib_example.len() > 5, "{lib_example:?}");
        assert_eq!(first_example(page), lib_example);
    }
}
