//! Provider-shaped response pages from the canonical generator.
//!
//! `gen --format <provider>` draws exactly the offers of the canonical formats
//! (the same PRNG stream, so the same seed gives the same offers) and writes
//! each as the provider's own search response would carry it, one whole
//! response page per line. A page holds 5-250 offers (the last
//! page of a dump whatever remains), the size drawn from a second PRNG so that
//! the offers themselves do not change. Each provider's page is shaped as its
//! API answers (see the decoders in `crate::provider` and the recorded samples
//! they are tested on), including the members no decoder reads, so a provider
//! offer weighs several KB as the real ones do.
//!
//! Decoding a page gives back the canonical record of each offer, except for
//! what the provider cannot state:
//!
//! * `provider` is the page's provider (a canonical dump mixes five);
//! * a round trip's return direction is written in full (the reverse route,
//!   the same carriers, the generator's own return block times and layovers),
//!   so the decoded `via`, `carriers`, `flight_numbers` and `layover_min` list
//!   the outbound segments (the canonical lists) followed by the return ones;
//! * Kiwi states one currency per response, so Kiwi pages hold offers of one
//!   currency each and the offers come out grouped by page, not in row order;
//! * the columns of [`Provider::unstated`] are left out, and so decode as unknown.
//!
//! Memory stays flat: offers are formatted straight into the open page (one
//! per currency for Kiwi, at most 250 offers each) and a page is written out
//! as soon as it is complete.
//!
//! Each provider's writer is a type in `gen/<provider>.rs` implementing
//! [`PageFormat`] (head, offer, tail of its pages); this file is the driver
//! ([`write`]) and the formatting helpers they share. Which writer a provider has
//! is the provider registry's business (`gen/mod.rs` expands it).

use std::io::{self, Write};

use super::data::{Currency, AIRLINES, AIRPORTS, CABINS};
use super::math::{mix64, Rng};
use super::offer::{push_int, push_money, Offer};
use super::options::{GenOptions, CHUNK};
use super::world::{Tables, MAX_SEGS, WINDOW_START};
use crate::provider::Provider;
use crate::record::Cabin;

/// Fewest and most offers of a page.
const PAGE_MIN: u64 = 5;
const PAGE_MAX: u64 = 250;

/// Seed of the page-size and cosmetic PRNG, mixed with the user's seed.
const SIDE_SEED: u64 = 0x5A6E_7061_6765_5331;

// ---------------------------------------------------------------------------
// Segments

/// One flight of an offer with both ends placed in time.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Leg {
    pub from: u8,
    pub to: u8,
    pub dep: i64,
    pub dep_off: i32,
    pub arr: i64,
    pub arr_off: i32,
    pub minutes: u32,
    pub carrier: u8,
    pub number: u16,
    pub km: u32,
    /// Index into [`AIRCRAFT`].
    pub aircraft: u8,
}

/// The flights of an offer: outbound, then the return of a round trip.
#[derive(Debug, Default)]
pub(super) struct Legs {
    legs: [Leg; 2 * MAX_SEGS],
    n: usize,
    /// Where the return starts (`n` for a one-way offer).
    ret: usize,
}

impl Legs {
    pub fn all(&self) -> &[Leg] {
        &self.legs[..self.n]
    }
    /// 1 or 2.
    pub fn directions(&self) -> usize {
        1 + usize::from(self.ret < self.n)
    }
    pub fn dir(&self, d: usize) -> &[Leg] {
        if d == 0 {
            &self.legs[..self.ret]
        } else {
            &self.legs[self.ret..self.n]
        }
    }
    /// Index over the whole offer of the first flight of direction `d`.
    pub fn dir_start(&self, d: usize) -> usize {
        if d == 0 {
            0
        } else {
            self.ret
        }
    }
    /// Departure to arrival of direction `d`, in minutes.
    pub fn dir_minutes(&self, d: usize) -> i64 {
        let l = self.dir(d);
        (l[l.len() - 1].arr - l[0].dep) / 60
    }
}

/// Aircraft types: IATA code, Amadeus-style name, shortest and longest range (km).
pub(super) const AIRCRAFT: &[(&str, &str, u32, u32)] = &[
    ("E90", "EMBRAER 190", 0, 2_500),
    ("319", "AIRBUS A319", 0, 3_500),
    ("320", "AIRBUS A320", 0, 4_500),
    ("32N", "AIRBUS A320NEO", 0, 5_000),
    ("738", "BOEING 737-800", 0, 5_000),
    ("7M8", "BOEING 737 MAX 8", 0, 5_500),
    ("321", "AIRBUS A321", 500, 6_000),
    ("333", "AIRBUS A330-300", 2_500, 11_000),
    ("763", "BOEING 767-300", 2_500, 10_000),
    ("788", "BOEING 787-8", 3_000, 13_000),
    ("789", "BOEING 787-9", 4_000, 15_000),
    ("359", "AIRBUS A350-900", 4_000, 16_000),
    ("77W", "BOEING 777-300ER", 5_000, 14_000),
    ("388", "AIRBUS A380-800", 6_000, 15_000),
];

