//! Sabre Bargain Finder Max pages in OTA JSON (`OTA_AirLowFareSearchRS`, v3):
//! local times, each segment end with its `GMTOffset` in hours.
//!
//! Later BFM versions answer with a normalised `groupedItineraryResponse`,
//! which the decoder does not read yet; the OTA shape is what it decodes.

use super::math::Rng;
use super::offer::{push_int, push_offer_id, Offer};
use super::pages::{
    al, ap, base_minor, booking_class, cabin_code, fare_basis, members, money, put, quoted,
    quoted_int, searched_at, Leg, Legs, PageFormat, PageInfo, AIRCRAFT,
};
use super::world::Tables;
use crate::provider::Provider;

pub(super) struct Sabre;

/// A UTC offset in hours as Sabre writes it: `-5`, `5.5`, `5.75`.
fn gmt_offset(out: &mut Vec<u8>, secs: i32) {
    if secs < 0 {
        out.push(b'-');
    }
    let m = secs.unsigned_abs() / 60;
    push_int(out, m / 60);
    match m % 60 {
        0 => {}
        15 => put(out, b".25"),
        30 => put(out, b".5"),
        45 => put(out, b".75"),
        // Whole minutes that are not quarter hours: round-trips through the
        // decoder's rounding to the minute.
        r => {
            put(out, b".");
            let frac = (r as u64 * 1_000_000 + 30) / 60;
            put(out, format!("{frac:06}").as_bytes());
        }
    }
}

fn flight_segment(t: &Tables, out: &mut Vec<u8>, l: &Leg, side: &mut Rng, class: u8) {
    put(out, b"{\"DepartureDateTime\":");
    quoted(out, &t.local(l.dep, l.dep_off));
    put(out, b",\"ArrivalDateTime\":");
    quoted(out, &t.local(l.arr, l.arr_off));
    put(out, b",\"StopQuantity\":0,\"FlightNumber\":");
    quoted_int(out, l.number);
    put(out, b",\"ResBookDesigCode\":\"");
    out.push(class);
    put(out, b"\",\"ElapsedTime\":");
    push_int(out, l.minutes);
    put(out, b",\"DepartureAirport\":{\"LocationCode\":");
    quoted(out, ap(t, l.from));
    put(out, b",\"TerminalID\":");
    quoted_int(out, side.below(6));
    put(
        out,
        b",\"content\":\"\"},\"ArrivalAirport\":{\"LocationCode\":",
    );
    quoted(out, ap(t, l.to));
    put(out, b",\"TerminalID\":");
    quoted_int(out, side.below(6));
    put(out, b",\"content\":\"\"},\"OperatingAirline\":{\"Code\":");
    quoted(out, al(t, l.carrier));
    put(out, b",\"FlightNumber\":");
    quoted_int(out, l.number);
    put(out, b",\"content\":\"\"},\"Equipment\":[{\"AirEquipType\":");
    quoted(out, AIRCRAFT[l.aircraft as usize].0.as_bytes());
    put(out, b",\"content\":\"\"}],\"MarketingAirline\":{\"Code\":");
    quoted(out, al(t, l.carrier));
    put(
        out,
        b",\"content\":\"\"},\"MarriageGrp\":\"O\",\"DepartureTimeZone\":{\"GMTOffset\":",
    );
    gmt_offset(out, l.dep_off);
    put(out, b"},\"ArrivalTimeZone\":{\"GMTOffset\":");
    gmt_offset(out, l.arr_off);
    put(out, b"},\"OnTimePerformance\":{\"Level\":\"");
    push_int(out, 1 + side.below(9));
    put(
        out,
        b"\"},\"TPA_Extensions\":{\"eTicket\":{\"Ind\":true},\"Mileage\":{\"Amount\":",
    );
    push_int(out, l.km * 5 / 8);
    put(out, b"}}}");
}

/// `{"Amount":..,"CurrencyCode":..,"DecimalPlaces":..}`.
fn amount(out: &mut Vec<u8>, o: &Offer, minor: u64) {
    put(out, b"{\"Amount\":");
    money(out, minor, o.currency);
    put(out, b",\"CurrencyCode\":");
    quoted(out, o.currency.code());
    put(out, b",\"DecimalPlaces\":");
    out.push(if o.currency == super::data::Currency::Jpy {
        b'0'
    } else {
        b'2'
    });
    out.push(b'}');
}

