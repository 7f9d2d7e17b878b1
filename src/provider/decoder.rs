//! The decoder: one response page in, its offers out as canonical records, in one
//! pass over the page (see the module doc of [`crate::provider`] for the two levels
//! of errors and how a scan loop calls it).
//!
//! [`Decoder::decode`] checks what every page must be (a JSON object, valid UTF-8),
//! then hands the page to its provider's [`Format`] through the registry
//! ([`Provider::visit`]): `page` lists the offers typed, `map` maps each one.
//! Only when an offer has an unexpected shape is the page listed a second time
//! with each offer raw, so that the odd one becomes a record error.

use std::fmt;
use std::ops::ControlFlow;

use serde_json::value::RawValue;

use super::error_body::ErrorBody;
use super::format::{Extra, Format, PageError};
use super::json;
use super::registry::Visit;
use super::trip::Trip;
use super::Provider;
use crate::error::RecordError;
use crate::record::Flight;

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

    pub(crate) fn from_json(e: serde_json::Error, provider: Provider) -> ResponseError {
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
    trip: Trip,
}

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
        provider.visit(Run {
            decoder: self,
            provider,
            response,
            each,
        })
    }

    /// One pass over the response into typed offers; only if that fails on the
    /// data (one odd offer, most likely) a second pass keeps each offer raw, so that
    /// the odd one becomes a record error and the others are still mapped.
    fn run<'a, P: Format, F>(
        &mut self,
        provider: Provider,
        response: &'a str,
        each: F,
    ) -> Result<PageStats, ResponseError>
    where
        F: FnMut(Offer<'_>) -> ControlFlow<()>,
    {
        match P::page::<P::Offer<'a>>(response) {
            Ok(page) => Ok(self.emit(
                provider,
                page.offers.len(),
                |i, trip, f| P::map(&page.offers[i], &page.ctx, trip, f),
                each,
            )),
            Err(PageError::Serde(e)) if e.classify() == serde_json::error::Category::Data => {
                let page =
                    P::page::<&'a RawValue>(response).map_err(|e| e.into_response(provider))?;
                Ok(self.emit(
                    provider,
                    page.offers.len(),
                    |i, trip, f| {
                        let text = page.offers[i].get();
                        let offer: P::Offer<'a> = serde_json::from_str(text)
                            .map_err(|e| shape_error(provider, response.as_bytes(), text, &e))?;
                        P::map(&offer, &page.ctx, trip, f)
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
        M: FnMut(usize, &mut Trip, &mut Flight) -> Result<Extra, RecordError>,
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

/// [`Decoder::decode`]'s call of [`Decoder::run`] for the page's provider.
struct Run<'d, 'a, F> {
    decoder: &'d mut Decoder,
    provider: Provider,
    response: &'a str,
    each: F,
}

impl<F: FnMut(Offer<'_>) -> ControlFlow<()>> Visit for Run<'_, '_, F> {
    type Out = Result<PageStats, ResponseError>;
    fn visit<P: Format>(self) -> Self::Out {
        self.decoder
            .run::<P, F>(self.provider, self.response, self.each)
    }
}
