//! Which provider wrote a response, told from its content alone.
//!
//! | provider | markers (any one) |
//! |---|---|
//! | Amadeus | `data[0].type == "flight-offer"`, `data[0].itineraries`, `dictionaries`, `meta.count` |
//! | Duffel | `data.offers` or `data.slices` (offer request, single offer), `data[0].slices` / `total_amount`, `meta.after` / `before` / `limit`, a bare offer (`slices` + `total_amount`) |
//! | Kiwi | `search_id`, `currency_rate`, `fx_rate`, `data[0].flyFrom` / `route` |
//! | Sabre | `OTA_AirLowFareSearchRS`, `groupedItineraryResponse` |
//!
//! A response without offers but with an error (`{"errors": [...]}`, `{"error": ...}`,
//! Sabre's `errorCode` or OTA `Errors`) is an error body, reported as such with the
//! provider's message. No marker is [`DetectError::Unknown`] (naming the top-level
//! members found); markers of several providers is [`DetectError::Ambiguous`]; an
//! empty `data` array and nothing else is [`DetectError::NoOffers`] (a last page any
//! of three providers could have written: it holds nothing to misread).

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::json::{Present, Str};
use super::{error_body, ErrorBody, Provider, ResponseError};

/// Why a response's provider could not be told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetectError {
    /// Not JSON, or cut short.
    Json(ResponseError),
    /// A provider's error body rather than offers.
    ErrorBody(ErrorBody),
    /// No provider's markers.
    Unknown {
        /// What the document looks like (its top-level members, or its type).
        found: String,
    },
    /// Markers of several providers.
    Ambiguous {
        /// The providers it could be.
        candidates: Vec<Provider>,
    },
    /// An empty `data` array and no marker: a page without offers whose provider
    /// cannot be told (nor needs to be).
    NoOffers,
}

impl DetectError {
    /// A short stable reason code: `truncated`, `json`, `error_body`, `unknown_format`,
    /// `ambiguous_format` or `no_offers`.
    pub fn reason(&self) -> &'static str {
        match self {
            DetectError::Json(e) => e.reason(),
            DetectError::ErrorBody(_) => "error_body",
            DetectError::Unknown { .. } => "unknown_format",
            DetectError::Ambiguous { .. } => "ambiguous_format",
            DetectError::NoOffers => "no_offers",
        }
    }
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectError::Json(e) => e.fmt(f),
            DetectError::ErrorBody(b) => b.fmt(f),
            DetectError::Unknown { found } => write!(
                f,
                "not a response of a known provider (amadeus, duffel, kiwi, sabre): {found}"
            ),
            DetectError::Ambiguous { candidates } => {
                let names: Vec<&str> = candidates.iter().map(|p| p.name()).collect();
                write!(
                    f,
                    "the response could be from {}; name the provider explicitly",
                    names.join(" or ")
                )
            }
            DetectError::NoOffers => {
                f.write_str("an empty page (`data` is empty) without any provider's markers")
            }
        }
    }
}

impl std::error::Error for DetectError {}

#[derive(Deserialize, Default)]
struct Probe<'a> {
    #[serde(default, rename = "OTA_AirLowFareSearchRS")]
    ota: Present,
    #[serde(default, rename = "groupedItineraryResponse")]
    grouped: Present,
    #[serde(borrow, default)]
    data: Option<DataProbe<'a>>,
    #[serde(default)]
    meta: Option<MetaProbe>,
    #[serde(default)]
    dictionaries: Present,
    #[serde(default)]
    search_id: Present,
    #[serde(default)]
    currency_rate: Present,
    #[serde(default)]
    fx_rate: Present,
    #[serde(default)]
    slices: Present,
    #[serde(default)]
    total_amount: Present,
}

#[derive(Deserialize, Default)]
struct MetaProbe {
    #[serde(default)]
    count: Present,
    #[serde(default)]
    after: Present,
    #[serde(default)]
    before: Present,
    #[serde(default)]
    limit: Present,
}

#[derive(Deserialize, Default)]
struct FirstOffer<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    #[serde(default)]
    itineraries: Present,
    #[serde(default)]
    slices: Present,
    #[serde(default)]
    total_amount: Present,
    #[serde(default, rename = "flyFrom")]
    fly_from: Present,
    #[serde(default)]
    route: Present,
}

