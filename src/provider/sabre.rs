//! Sabre Bargain Finder Max, OTA JSON (`OTA_AirLowFareSearchRS`, v3).
//!
//! Offers are `OTA_AirLowFareSearchRS.PricedItineraries.PricedItinerary[]`; each has
//! one `OriginDestinationOption` per direction. Times are local; each end of a
//! segment normally states its `GMTOffset` in hours (fractional hours allowed),
//! which is used as given; without it the airport's zone comes from the bundled
//! airport table.
//!
//! | canonical | Sabre source |
//! |---|---|
//! | offer_id | `SequenceNumber` (unique only within one response) |
//! | origin, departure | first `FlightSegment` of `OriginDestinationOption[0]`: `DepartureAirport.LocationCode`, `DepartureDateTime` + `DepartureTimeZone.GMTOffset` |
//! | destination, arrival | its last `FlightSegment`: `ArrivalAirport.LocationCode`, `ArrivalDateTime` + `ArrivalTimeZone.GMTOffset` |
//! | duration_min | by the clock; `OriginDestinationOption[].ElapsedTime` (minutes) is only compared with it |
//! | return_departure, return_arrival | `OriginDestinationOption[1]`, the same way |
//! | stops, via, layover_min | from `FlightSegment[]` per direction (`StopQuantity` counts technical stops: ignored) |
//! | carriers, flight_numbers | `MarketingAirline.Code`, + `FlightNumber` |
//! | cabin | lowest `FareInfos.FareInfo[].TPA_Extensions.Cabin.Cabin` (Y economy, S premium economy, C and J business, F and P first), one per segment |
//! | bags | lowest `Allowance.Pieces` (a weight only: 1 if above 0) per segment of the ADT breakdown's `BaggageInformation` (provision type A) |
//! | price, currency | `ItinTotalFare.TotalFare.Amount` written with at least `DecimalPlaces` decimals, `CurrencyCode` |
//! | seats | lowest `SeatsRemaining.Number` over the fare infos |
//! | refundable | the ADT breakdown's `Penalty` with `Type: Refund`, `Applicability: Before` (`Refundable`); else `false` if `NonRefundableIndicator` is true |
//!
//! Pricing comes from the first `AirItineraryPricingInfo`. Left unknown: `co2_kg`
//! (never given), `refundable` without a `Refund`/`Before` penalty or the
//! non-refundable indicator (an `After` entry says nothing about cancelling before
//! departure), `cabin` and `seats` when the fare infos do not cover every segment,
//! `bags` for a segment no baggage entry covers. The normalised
//! `groupedItineraryResponse` of later BFM versions is a response-level `shape`
//! error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::json::{scalar_text, OneOrMany, Present, Str};
use super::time::{self, valid_offset, Zone};
use super::trip::{Seg, Trip};
use super::{
    airline, airport, currency, flight_number, local_time, no_offers, price, skipped_hour,
    table_zone, Extra, Page, PageCtx, PageError, Provider, ResponseError, What,
};
use crate::error::RecordError;
use crate::record::{Airport, Cabin, Flight};

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(rename = "OTA_AirLowFareSearchRS")]
    ota: Option<Ota<T>>,
    #[serde(default, rename = "groupedItineraryResponse")]
    grouped: Present,
}

#[derive(Deserialize)]
struct Ota<T> {
    #[serde(rename = "PricedItineraries")]
    priced: Option<Priced<T>>,
    #[serde(rename = "PricedItinCount")]
    count: Option<u64>,
}

#[derive(Deserialize)]
struct Priced<T> {
    #[serde(rename = "PricedItinerary")]
    list: List<T>,
}

