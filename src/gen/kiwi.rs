//! Kiwi.com Tequila `/v2/search` pages: `{"search_id","currency","data":[...]}`,
//! each time given twice, `local_*` and `utc_*` (both ending in `Z`). The
//! currency belongs to the whole response, so a page holds offers of one
//! currency (the driver keys pages by it).

use super::math::Rng;
use super::offer::{push_int, push_offer_id, Offer};
use super::pages::{
    airport, al, ap, base_minor, booking_class, cabin_code, fare_basis, members, money, put,
    quoted, random_text, searched_at, Legs, PageFormat, PageInfo, AIRCRAFT, HEX,
};
use super::world::Tables;
use crate::provider::Provider;

pub(super) struct Kiwi;

/// `"YYYY-MM-DDTHH:MM:SS.000Z"`.
fn time(t: &Tables, out: &mut Vec<u8>, utc: i64, offset: i32) {
    out.push(b'"');
    put(out, &t.local(utc, offset));
    put(out, b".000Z\"");
}

fn city(t: &Tables, out: &mut Vec<u8>, which: &[u8], a: u8) {
    put(out, b",\"city");
    put(out, which);
    put(out, b"\":");
    quoted(out, ap(t, a));
    put(out, b",\"cityCode");
    put(out, which);
    put(out, b"\":");
    quoted(out, ap(t, a));
}

impl PageFormat for Kiwi {
    fn key(&self, o: &Offer) -> usize {
        o.currency as usize
    }

