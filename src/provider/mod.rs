//! Raw flight-provider responses → canonical records.
//!
//! Four providers' search responses are understood: Amadeus Flight Offers Search v2,
//! Duffel offer requests and offer lists, Kiwi Tequila `/v2/search`, and Sabre
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

pub mod airports;
pub mod amadeus;
mod detect;
pub mod duffel;
pub mod duration;
mod json;
pub mod kiwi;
pub mod sabre;
pub mod time;
pub mod trip;

use std::fmt;
use std::ops::ControlFlow;
use std::str::FromStr;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::RecordError;
use crate::record::{Airline, Airport, Cabin, Flight, FlightNumber, Price};
use crate::text;

pub use detect::{detect, DetectError};

use json::{is_string, scalar_text, OneOrMany, Str};

/// A flight data provider whose raw search responses can be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// Amadeus Self-Service Flight Offers Search v2.
    Amadeus,
    /// Duffel offer requests (`data.offers`), offer lists (`data[]`) and single offers.
    Duffel,
    /// Kiwi.com Tequila search v2.
    Kiwi,
    /// Sabre Bargain Finder Max, OTA JSON.
    Sabre,
}

impl Provider {
    /// Every provider, in name order.
    pub const ALL: [Provider; 4] = [
        Provider::Amadeus,
        Provider::Duffel,
        Provider::Kiwi,
        Provider::Sabre,
    ];

