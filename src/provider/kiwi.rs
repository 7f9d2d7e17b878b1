//! Kiwi.com Tequila search v2 (`GET /v2/search`).
//!
//! A response is `{"search_id", "currency", "data": [itinerary...]}`, no pagination.
//! Each itinerary's `route[]` is one flat list of segments; `route[].return` (0 or 1)
//! splits it into outbound and return. The `local_*` times end in a `Z` although
//! they are local: the offset of each time is `local_* − utc_*`, so no zone table is
//! needed.
//!
//! | canonical | Kiwi source |
//! |---|---|
//! | offer_id | `id` (segment ids joined with `|`) |
//! | origin, departure | first outbound `route[]`: `flyFrom`, `local_departure` with offset `local_departure − utc_departure` |
//! | destination, arrival | last outbound `route[]`: `flyTo`, `local_arrival` with offset `local_arrival − utc_arrival` |
//! | duration_min | by the clock; `duration.departure` / `duration.return` (seconds) are only compared with it |
//! | return_departure, return_arrival | the `return: 1` segments, the same way |
//! | stops, via, layover_min | from `route[]` per direction (`technical_stops` ignored) |
//! | carriers, flight_numbers | `route[].airline`, + `flight_no` (an integer) |
//! | cabin | lowest `route[].fare_category` (M economy, W premium economy, C business, F first) |
//! | price, currency | `price` (a number, read exactly), the response's `currency` |
//! | seats | `availability.seats` |
//!
//! Left unknown: `bags` (Kiwi prices extra bags, it never states included ones),
//! `refundable` and `co2_kg` (never given), `seats` when `availability` is absent or
//! `null`, and `cabin` when `fare_category` is absent (every 2019-era response).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::error_body::{no_offers, ErrorSigns};
use super::format::{Cabins, Extra, Format, Marker, Page, PageError};
use super::json::{scalar_text, Str};
use super::time::{parse_kiwi, valid_offset};
use super::trip::{Seg, Trip};
use super::{airline, airport, currency, flight_number, price, Provider, What};
use crate::error::RecordError;
use crate::record::{Cabin, Flight, Stamp};

/// The Kiwi format (see the module doc).
pub(crate) struct Kiwi;

impl Format for Kiwi {
    const NAME: &'static str = "kiwi";
    const MARKERS: &'static [Marker] = &[
        Marker::sure("search_id"),
        Marker::sure("currency_rate"),
        Marker::sure("fx_rate"),
        Marker::sure("data[0].flyFrom"),
        Marker::sure("data[0].route"),
        Marker::shared("data = []"),
    ];
    const CABINS: Cabins = Cabins {
        label: "fare_category",
        codes: &[
            ("M", Cabin::Economy),
            ("W", Cabin::PremiumEconomy),
            ("C", Cabin::Business),
            ("F", Cabin::First),
        ],
    };
    /// Never given (bags are priced, not included).
    const UNSTATED: &'static [&'static str] = &["bags", "refundable", "co2_kg"];
    type Offer<'a> = Offer<'a>;
    /// The currency of every price.
    type Ctx<'a> = Option<Str<'a>>;

    fn page<'a, T: Deserialize<'a>>(
        response: &'a str,
    ) -> Result<Page<T, Option<Str<'a>>>, PageError> {
        #[derive(Deserialize)]
        struct Envelope<'a, T> {
            data: Option<Vec<T>>,
            #[serde(borrow)]
            currency: Option<Str<'a>>,
        }
        let env: Envelope<T> = serde_json::from_str(response).map_err(PageError::Serde)?;
        match env.data {
            Some(offers) => Ok(Page {
                offers,
                ctx: env.currency,
            }),
            None => Err(no_offers(
                Provider::Kiwi,
                response.as_bytes(),
                "`data` array of itineraries",
            )
            .into()),
        }
    }

    fn map<'a>(
        o: &Offer<'a>,
        currency: &Option<Str<'a>>,
        trip: &mut Trip,
        f: &mut Flight,
    ) -> Result<Extra, RecordError> {
        map(o, currency.as_deref(), trip, f)
    }

    /// Tequila answers `{"status": "...", "error": "..."}`.
    fn claims_error(s: &ErrorSigns) -> bool {
        s.error && s.string_status && !s.error_description && !s.code
    }
}

#[derive(Deserialize)]
pub(crate) struct Offer<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    price: &'a RawValue,
    duration: Option<Durations>,
    availability: Option<Availability>,
    #[serde(borrow)]
    route: Vec<Route<'a>>,
}