    fn head(&self, _t: &Tables, page: &PageInfo, out: &mut Vec<u8>) {
        put(out, b"{\"search_id\":\"");
        let mut x = page.token;
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                out.push(b'-');
            }
            out.push(HEX[(x & 15) as usize]);
            x = x.rotate_right(4) ^ (i as u64);
        }
        put(out, b"\",\"currency\":");
        quoted(out, page.currency.expect("a page has offers").code());
        put(out, b",\"fx_rate\":1,\"data\":[");
    }

    fn offer(&self, t: &Tables, o: &Offer, legs: &Legs, side: &mut Rng, out: &mut Vec<u8>) {
        let out_legs = legs.dir(0);
        let (first, last) = (out_legs[0], out_legs[out_legs.len() - 1]);
        put(out, b"{\"id\":\"");
        push_offer_id(out, o);
        put(out, b"\",\"flyFrom\":");
        quoted(out, ap(t, o.origin));
        put(out, b",\"flyTo\":");
        quoted(out, ap(t, o.dest));
        city(t, out, b"From", o.origin);
        city(t, out, b"To", o.dest);
        for (key, a) in [(&b"From"[..], o.origin), (&b"To"[..], o.dest)] {
            put(out, b",\"country");
            put(out, key);
            put(out, b"\":{\"code\":");
            let cc = airport(a).country.as_bytes();
            quoted(out, cc);
            put(out, b",\"name\":");
            quoted(out, cc);
            out.push(b'}');
        }
        put(out, b",\"local_departure\":");
        time(t, out, first.dep, first.dep_off);
        put(out, b",\"utc_departure\":");
        time(t, out, first.dep, 0);
        put(out, b",\"local_arrival\":");
        time(t, out, last.arr, last.arr_off);
        put(out, b",\"utc_arrival\":");
        time(t, out, last.arr, 0);
        put(out, b",\"nightsInDest\":");
        match o.ret {
            Some((rdep, ..)) => push_int(out, (rdep - o.arr) / 86_400),
            None => put(out, b"null"),
        }
        put(out, b",\"quality\":");
        push_int(out, 80 + o.price_minor / 100 % 900);
        put(out, b".");
        push_int(out, side.below(1_000_000));
        put(out, b",\"distance\":");
        push_int(out, t.dist(o.origin, o.dest));
        put(out, b".0,\"duration\":{\"departure\":");
        let dep_secs = legs.dir_minutes(0) * 60;
        let ret_secs = if legs.directions() == 2 {
            legs.dir_minutes(1) * 60
        } else {
            0
        };
        push_int(out, dep_secs);
        put(out, b",\"return\":");
        push_int(out, ret_secs);
        put(out, b",\"total\":");
        push_int(out, dep_secs + ret_secs);
        put(out, b"},\"price\":");
        money(out, o.price_minor, o.currency);
        put(out, b",\"conversion\":{");
        quoted(out, o.currency.code());
        out.push(b':');
        money(out, o.price_minor, o.currency);
        put(out, b"},\"fare\":{\"adults\":");
        money(out, o.price_minor, o.currency);
        put(out, b",\"children\":");
        money(out, o.price_minor, o.currency);
        put(out, b",\"infants\":0},\"price_dropdown\":{\"base_fare\":");
        money(out, base_minor(o), o.currency);
        put(out, b",\"fees\":0},\"bags_price\":{\"1\":");
        money(out, o.price_minor / 9, o.currency);
        put(out, b",\"2\":");
        money(out, o.price_minor / 4, o.currency);
        put(out, b"},\"baglimit\":{\"hand_width\":40,\"hand_height\":55,\"hand_length\":20,\"hand_weight\":8,\"hold_width\":52,\"hold_height\":78,\"hold_length\":28,\"hold_dimensions_sum\":158,\"hold_weight\":23,\"personal_item_width\":30,\"personal_item_height\":40,\"personal_item_length\":15},\"availability\":{\"seats\":");
        match o.seats {
            Some(n) => push_int(out, n),
            None => put(out, b"null"),
        }
        put(out, b"},\"airlines\":[");
        let mut seen = [0u64; 4];
        for l in legs.all() {
            seen[l.carrier as usize / 64] |= 1 << (l.carrier % 64);
        }
        for (i, a) in members(&seen).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            quoted(out, al(t, a as u8));
        }
        put(out, b"],\"route\":[");
        let class = booking_class(side, o.cabin);
        for (i, l) in legs.all().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            put(out, b"{\"id\":\"");
            let combination = side.next_u64();
            random_text(out, side, HEX, 24);
            put(out, b"_0\",\"combination_id\":\"");
            let mut x = combination;
            for _ in 0..24 {
                out.push(HEX[(x & 15) as usize]);
                x = x.rotate_right(4);
            }
            put(out, b"\",\"flyFrom\":");
            quoted(out, ap(t, l.from));
            put(out, b",\"flyTo\":");
            quoted(out, ap(t, l.to));
            city(t, out, b"From", l.from);
            city(t, out, b"To", l.to);
            put(out, b",\"local_departure\":");
            time(t, out, l.dep, l.dep_off);
            put(out, b",\"utc_departure\":");
            time(t, out, l.dep, 0);
            put(out, b",\"local_arrival\":");
            time(t, out, l.arr, l.arr_off);
            put(out, b",\"utc_arrival\":");
            time(t, out, l.arr, 0);
            put(out, b",\"airline\":");
            quoted(out, al(t, l.carrier));
            put(out, b",\"flight_no\":");
            push_int(out, l.number);
            put(out, b",\"operating_carrier\":");
            quoted(out, al(t, l.carrier));
            put(out, b",\"operating_flight_no\":\"");
            push_int(out, l.number);
            put(out, b"\",\"fare_basis\":");
            fare_basis(out, side, class);
            put(out, b",\"fare_category\":\"");
            put(out, cabin_code(Provider::Kiwi, o.cabin));
            put(out, b"\",\"fare_classes\":\"");
            out.push(class);
            put(out, b"\",\"fare_family\":\"\",\"return\":");
            out.push(if i < legs.dir_start(1) { b'0' } else { b'1' });
            put(out, b",\"bags_recheck_required\":false,\"vi_connection\":false,\"guarantee\":false,\"equipment\":");
            quoted(out, AIRCRAFT[l.aircraft as usize].0.as_bytes());
            put(out, b",\"vehicle_type\":\"aircraft\",\"last_seen\":\"");
            let at = searched_at(t, o);
            put(out, &at);
            put(out, b".000Z\",\"refresh_timestamp\":\"");
            put(out, &at);
            put(out, b".000Z\"}");
        }
        put(out, b"],\"booking_token\":\"");
        random_text(out, side, super::pages::BASE62, 220);
        put(out, b"\",\"facilitated_booking_available\":true,\"pnr_count\":1,\"has_airport_change\":false,\"technical_stops\":0,\"throw_away_ticketing\":false,\"hidden_city_ticketing\":false,\"virtual_interlining\":false}");
    }

    fn tail(&self, _t: &Tables, page: &PageInfo, out: &mut Vec<u8>) {
        put(out, b"],\"_results\":");
        push_int(out, page.count);
        put(out, b",\"search_params\":{\"flyFrom_type\":\"airport\",\"to_type\":\"airport\",\"seats\":{\"passengers\":1,\"adults\":1,\"children\":0,\"infants\":0}},\"all_airlines\":[],\"all_stopover_airports\":[],\"connections\":[],\"ref_tasks\":[],\"refresh\":[],\"del\":null,\"time\":1}");
    }
}