    /// The lower-case name, also the canonical `provider` value.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Amadeus => "amadeus",
            Provider::Duffel => "duffel",
            Provider::Kiwi => "kiwi",
            Provider::Sabre => "sabre",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A provider name that is not one of [`Provider::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProvider(pub String);

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown provider `{}`: expected amadeus, duffel, kiwi or sabre",
            self.0
        )
    }
}

impl std::error::Error for UnknownProvider {}

impl FromStr for Provider {
    type Err = UnknownProvider;
    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Provider, UnknownProvider> {
        Provider::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownProvider(s.to_string()))
    }
}

/// A provider's error response recorded in place of a page of offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorBody {
    /// The provider whose error format it is, when that can be told.
    pub provider: Option<Provider>,
    /// The provider's own message(s): status, title, detail, code.
    pub message: String,
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.provider {
            Some(p) => write!(f, "{p} error response: {}", self.message),
            None => write!(f, "error response: {}", self.message),
        }
    }
}

/// Why a whole response yielded no offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseError {
    /// Not JSON, or cut short (`truncated`).
    Json {
        /// The parser's message.
        message: String,
        /// 1-based line in the response.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The document ends early (a truncated file or download).
        truncated: bool,
    },
    /// A provider's error body.
    ErrorBody(ErrorBody),
    /// Well-formed JSON that is not a search response of the provider (no offers
    /// array, an unsupported variant).
    Shape {
        /// The provider it was read as.
        provider: Provider,
        /// What is missing or unexpected.
        message: String,
    },
}

impl ResponseError {
    /// A short stable reason code for per-reason counts: `truncated`, `json`,
    /// `error_body` or `shape`.
    pub fn reason(&self) -> &'static str {
        match self {
            ResponseError::Json {
                truncated: true, ..
            } => "truncated",
            ResponseError::Json { .. } => "json",
            ResponseError::ErrorBody(_) => "error_body",
            ResponseError::Shape { .. } => "shape",
        }
    }

    fn from_json(e: serde_json::Error, provider: Provider) -> ResponseError {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ResponseError::Shape {
                provider,
                message: format!("not a {provider} search response: {e}"),
            },
            cat => ResponseError::Json {
                message: strip_position(&e.to_string()).to_string(),
                line: e.line(),
                column: e.column(),
                truncated: cat == Category::Eof,
            },
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::Json {
                message,
                line,
                column,
                truncated,
            } => {
                if *truncated {
                    write!(
                        f,
                        "truncated response: the JSON ends early at line {line}, column {column}"
                    )
                } else {
                    write!(
                        f,
                        "corrupt response: {message} at line {line}, column {column}"
                    )
                }
            }
            ResponseError::ErrorBody(b) => b.fmt(f),
            ResponseError::Shape { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for ResponseError {}

fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

/// A stated duration that disagrees with arrival − departure by a minute or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationMismatch {
    /// 0 for the outbound direction, 1 for the return.
    pub direction: usize,
    /// What the provider stated, in minutes.
    pub stated_min: i64,
    /// Arrival − departure in absolute time, in minutes (the canonical value).
    pub clock_min: i64,
}

/// One offer, mapped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The canonical record.
    pub flight: Flight,
    /// The first direction whose stated duration disagrees with the clock.
    pub duration_mismatch: Option<DurationMismatch>,
}

/// What the decoder reports for each offer of a response, in order.
#[derive(Debug)]
pub struct Offer<'d> {
    /// 0-based position of the offer in the response's offers array.
    pub index: usize,
    /// The mapped offer, or why it could not be mapped.
    pub result: Result<&'d Decoded, RecordError>,
}

/// Counts for one decoded response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageStats {
    /// Offers in the response.
    pub offers: usize,
    /// Offers reported as records.
    pub records: usize,
    /// Offers reported as record errors.
    pub errors: usize,
    /// Records whose stated duration disagrees with the clock.
    pub duration_mismatches: usize,
    /// The callback asked to stop before the last offer.
    pub stopped: bool,
}

/// Decodes response pages, reusing its buffers from offer to offer (one per worker).
#[derive(Debug, Default)]
pub struct Decoder {
    out: Decoded,
    trip: trip::Trip,
}

/// The offers of one response, as `T` (typed offers on the single-pass path, raw
/// JSON on the fallback), and what the response says for all of them.
pub(crate) struct Page<'a, T> {
    pub offers: Vec<T>,
    pub ctx: PageCtx<'a>,
}

/// Response-wide facts an offer mapper may need.
#[derive(Default)]
pub(crate) struct PageCtx<'a> {
    /// Kiwi: the currency of every price.
    pub currency: Option<Str<'a>>,
}

/// Why a response's offers could not be listed.
pub(crate) enum PageError {
    /// The parser failed; a data error may lie in one offer only.
    Serde(serde_json::Error),
    /// The response as a whole is unusable.
    Response(ResponseError),
}

impl From<ResponseError> for PageError {
    fn from(e: ResponseError) -> Self {
        PageError::Response(e)
    }
}

impl PageError {
    fn into_response(self, provider: Provider) -> ResponseError {
        match self {
            PageError::Serde(e) => ResponseError::from_json(e, provider),
            PageError::Response(e) => e,
        }
    }
}

/// What a provider's offer mapper returns beyond the fields it wrote.
pub(crate) struct Extra {
    pub cabin: Option<Cabin>,
    pub mismatch: Option<DurationMismatch>,
}

/// Lists a response's offers as `T`.
type PageFn<'a, T> = fn(&'a str) -> Result<Page<'a, T>, PageError>;
/// Maps one typed offer into the flight (and the trip scratch).
type MapFn<'a, T> =
    fn(&T, &PageCtx<'a>, &mut trip::Trip, &mut Flight) -> Result<Extra, RecordError>;

impl Decoder {
    /// A decoder with empty buffers.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes one response of `provider`, calling `each` for every offer in order
    /// until it returns `Break`. Either the response fails as a whole (and `each` is
    /// never called) or every offer is reported, as a record or a record error.
    pub fn decode<F>(
        &mut self,
        provider: Provider,
        response: &[u8],
        each: F,
    ) -> Result<PageStats, ResponseError>
    where
        F: FnMut(Offer<'_>) -> ControlFlow<()>,
    {
        let response = response.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(response);
        require_object(response).map_err(|e| match e {
            Some(e) => ResponseError::from_json(e, provider),
            None => ResponseError::Shape {
                provider,
                message: format!(
                    "not a {provider} search response: the document is not a JSON object"
                ),
            },
        })?;
        // One UTF-8 check of the whole page lets the parser borrow every string
        // without checking each one again.
        let response = std::str::from_utf8(response).map_err(|e| {
            let (line, column) = json::line_col(response, e.valid_up_to());
            ResponseError::Json {
                message: "invalid UTF-8".to_string(),
                line,
                column,
                truncated: false,
            }
        })?;
        match provider {
            Provider::Amadeus => self.run(
                provider,
                response,
                amadeus::page::<amadeus::Offer>,
                amadeus::page::<&RawValue>,
                amadeus::map,
                each,
            ),
            Provider::Duffel => self.run(
                provider,
                response,
                duffel::page::<duffel::Offer>,
                duffel::page::<&RawValue>,
                duffel::map,
                each,
            ),
            Provider::Kiwi => self.run(
                provider,
                response,
                kiwi::page::<kiwi::Offer>,
                kiwi::page::<&RawValue>,
                kiwi::map,
                each,
            ),
            Provider::Sabre => self.run(
                provider,
                response,
                sabre::page::<sabre::Itinerary>,
                sabre::page::<&RawValue>,
                sabre::map,
                each,
            ),
        }
    }

    /// One pass over the response into typed offers; only if that fails on the
    /// data (one odd offer, most likely) a second pass keeps each offer raw, so that
    /// the odd one becomes a record error and the others are still mapped.
    fn run<'a, T, F>(
        &mut self,
        provider: Provider,
        response: &'a str,
        typed: PageFn<'a, T>,
        raw: PageFn<'a, &'a RawValue>,
        map: MapFn<'a, T>,
        each: F,
    ) -> Result<PageStats, ResponseError>
    where
        T: serde::Deserialize<'a>,
        F: FnMut(Offer<'_>) -> ControlFlow<()>,
    {
        match typed(response) {
            Ok(page) => Ok(self.emit(
                provider,
                page.offers.len(),
                |i, trip, f| map(&page.offers[i], &page.ctx, trip, f),
                each,
            )),
            Err(PageError::Serde(e)) if e.classify() == serde_json::error::Category::Data => {
                let page = raw(response).map_err(|e| e.into_response(provider))?;
                Ok(self.emit(
                    provider,
                    page.offers.len(),
                    |i, trip, f| {
                        let text = page.offers[i].get();
                        let offer: T = serde_json::from_str(text)
                            .map_err(|e| shape_error(provider, response.as_bytes(), text, &e))?;
                        map(&offer, &page.ctx, trip, f)
                    },
                    each,
                ))
            }
            Err(e) => Err(e.into_response(provider)),
        }
    }

    /// Maps offers `0..count` in order and reports each.
    fn emit<M, F>(&mut self, provider: Provider, count: usize, mut map: M, mut each: F) -> PageStats
    where
        M: FnMut(usize, &mut trip::Trip, &mut Flight) -> Result<Extra, RecordError>,
        F: FnMut(Offer<'_>) -> ControlFlow<()>,
    {
        let mut stats = PageStats {
            offers: count,
            ..PageStats::default()
        };
        for index in 0..count {
            self.trip.clear();
            let out = &mut self.out;
            out.flight.clear();
            out.duration_mismatch = None;
            let result = match map(index, &mut self.trip, &mut out.flight) {
                Ok(extra) => {
                    out.flight.provider.push_str(provider.name());
                    out.flight.cabin = extra.cabin;
                    out.duration_mismatch = extra.mismatch;
                    stats.records += 1;
                    stats.duration_mismatches += extra.mismatch.is_some() as usize;
                    Ok(&*out)
                }
                Err(e) => {
                    stats.errors += 1;
                    Err(e)
                }
            };
            if each(Offer { index, result }).is_break() {
                stats.stopped = index + 1 < count;
                break;
            }
        }
        stats
    }
}

/// One offer of [`decode_all`]: its index in the response and what it became.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedOffer {
    /// 0-based position of the offer in the response's offers array.
    pub index: usize,
    /// The mapped offer, or why it could not be mapped.
    pub result: Result<Decoded, RecordError>,
}

/// Checks that a document is a JSON object before typed parsing (serde would read
/// an array as a struct's members in order). `Err(Some)` is a syntax error of a
/// non-object document, `Err(None)` a well-formed non-object.
pub(crate) fn require_object(response: &[u8]) -> Result<(), Option<serde_json::Error>> {
    match response.iter().find(|b| !b.is_ascii_whitespace()) {
        // Empty: let the parser report the early end.
        Some(b'{') | None => Ok(()),
        Some(_) => match serde_json::from_slice::<serde::de::IgnoredAny>(response) {
            Ok(_) => Err(None),
            Err(e) => Err(Some(e)),
        },
    }
}

/// Decodes a whole response into owned results, in offer order (for tests and
/// small tools; the pipeline should reuse a [`Decoder`]).
pub fn decode_all(provider: Provider, response: &[u8]) -> Result<Vec<OwnedOffer>, ResponseError> {
    let mut out = Vec::new();
    Decoder::new().decode(provider, response, |o| {
        out.push(OwnedOffer {
            index: o.index,
            result: o.result.cloned(),
        });
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// An offer whose JSON does not fit the provider's offer shape, with the position
/// of the problem in the whole response.
fn shape_error(
    provider: Provider,
    response: &[u8],
    offer: &str,
    e: &serde_json::Error,
) -> RecordError {
    let inner = line_start(offer, e.line()) + e.column().saturating_sub(1);
    let message = strip_position(&e.to_string()).to_string();
    let place = match json::offset_in(response, offer) {
        Some(base) => {
            let (line, col) = json::line_col(response, base + inner);
            format!(" (line {line}, column {col} of the response)")
        }
        None => String::new(),
    };
    RecordError::record("json", format!("not a {provider} offer: {message}{place}"))
}

/// Byte offset where 1-based `line` starts in `text`.
fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(line - 2)
        .map_or(text.len(), |i| i + 1)
}

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

// ---------------------------------------------------------------------------
// Error bodies, shared by detection and the decoders.

/// One entry of an error list, in any provider's spelling.
#[derive(Deserialize, Default)]
struct ErrorItem<'a> {
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    detail: Option<&'a RawValue>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow, rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow)]
    documentation_url: Option<&'a RawValue>,
    #[serde(borrow, rename = "Type")]
    ota_type: Option<&'a RawValue>,
    #[serde(borrow, rename = "Code")]
    ota_code: Option<&'a RawValue>,
    #[serde(borrow, rename = "ShortText")]
    ota_text: Option<&'a RawValue>,
    #[serde(borrow, rename = "content")]
    ota_content: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ErrorMeta<'a> {
    #[serde(borrow)]
    request_id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct OtaErrors<'a> {
    #[serde(borrow, rename = "Errors")]
    errors: Option<OtaErrorList<'a>>,
    #[serde(rename = "PricedItineraries")]
    itineraries: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct OtaErrorList<'a> {
    #[serde(borrow, rename = "Error", default)]
    error: OneOrMany<ErrorItem<'a>>,
}

/// The members of a response that can make it an error body.
#[derive(Deserialize)]
struct ErrorProbe<'a> {
    #[serde(borrow)]
    errors: Option<&'a RawValue>,
    #[serde(borrow)]
    error: Option<&'a RawValue>,
    #[serde(borrow)]
    error_description: Option<&'a RawValue>,
    #[serde(borrow, rename = "errorCode")]
    error_code: Option<&'a RawValue>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    meta: Option<ErrorMeta<'a>>,
    #[serde(borrow, rename = "OTA_AirLowFareSearchRS")]
    ota: Option<OtaErrors<'a>>,
    data: Option<serde::de::IgnoredAny>,
    slices: Option<serde::de::IgnoredAny>,
}

/// Reads `response` as a provider error body: `None` if it holds offers or no error.
pub(crate) fn error_body(response: &[u8]) -> Option<ErrorBody> {
    let p: ErrorProbe = serde_json::from_slice(response).ok()?;
    if p.data.is_some() || p.slices.is_some() {
        return None;
    }
    if let Some(ota) = &p.ota {
        let items = ota.errors.as_ref().map_or(&[][..], |e| &e.error.0[..]);
        if ota.itineraries.is_some() || items.is_empty() {
            return None;
        }
        return Some(ErrorBody {
            provider: Some(Provider::Sabre),
            message: join_items(items),
        });
    }
    if let Some(errors) = p.errors {
        let items: OneOrMany<ErrorItem> = serde_json::from_str(errors.get()).unwrap_or_default();
        if items.is_empty() {
            let text = scalar_text(errors);
            if text == "[]" || text == "{}" || text == "null" {
                return None;
            }
            return Some(ErrorBody {
                provider: None,
                message: text.into_owned(),
            });
        }
        let duffel = p.meta.as_ref().is_some_and(|m| m.request_id.is_some())
            || items.iter().any(|i| {
                i.documentation_url.is_some() || (i.kind.is_some() && i.message.is_some())
            });
        let amadeus = !duffel
            && items.iter().any(|i| {
                i.detail.is_some()
                    || i.code.is_some_and(|c| !is_string(c))
                    || i.status.is_some_and(|c| !is_string(c))
            });
        return Some(ErrorBody {
            provider: if duffel {
                Some(Provider::Duffel)
            } else if amadeus {
                Some(Provider::Amadeus)
            } else {
                None
            },
            message: join_items(&items),
        });
    }
    if let Some(code) = p.error_code {
        // Sabre's REST gateway: {"status","type","errorCode","timeStamp","message"}.
        let mut m = String::new();
        push_part(&mut m, p.status, "");
        push_part(&mut m, p.message, ": ");
        m.push_str(&format!(" (code {})", scalar_text(code)));
        return Some(ErrorBody {
            provider: Some(Provider::Sabre),
            message: m.trim_start_matches(": ").to_string(),
        });
    }
    if let Some(error) = p.error {
        // An OAuth error from Amadeus' token endpoint carries `error_description` and
        // a numeric `code`; Kiwi's Tequila answers `{"status": "...", "error": "..."}`.
        let provider = if p.error_description.is_some() || p.code.is_some() {
            Some(Provider::Amadeus)
        } else if p.status.is_some_and(is_string) {
            Some(Provider::Kiwi)
        } else {
            None
        };
        let mut m = String::new();
        push_part(&mut m, p.status, "");
        push_part(&mut m, p.title, " ");
        push_part(&mut m, Some(error), ": ");
        push_part(&mut m, p.error_description, ": ");
        if let Some(code) = p.code {
            m.push_str(&format!(" (code {})", scalar_text(code)));
        }
        return Some(ErrorBody {
            provider,
            message: m.trim_start_matches(": ").to_string(),
        });
    }
    if let Some(message) = p.message {
        if is_string(message) {
            let mut m = String::new();
            push_part(&mut m, p.status, "");
            push_part(&mut m, Some(message), ": ");
            return Some(ErrorBody {
                provider: None,
                message: m.trim_start_matches(": ").to_string(),
            });
        }
    }
    None
}

fn push_part(out: &mut String, part: Option<&RawValue>, sep: &str) {
    if let Some(p) = part {
        let t = scalar_text(p);
        if !t.is_empty() && t != "null" {
            if !out.is_empty() {
                out.push_str(sep);
            }
            out.push_str(&t);
        }
    }
}

fn join_items(items: &[ErrorItem]) -> String {
    const SHOWN: usize = 3;
    let mut parts = Vec::new();
    for i in items.iter().take(SHOWN) {
        let mut m = String::new();
        push_part(&mut m, i.status, "");
        push_part(&mut m, i.title.or(i.kind).or(i.ota_type), " ");
        push_part(&mut m, i.detail.or(i.message), ": ");
        push_part(&mut m, i.ota_text, ": ");
        push_part(&mut m, i.ota_content, ": ");
        if let Some(code) = i.code.or(i.ota_code) {
            m.push_str(&format!(" (code {})", scalar_text(code)));
        }
        parts.push(m.trim().to_string());
    }
    let mut s = parts.join("; ");
    if items.len() > SHOWN {
        s.push_str(&format!("; and {} more", items.len() - SHOWN));
    }
    s
}

/// The response-level error when a response has no offers container: its error
/// body if it is one, else a shape error naming what was expected.
pub(crate) fn no_offers(provider: Provider, response: &[u8], expected: &str) -> ResponseError {
    match error_body(response) {
        Some(mut body) => {
            if body.provider.is_none() {
                body.provider = Some(provider);
            }
            ResponseError::ErrorBody(body)
        }
        None => ResponseError::Shape {
            provider,
            message: format!("not a {provider} search response: no {expected}"),
        },
    }
}
