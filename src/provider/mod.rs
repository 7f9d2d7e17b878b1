//! Raw flight-provider responses → canonical records.
//!
//! The providers whose search responses are understood are [`Provider::ALL`], one
//! line each in the registry (`registry.rs`): today Amadeus Flight Offers Search
//! v2, Duffel offer requests and offer lists, Kiwi Tequila `/v2/search`, and Sabre
//! Bargain Finder Max (OTA JSON). One recorded response page is decoded at a time:
//!
//! ```
//! use flightsift::provider::{detect, Decoder};
//! use std::ops::ControlFlow;
//!
//! let page = br#"{"meta":{"count":0},"data":[]}"#;
//! let provider = detect(page).unwrap();
//! let mut decoder = Decoder::new();
//! let stats = decoder
//!     .decode(provider, page, |offer| {
//!         match offer.result {
//!             Ok(d) => println!("{}", d.flight.offer_id),
//!             Err(e) => eprintln!("offer {}: {e}", offer.index),
//!         }
//!         ControlFlow::Continue(())
//!     })
//!     .unwrap();
//! assert_eq!(stats.offers, 0);
//! ```
//!
//! # Errors at two levels
//!
//! * A **response** that is not JSON, is cut short, is a provider's error body
//!   (`{"errors": [...]}` and each provider's variant), or lacks the offers array is
//!   a [`ResponseError`]; then no offer is reported at all.
//! * An **offer** that cannot be mapped is a [`RecordError`] with its 0-based index
//!   in the response; the other offers are unaffected. Reason codes, beyond those of
//!   the canonical decoders: `json` (the offer does not have the provider's shape),
//!   `unknown_airport` (no time zone for an airport the times need), `duration` (a
//!   stated duration that is not a duration), `unsupported` (multi-city offers).
//!
//! A stated duration that disagrees with the clock is not an error: it is reported
//! per offer ([`Decoded::duration_mismatch`]) for a `duration_mismatches` count.
//!
//! # The mapping
//!
//! Each offer becomes one record. Shared rules (directions, lists, stops, layovers,
//! cabin and bag minimums) are in `trip.rs` and summarised here; each provider's
//! module documents its own table and the fields it leaves unknown.
//!
//! | canonical | rule |
//! |---|---|
//! | provider | the lower-case provider name ([`Provider::name`]) |
//! | offer_id | the provider's own id, as given |
//! | origin, destination, departure, arrival, duration_min | the outbound direction; `duration_min` by the clock |
//! | return_departure, return_arrival | the return direction of a round trip; empty for one-way |
//! | stops | connections per direction, the maximum over directions |
//! | via, layover_min | every connection, outbound then return (so a round trip can list more than `stops`) |
//! | carriers, flight_numbers | one per segment (marketing carrier), outbound then return |
//! | cabin | the lowest over segments |
//! | bags | the lowest checked-bag allowance over segments; weight-only counts 1 (0 if the weight is 0) |
//! | seats, refundable, co2_kg | as given; unknown when the provider does not say |
//!
//! Times: every output time has its true UTC offset (see `time.rs`); for providers
//! that give local times only, the airport's zone comes from the bundled table
//! ([`airports`]).
//!
//! When a provider does not state the cabin (2019-era Kiwi responses),
//! `flight.cabin` is unknown (`None`), as in a canonical record with an empty cabin.
//!
//! # Calling it from a scan loop
//!
//! One response page (a `.json` file, or one line of an NDJSON file of responses)
//! is one unit of work: [`detect`] the provider once per input (or take the one the
//! user named), and let each worker keep a [`Decoder`] and call
//! [`Decoder::decode`] on the page's bytes. Offers arrive in response order with
//! their index, so an ordered run is input order, then offer index; returning
//! `Break` stops at once (exact-N). The page is parsed in one pass into typed offers
//! borrowed from the bytes; only when some offer has an unexpected shape is it
//! parsed a second time offer by offer, to turn that offer alone into a record
//! error. Nothing outlives the call but the decoder's reused buffers.
//!
//! Throughput is bound by JSON scanning (provider offers are 3-15 KB against a few
//! hundred bytes for a canonical line): on one core, 300-600 MB/s of response,
//! which is 30-130 thousand offers/s depending on the provider.
//!
//! # Where things are
//!
//! | file | what |
//! |---|---|
//! | `registry.rs` | the list of providers; [`Provider`] and its dispatch are generated from it |
//! | `format.rs` | the `Format` trait a provider implements, and its parts (markers, cabin codes, a page of offers) |
//! | `amadeus.rs`, `duffel.rs`, `kiwi.rs`, `sabre.rs` | one provider each: its `Format`, its typed offer, its mapping (and its mapping table, which the user docs copy) |
//! | `decoder.rs` | [`Decoder`]: one page through its provider's `Format`, the results and [`ResponseError`] |
//! | `detect.rs` | [`detect`]: every provider's markers in one pass over a page |
//! | `error_body.rs` | [`ErrorBody`]: the common error spellings, and whose they are |
//! | `trip.rs`, `time.rs`, `duration.rs`, `airports.rs` | the shared mapping rules: directions and stops, local times and zones, stated durations, the airport table |
//! | `json.rs` | serde helpers: borrowed strings, present members, one list visitor (`Items`) |
//! | this file | the field helpers the mappers share (codes, prices, times, with their messages) |
//!
//! # Adding a provider
//!
//! A provider is one module and one registry line; the compiler and the tests
//! point to anything missing.
//!
//! 1. `src/provider/<name>.rs`: the module doc with its mapping table (the user
//!    docs' provider section copies it between `<!-- provider:<name> -->`
//!    markers: add them and rerun the test with `FLIGHTSIFT_BLESS=1`), a unit type
//!    `<Name>` implementing `Format` (name, detection markers, cabin codes, the
//!    columns it never states, error signs, `page` and `map`), and its typed offer;
//!    declare it in this file (`pub mod <name>;`).
//! 2. One line in `registry.rs`'s `registry!`, in name order: its doc line (the
//!    help text) and `<Name> <name>`, with `gen` if step 3 is done.
//! 3. If `gen` should write its pages: `src/gen/<name>.rs` with a unit type
//!    `<Name>` implementing `gen::pages::PageFormat`, declared in `gen/mod.rs`
//!    (`mod <name>;`); `gen/mod.rs`'s dispatch and `gen --format` follow the
//!    registry.
//! 4. Fixtures and goldens: recorded responses in `tests/fixtures/providers/<name>/`
//!    (with their source in `SOURCES.md`), their rows in
//!    `tests/fixtures/providers-expected.csv` (rerun `every_fixture_converts_to_the_golden_rows`
//!    with `FLIGHTSIFT_BLESS=1` and review), and a golden test per fixture in
//!    `tests/providers.rs`.
//!
//! The registry's own tests then hold the new provider to every promise: its name
//! parses back, its markers alone detect it and no other provider, its fixtures
//! are detected as its own, its cabin table covers every cabin, its unstated
//! columns may be unknown (`provider/tests.rs`), and its generated pages detect as
//! its own and decode to `gen`'s canonical records (`gen/pages_tests.rs`).

