//! Amadeus Flight Offers Search v2 pages:
//! `{"meta":{"count"},"data":[flight-offer...],"dictionaries":{...}}`, local
//! times without an offset (the decoder takes the zone from its airport table).

use super::data::Currency;
use super::math::Rng;
use super::offer::{push_int, push_offer_id, Offer};
use super::pages::{
    al, ap, base_minor, booking_class, cabin_code, co2_split, fare_basis, iso_minutes, members,
    money, put, quoted, quoted_int, Legs, PageFormat, PageInfo, AIRCRAFT,
};
use super::world::Tables;
use crate::provider::Provider;

pub(super) struct Amadeus;

const BRAND: [&str; 4] = ["BASIC", "STANDARD", "BUSINESS", "FIRST"];

impl PageFormat for Amadeus {
    fn head(&self, _t: &Tables, page: &PageInfo, out: &mut Vec<u8>) {
        put(out, b"{\"meta\":{\"count\":");
        push_int(out, page.count);
        put(out, b"},\"data\":[");
    }

    fn offer(&self, t: &Tables, o: &Offer, legs: &Legs, side: &mut Rng, out: &mut Vec<u8>) {
        let cur = o.currency.code();
        let one_way = legs.directions() == 1;
        put(out, b"{\"type\":\"flight-offer\",\"id\":\"");
        push_offer_id(out, o);
        put(out, b"\",\"source\":\"GDS\",\"instantTicketingRequired\":false,\"nonHomogeneous\":false,\"oneWay\":");
        put(out, if one_way { b"true" } else { b"false" });
        put(out, b",\"isUpsellOffer\":false,\"lastTicketingDate\":\"");
        put(out, &t.date(o.dep - 2 * 86_400, o.dep_off));
        put(out, b"\",\"lastTicketingDateTime\":\"");
        put(out, &t.date(o.dep - 2 * 86_400, o.dep_off));
        put(out, b"\"");
        if let Some(n) = o.seats {
            put(out, b",\"numberOfBookableSeats\":");
            push_int(out, n);
        }
        put(out, b",\"itineraries\":[");
        let co2 = o.co2_kg.map(|kg| co2_split(kg, legs));
        for d in 0..legs.directions() {
            if d > 0 {
                out.push(b',');
            }
            put(out, b"{\"duration\":");
            iso_minutes(out, legs.dir_minutes(d));
            put(out, b",\"segments\":[");
            for (i, l) in legs.dir(d).iter().enumerate() {
                let id = legs.dir_start(d) + i;
                if i > 0 {
                    out.push(b',');
                }
                put(out, b"{\"departure\":{\"iataCode\":");
                quoted(out, ap(t, l.from));
                put(out, b",\"terminal\":");
                quoted_int(out, 1 + side.below(5));
                put(out, b",\"at\":");
                quoted(out, &t.local(l.dep, l.dep_off));
                put(out, b"},\"arrival\":{\"iataCode\":");
                quoted(out, ap(t, l.to));
                put(out, b",\"terminal\":");
                quoted_int(out, 1 + side.below(5));
                put(out, b",\"at\":");
                quoted(out, &t.local(l.arr, l.arr_off));
                put(out, b"},\"carrierCode\":");
                quoted(out, al(t, l.carrier));
                put(out, b",\"number\":");
                quoted_int(out, l.number);
                put(out, b",\"aircraft\":{\"code\":");
                quoted(out, AIRCRAFT[l.aircraft as usize].0.as_bytes());
                put(out, b"},\"operating\":{\"carrierCode\":");
                quoted(out, al(t, l.carrier));
                put(out, b"},\"duration\":");
                iso_minutes(out, l.minutes as i64);
                put(out, b",\"id\":");
                quoted_int(out, id + 1);
                put(out, b",\"numberOfStops\":0,\"blacklistedInEU\":false");
                if let Some(co2) = &co2 {
                    put(out, b",\"co2Emissions\":[{\"weight\":");
                    push_int(out, co2[id]);
                    put(out, b",\"weightUnit\":\"KG\",\"cabin\":\"");
                    put(out, cabin_code(Provider::Amadeus, o.cabin));
                    put(out, b"\"}]");
                }
                out.push(b'}');
            }
            put(out, b"]}");
        }
        let base = base_minor(o);
        put(out, b"],\"price\":{\"currency\":");
        quoted(out, cur);
        put(out, b",\"total\":\"");
        money(out, o.price_minor, o.currency);
        put(out, b"\",\"base\":\"");
        money(out, base, o.currency);
        put(out, b"\",\"fees\":[{\"amount\":\"0.00\",\"type\":\"SUPPLIER\"},{\"amount\":\"0.00\",\"type\":\"TICKETING\"}],\"grandTotal\":\"");
        money(out, o.price_minor, o.currency);
        put(out, b"\",\"additionalServices\":[{\"amount\":\"");
        money(out, o.price_minor / 8, o.currency);
        put(out, b"\",\"type\":\"CHECKED_BAGS\"}]},\"pricingOptions\":{\"fareType\":[\"PUBLISHED\"],\"includedCheckedBagsOnly\":");
        put(
            out,
            if o.bags.is_some_and(|b| b > 0) {
                b"true"
            } else {
                b"false"
            },
        );
        put(out, b"},\"validatingAirlineCodes\":[");
        quoted(out, al(t, o.carriers[0]));
        put(out, b"],\"travelerPricings\":[{\"travelerId\":\"1\",\"fareOption\":\"STANDARD\",\"travelerType\":\"ADULT\",\"price\":{\"currency\":");
        quoted(out, cur);
        put(out, b",\"total\":\"");
        money(out, o.price_minor, o.currency);
        put(out, b"\",\"base\":\"");
        money(out, base, o.currency);
        put(out, b"\"},\"fareDetailsBySegment\":[");
        let class = booking_class(side, o.cabin);
        for (id, _) in legs.all().iter().enumerate() {
            if id > 0 {
                out.push(b',');
            }
            put(out, b"{\"segmentId\":");
            quoted_int(out, id + 1);
            put(out, b",\"cabin\":\"");
            put(out, cabin_code(Provider::Amadeus, o.cabin));
            put(out, b"\",\"fareBasis\":");
            fare_basis(out, side, class);
            put(out, b",\"brandedFare\":\"");
            put(out, BRAND[o.cabin as usize].as_bytes());
            put(out, b"\",\"brandedFareLabel\":\"");
            put(out, BRAND[o.cabin as usize].as_bytes());
            put(out, b"\",\"class\":\"");
            out.push(class);
            out.push(b'"');
            if let Some(b) = o.bags {
                put(out, b",\"includedCheckedBags\":{\"quantity\":");
                push_int(out, b);
                out.push(b'}');
            }
            put(out, b",\"amenities\":[{\"description\":\"CHECKED BAG 1PC OF 23KG 158CM\",\"isChargeable\":");
            put(
                out,
                if o.bags.is_some_and(|b| b > 0) {
                    b"false"
                } else {
                    b"true"
                },
            );
            put(out, b",\"amenityType\":\"BAGGAGE\",\"amenityProvider\":{\"name\":\"BrandedFare\"}},{\"description\":\"SNACK\",\"isChargeable\":false,\"amenityType\":\"MEAL\",\"amenityProvider\":{\"name\":\"BrandedFare\"}},{\"description\":\"CHANGEABLE TICKET\",\"isChargeable\":true,\"amenityType\":\"BRANDED_FARES\",\"amenityProvider\":{\"name\":\"BrandedFare\"}}]}");
        }
        put(out, b"]}]}");
    }

