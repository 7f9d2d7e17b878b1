//! Duffel offer list pages (`GET /air/offers`): `{"data":[offer...],
//! "meta":{"limit","before","after"}}`; local times, each airport naming its
//! IANA `time_zone`.

use super::math::Rng;
use super::offer::{push_int, push_offer_id, Offer};
use super::pages::{
    airline_country, airport, al, ap, base_minor, booking_class, cabin_code, cabin_name,
    fare_basis, fixed6, iso_minutes, money, put, quoted, random_text, searched_at, Leg, Legs,
    PageFormat, PageInfo, AIRCRAFT, BASE62,
};
use super::world::Tables;
use crate::provider::Provider;

pub(super) struct Duffel;

const MARKETING: [&str; 4] = ["Economy", "Premium Economy", "Business", "First"];
const BRAND: [&str; 4] = ["Basic", "Comfort", "Business Flex", "First"];

/// `prefix` and 22 base-62 characters, as Duffel ids look.
fn id(out: &mut Vec<u8>, side: &mut Rng, prefix: &[u8]) {
    out.push(b'"');
    out.extend_from_slice(prefix);
    put(out, b"0000");
    random_text(out, side, BASE62, 18);
    out.push(b'"');
}

/// An airport object, as segments and slices carry it.
fn place(t: &Tables, out: &mut Vec<u8>, a: u8) {
    let info = airport(a);
    let code = ap(t, a);
    let lower = code.map(|c| c.to_ascii_lowercase());
    let cc = info.country.as_bytes();
    let cc_lower = [cc[0].to_ascii_lowercase(), cc[1].to_ascii_lowercase()];
    put(out, b"{\"type\":\"airport\",\"id\":\"arp_");
    put(out, &lower);
    out.push(b'_');
    put(out, &cc_lower);
    put(out, b"\",\"iata_code\":");
    quoted(out, code);
    put(out, b",\"iata_country_code\":");
    quoted(out, cc);
    put(out, b",\"iata_city_code\":");
    quoted(out, code);
    put(out, b",\"icao_code\":null,\"name\":");
    quoted(out, code);
    put(out, b",\"city_name\":");
    quoted(out, code);
    put(out, b",\"latitude\":");
    fixed6(out, info.lat);
    put(out, b",\"longitude\":");
    fixed6(out, info.lon);
    put(out, b",\"time_zone\":");
    quoted(out, info.tz.as_bytes());
    put(out, b",\"city\":null}");
}

fn carrier(t: &Tables, out: &mut Vec<u8>, a: u8) {
    let code = ap_lower(al(t, a));
    put(out, b"{\"id\":\"arl_00009VME7D6ivUu8dn35");
    put(out, &code);
    put(out, b"\",\"iata_code\":");
    quoted(out, al(t, a));
    put(out, b",\"name\":");
    quoted(out, al(t, a));
    put(
        out,
        b",\"logo_symbol_url\":null,\"conditions_of_carriage_url\":null}",
    );
}

fn ap_lower(code: &[u8; 2]) -> [u8; 2] {
    code.map(|c| c.to_ascii_lowercase())
}

fn condition(out: &mut Vec<u8>, o: &Offer, allowed: Option<bool>) {
    match allowed {
        None => put(out, b"null"),
        Some(allowed) => {
            put(out, b"{\"allowed\":");
            put(out, if allowed { b"true" } else { b"false" });
            put(out, b",\"penalty_amount\":");
            if allowed {
                out.push(b'"');
                money(out, o.price_minor / 10, o.currency);
                out.push(b'"');
            } else {
                put(out, b"null");
            }
            put(out, b",\"penalty_currency\":");
            quoted(out, o.currency.code());
            out.push(b'}');
        }
    }
}

fn segment(t: &Tables, out: &mut Vec<u8>, o: &Offer, l: &Leg, side: &mut Rng, class: u8) {
    put(out, b"{\"id\":");
    id(out, side, b"seg_");
    put(out, b",\"origin\":");
    place(t, out, l.from);
    put(out, b",\"destination\":");
    place(t, out, l.to);
    put(out, b",\"origin_terminal\":");
    quoted(out, &[b'1' + side.below(5) as u8]);
    put(out, b",\"destination_terminal\":");
    quoted(out, &[b'1' + side.below(5) as u8]);
    put(out, b",\"departing_at\":");
    quoted(out, &t.local(l.dep, l.dep_off));
    put(out, b",\"arriving_at\":");
    quoted(out, &t.local(l.arr, l.arr_off));
    put(out, b",\"duration\":");
    iso_minutes(out, l.minutes as i64);
    put(out, b",\"distance\":\"");
    push_int(out, l.km);
    put(out, b".0\",\"aircraft\":{\"id\":\"arc_00009UhD4ongolulWd9");
    put(out, AIRCRAFT[l.aircraft as usize].0.as_bytes());
    put(out, b"\",\"iata_code\":");
    quoted(out, AIRCRAFT[l.aircraft as usize].0.as_bytes());
    put(out, b",\"name\":");
    quoted(out, AIRCRAFT[l.aircraft as usize].1.as_bytes());
    put(out, b"},\"marketing_carrier\":");
    carrier(t, out, l.carrier);
    put(out, b",\"marketing_carrier_flight_number\":\"");
    push_int(out, l.number);
    put(out, b"\",\"operating_carrier\":");
    carrier(t, out, l.carrier);
    put(out, b",\"operating_carrier_flight_number\":\"");
    push_int(out, l.number);
    put(out, b"\",\"stops\":[],\"passengers\":[{\"passenger_id\":\"pas_0000AUde3KY1SptM6ABSfT\",\"cabin_class\":\"");
    put(out, cabin_code(Provider::Duffel, o.cabin));
    put(out, b"\",\"cabin_class_marketing_name\":\"");
    put(out, MARKETING[o.cabin as usize].as_bytes());
    put(out, b"\",\"fare_basis_code\":");
    fare_basis(out, side, class);
    put(out, b",\"cabin\":{\"name\":\"");
    put(out, cabin_name(o.cabin).as_bytes());
    put(out, b"\",\"marketing_name\":\"");
    put(out, MARKETING[o.cabin as usize].as_bytes());
    put(out, b"\",\"amenities\":{\"wifi\":{\"available\":true,\"cost\":\"paid\"},\"seat\":{\"pitch\":\"31\",\"legroom\":\"n/a\"},\"power\":{\"available\":true}}}");
    if let Some(b) = o.bags {
        put(out, b",\"baggages\":[{\"type\":\"checked\",\"quantity\":");
        push_int(out, b);
        put(out, b"},{\"type\":\"carry_on\",\"quantity\":1}]");
    }
    put(out, b"}]}");
}