impl Tables {
    /// The flights of `o`, with the times the canonical record sums up.
    pub(super) fn legs(&self, o: &Offer) -> Legs {
        let nseg = o.stops as usize + 1;
        let mut pts = [o.origin; MAX_SEGS + 1];
        pts[1..nseg].copy_from_slice(&o.via[..o.stops as usize]);
        pts[nseg] = o.dest;
        let mut legs = Legs::default();
        let push = |legs: &mut Legs, from: u8, to: u8, dep: i64, min: u16, carrier, number| {
            let arr = dep + min as i64 * 60;
            let km = self.dist(from, to);
            let mut fits = [0u8; 16];
            let mut nf = 0;
            for (i, a) in AIRCRAFT.iter().enumerate() {
                if (a.2..=a.3).contains(&km) {
                    fits[nf] = i as u8;
                    nf += 1;
                }
            }
            let h = mix64((carrier as u64) << 16 | (from as u64) << 8 | to as u64);
            legs.legs[legs.n] = Leg {
                from,
                to,
                dep,
                dep_off: self.zones[from as usize].at(dep),
                arr,
                arr_off: self.zones[to as usize].at(arr),
                minutes: min as u32,
                carrier,
                number,
                km,
                aircraft: if nf == 0 {
                    12
                } else {
                    fits[(h % nf as u64) as usize]
                },
            };
            legs.n += 1;
            arr
        };
        let mut t = o.dep;
        for s in 0..nseg {
            let arr = push(
                &mut legs,
                pts[s],
                pts[s + 1],
                t,
                o.blocks[s],
                o.carriers[s],
                o.flight_numbers[s],
            );
            t = arr
                + if s < o.stops as usize {
                    o.layovers[s] as i64 * 60
                } else {
                    0
                };
        }
        debug_assert_eq!(legs.legs[nseg - 1].arr, o.arr);
        legs.ret = legs.n;
        if let Some((rdep, ..)) = o.ret {
            let mut t = rdep;
            for s in 0..nseg {
                // The same carriers fly the way back, on their own flight numbers.
                let (from, to) = (pts[nseg - s], pts[nseg - s - 1]);
                let carrier = o.carriers[nseg - 1 - s];
                let variant = mix64(o.row << 2 | s as u64) % 3;
                let number = self.flight_number(carrier, from, to, variant);
                let arr = push(&mut legs, from, to, t, o.ret_blocks[s], carrier, number);
                t = arr
                    + if s < o.stops as usize {
                        o.ret_layovers[s] as i64 * 60
                    } else {
                        0
                    };
            }
            debug_assert_eq!(Some(legs.legs[legs.n - 1].arr), o.ret.map(|r| r.2));
        }
        legs
    }

    /// `YYYY-MM-DDTHH:MM:SS`, the local wall-clock time of `utc` at `offset`.
    #[inline]
    pub(super) fn local(&self, utc: i64, offset: i32) -> [u8; 19] {
        let t = self.timestamp(utc, offset);
        t[..19].try_into().expect("19 bytes")
    }

    /// `YYYY-MM-DD`, the local date of `utc` at `offset`.
    #[inline]
    pub(super) fn date(&self, utc: i64, offset: i32) -> [u8; 10] {
        let t = self.timestamp(utc, offset);
        t[..10].try_into().expect("10 bytes")
    }
}

/// The offer's total CO₂ split over its flights by distance (whole kg that add
/// up to the total exactly).
pub(super) fn co2_split(total: u32, legs: &Legs) -> [u32; 2 * MAX_SEGS] {
    let mut out = [0u32; 2 * MAX_SEGS];
    let km: u64 = legs.all().iter().map(|l| l.km as u64).sum::<u64>().max(1);
    let mut left = total;
    let n = legs.all().len();
    for (i, l) in legs.all().iter().enumerate() {
        let share = if i + 1 == n {
            left
        } else {
            (total as u64 * l.km as u64 / km) as u32
        };
        out[i] = share;
        left -= share;
    }
    out
}

// ---------------------------------------------------------------------------
// Pages

