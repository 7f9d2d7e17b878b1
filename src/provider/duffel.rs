//! Duffel offers: an offer request (`POST /air/offer_requests`, offers in
//! `data.offers[]`), a page of `GET /air/offers` (`data[]`, cursor in `meta.after`),
//! a single offer (`{"data": offer}`) or a bare offer object.
//!
//! Times are local without an offset, but every airport carries its IANA
//! `time_zone`, which is used (the bundled airport table only fills in a missing or
//! unknown zone name).
//!
//! | canonical | Duffel source |
//! |---|---|
//! | offer_id | `id` (`off_...`) |
//! | origin, departure | `slices[0].segments[0].origin.iata_code`, `departing_at` + `origin.time_zone` (the segment's airport; `slices[].origin` may be a city) |
//! | destination, arrival | `slices[0].segments[-1].destination.iata_code`, `arriving_at` + `destination.time_zone` |
//! | duration_min | by the clock; `slices[].duration` is only compared with it |
//! | return_departure, return_arrival | `slices[1]`, the same way |
//! | stops, via, layover_min | from `segments[]` of every slice (`segments[].stops[]` are technical stops: ignored) |
//! | carriers, flight_numbers | `marketing_carrier.iata_code`, + `marketing_carrier_flight_number` |
//! | cabin | lowest `segments[].passengers[p].cabin_class`, `p` = the first adult of `passengers[]` (else the segment's first passenger) |
//! | bags | lowest over segments of that passenger's `baggages[type=checked].quantity`; a list without a checked entry counts 0 |
//! | price, currency | `total_amount`, `total_currency` (all passengers) |
//! | refundable | `conditions.refund_before_departure.allowed` |
//! | co2_kg | `total_emissions_kg` (all passengers, whole offer) |
//!
//! Left unknown: `seats` (never given), `refundable` when
//! `refund_before_departure` is `null`, `bags` when a segment has no `baggages`,
//! `co2_kg` when absent. An offer request made with `view=itineraries` (offers
//! nested under `slices[].itineraries`) is a response-level `shape` error.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::error_body::{no_offers, ErrorSigns};
use super::format::{Cabins, Extra, Format, Marker, Page, PageError};
use super::json::{scalar_text, Items, Present, Str};
use super::time::{self, Zone};
use super::trip::{Seg, Trip};
use super::{
    airline, airport, airports, currency, flight_number, iso_duration, kilograms, local_time,
    price, skipped_hour, table_zone, Provider, What,
};
use crate::error::RecordError;
use crate::record::{Airport, Cabin, Flight};

/// The Duffel format (see the module doc).
pub(crate) struct Duffel;

impl Format for Duffel {
    const NAME: &'static str = "duffel";
    const MARKERS: &'static [Marker] = &[
        Marker::sure("data.offers"),
        Marker::sure("data.slices & data.total_amount"),
        Marker::sure("data[0].slices"),
        Marker::sure("data[0].total_amount"),
        Marker::sure("meta.after"),
        Marker::sure("meta.before"),
        Marker::sure("meta.limit"),
        // A bare offer, as SDK fixtures keep them.
        Marker::sure("slices & total_amount"),
        Marker::shared("data = []"),
    ];
    const CABINS: Cabins = Cabins {
        label: "cabin_class",
        codes: &[
            ("economy", Cabin::Economy),
            ("premium_economy", Cabin::PremiumEconomy),
            ("business", Cabin::Business),
            ("first", Cabin::First),
        ],
    };
    /// Offers never say how many seats are left.
    const UNSTATED: &'static [&'static str] = &["seats"];
    type Offer<'a> = Offer<'a>;
    type Ctx<'a> = ();

    fn page<'a, T: Deserialize<'a>>(response: &'a str) -> Result<Page<T, ()>, PageError> {
        page(response)
    }

    fn map(o: &Offer, _: &(), trip: &mut Trip, f: &mut Flight) -> Result<Extra, RecordError> {
        map(o, trip, f)
    }

    /// A `meta.request_id`, or items with a `documentation_url` or `type` and
    /// `message`.
    fn claims_error(s: &ErrorSigns) -> bool {
        s.errors && (s.request_id || s.documentation_url || s.type_and_message)
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    /// `GET /air/offers` (an array), or an offer request or a single offer (an object).
    data: Option<Items<T, DataObject<T>>>,
    #[serde(default)]
    slices: Present,
    #[serde(default)]
    total_amount: Present,
}