/// One `FareInfo` per segment; the canonical seats are the lowest.
fn fare_infos(out: &mut Vec<u8>, o: &Offer, legs: &Legs, seats: &[u8], class: u8) {
    put(out, b"\"FareInfos\":{\"FareInfo\":[");
    for (i, &left) in seats[..legs.all().len()].iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, b"{\"FareReference\":\"");
        out.push(class);
        put(out, b"\",\"TPA_Extensions\":{");
        if o.seats.is_some() {
            put(out, b"\"SeatsRemaining\":{\"Number\":");
            push_int(out, left);
            put(out, b",\"BelowMin\":false},");
        }
        put(out, b"\"Cabin\":{\"Cabin\":\"");
        put(out, cabin_code(Provider::Sabre, o.cabin));
        put(out, b"\"},\"Meal\":{\"Code\":\"");
        out.push(if i % 2 == 0 { b'L' } else { b'R' });
        put(out, b"\"}}}");
    }
    put(out, b"]}");
}

impl PageFormat for Sabre {
    fn head(&self, _t: &Tables, page: &PageInfo, out: &mut Vec<u8>) {
        put(out, b"{\"OTA_AirLowFareSearchRS\":{\"PricedItinCount\":");
        push_int(out, page.count);
        put(out, b",\"BrandedOneWayItinCount\":0,\"SimpleOneWayItinCount\":0,\"DepartedItinCount\":0,\"SoldOutItinCount\":0,\"AvailableItinCount\":0,\"Version\":\"3.4.0\",\"Success\":{},\"Warnings\":{\"Warning\":[{\"Type\":\"WORKERTHREAD\",\"ShortText\":\"");
        push_int(out, page.token >> 1);
        put(out, b"\",\"Code\":\"TRANSACTIONID\",\"MessageClass\":\"I\",\"content\":\"\"},{\"Type\":\"SERVER\",\"ShortText\":\"27040\",\"Code\":\"TTFHLC704\",\"MessageClass\":\"I\",\"content\":\"\"}]},\"PricedItineraries\":{\"PricedItinerary\":[");
    }

