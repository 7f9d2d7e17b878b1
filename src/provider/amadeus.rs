//! Amadeus Self-Service Flight Offers Search v2 (`GET`/`POST /v2/shopping/flight-offers`).
//!
//! A response is `{"meta", "data": [flight-offer...], "dictionaries"}`; there is no
//! pagination (a "paged" dump is several searches, with ids restarting at `"1"`).
//! Times are local without an offset: the zone of each airport comes from the
//! bundled airport table, and an airport missing from it is a record error.
//!
//! | canonical | Amadeus source |
//! |---|---|
//! | offer_id | `id` (unique only within one response) |
//! | origin, departure | `itineraries[0].segments[0].departure.{iataCode, at}` + the airport's zone |
//! | destination, arrival | `itineraries[0].segments[-1].arrival.{iataCode, at}` + the airport's zone |
//! | duration_min | by the clock; `itineraries[].duration` is only compared with it |
//! | return_departure, return_arrival | `itineraries[1]`, the same way |
//! | stops, via, layover_min | from `segments[]` of every itinerary (`numberOfStops` counts technical stops: ignored) |
//! | carriers, flight_numbers | `segments[].carrierCode` (marketing), `carrierCode + number` |
//! | cabin | lowest `fareDetailsBySegment[].cabin` of the first ADULT traveller (else the first traveller), matched by `segmentId` |
//! | bags | lowest `includedCheckedBags.quantity` of that traveller; `{weight}` only: 1 if the weight is above 0, else 0 |
//! | price, currency | `price.grandTotal` (else `price.total`), `price.currency` |
//! | seats | `numberOfBookableSeats` (9 means "9 or more") |
//! | co2_kg | sum over segments of the `co2Emissions[]` entry in KG for the segment's cabin |
//!
//! Left unknown: `refundable` (a search result has no refund flag; `amenities`
//! perks are not rules), `bags` when the traveller's segments lack
//! `includedCheckedBags`, `seats` and `co2_kg` when absent (CO₂ is unknown unless
//! every segment has it).

use serde::Deserialize;

use super::json::Str;
use super::time::{self, Zone};
use super::trip::{Seg, Trip};
use super::{
    airline, airport, currency, flight_number, iso_duration, local_time, no_offers, price,
    skipped_hour, table_zone, Extra, Page, PageCtx, PageError, Provider, What,
};
use crate::error::RecordError;
use crate::record::{Cabin, Flight};

#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<Vec<T>>,
}