/// `data` as an object: an offer request (its `offers`), or a single offer
/// (`slices` and `total_amount`), re-read on its own.
#[derive(Deserialize)]
struct DataObject<T> {
    offers: Option<Vec<T>>,
    #[serde(default)]
    slices: Present,
    #[serde(default)]
    total_amount: Present,
}

/// The offers of a response, as `T`.
fn page<'a, T: Deserialize<'a>>(response: &'a str) -> Result<Page<T, ()>, PageError> {
    let env: Envelope<T> = serde_json::from_str(response).map_err(PageError::Serde)?;
    let offers = match env.data {
        Some(Items::List(o)) => o,
        Some(Items::Object(DataObject {
            offers: Some(o), ..
        })) => o,
        Some(Items::Object(single)) if single.slices.0 && single.total_amount.0 => {
            #[derive(Deserialize)]
            struct Wrapped<T> {
                data: T,
            }
            let w: Wrapped<T> = serde_json::from_str(response).map_err(PageError::Serde)?;
            vec![w.data]
        }
        Some(Items::Object(other)) => {
            let expected = if other.slices.0 {
                "`data.offers` (offer requests made with view=itineraries are not supported)"
            } else {
                "`data.offers` array"
            };
            return Err(no_offers(Provider::Duffel, response.as_bytes(), expected).into());
        }
        // A bare offer object, as SDK fixtures and some recorders keep them.
        None if env.slices.0 && env.total_amount.0 => {
            vec![serde_json::from_str::<T>(response).map_err(PageError::Serde)?]
        }
        None => {
            return Err(no_offers(
                Provider::Duffel,
                response.as_bytes(),
                "`data` (offers, or an offer request with `offers`)",
            )
            .into())
        }
    };
    Ok(Page { offers, ctx: () })
}

#[derive(Deserialize)]
pub(crate) struct Offer<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    total_amount: &'a RawValue,
    #[serde(borrow)]
    total_currency: Str<'a>,
    #[serde(borrow)]
    total_emissions_kg: Option<&'a RawValue>,
    conditions: Option<Conditions>,
    #[serde(borrow, default)]
    passengers: Vec<Passenger<'a>>,
    #[serde(borrow)]
    slices: Vec<Slice<'a>>,
}

#[derive(Deserialize)]
struct Conditions {
    refund_before_departure: Option<Condition>,
}

#[derive(Deserialize)]
struct Condition {
    allowed: Option<bool>,
}

#[derive(Deserialize)]
struct Passenger<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Slice<'a> {
    #[serde(borrow)]
    duration: Option<Str<'a>>,
    #[serde(borrow)]
    segments: Vec<Segment<'a>>,
}

#[derive(Deserialize)]
struct Segment<'a> {
    #[serde(borrow)]
    departing_at: Str<'a>,
    #[serde(borrow)]
    arriving_at: Str<'a>,
    #[serde(borrow)]
    origin: Place<'a>,
    #[serde(borrow)]
    destination: Place<'a>,
    #[serde(borrow)]
    marketing_carrier: Carrier<'a>,
    #[serde(borrow)]
    marketing_carrier_flight_number: &'a RawValue,
    #[serde(borrow)]
    duration: Option<Str<'a>>,
    #[serde(borrow)]
    passengers: Option<Vec<SegmentPassenger<'a>>>,
}

#[derive(Deserialize)]
struct Place<'a> {
    #[serde(borrow)]
    iata_code: Str<'a>,
    #[serde(borrow)]
    time_zone: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Carrier<'a> {
    #[serde(borrow)]
    iata_code: Str<'a>,
}

#[derive(Deserialize)]
struct SegmentPassenger<'a> {
    #[serde(borrow)]
    passenger_id: Option<Str<'a>>,
    #[serde(borrow)]
    cabin_class: Option<Str<'a>>,
    #[serde(borrow)]
    baggages: Option<Vec<Baggage<'a>>>,
}

#[derive(Deserialize)]
struct Baggage<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    quantity: Option<u32>,
}