pub mod airports;
pub mod amadeus;
mod decoder;
mod detect;
pub mod duffel;
pub mod duration;
mod error_body;
mod format;
mod json;
pub mod kiwi;
mod registry;
pub mod sabre;
pub mod time;
pub mod trip;

use std::fmt;

use crate::error::RecordError;
use crate::record::{Airline, Airport, FlightNumber, Price};
use crate::text;

pub use decoder::{
    decode_all, Decoded, Decoder, DurationMismatch, Offer, OwnedOffer, PageStats, ResponseError,
};
pub use detect::{detect, DetectError};
pub use error_body::ErrorBody;
pub use registry::{Provider, UnknownProvider};

/// The registry's lines, for `gen/mod.rs` to expand its page writers from.
#[cfg(feature = "gen")]
pub(crate) use registry::registry;

// ---------------------------------------------------------------------------
// Field helpers shared by the provider mappers: a field's value read from the
// provider's text, with where in the offer it was.

/// Which part of an offer a message is about, formatted only when one is written.
#[derive(Clone, Copy, Debug)]
pub(crate) enum What {
    /// 1-based segment of the offer, over all directions.
    Segment(usize),
    /// The stated duration of a 1-based segment.
    SegmentDuration(usize),
    /// The stated duration of direction 0 (outbound) or 1 (return).
    Direction(usize),
    /// Kiwi's `route[i]`.
    Route(usize),
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Segment(n) => write!(f, "segment {n}"),
            What::SegmentDuration(n) => write!(f, "segment {n} duration"),
            What::Direction(d) => write!(f, "{} duration", trip::direction_name(*d)),
            What::Route(i) => write!(f, "route[{i}]"),
        }
    }
}