#[derive(Deserialize)]
struct Durations {
    departure: Option<i64>,
    #[serde(rename = "return")]
    back: Option<i64>,
}

#[derive(Deserialize)]
struct Availability {
    seats: Option<u32>,
}

#[derive(Deserialize)]
struct Route<'a> {
    #[serde(rename = "return", default)]
    back: u8,
    #[serde(borrow, rename = "flyFrom")]
    fly_from: Str<'a>,
    #[serde(borrow, rename = "flyTo")]
    fly_to: Str<'a>,
    #[serde(borrow)]
    airline: Str<'a>,
    #[serde(borrow)]
    flight_no: &'a RawValue,
    #[serde(borrow)]
    local_departure: Str<'a>,
    #[serde(borrow)]
    utc_departure: Str<'a>,
    #[serde(borrow)]
    local_arrival: Str<'a>,
    #[serde(borrow)]
    utc_arrival: Str<'a>,
    #[serde(borrow)]
    fare_category: Option<Str<'a>>,
}

fn stamp(field: &'static str, what: What, local: &str, utc: &str) -> Result<Stamp, RecordError> {
    let bad = |which: &str, text: &str| {
        RecordError::new(
            field,
            "timestamp",
            format!(
                "{what}: expected {which} like 2019-05-05T06:30:00.000Z, found {}",
                crate::text::shown(text.as_bytes())
            ),
        )
    };
    let l = parse_kiwi(local).ok_or_else(|| bad("a local time", local))?;
    let u = parse_kiwi(utc).ok_or_else(|| bad("a UTC time", utc))?;
    let offset = valid_offset(l - u).ok_or_else(|| {
        RecordError::new(
            field,
            "timestamp",
            format!("{what}: local time {local} and UTC time {utc} are not a whole-minute UTC offset apart"),
        )
    })?;
    Ok(Stamp { local: l, offset })
}

fn map(
    o: &Offer,
    currency_of_page: Option<&str>,
    trip: &mut Trip,
    f: &mut Flight,
) -> Result<Extra, RecordError> {
    f.offer_id.push_str(&o.id);
    let stated = |back: bool| -> Option<i64> {
        let d = o.duration.as_ref()?;
        if back {
            d.back
        } else {
            d.departure
        }
    };
    // Outbound segments first, then the return ones, each in the order given.
    for back in [0u8, 1] {
        let mut segs = o
            .route
            .iter()
            .enumerate()
            .filter(|(_, r)| r.back == back)
            .peekable();
        if segs.peek().is_none() {
            continue;
        }
        if back == 1 && trip_is_empty(trip) {
            return Err(RecordError::new(
                "departure",
                "missing",
                "the itinerary has return flights but no outbound ones",
            ));
        }
        trip.direction(stated(back == 1));
        for (i, r) in segs {
            let what = What::Route(i);
            let from = airport("origin", what, &r.fly_from)?;
            let to = airport("destination", what, &r.fly_to)?;
            let carrier = airline(what, &r.airline)?;
            let number = flight_number(what, carrier, &scalar_text(r.flight_no))?;
            let dep = stamp("departure", what, &r.local_departure, &r.utc_departure)?;
            let arr = stamp("arrival", what, &r.local_arrival, &r.utc_arrival)?;
            let seg_cabin = match &r.fare_category {
                Some(c) if !c.is_empty() => Some(Kiwi::CABINS.parse(what, c)?),
                _ => None,
            };
            trip.push(Seg {
                from,
                to,
                dep,
                arr,
                carrier,
                number,
                cabin: seg_cabin,
                bags: None,
            });
        }
    }
    if let Some(r) = o.route.iter().find(|r| r.back > 1) {
        return Err(RecordError::new(
            "return_departure",
            "enum",
            format!("route[].return is 0 or 1, found {}", r.back),
        ));
    }
    let facts = trip.finish(f)?;

    f.price = price(&scalar_text(o.price))?;
    f.currency = match currency_of_page {
        Some(c) => currency(c)?,
        None => {
            return Err(RecordError::new(
                "currency",
                "missing",
                "the response has no top-level `currency`",
            ))
        }
    };
    f.seats = o.availability.as_ref().and_then(|a| a.seats);
    f.bags = None;
    f.refundable = None;
    f.co2_kg = None;
    Ok(Extra {
        cabin: facts.cabin,
        mismatch: facts.mismatch,
    })
}

fn trip_is_empty(trip: &Trip) -> bool {
    trip.directions() == 0
}