/// What a page's head and tail may need: filled in as offers are added.
#[derive(Debug, Default)]
pub(super) struct PageInfo {
    /// 0-based position of the page in the output.
    pub index: u64,
    /// Offers in the page.
    pub count: usize,
    /// The last page of the output.
    pub last: bool,
    /// Currency of the page's first offer (Kiwi: of all its offers).
    pub currency: Option<Currency>,
    /// Airports, airlines and aircraft the page mentions (bit sets).
    pub airports: [u64; 4],
    pub airlines: [u64; 4],
    pub aircraft: u64,
    /// Currencies of the page's offers (bit `c as u8`).
    pub currencies: u8,
    /// A number that tells pages of one dump apart (ids, cursors).
    pub token: u64,
}

impl PageInfo {
    fn note(&mut self, o: &Offer, legs: &Legs) {
        self.currency.get_or_insert(o.currency);
        self.currencies |= 1 << o.currency as u8;
        for l in legs.all() {
            for a in [l.from, l.to] {
                self.airports[a as usize / 64] |= 1 << (a % 64);
            }
            self.airlines[l.carrier as usize / 64] |= 1 << (l.carrier % 64);
            self.aircraft |= 1 << l.aircraft;
        }
    }
}

/// Members of a bit set, in order.
pub(super) fn members(set: &[u64; 4]) -> impl Iterator<Item = usize> + '_ {
    (0..256).filter(|&i| set[i / 64] >> (i % 64) & 1 == 1)
}

/// One provider's response shape. The shared driver opens and closes pages and
/// separates offers; a format writes only its own members.
pub(super) trait PageFormat {
    /// Offers with different keys never share a page (Kiwi: the currency).
    fn key(&self, _o: &Offer) -> usize {
        0
    }
    /// The page up to its first offer.
    fn head(&self, t: &Tables, page: &PageInfo, out: &mut Vec<u8>);
    /// One offer; `side` draws what the canonical record does not hold.
    fn offer(&self, t: &Tables, o: &Offer, legs: &Legs, side: &mut Rng, out: &mut Vec<u8>);
    /// The page after its last offer.
    fn tail(&self, t: &Tables, page: &PageInfo, out: &mut Vec<u8>);
}

/// An open page: its offers so far and what it says about them.
#[derive(Default)]
struct Open {
    body: Vec<u8>,
    info: PageInfo,
    size: usize,
}

/// Writes the pages of format `f`: the offers of the canonical generator for
/// `opts`, each page as soon as it is complete.
pub(super) fn write<F: PageFormat, W: Write>(
    t: &Tables,
    f: &F,
    opts: &GenOptions,
    mut out: W,
) -> io::Result<()> {
    let mut rng = Rng::new(opts.seed);
    let mut side = Rng::new(opts.seed ^ SIDE_SEED);
    let mut open: Vec<Open> = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + (1 << 16));
    let mut pages = 0u64;
    let mut flush = |page: &mut Open, last: bool, buf: &mut Vec<u8>, out: &mut W| {
        page.info.index = pages;
        page.info.last = last;
        page.info.token = mix64(opts.seed ^ mix64(pages));
        pages += 1;
        f.head(t, &page.info, buf);
        buf.extend_from_slice(&page.body);
        f.tail(t, &page.info, buf);
        buf.push(b'\n');
        page.body.clear();
        page.info = PageInfo::default();
        if buf.len() >= CHUNK {
            out.write_all(buf)?;
            buf.clear();
        }
        io::Result::Ok(())
    };
    for row in 0..opts.rows {
        let o = t.offer(&mut rng, row);
        let key = f.key(&o);
        if open.len() <= key {
            open.resize_with(key + 1, Open::default);
        }
        let page = &mut open[key];
        // A full page is written once the next offer shows it is not the last.
        if page.info.count > 0 && page.info.count == page.size {
            flush(page, false, &mut buf, &mut out)?;
        }
        if page.info.count == 0 {
            page.size = (PAGE_MIN + side.below(PAGE_MAX - PAGE_MIN + 1)) as usize;
        } else {
            page.body.push(b',');
        }
        let legs = t.legs(&o);
        page.info.note(&o, &legs);
        f.offer(t, &o, &legs, &mut side, &mut page.body);
        page.info.count += 1;
    }
    let left = open.iter().filter(|p| p.info.count > 0).count();
    let mut written = 0;
    for page in open.iter_mut().filter(|p| p.info.count > 0) {
        written += 1;
        flush(page, written == left, &mut buf, &mut out)?;
    }
    out.write_all(&buf)?;
    out.flush()
}

// ---------------------------------------------------------------------------
// Formatting helpers shared by the provider writers

/// `"text"`.
#[inline]
pub(super) fn quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    out.extend_from_slice(s);
    out.push(b'"');
}

/// An unsigned integer as a JSON string.
#[inline]
pub(super) fn quoted_int<I: itoa::Integer>(out: &mut Vec<u8>, v: I) {
    out.push(b'"');
    push_int(out, v);
    out.push(b'"');
}