// The values themselves are read by `crate::text`, as canonical fields are, so a bad
// one is reported in the same words whichever format it came in; these add where in
// the offer it was.

pub(crate) fn airport(field: &'static str, what: What, code: &str) -> Result<Airport, RecordError> {
    text::airport(field, code.as_bytes()).map_err(|e| text::within(what, e))
}

pub(crate) fn airline(what: What, code: &str) -> Result<Airline, RecordError> {
    text::airline("carriers", code.as_bytes()).map_err(|e| text::within(what, e))
}

/// `carrier` + `number` as a designator (see [`text::flight_number_of`]).
pub(crate) fn flight_number(
    what: What,
    carrier: Airline,
    number: &str,
) -> Result<FlightNumber, RecordError> {
    text::flight_number_of("flight_numbers", carrier, number).map_err(|e| text::within(what, e))
}

pub(crate) fn price(amount: &str) -> Result<Price, RecordError> {
    text::price("price", amount.as_bytes())
}

pub(crate) fn currency(code: &str) -> Result<crate::record::Currency, RecordError> {
    text::currency("currency", code.as_bytes())
}

/// Emissions in whole kilograms from a decimal text (see [`text::kilograms`]).
pub(crate) fn kilograms(amount: &str) -> Result<u32, RecordError> {
    text::kilograms("co2_kg", amount.as_bytes())
}

// What only providers state: durations, local times without offset, airports'
// zones. The messages are built as the canonical ones are (`text::found`).

/// A stated ISO 8601 duration, in seconds.
pub(crate) fn iso_duration(what: What, stated: &str) -> Result<i64, RecordError> {
    duration::parse_iso8601(stated).map_err(|e| {
        let e = RecordError::new(
            "duration_min",
            "duration",
            text::found(e, stated.as_bytes()),
        );
        text::within(what, e)
    })
}

pub(crate) fn unknown_airport(field: &'static str, code: Airport) -> RecordError {
    RecordError::new(
        field,
        "unknown_airport",
        format!("airport {code} is not in the airport table, so its time zone is unknown"),
    )
}

/// The zone of an airport from the table, or the record error naming it.
pub(crate) fn table_zone(
    field: &'static str,
    code: Airport,
) -> Result<&'static jiff::tz::TimeZone, RecordError> {
    match airports::zone(code) {
        Ok(Some(tz)) => Ok(tz),
        Ok(None) => Err(unknown_airport(field, code)),
        Err(zone) => Err(RecordError::new(
            field,
            "unknown_airport",
            format!(
                "airport {code} has time zone {zone}, which the time-zone database does not know"
            ),
        )),
    }
}

/// A local time without offset (`2020-08-01T21:50:00`).
pub(crate) fn local_time(
    field: &'static str,
    what: What,
    at: &str,
) -> Result<time::Local, RecordError> {
    time::parse_local(at).ok_or_else(|| {
        let expected = "expected a local time like 2020-08-01T21:50:00";
        let e = RecordError::new(field, "timestamp", text::found(expected, at.as_bytes()));
        text::within(what, e)
    })
}

/// The record error for a local time in a skipped hour.
pub(crate) fn skipped_hour(
    end: time::End,
    what: What,
    local: &str,
    zone: &time::Zone,
) -> RecordError {
    let field = match end {
        time::End::Departure => "departure",
        time::End::Arrival => "arrival",
    };
    RecordError::new(
        field,
        "timestamp",
        format!(
            "{what}: local time {local} does not exist in {} (clocks went forward)",
            zone.describe()
        ),
    )
}

#[cfg(test)]
pub(crate) mod tests;