impl PageFormat for Duffel {
    fn head(&self, _t: &Tables, _page: &PageInfo, out: &mut Vec<u8>) {
        put(out, b"{\"data\":[");
    }

    fn offer(&self, t: &Tables, o: &Offer, legs: &Legs, side: &mut Rng, out: &mut Vec<u8>) {
        let cur = o.currency.code();
        let at = searched_at(t, o);
        let base = base_minor(o);
        put(out, b"{\"id\":\"");
        push_offer_id(out, o);
        put(out, b"\",\"live_mode\":true,\"created_at\":\"");
        put(out, &at);
        put(out, b".000000Z\",\"updated_at\":\"");
        put(out, &at);
        put(out, b".000000Z\",\"expires_at\":\"");
        put(
            out,
            &t.local(o.dep.min(super::world::WINDOW_END - 86_400), 0),
        );
        put(out, b".000000Z\",\"total_amount\":\"");
        money(out, o.price_minor, o.currency);
        put(out, b"\",\"total_currency\":");
        quoted(out, cur);
        put(out, b",\"base_amount\":\"");
        money(out, base, o.currency);
        put(out, b"\",\"base_currency\":");
        quoted(out, cur);
        put(out, b",\"tax_amount\":\"");
        money(out, o.price_minor - base, o.currency);
        put(out, b"\",\"tax_currency\":");
        quoted(out, cur);
        put(out, b",\"total_emissions_kg\":");
        match o.co2_kg {
            Some(kg) => {
                out.push(b'"');
                push_int(out, kg);
                out.push(b'"');
            }
            None => put(out, b"null"),
        }
        put(out, b",\"owner\":");
        carrier(t, out, o.carriers[0]);
        put(out, b",\"passengers\":[{\"id\":\"pas_0000AUde3KY1SptM6ABSfT\",\"type\":\"adult\",\"age\":null,\"given_name\":null,\"family_name\":null,\"loyalty_programme_accounts\":[],\"fare_type\":null}]");
        put(out, b",\"payment_requirements\":{\"requires_instant_payment\":false,\"price_guarantee_expires_at\":null,\"payment_required_by\":null}");
        put(out, b",\"conditions\":{\"refund_before_departure\":");
        condition(out, o, o.refundable);
        put(out, b",\"change_before_departure\":");
        condition(out, o, Some(o.cabin > 0 || o.refundable == Some(true)));
        put(out, b"},\"slices\":[");
        let class = booking_class(side, o.cabin);
        for d in 0..legs.directions() {
            let dir = legs.dir(d);
            if d > 0 {
                out.push(b',');
            }
            put(out, b"{\"id\":");
            id(out, side, b"sli_");
            put(out, b",\"origin_type\":\"airport\",\"origin\":");
            place(t, out, dir[0].from);
            put(out, b",\"destination_type\":\"airport\",\"destination\":");
            place(t, out, dir[dir.len() - 1].to);
            put(out, b",\"duration\":");
            iso_minutes(out, legs.dir_minutes(d));
            put(out, b",\"fare_brand_name\":\"");
            put(out, BRAND[o.cabin as usize].as_bytes());
            put(out, b"\",\"comparison_key\":\"");
            random_text(out, side, BASE62, 12);
            put(out, b"\",\"conditions\":{\"change_before_departure\":null,\"priority_check_in\":null},\"segments\":[");
            for (i, l) in dir.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                segment(t, out, o, l, side, class);
            }
            put(out, b"]}");
        }
        put(out, b"],\"allowed_passenger_identity_document_types\":[\"passport\"],\"passenger_identity_documents_required\":");
        let abroad = airport(o.origin).country != airport(o.dest).country
            || airline_country(o.carriers[0]) != airport(o.origin).country;
        put(out, if abroad { b"true" } else { b"false" });
        put(out, b",\"supported_passenger_identity_document_types\":[\"passport\"],\"supported_loyalty_programmes\":[],\"private_fares\":[],\"partial\":false,\"available_services\":null}");
    }

    fn tail(&self, _t: &Tables, page: &PageInfo, out: &mut Vec<u8>) {
        put(out, b"],\"meta\":{\"limit\":");
        push_int(out, page.count);
        put(out, b",\"before\":null,\"after\":");
        if page.last {
            put(out, b"null");
        } else {
            // An opaque cursor, base64-looking, as Duffel's are.
            put(out, b"\"g2wAAAACbQAAABBBZXJvbWlzdC1LaGFya2l2bQAAAB");
            let mut x = page.token;
            for _ in 0..10 {
                out.push(BASE62[(x % 62) as usize]);
                x /= 62;
            }
            put(out, b"=\"");
        }
        put(out, b"}}");
    }
}