    fn tail(&self, t: &Tables, page: &PageInfo, out: &mut Vec<u8>) {
        put(out, b"],\"dictionaries\":{\"locations\":{");
        for (i, a) in members(&page.airports).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            quoted(out, ap(t, a as u8));
            put(out, b":{\"cityCode\":");
            quoted(out, ap(t, a as u8));
            put(out, b",\"countryCode\":");
            quoted(out, super::pages::airport(a as u8).country.as_bytes());
            out.push(b'}');
        }
        put(out, b"},\"aircraft\":{");
        let mut first = true;
        for (i, a) in AIRCRAFT.iter().enumerate() {
            if page.aircraft >> i & 1 == 1 {
                if !first {
                    out.push(b',');
                }
                first = false;
                quoted(out, a.0.as_bytes());
                out.push(b':');
                quoted(out, a.1.as_bytes());
            }
        }
        put(out, b"},\"currencies\":{");
        let used = Currency::ALL
            .into_iter()
            .filter(|&c| page.currencies >> c as u8 & 1 == 1);
        for (i, c) in used.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            quoted(out, c.code());
            put(out, b":\"");
            put(out, c.name().as_bytes());
            out.push(b'"');
        }
        put(out, b"},\"carriers\":{");
        for (i, a) in members(&page.airlines).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            quoted(out, al(t, a as u8));
            out.push(b':');
            quoted(out, al(t, a as u8));
        }
        put(out, b"}}}");
    }
}