/// The zone of a segment end: the named zone, else the airport table's.
fn zone_of(
    field: &'static str,
    code: Airport,
    named: Option<&str>,
) -> Result<jiff::tz::TimeZone, RecordError> {
    if let Some(tz) = named.and_then(airports::zone_by_name) {
        return Ok(tz);
    }
    match table_zone(field, code) {
        Ok(tz) => Ok(tz.clone()),
        Err(e) => Err(match named {
            Some(name) => RecordError::new(
                field,
                "unknown_airport",
                format!(
                    "airport {code}: time zone {} is unknown to the time-zone database and the airport is not in the airport table",
                    crate::text::shown(name.as_bytes())
                ),
            ),
            None => e,
        }),
    }
}

fn map(o: &Offer, trip: &mut Trip, f: &mut Flight) -> Result<Extra, RecordError> {
    f.offer_id.push_str(&o.id);
    let adult = o
        .passengers
        .iter()
        .find(|p| p.kind.as_deref() == Some("adult"))
        .or(o.passengers.first())
        .and_then(|p| p.id.as_deref());

    let mut n = 0;
    for (d, slice) in o.slices.iter().enumerate() {
        let stated = match &slice.duration {
            Some(s) => Some(iso_duration(What::Direction(d), s)?),
            None => None,
        };
        trip.direction(stated);
        for s in &slice.segments {
            n += 1;
            let what = What::Segment(n);
            let from = airport("origin", what, &s.origin.iata_code)?;
            let to = airport("destination", what, &s.destination.iata_code)?;
            let carrier = airline(what, &s.marketing_carrier.iata_code)?;
            let number = flight_number(
                what,
                carrier,
                &scalar_text(s.marketing_carrier_flight_number),
            )?;
            let dep_local = local_time("departure", what, &s.departing_at)?;
            let arr_local = local_time("arrival", what, &s.arriving_at)?;
            let dep_tz = zone_of("departure", from, s.origin.time_zone.as_deref())?;
            let arr_tz = zone_of("arrival", to, s.destination.time_zone.as_deref())?;
            let (dep_zone, arr_zone) = (Zone::Tz(&dep_tz), Zone::Tz(&arr_tz));
            let seg_stated = match &s.duration {
                Some(t) => Some(iso_duration(What::SegmentDuration(n), t)?),
                None => None,
            };
            let (dep, arr) =
                time::resolve_segment(&dep_local, dep_zone, &arr_local, arr_zone, seg_stated)
                    .map_err(|end| {
                        let (at, zone) = match end {
                            time::End::Departure => (&s.departing_at, &dep_zone),
                            time::End::Arrival => (&s.arriving_at, &arr_zone),
                        };
                        skipped_hour(end, what, at, zone)
                    })?;
            let pax = s.passengers.as_deref().and_then(|list| {
                list.iter()
                    .find(|p| adult.is_some() && p.passenger_id.as_deref() == adult)
                    .or(list.first())
            });
            let seg_cabin = match pax.and_then(|p| p.cabin_class.as_deref()) {
                Some(c) => Some(Duffel::CABINS.parse(what, c)?),
                None => None,
            };
            let bags = pax.and_then(|p| p.baggages.as_ref()).and_then(|list| {
                list.iter()
                    .filter(|b| b.kind.as_deref() == Some("checked"))
                    .try_fold(0u32, |sum, b| b.quantity.map(|q| sum.saturating_add(q)))
            });
            trip.push(Seg {
                from,
                to,
                dep,
                arr,
                carrier,
                number,
                cabin: seg_cabin,
                bags,
            });
        }
    }
    let facts = trip.finish(f)?;

    f.price = price(&scalar_text(o.total_amount))?;
    f.currency = currency(&o.total_currency)?;
    f.seats = None;
    f.bags = facts.bags;
    f.refundable = o
        .conditions
        .as_ref()
        .and_then(|c| c.refund_before_departure.as_ref())
        .and_then(|r| r.allowed);
    f.co2_kg = match o.total_emissions_kg {
        Some(kg) => Some(kilograms(&scalar_text(kg))?),
        None => None,
    };
    Ok(Extra {
        cabin: facts.cabin,
        mismatch: facts.mismatch,
    })
}