/// The itineraries; a single bare object (as XML-to-JSON converters write a list
/// of one) is re-read on its own, so that `T` may also be a raw value.
enum List<T> {
    Many(Vec<T>),
    One,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of priced itineraries")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(64).min(256));
                while let Some(item) = seq.next_element::<T>()? {
                    out.push(item);
                }
                Ok(List::Many(out))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(List::One)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The offers of a response, as `T`.
pub(crate) fn page<'a, T: Deserialize<'a>>(response: &'a str) -> Result<Page<'a, T>, PageError> {
    let env: Envelope<T> = serde_json::from_str(response).map_err(PageError::Serde)?;
    if env.grouped.0 && env.ota.is_none() {
        return Err(ResponseError::Shape {
            provider: Provider::Sabre,
            message: "a Sabre `groupedItineraryResponse` (BFM v4 and later) is not supported yet; only OTA_AirLowFareSearchRS".to_string(),
        }
        .into());
    }
    let Some(ota) = env.ota else {
        return Err(no_offers(
            Provider::Sabre,
            response.as_bytes(),
            "`OTA_AirLowFareSearchRS`",
        )
        .into());
    };
    let offers = match ota.priced {
        Some(Priced {
            list: List::Many(list),
        }) => list,
        Some(Priced { list: List::One }) => {
            #[derive(Deserialize)]
            struct One<T> {
                #[serde(rename = "OTA_AirLowFareSearchRS")]
                ota: OneOta<T>,
            }
            #[derive(Deserialize)]
            struct OneOta<T> {
                #[serde(rename = "PricedItineraries")]
                priced: OnePriced<T>,
            }
            #[derive(Deserialize)]
            struct OnePriced<T> {
                #[serde(rename = "PricedItinerary")]
                one: T,
            }
            let one: One<T> = serde_json::from_str(response).map_err(PageError::Serde)?;
            vec![one.ota.priced.one]
        }
        None => match super::error_body(response.as_bytes()) {
            Some(_) => {
                return Err(
                    no_offers(Provider::Sabre, response.as_bytes(), "priced itineraries").into(),
                )
            }
            None if ota.count == Some(0) => Vec::new(),
            None => {
                return Err(no_offers(
                    Provider::Sabre,
                    response.as_bytes(),
                    "`PricedItineraries.PricedItinerary` array",
                )
                .into())
            }
        },
    };
    Ok(Page {
        offers,
        ctx: PageCtx::default(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Itinerary<'a> {
    #[serde(borrow)]
    sequence_number: &'a RawValue,
    #[serde(borrow)]
    air_itinerary: AirItinerary<'a>,
    #[serde(borrow, default)]
    air_itinerary_pricing_info: OneOrMany<PricingInfo<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AirItinerary<'a> {
    #[serde(borrow)]
    origin_destination_options: Options<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Options<'a> {
    #[serde(borrow)]
    origin_destination_option: OneOrMany<Direction<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Direction<'a> {
    elapsed_time: Option<i64>,
    #[serde(borrow)]
    flight_segment: OneOrMany<FlightSegment<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FlightSegment<'a> {
    #[serde(borrow)]
    departure_date_time: Str<'a>,
    #[serde(borrow)]
    arrival_date_time: Str<'a>,
    #[serde(borrow)]
    flight_number: &'a RawValue,
    elapsed_time: Option<i64>,
    #[serde(borrow)]
    departure_airport: Location<'a>,
    #[serde(borrow)]
    arrival_airport: Location<'a>,
    #[serde(borrow)]
    marketing_airline: Code<'a>,
    departure_time_zone: Option<TimeZoneInfo>,
    arrival_time_zone: Option<TimeZoneInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Location<'a> {
    #[serde(borrow)]
    location_code: Str<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Code<'a> {
    #[serde(borrow)]
    code: Str<'a>,
}

#[derive(Deserialize)]
struct TimeZoneInfo {
    #[serde(rename = "GMTOffset")]
    gmt_offset: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PricingInfo<'a> {
    #[serde(borrow)]
    itin_total_fare: Option<ItinTotalFare<'a>>,
    #[serde(borrow, rename = "PTC_FareBreakdowns")]
    ptc_fare_breakdowns: Option<Breakdowns<'a>>,
    #[serde(borrow)]
    fare_infos: Option<FareInfos<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ItinTotalFare<'a> {
    #[serde(borrow)]
    total_fare: Amount<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Amount<'a> {
    #[serde(borrow)]
    amount: &'a RawValue,
    #[serde(borrow)]
    currency_code: Str<'a>,
    decimal_places: Option<u8>,
}

#[derive(Deserialize)]
struct Breakdowns<'a> {
    #[serde(borrow, rename = "PTC_FareBreakdown", default)]
    list: OneOrMany<Breakdown<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Breakdown<'a> {
    #[serde(borrow)]
    passenger_type_quantity: Option<PassengerType<'a>>,
    #[serde(borrow)]
    passenger_fare: Option<PassengerFare<'a>>,
    endorsements: Option<Endorsements>,
    #[serde(borrow)]
    fare_infos: Option<FareInfos<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PassengerType<'a> {
    #[serde(borrow)]
    code: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PassengerFare<'a> {
    #[serde(borrow)]
    penalties_info: Option<Penalties<'a>>,
    #[serde(borrow, rename = "TPA_Extensions")]
    extensions: Option<FareExtensions<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Penalties<'a> {
    #[serde(borrow, default)]
    penalty: OneOrMany<Penalty<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Penalty<'a> {
    #[serde(borrow, rename = "Type")]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    applicability: Option<Str<'a>>,
    refundable: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FareExtensions<'a> {
    #[serde(borrow)]
    baggage_information_list: Option<BaggageList<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BaggageList<'a> {
    #[serde(borrow, default)]
    baggage_information: OneOrMany<BaggageInfo<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BaggageInfo<'a> {
    #[serde(borrow)]
    provision_type: Option<Str<'a>>,
    #[serde(default)]
    segment: OneOrMany<SegmentRef>,
    #[serde(default)]
    allowance: OneOrMany<Allowance>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SegmentRef {
    id: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Allowance {
    pieces: Option<u32>,
    weight: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Endorsements {
    non_refundable_indicator: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FareInfos<'a> {
    #[serde(borrow, default)]
    fare_info: OneOrMany<FareInfo<'a>>,
}

#[derive(Deserialize)]
struct FareInfo<'a> {
    #[serde(borrow, rename = "TPA_Extensions")]
    extensions: Option<FareInfoExtensions<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FareInfoExtensions<'a> {
    seats_remaining: Option<SeatsRemaining>,
    #[serde(borrow)]
    cabin: Option<CabinInfo<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SeatsRemaining {
    number: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CabinInfo<'a> {
    #[serde(borrow)]
    cabin: Option<Str<'a>>,
}

fn cabin(code: &str) -> Result<Cabin, RecordError> {
    Ok(match code {
        "Y" => Cabin::Economy,
        "S" => Cabin::PremiumEconomy,
        "C" | "J" => Cabin::Business,
        "F" | "P" => Cabin::First,
        _ => {
            return Err(RecordError::new(
                "cabin",
                "enum",
                format!(
                    "expected cabin code Y, S, C, J, F or P, found {}",
                    crate::text::shown(code.as_bytes())
                ),
            ))
        }
    })
}

/// A segment end's zone: its stated GMT offset, else the airport table's zone.
fn zone(
    field: &'static str,
    what: What,
    code: Airport,
    info: Option<&TimeZoneInfo>,
) -> Result<Zone<'static>, RecordError> {
    match info.and_then(|i| i.gmt_offset) {
        Some(hours) => {
            let secs = (hours * 3600.0).round();
            valid_offset(secs as i64)
                .filter(|_| secs.is_finite())
                .map(Zone::Fixed)
                .ok_or_else(|| {
                    RecordError::new(
                        field,
                        "timestamp",
                        format!("{what}: GMTOffset {hours} is not a UTC offset in whole minutes"),
                    )
                })
        }
        None => Ok(Zone::Tz(table_zone(field, code)?)),
    }
}

pub(crate) fn map(
    o: &Itinerary,
    _: &PageCtx,
    trip: &mut Trip,
    f: &mut Flight,
) -> Result<Extra, RecordError> {
    f.offer_id.push_str(&scalar_text(o.sequence_number));

    let pricing = o.air_itinerary_pricing_info.first();
    let breakdown = pricing
        .and_then(|p| p.ptc_fare_breakdowns.as_ref())
        .and_then(|b| {
            b.list
                .iter()
                .find(|x| {
                    x.passenger_type_quantity
                        .as_ref()
                        .and_then(|t| t.code.as_deref())
                        == Some("ADT")
                })
                .or(b.list.first())
        });
    let fare_infos: &[FareInfo] = pricing
        .and_then(|p| p.fare_infos.as_ref())
        .or(breakdown.and_then(|b| b.fare_infos.as_ref()))
        .map_or(&[], |fi| &fi.fare_info);

    // Checked-bag allowance per segment index (over all directions).
    let segment_count: usize = o
        .air_itinerary
        .origin_destination_options
        .origin_destination_option
        .iter()
        .map(|d| d.flight_segment.len())
        .sum();
    let mut bags: Vec<Option<u32>> = vec![None; segment_count];
    if let Some(list) = breakdown
        .and_then(|b| b.passenger_fare.as_ref())
        .and_then(|p| p.extensions.as_ref())
        .and_then(|x| x.baggage_information_list.as_ref())
    {
        for info in list.baggage_information.iter() {
            if info.provision_type.as_deref().is_some_and(|t| t != "A") {
                continue;
            }
            let allowance = info
                .allowance
                .iter()
                .find_map(|a| match (a.pieces, a.weight) {
                    (Some(p), _) => Some(p),
                    (None, Some(w)) => Some((w > 0.0) as u32),
                    (None, None) => None,
                });
            for s in info.segment.iter() {
                if let Some(slot) = bags.get_mut(s.id) {
                    *slot = allowance;
                }
            }
        }
    }
    // Cabin and seats come one fare info per segment; otherwise they are unknown.
    let per_segment = fare_infos.len() == segment_count;

    let mut n = 0;
    for dir in o
        .air_itinerary
        .origin_destination_options
        .origin_destination_option
        .iter()
    {
        trip.direction(dir.elapsed_time.map(|m| m * 60));
        for s in dir.flight_segment.iter() {
            let what = What::Segment(n + 1);
            let from = airport("origin", what, &s.departure_airport.location_code)?;
            let to = airport("destination", what, &s.arrival_airport.location_code)?;
            let carrier = airline(what, &s.marketing_airline.code)?;
            let number = flight_number(what, carrier, &scalar_text(s.flight_number))?;
            let dep_local = local_time("departure", what, &s.departure_date_time)?;
            let arr_local = local_time("arrival", what, &s.arrival_date_time)?;
            let dep_zone = zone("departure", what, from, s.departure_time_zone.as_ref())?;
            let arr_zone = zone("arrival", what, to, s.arrival_time_zone.as_ref())?;
            let (dep, arr) = time::resolve_segment(
                &dep_local,
                dep_zone,
                &arr_local,
                arr_zone,
                s.elapsed_time.map(|m| m * 60),
            )
            .map_err(|end| {
                let (at, zone) = match end {
                    time::End::Departure => (&s.departure_date_time, &dep_zone),
                    time::End::Arrival => (&s.arrival_date_time, &arr_zone),
                };
                skipped_hour(end, what, at, zone)
            })?;
            let seg_cabin = match per_segment
                .then(|| fare_infos[n].extensions.as_ref())
                .flatten()
                .and_then(|x| x.cabin.as_ref())
                .and_then(|c| c.cabin.as_deref())
            {
                Some(c) => Some(cabin(c)?),
                None => None,
            };
            trip.push(Seg {
                from,
                to,
                dep,
                arr,
                carrier,
                number,
                cabin: seg_cabin,
                bags: bags[n],
            });
            n += 1;
        }
    }
    let facts = trip.finish(f)?;

    let total = pricing
        .and_then(|p| p.itin_total_fare.as_ref())
        .map(|t| &t.total_fare)
        .ok_or_else(|| {
            RecordError::new(
                "price",
                "missing",
                "no AirItineraryPricingInfo.ItinTotalFare.TotalFare",
            )
        })?;
    let mut p = price(&scalar_text(total.amount))?;
    if let Some(places) = total.decimal_places {
        p.scale = p.scale.max(places.min(6));
    }
    f.price = p;
    f.currency = currency(&total.currency_code)?;
    f.seats = if per_segment && !fare_infos.is_empty() {
        fare_infos.iter().try_fold(u32::MAX, |low, fi| {
            let n = fi.extensions.as_ref()?.seats_remaining.as_ref()?.number?;
            Some(low.min(n))
        })
    } else {
        None
    };
    f.bags = facts.bags;
    let fare = breakdown.and_then(|b| b.passenger_fare.as_ref());
    f.refundable = fare
        .and_then(|p| p.penalties_info.as_ref())
        .and_then(|p| {
            p.penalty.iter().find(|x| {
                x.kind.as_deref() == Some("Refund") && x.applicability.as_deref() == Some("Before")
            })
        })
        .and_then(|x| x.refundable)
        .or_else(|| {
            breakdown
                .and_then(|b| b.endorsements.as_ref())
                .and_then(|e| e.non_refundable_indicator)
                .filter(|&non| non)
                .map(|_| false)
        });
    f.co2_kg = None;
    Ok(Extra {
        cabin: facts.cabin,
        mismatch: facts.mismatch,
    })
}