/// The offers of a response, as `T`.
pub(crate) fn page<'a, T: Deserialize<'a>>(response: &'a str) -> Result<Page<'a, T>, PageError> {
    let env: Envelope<T> = serde_json::from_str(response).map_err(PageError::Serde)?;
    match env.data {
        Some(offers) => Ok(Page {
            offers,
            ctx: PageCtx::default(),
        }),
        None => Err(no_offers(
            Provider::Amadeus,
            response.as_bytes(),
            "`data` array of flight offers",
        )
        .into()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Offer<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    number_of_bookable_seats: Option<u32>,
    #[serde(borrow)]
    itineraries: Vec<Itinerary<'a>>,
    #[serde(borrow)]
    price: OfferPrice<'a>,
    #[serde(borrow, default)]
    traveler_pricings: Vec<TravelerPricing<'a>>,
}

#[derive(Deserialize)]
struct Itinerary<'a> {
    #[serde(borrow)]
    duration: Option<Str<'a>>,
    #[serde(borrow)]
    segments: Vec<Segment<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Segment<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    departure: Endpoint<'a>,
    #[serde(borrow)]
    arrival: Endpoint<'a>,
    #[serde(borrow)]
    carrier_code: Str<'a>,
    #[serde(borrow)]
    number: Str<'a>,
    #[serde(borrow)]
    duration: Option<Str<'a>>,
    #[serde(borrow)]
    co2_emissions: Option<Vec<Co2<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Endpoint<'a> {
    #[serde(borrow)]
    iata_code: Str<'a>,
    #[serde(borrow)]
    at: Str<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Co2<'a> {
    weight: Option<f64>,
    #[serde(borrow)]
    weight_unit: Option<Str<'a>>,
    #[serde(borrow)]
    cabin: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OfferPrice<'a> {
    #[serde(borrow)]
    currency: Str<'a>,
    #[serde(borrow)]
    total: Option<Str<'a>>,
    #[serde(borrow)]
    grand_total: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TravelerPricing<'a> {
    #[serde(borrow)]
    traveler_type: Option<Str<'a>>,
    #[serde(borrow, default)]
    fare_details_by_segment: Vec<FareDetail<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FareDetail<'a> {
    #[serde(borrow)]
    segment_id: Option<Str<'a>>,
    #[serde(borrow)]
    cabin: Option<Str<'a>>,
    included_checked_bags: Option<Bags>,
}

#[derive(Deserialize)]
struct Bags {
    quantity: Option<u32>,
    weight: Option<f64>,
}

fn cabin(text: &str) -> Result<Cabin, RecordError> {
    Ok(match text {
        "ECONOMY" => Cabin::Economy,
        "PREMIUM_ECONOMY" => Cabin::PremiumEconomy,
        "BUSINESS" => Cabin::Business,
        "FIRST" => Cabin::First,
        _ => {
            return Err(RecordError::new(
                "cabin",
                "enum",
                format!(
                    "expected ECONOMY, PREMIUM_ECONOMY, BUSINESS or FIRST, found {}",
                    crate::text::shown(text.as_bytes())
                ),
            ))
        }
    })
}

pub(crate) fn map(
    o: &Offer,
    _: &PageCtx,
    trip: &mut Trip,
    f: &mut Flight,
) -> Result<Extra, RecordError> {
    f.offer_id.push_str(&o.id);

    let traveller = o
        .traveler_pricings
        .iter()
        .find(|t| t.traveler_type.as_deref() == Some("ADULT"))
        .or(o.traveler_pricings.first());
    let fare_of = |seg: &Segment| -> Option<&FareDetail> {
        let id = seg.id.as_deref()?;
        traveller?
            .fare_details_by_segment
            .iter()
            .find(|d| d.segment_id.as_deref() == Some(id))
    };

    let mut co2: Option<f64> = Some(0.0);
    let mut n = 0;
    for (d, it) in o.itineraries.iter().enumerate() {
        let stated = match &it.duration {
            Some(s) => Some(iso_duration(What::Direction(d), s)?),
            None => None,
        };
        trip.direction(stated);
        for s in &it.segments {
            n += 1;
            let what = What::Segment(n);
            let from = airport("origin", what, &s.departure.iata_code)?;
            let to = airport("destination", what, &s.arrival.iata_code)?;
            let carrier = airline(what, &s.carrier_code)?;
            let number = flight_number(what, carrier, &s.number)?;
            let dep_local = local_time("departure", what, &s.departure.at)?;
            let arr_local = local_time("arrival", what, &s.arrival.at)?;
            let dep_zone = Zone::Tz(table_zone("departure", from)?);
            let arr_zone = Zone::Tz(table_zone("arrival", to)?);
            let seg_stated = match &s.duration {
                Some(t) => Some(iso_duration(What::SegmentDuration(n), t)?),
                None => None,
            };
            let (dep, arr) =
                time::resolve_segment(&dep_local, dep_zone, &arr_local, arr_zone, seg_stated)
                    .map_err(|end| {
                        let (at, zone) = match end {
                            time::End::Departure => (&s.departure.at, &dep_zone),
                            time::End::Arrival => (&s.arrival.at, &arr_zone),
                        };
                        skipped_hour(end, what, at, zone)
                    })?;
            let fare = fare_of(s);
            let seg_cabin = match fare.and_then(|f| f.cabin.as_deref()) {
                Some(c) => Some(cabin(c)?),
                None => None,
            };
            let bags = fare
                .and_then(|f| f.included_checked_bags.as_ref())
                .and_then(|b| match (b.quantity, b.weight) {
                    (Some(q), _) => Some(q),
                    (None, Some(w)) => Some((w > 0.0) as u32),
                    (None, None) => None,
                });
            co2 = co2.and_then(|sum| {
                let entries = s.co2_emissions.as_ref()?;
                let kg = |e: &&Co2| e.weight_unit.as_deref().is_none_or(|u| u == "KG");
                let pick = entries
                    .iter()
                    .filter(kg)
                    .find(|e| {
                        e.cabin.is_some()
                            && e.cabin.as_deref() == fare.and_then(|f| f.cabin.as_deref())
                    })
                    .or_else(|| {
                        let mut all = entries.iter().filter(kg);
                        match (all.next(), all.next()) {
                            (Some(only), None) => Some(only),
                            _ => None,
                        }
                    })?;
                Some(sum + pick.weight?)
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

    let total = o.price.grand_total.as_ref().or(o.price.total.as_ref());
    f.price = price(total.ok_or_else(|| {
        RecordError::new("price", "missing", "no price.grandTotal or price.total")
    })?)?;
    f.currency = currency(&o.price.currency)?;
    f.seats = o.number_of_bookable_seats;
    f.bags = facts.bags;
    f.refundable = None;
    f.co2_kg = co2
        .filter(|&kg| kg >= 0.0 && kg < u32::MAX as f64)
        .map(|kg| kg.round() as u32);
    Ok(Extra {
        cabin: facts.cabin,
        mismatch: facts.mismatch,
    })
}