#[derive(Deserialize, Default)]
struct DataObject {
    #[serde(default)]
    offers: Present,
    #[serde(default)]
    slices: Present,
    #[serde(default)]
    total_amount: Present,
}

enum DataProbe<'a> {
    EmptyArray,
    Array(FirstOffer<'a>),
    Object(DataObject),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for DataProbe<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = DataProbe<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let Some(first) = seq.next_element::<&'de RawValue>()? else {
                    return Ok(DataProbe::EmptyArray);
                };
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(match serde_json::from_str::<FirstOffer>(first.get()) {
                    Ok(o) => DataProbe::Array(o),
                    Err(_) => DataProbe::Other,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                DataObject::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(DataProbe::Object)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(DataProbe::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(DataProbe::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(DataProbe::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(DataProbe::Other)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(DataProbe::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(DataProbe::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Tells the provider of one response (a whole page) from its content.
pub fn detect(response: &[u8]) -> Result<Provider, DetectError> {
    let response = response.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(response);
    match super::require_object(response) {
        Ok(()) => {}
        Err(Some(e)) => {
            return Err(DetectError::Json(ResponseError::from_json(
                e,
                Provider::Amadeus,
            )))
        }
        Err(None) => {
            return Err(DetectError::Unknown {
                found: describe(response),
            })
        }
    }
    let probe: Probe = match serde_json::from_slice(response) {
        Ok(p) => p,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return Err(DetectError::Unknown {
                found: describe(response),
            })
        }
        // The provider is irrelevant to a syntax error; any will do for the type.
        Err(e) => {
            return Err(DetectError::Json(ResponseError::from_json(
                e,
                Provider::Amadeus,
            )))
        }
    };

    let mut amadeus = probe.dictionaries.0;
    let mut duffel = probe.slices.0 && probe.total_amount.0;
    let mut kiwi = probe.search_id.0 || probe.currency_rate.0 || probe.fx_rate.0;
    let sabre = probe.ota.0 || probe.grouped.0;
    if let Some(meta) = &probe.meta {
        amadeus |= meta.count.0;
        duffel |= meta.after.0 || meta.before.0 || meta.limit.0;
    }
    let mut empty_data = false;
    match &probe.data {
        Some(DataProbe::Array(first)) => {
            amadeus |= first.kind.as_deref() == Some("flight-offer") || first.itineraries.0;
            duffel |= first.slices.0 || first.total_amount.0;
            kiwi |= first.fly_from.0 || first.route.0;
        }
        Some(DataProbe::Object(o)) => duffel |= o.offers.0 || (o.slices.0 && o.total_amount.0),
        Some(DataProbe::EmptyArray) => empty_data = true,
        Some(DataProbe::Other) | None => {}
    }
    let candidates: Vec<Provider> = [
        (Provider::Amadeus, amadeus),
        (Provider::Duffel, duffel),
        (Provider::Kiwi, kiwi),
        (Provider::Sabre, sabre),
    ]
    .into_iter()
    .filter_map(|(p, yes)| yes.then_some(p))
    .collect();

    // An error body has no offers; a Sabre response can carry its errors inside.
    if candidates.len() <= 1 {
        if let Some(body) = error_body(response) {
            let provider = body.provider.or(candidates.first().copied());
            return Err(DetectError::ErrorBody(ErrorBody { provider, ..body }));
        }
    }
    match candidates.len() {
        1 => Ok(candidates[0]),
        0 if empty_data => Err(DetectError::NoOffers),
        0 => Err(DetectError::Unknown {
            found: describe(response),
        }),
        _ => Err(DetectError::Ambiguous { candidates }),
    }
}

/// What a document that matched no provider looks like.
fn describe(response: &[u8]) -> String {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Top {
        Object(serde_json::Map<String, serde_json::Value>),
        Other(serde_json::Value),
    }
    match serde_json::from_slice::<Top>(response) {
        Ok(Top::Object(m)) if m.is_empty() => "an empty JSON object".to_string(),
        Ok(Top::Object(m)) => {
            const SHOWN: usize = 8;
            let mut keys: Vec<&str> = m.keys().map(String::as_str).take(SHOWN).collect();
            if m.len() > SHOWN {
                keys.push("...");
            }
            format!("top-level members are {}", keys.join(", "))
        }
        Ok(Top::Other(v)) => format!(
            "the document is {}, not a response object",
            match v {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "a boolean",
                _ => "null",
            }
        ),
        Err(_) => "unreadable".to_string(),
    }
}
