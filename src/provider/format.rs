//! What a provider's module implements: the [`Format`] trait, and the small types
//! its items are made of (detection [`Marker`]s, a [`Cabins`] table, the offers of a
//! [`Page`]).
//!
//! A provider is a zero-sized type in its own module (`amadeus::Amadeus`, ...)
//! that implements [`Format`], plus one line in the registry (`registry.rs`). Every
//! item is an associated constant, type or function, so the decoder is compiled
//! once per provider with its offer type known (no dynamic dispatch per page or per
//! offer), and the registry can hand each one out by [`Provider`] value.

use serde::Deserialize;

use super::error_body::{ErrorBody, ErrorSigns};
use super::trip::Trip;
use super::{DurationMismatch, Provider, ResponseError, What};
use crate::error::RecordError;
use crate::record::{Cabin, Flight};

/// One provider's response format.
///
/// Only [`NAME`](Format::NAME), [`MARKERS`](Format::MARKERS),
/// [`CABINS`](Format::CABINS), [`UNSTATED`](Format::UNSTATED), the two types and
/// [`page`](Format::page) and [`map`](Format::map) are required; the error-body
/// items have defaults for a provider whose errors use the common spellings
/// (`error_body.rs`) and that no member of them identifies.
pub(crate) trait Format {
    /// The lower-case name: the value of `--provider` and `gen --format`, and the
    /// canonical `provider` of its records.
    const NAME: &'static str;

    /// What in a response tells that this provider wrote it (see `detect.rs`).
    const MARKERS: &'static [Marker];

    /// The provider's cabin codes (segment cabins are mapped through them, and
    /// `gen` writes them).
    const CABINS: Cabins;

    /// Canonical columns its responses never state: they decode as unknown, and
    /// `gen` leaves them out of its pages (a test holds the two to each other).
    const UNSTATED: &'static [&'static str];

    /// Members whose presence may make a response an error body in this provider's
    /// own spelling (read by [`Format::error_body`]); detection reads error bodies
    /// only when it finds one of these or of the common spellings.
    const ERROR_MARKERS: &'static [&'static str] = &[];

    /// One offer, typed: the members the mapping reads, borrowed from the page.
    type Offer<'a>: Deserialize<'a>;

    /// What a response states once for all its offers (Kiwi: the currency), `()`
    /// when nothing.
    type Ctx<'a>;

    /// Lists a response's offers as `T` (the typed [`Format::Offer`] on the
    /// single-pass path, a raw value on the fallback) with the page's context. A
    /// response without the offers container is [`no_offers`](super::error_body::no_offers).
    fn page<'a, T: Deserialize<'a>>(response: &'a str)
        -> Result<Page<T, Self::Ctx<'a>>, PageError>;

    /// Maps one typed offer into `f` (cleared), its segments going through `trip`.
    fn map<'a>(
        offer: &Self::Offer<'a>,
        ctx: &Self::Ctx<'a>,
        trip: &mut Trip,
        f: &mut Flight,
    ) -> Result<Extra, RecordError>;

    /// Reads `response` as an error body in this provider's own spelling (Sabre's
    /// OTA `Errors` inside its envelope); `None` leaves it to the common spellings.
    fn error_body(_response: &[u8]) -> Option<ErrorBody> {
        None
    }

    /// Whether an error body in a common spelling shows this provider's signs
    /// (Duffel's `documentation_url`, Amadeus' numeric codes). A body that no
    /// provider or several claim is attributed to none.
    fn claims_error(_signs: &ErrorSigns) -> bool {
        false
    }
}

/// How much a [`Marker`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Confidence {
    /// Only this provider writes it: the response is this provider's (two
    /// providers' sure markers in one response make it ambiguous).
    Sure,
    /// A shape several providers write (an empty `data` array). Alone it names no
    /// provider: a response with shared markers only is a page without offers.
    Shared,
}

/// Something a response holds when this provider wrote it: one or more paths, all
/// present (`slices & total_amount`).
///
/// A path is member names joined by `.`, where `name[0]` steps into the first
/// element of an array, and may end in a test of the value: `= text` (a string
/// equal to `text`) or `= []` (an empty array). Without a test, the member is
/// there, whatever its value (`null` included): `meta.count`,
/// `data[0].type = flight-offer`, `data = []`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Marker {
    /// The paths, joined by ` & `.
    pub paths: &'static str,
    /// What finding them says.
    pub confidence: Confidence,
}

impl Marker {
    /// A marker only this provider writes.
    pub(crate) const fn sure(paths: &'static str) -> Marker {
        Marker {
            paths,
            confidence: Confidence::Sure,
        }
    }

    /// A shape other providers write too.
    pub(crate) const fn shared(paths: &'static str) -> Marker {
        Marker {
            paths,
            confidence: Confidence::Shared,
        }
    }
}

/// A provider's cabin codes and the canonical cabin each means.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cabins {
    /// What the codes are called in messages (`fare_category`, `cabin code`).
    pub label: &'static str,
    /// Every code with its cabin. Several codes may mean one cabin (Sabre's `C` and
    /// `J`); the first is the one `gen` writes.
    pub codes: &'static [(&'static str, Cabin)],
}

impl Cabins {
    /// The cabin of `code`, or the record error listing the codes.
    pub(crate) fn parse(&self, what: What, code: &str) -> Result<Cabin, RecordError> {
        // Four to six short codes: a scan is as quick as a match.
        match self.codes.iter().find(|(c, _)| *c == code) {
            Some(&(_, cabin)) => Ok(cabin),
            None => Err(RecordError::new(
                "cabin",
                "enum",
                format!(
                    "{what}: expected {} {}, found {}",
                    self.label,
                    self.listed(),
                    crate::text::shown(code.as_bytes())
                ),
            )),
        }
    }

    /// The code this provider writes for `cabin`.
    #[cfg(any(test, feature = "gen"))]
    pub(crate) fn code(&self, cabin: Cabin) -> &'static str {
        self.codes
            .iter()
            .find(|(_, c)| *c == cabin)
            .map(|(code, _)| *code)
            .unwrap_or_else(|| panic!("{} has no code for {cabin:?}", self.label))
    }

    /// `A, B or C`.
    fn listed(&self) -> String {
        let n = self.codes.len();
        let mut out = String::new();
        for (i, (code, _)) in self.codes.iter().enumerate() {
            if i > 0 {
                out.push_str(if i + 1 == n { " or " } else { ", " });
            }
            out.push_str(code);
        }
        out
    }
}

/// The offers of one response, as `T` (typed offers on the single-pass path, raw
/// JSON on the fallback), and what the response says for all of them.
pub(crate) struct Page<T, C> {
    pub offers: Vec<T>,
    pub ctx: C,
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
    pub(crate) fn into_response(self, provider: Provider) -> ResponseError {
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