    fn offer(&self, t: &Tables, o: &Offer, legs: &Legs, side: &mut Rng, out: &mut Vec<u8>) {
        let class = booking_class(side, o.cabin);
        let n = legs.all().len();
        // Seats left per segment: the canonical count on one, more on others.
        let mut seats = [9u8; 6];
        if let Some(s) = o.seats {
            let low = side.below(n as u64) as usize;
            for (i, x) in seats[..n].iter_mut().enumerate() {
                *x = if i == low {
                    s
                } else {
                    s + side.below(10 - s as u64) as u8
                };
            }
        }
        put(out, b"{\"SequenceNumber\":\"");
        push_offer_id(out, o);
        put(out, b"\",\"AirItinerary\":{\"DirectionInd\":");
        put(
            out,
            if legs.directions() == 2 {
                b"\"Return\""
            } else {
                b"\"OneWay\""
            },
        );
        put(
            out,
            b",\"OriginDestinationOptions\":{\"OriginDestinationOption\":[",
        );
        for d in 0..legs.directions() {
            if d > 0 {
                out.push(b',');
            }
            put(out, b"{\"ElapsedTime\":");
            push_int(out, legs.dir_minutes(d));
            put(out, b",\"FlightSegment\":[");
            for (i, l) in legs.dir(d).iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                flight_segment(t, out, l, side, class);
            }
            put(out, b"]}");
        }
        let base = base_minor(o);
        let tax = o.price_minor - base;
        put(
            out,
            b"]}},\"AirItineraryPricingInfo\":[{\"LastTicketDate\":\"",
        );
        put(out, &t.date(o.dep - 3 * 86_400, o.dep_off));
        put(out, b"\",\"PricingSource\":\"ADVJR1\",\"PricingSubSource\":\"MIP\",\"FareReturned\":true,\"ItinTotalFare\":{\"BaseFare\":");
        amount(out, o, base);
        put(out, b",\"EquivFare\":");
        amount(out, o, base);
        put(
            out,
            b",\"Taxes\":{\"Tax\":[{\"TaxCode\":\"TOTALTAX\",\"Amount\":",
        );
        money(out, tax, o.currency);
        put(out, b",\"CurrencyCode\":");
        quoted(out, o.currency.code());
        put(out, b",\"content\":\"\"}]},\"TotalFare\":");
        amount(out, o, o.price_minor);
        put(out, b"},\"PTC_FareBreakdowns\":{\"PTC_FareBreakdown\":[{\"PassengerTypeQuantity\":{\"Code\":\"ADT\",\"Quantity\":1},\"FareBasisCodes\":{\"FareBasisCode\":[");
        for (i, l) in legs.all().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            put(out, b"{\"BookingCode\":\"");
            out.push(class);
            put(
                out,
                b"\",\"AvailabilityBreak\":true,\"DepartureAirportCode\":",
            );
            quoted(out, ap(t, l.from));
            put(out, b",\"ArrivalAirportCode\":");
            quoted(out, ap(t, l.to));
            put(out, b",\"FareComponentDirectionality\":\"FROM\",\"FareComponentVendorCode\":\"ATP\",\"GovCarrier\":");
            quoted(out, al(t, l.carrier));
            put(out, b",\"content\":");
            fare_basis(out, side, class);
            out.push(b'}');
        }
        put(out, b"]},\"PassengerFare\":{\"BaseFare\":");
        amount(out, o, base);
        put(out, b",\"Taxes\":{\"TotalTax\":");
        amount(out, o, tax);
        put(out, b"},\"TotalFare\":");
        amount(out, o, o.price_minor);
        put(out, b",\"PenaltiesInfo\":{\"Penalty\":[{\"Type\":\"Exchange\",\"Applicability\":\"Before\",\"Changeable\":true,\"Amount\":");
        money(out, o.price_minor / 5, o.currency);
        put(out, b",\"CurrencyCode\":");
        quoted(out, o.currency.code());
        put(out, b"}");
        if let Some(r) = o.refundable {
            put(
                out,
                b",{\"Type\":\"Refund\",\"Applicability\":\"Before\",\"Refundable\":",
            );
            put(out, if r { b"true" } else { b"false" });
            put(
                out,
                b"},{\"Type\":\"Refund\",\"Applicability\":\"After\",\"Refundable\":false}",
            );
        }
        put(
            out,
            b"]},\"TPA_Extensions\":{\"Messages\":{\"Message\":[{\"AirlineCode\":",
        );
        quoted(out, al(t, o.carriers[0]));
        put(out, b",\"Type\":\"N\",\"FailCode\":0,\"Info\":\"NONREF/SVCCHGPLUSFAREDIF/CXL BY FLT TIME OR NOVALUE\"},{\"Type\":\"W\",\"FailCode\":0,\"Info\":\"VALIDATING CARRIER - ");
        put(out, al(t, o.carriers[0]));
        put(out, b"\"}]}");
        if let Some(b) = o.bags {
            put(
                out,
                b",\"BaggageInformationList\":{\"BaggageInformation\":[",
            );
            for (i, l) in legs.all().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                put(out, b"{\"ProvisionType\":\"A\",\"AirlineCode\":");
                quoted(out, al(t, l.carrier));
                put(out, b",\"Segment\":[{\"Id\":");
                push_int(out, i);
                put(out, b"}],\"Allowance\":[{\"Pieces\":");
                push_int(out, b);
                put(out, b"}]}");
            }
            put(out, b"]}");
        }
        put(out, b"}},\"Endorsements\":{\"NonRefundableIndicator\":");
        put(
            out,
            if o.refundable == Some(false) {
                b"true"
            } else {
                b"false"
            },
        );
        put(out, b"},\"TPA_Extensions\":{\"FareCalcLine\":{\"Info\":\"");
        for l in legs.all() {
            put(out, ap(t, l.from));
            out.push(b' ');
            put(out, al(t, l.carrier));
            out.push(b' ');
        }
        put(out, ap(t, legs.all()[n - 1].to));
        out.push(b' ');
        money(out, base, o.currency);
        put(out, o.currency.code());
        money(out, base, o.currency);
        put(out, b"END\"}},");
        fare_infos(out, o, legs, &seats, class);
        put(out, b"}]},");
        fare_infos(out, o, legs, &seats, class);
        put(out, b",\"TPA_Extensions\":{\"DivideInParty\":{\"Indicator\":false},\"ValidatingCarrier\":[{\"SettlementMethod\":\"ARC\",\"NewVcxProcess\":true,\"Default\":{\"Code\":");
        quoted(out, al(t, o.carriers[0]));
        put(out, b"}}]}}],\"TicketingInfo\":{\"TicketType\":\"eTicket\",\"ValidInterline\":\"Yes\"},\"TPA_Extensions\":{\"ValidatingCarrier\":{\"Code\":");
        quoted(out, al(t, o.carriers[0]));
        put(out, b"}},\"LastUpdated\":\"");
        put(out, &searched_at(t, o));
        put(out, b"\"}");
    }

    fn tail(&self, t: &Tables, page: &PageInfo, out: &mut Vec<u8>) {
        put(
            out,
            b"]},\"TPA_Extensions\":{\"AirlineOrderList\":{\"AirlineOrder\":[",
        );
        for (i, a) in members(&page.airlines).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            put(out, b"{\"Code\":");
            quoted(out, al(t, a as u8));
            put(out, b",\"SequenceNumber\":");
            push_int(out, i + 1);
            put(out, b",\"content\":\"\"}");
        }
        put(out, b"]}}}}");
    }
}