/// An ISO 8601 duration of whole minutes, `PT5H35M` (`PT0M` for zero).
pub(super) fn iso_minutes(out: &mut Vec<u8>, minutes: i64) {
    let (h, m) = (minutes / 60, minutes % 60);
    out.extend_from_slice(b"\"PT");
    if h > 0 {
        push_int(out, h);
        out.push(b'H');
    }
    if m > 0 || h == 0 {
        push_int(out, m);
        out.push(b'M');
    }
    out.push(b'"');
}

/// `n` characters of `alphabet`, drawn from `rng`.
pub(super) fn random_text(out: &mut Vec<u8>, rng: &mut Rng, alphabet: &[u8], n: usize) {
    let mut x = rng.next_u64();
    for i in 0..n {
        if i % 8 == 7 {
            x = rng.next_u64();
        }
        out.push(alphabet[(x % alphabet.len() as u64) as usize]);
        x /= alphabet.len() as u64;
    }
}

pub(super) const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub(super) const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub(super) const HEX: &[u8] = b"0123456789abcdef";

/// A fare basis code as carriers file them: booking class, letters, digits.
pub(super) fn fare_basis(out: &mut Vec<u8>, rng: &mut Rng, class: u8) {
    out.push(b'"');
    out.push(class);
    let n = 2 + rng.below(3) as usize;
    random_text(out, rng, UPPER, n);
    push_int(out, rng.below(10));
    random_text(out, rng, UPPER, 2);
    out.push(b'"');
}

/// Booking class of a cabin (drawn among the usual ones).
pub(super) fn booking_class(rng: &mut Rng, cabin: u8) -> u8 {
    let classes: &[u8] = match cabin {
        0 => b"YBMHKLQVSNGT",
        1 => b"WPEO",
        2 => b"JCDIZ",
        _ => b"FAP",
    };
    classes[rng.below(classes.len() as u64) as usize]
}

/// The canonical cabin name (`economy`, ...).
pub(super) fn cabin_name(cabin: u8) -> &'static str {
    CABINS[cabin as usize].0
}

/// The code `provider` writes for a cabin: its decoder's table read backwards, so
/// that the two cannot disagree.
pub(super) fn cabin_code(provider: Provider, cabin: u8) -> &'static [u8] {
    let c = Cabin::ALL[cabin as usize];
    debug_assert_eq!(
        c.as_str(),
        cabin_name(cabin),
        "gen's cabins are in Cabin::ALL order"
    );
    provider.cabins().code(c).as_bytes()
}

/// The airport's code.
pub(super) fn ap(t: &Tables, a: u8) -> &[u8; 3] {
    &t.ap_code[a as usize]
}

/// The airline's code.
pub(super) fn al(t: &Tables, a: u8) -> &[u8; 2] {
    &t.al_code[a as usize]
}

/// Coordinates, country and zone of an airport.
pub(super) fn airport(a: u8) -> &'static super::data::Airport {
    &AIRPORTS[a as usize]
}

/// The airline's country.
pub(super) fn airline_country(a: u8) -> &'static str {
    AIRLINES[a as usize].country
}

/// Base fare of a total (about 80%; taxes make up the rest), in minor units.
pub(super) fn base_minor(o: &Offer) -> u64 {
    let base = o.price_minor * 4 / 5;
    if o.currency == Currency::Jpy {
        base / 10 * 10
    } else {
        base
    }
}

/// An amount in the offer's currency.
pub(super) fn money(out: &mut Vec<u8>, minor: u64, currency: Currency) {
    push_money(out, minor, currency);
}

/// A timestamp shortly before departure, `YYYY-MM-DDTHH:MM:SS` UTC, when the
/// search was made (a recorded response is days to weeks old).
pub(super) fn searched_at(t: &Tables, o: &Offer) -> [u8; 19] {
    let days = 3 + (mix64(o.row ^ 0x5EA4) % 40) as i64;
    let at = (o.dep - days * 86_400).max(WINDOW_START);
    t.local(at - at % 60, 0)
}

/// A coordinate with six decimals, `-73.778100`.
pub(super) fn fixed6(out: &mut Vec<u8>, v: f64) {
    let micro = super::math::round_i64(v * 1e6);
    if micro < 0 {
        out.push(b'-');
    }
    let m = micro.unsigned_abs();
    push_int(out, m / 1_000_000);
    out.push(b'.');
    let frac = m % 1_000_000;
    let mut d = [b'0'; 6];
    let mut f = frac;
    for i in (0..6).rev() {
        d[i] = b'0' + (f % 10) as u8;
        f /= 10;
    }
    out.extend_from_slice(&d);
}

/// Appends `s` to a page.
#[inline]
pub(super) fn put(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(s);
}
