//! flightsift: filter recorded flight-offer dumps in parallel, and stop the moment
//! you have enough.
//!
//! A producer thread pages a dump (canonical CSV or NDJSON) into a bounded channel; a
//! dedicated rayon pool decodes and filters the pages; an atomic slot counter ends the
//! run after exactly `N` matches. [`Search::start`] returns at once with a handle that
//! yields results as they are found, can be cancelled at any time, and reports a
//! [`Summary`] when joined.
//!
//! ```
//! use flightsift::{Expr, Filter, FilterFlags, Input, Search, SearchConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dump = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample.csv");
//! let flags = FilterFlags { from: vec!["JFK".into()], max_stops: Some("1".into()), ..Default::default() };
//! let mut config = SearchConfig::new(vec![Input::from_path(dump)]);
//! config.filter = Filter::compile(&flags.to_expr())?;
//!
//! let mut search = Search::start(config)?;
//! let first: Vec<_> = search.flights().take(3).collect();
//! search.cancel(); // we have enough: stop reading
//! assert!(first.iter().all(|f| f.origin.as_str() == "JFK" && f.stops <= 1));
//! let summary = search.join()?;
//! assert!(summary.emitted >= first.len() as u64);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod bench_support;
pub mod collect;
mod columns;
pub mod decode;
pub mod encode;
mod error;
pub mod eval;
pub mod filter;
pub mod gen;
mod pipeline;
pub mod provider;
pub mod record;
mod source;
pub mod sql;
mod summary;

pub use collect::{Chunk, Collector, Count, Encoded, Flights};
pub use decode::InputFormat;
pub use encode::{Document, Format};
pub use error::{Error, Location, RecordError, Result};
pub use eval::{Eval, Query, Report};
pub use filter::{CompileError, Expr, Filter, FilterFlags};
pub use pipeline::{
    Canceller, ErrorPolicy, Reject, Rejects, Search, SearchConfig, SearchHandle, DEFAULT_PAGE_SIZE,
};
pub use record::Flight;
pub use source::{Input, MAX_RECORD_BYTES};
pub use summary::{Outcome, Progress, Summary, TimeSplit};
