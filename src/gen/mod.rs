//! Deterministic generator of realistic canonical flight-offer dumps.
//!
//! [`generate`] writes `rows` synthetic offers as canonical CSV (with a
//! header) or NDJSON. Each offer is generated once from a hand-written PRNG
//! (xoshiro256** seeded by SplitMix64) and then formatted, so the CSV and the
//! NDJSON for one seed describe exactly the same offers, and the same options
//! always produce the same bytes. The same offers can also be written as raw
//! provider search responses (`pages.rs`: Amadeus, Duffel, Kiwi, Sabre), which
//! the decoders of [`crate::provider`] read back into the canonical records.
//!
//! Realism, in brief:
//! * ~70 real airports with IANA zones, coordinates and traffic weights; the
//!   destination follows a gravity model (same region more likely) and a few
//!   busy city pairs (JFK-LAX above all) are injected on top.
//! * Connections go through real hubs that keep the detour small; long-haul
//!   trips connect more often, ultra-long ones always.
//! * Carriers are weighted by market share and by how plausibly they serve
//!   each segment (hubs, home region, no foreign domestic flying); a partner
//!   from the same alliance operates segments its primary carrier would not.
//! * Block time is great-circle distance at ~800 km/h plus 30 min taxi;
//!   timestamps are local at each airport with the offset in force at that
//!   instant (DST-correct, computed from the bundled tz database via jiff).
//! * Prices are log-normal around a base growing with distance and cabin.

mod amadeus;
mod data;
mod duffel;
mod kiwi;
mod math;
mod offer;
mod pages;
mod sabre;
mod world;

pub use pages::UNSTATED;

use data::{Currency, PROVIDERS};
use math::Rng;
use offer::Offer;
use world::{Tables, DATE_TABLE_FIRST, MAX_SEGS, WINDOW_END, WINDOW_START};

/// Output format of [`generate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenFormat {
    /// Canonical CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// A provider's raw search responses, one whole response page per line,
    /// decodable by [`crate::provider`] ([`UNSTATED`] lists what each provider
    /// cannot state).
    Provider(crate::provider::Provider),
}

/// Options of [`generate`].
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Offers to write.
    pub rows: u64,
    /// PRNG seed: the same seed gives the same bytes, on any machine.
    pub seed: u64,
    /// Output format.
    pub format: GenFormat,
}

/// Writes `rows` offers (plus a header for CSV) to `out`. Same options, same bytes.
pub fn generate<W: std::io::Write>(opts: &GenOptions, out: W) -> std::io::Result<()> {
    let tables = Tables::new();
    if let GenFormat::Provider(p) = opts.format {
        return pages::generate(&tables, p, opts, out);
    }
    let mut rng = Rng::new(opts.seed);
    let mut out = out;
    // One reusable 1 MiB output buffer: lines are formatted straight into it
    // and it is handed to `out` whenever it fills up (a hand-rolled
    // `BufWriter` that saves a copy per line).
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + LINE_MAX);
    let mut line = Line::new();
    if opts.format == GenFormat::Csv {
        buf.extend_from_slice(crate::record::CSV_HEADER.as_bytes());
    }
    for row in 0..opts.rows {
        let offer = tables.offer(&mut rng, row);
        line.n = 0;
        match opts.format {
            GenFormat::Csv => tables.write_csv(&mut line, &offer),
            GenFormat::Ndjson => tables.write_ndjson(&mut line, &offer),
            GenFormat::Provider(_) => unreachable!("written by pages::generate"),
        }
        buf.extend_from_slice(line.as_bytes());
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()
}

const DIGITS2: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[inline]
fn digits2(v: u32) -> [u8; 2] {
    let i = (v as usize % 100) * 2;
    [DIGITS2[i], DIGITS2[i + 1]]
}

/// Output chunk handed to the writer at a time.
const CHUNK: usize = 1 << 20;

/// Upper bound of one formatted line (NDJSON lines stay under ~600 bytes).
const LINE_MAX: usize = 1024;

/// One output line, formatted on the stack and then appended to the output
/// buffer with a single copy.
struct Line {
    b: [u8; LINE_MAX],
    n: usize,
}

impl Line {
    fn new() -> Line {
        Line {
            b: [0; LINE_MAX],
            n: 0,
        }
    }

    #[inline(always)]
    fn byte(&mut self, c: u8) {
        self.b[self.n] = c;
        self.n += 1;
    }

    #[inline(always)]
    fn put(&mut self, s: &[u8]) {
        self.b[self.n..self.n + s.len()].copy_from_slice(s);
        self.n += s.len();
    }

    /// A single decimal digit.
    #[inline(always)]
    fn digit(&mut self, v: u8) {
        debug_assert!(v < 10);
        self.byte(b'0' + v);
    }

    /// Copies all 16 bytes of a padded name, then keeps only its length: a
    /// fixed-size copy is cheaper than a variable-length `memcpy` call.
    #[inline(always)]
    fn put_padded(&mut self, s: &[u8; 16], len: usize) {
        self.b[self.n..self.n + 16].copy_from_slice(s);
        self.n += len;
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        &self.b[..self.n]
    }
}

/// Where formatting helpers write: a canonical [`Line`] or a provider page.
trait Sink {
    fn byte(&mut self, c: u8);
    fn put(&mut self, s: &[u8]);
}

impl Sink for Line {
    #[inline(always)]
    fn byte(&mut self, c: u8) {
        Line::byte(self, c)
    }
    #[inline(always)]
    fn put(&mut self, s: &[u8]) {
        Line::put(self, s)
    }
}

impl Sink for Vec<u8> {
    #[inline(always)]
    fn byte(&mut self, c: u8) {
        self.push(c)
    }
    #[inline(always)]
    fn put(&mut self, s: &[u8]) {
        self.extend_from_slice(s)
    }
}

#[inline]
fn push_int<I: itoa::Integer>(buf: &mut impl Sink, v: I) {
    let mut b = itoa::Buffer::new();
    buf.put(b.format(v).as_bytes());
}

#[inline]
fn push_offer_id(buf: &mut impl Sink, o: &Offer) {
    buf.put(PROVIDERS[o.provider as usize].1.as_bytes());
    buf.byte(b'-');
    let mut b = itoa::Buffer::new();
    let s = b.format(o.row + 1).as_bytes();
    for _ in s.len()..9 {
        buf.byte(b'0');
    }
    buf.put(s);
}

#[inline]
fn push_price(buf: &mut impl Sink, o: &Offer) {
    push_money(buf, o.price_minor, o.currency);
}

/// An amount in minor units (cents; whole yen for JPY) as a decimal text.
#[inline]
fn push_money(buf: &mut impl Sink, minor: u64, currency: Currency) {
    if currency == Currency::Jpy {
        push_int(buf, minor);
    } else {
        push_int(buf, minor / 100);
        buf.byte(b'.');
        buf.put(&digits2((minor % 100) as u32));
    }
}

#[inline]
fn push_opt_int<I: itoa::Integer>(buf: &mut Line, v: Option<I>) {
    match v {
        Some(v) => push_int(buf, v),
        None => buf.put(b"null"),
    }
}

#[inline]
fn push_opt_digit(buf: &mut Line, v: Option<u8>) {
    match v {
        Some(v) => buf.digit(v),
        None => buf.put(b"null"),
    }
}

#[inline]
fn push_key(buf: &mut Line, key: &str) {
    buf.put(b",\"");
    buf.put(key.as_bytes());
    buf.put(b"\":");
}

#[inline]
fn push_str(buf: &mut impl Sink, s: &[u8]) {
    buf.byte(b'"');
    buf.put(s);
    buf.byte(b'"');
}

impl Tables {
    #[inline(always)]
    fn put_name(&self, buf: &mut Line, name: &([u8; 16], usize)) {
        buf.put_padded(&name.0, name.1);
    }

    /// RFC 3339 local time with numeric offset, e.g. `2026-12-01T06:35:00-05:00`.
    #[inline]
    fn push_timestamp(&self, buf: &mut Line, utc: i64, offset: i32) {
        buf.put(&self.timestamp(utc, offset));
    }

    /// The text of [`Tables::push_timestamp`]; its first 19 bytes are the local time.
    #[inline]
    fn timestamp(&self, utc: i64, offset: i32) -> [u8; 25] {
        let local = utc + offset as i64;
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400) as u32;
        let a = offset.unsigned_abs() / 60;
        let mut t = *b"YYYY-MM-DDTHH:MM:SS+HH:MM";
        t[..10].copy_from_slice(&self.dates[(days - DATE_TABLE_FIRST) as usize]);
        t[11..13].copy_from_slice(&digits2(sod / 3_600));
        t[14..16].copy_from_slice(&digits2(sod / 60 % 60));
        t[17..19].copy_from_slice(&digits2(sod % 60));
        t[19] = if offset < 0 { b'-' } else { b'+' };
        t[20..22].copy_from_slice(&digits2(a / 60));
        t[23..25].copy_from_slice(&digits2(a % 60));
        t
    }

    #[inline]
    fn push_quoted_timestamp(&self, buf: &mut Line, utc: i64, offset: i32) {
        buf.byte(b'"');
        self.push_timestamp(buf, utc, offset);
        buf.byte(b'"');
    }

    #[inline]
    fn push_flight_number(&self, buf: &mut Line, o: &Offer, s: usize) {
        buf.put(&self.al_code[o.carriers[s] as usize]);
        push_int(buf, o.flight_numbers[s]);
    }

    fn write_csv(&self, buf: &mut Line, o: &Offer) {
        let nseg = o.stops as usize + 1;
        self.put_name(buf, &self.provider_name[o.provider as usize]);
        buf.byte(b',');
        push_offer_id(buf, o);
        buf.byte(b',');
        buf.put(&self.ap_code[o.origin as usize]);
        buf.byte(b',');
        buf.put(&self.ap_code[o.dest as usize]);
        buf.byte(b',');
        self.push_timestamp(buf, o.dep, o.dep_off);
        buf.byte(b',');
        self.push_timestamp(buf, o.arr, o.arr_off);
        buf.byte(b',');
        push_int(buf, o.duration_min);
        buf.byte(b',');
        buf.digit(o.stops);
        buf.byte(b',');
        for s in 0..o.stops as usize {
            if s > 0 {
                buf.byte(b';');
            }
            buf.put(&self.ap_code[o.via[s] as usize]);
        }
        buf.byte(b',');
        for s in 0..nseg {
            if s > 0 {
                buf.byte(b';');
            }
            buf.put(&self.al_code[o.carriers[s] as usize]);
        }
        buf.byte(b',');
        for s in 0..nseg {
            if s > 0 {
                buf.byte(b';');
            }
            self.push_flight_number(buf, o, s);
        }
        buf.byte(b',');
        for s in 0..o.stops as usize {
            if s > 0 {
                buf.byte(b';');
            }
            push_int(buf, o.layovers[s]);
        }
        buf.byte(b',');
        self.put_name(buf, &self.cabin_name[o.cabin as usize]);
        buf.byte(b',');
        push_price(buf, o);
        buf.byte(b',');
        buf.put(o.currency.code());
        buf.byte(b',');
        if let Some(v) = o.seats {
            buf.digit(v);
        }
        buf.byte(b',');
        if let Some(v) = o.bags {
            buf.digit(v);
        }
        buf.byte(b',');
        if let Some(v) = o.refundable {
            buf.put(if v { b"true" } else { b"false" });
        }
        buf.byte(b',');
        if let Some(v) = o.co2_kg {
            push_int(buf, v);
        }
        buf.byte(b',');
        if let Some((rd, rdo, ra, rao)) = o.ret {
            self.push_timestamp(buf, rd, rdo);
            buf.byte(b',');
            self.push_timestamp(buf, ra, rao);
        } else {
            buf.byte(b',');
        }
        buf.byte(b'\n');
    }

    fn write_ndjson(&self, buf: &mut Line, o: &Offer) {
        let nseg = o.stops as usize + 1;
        buf.put(b"{\"provider\":");
        buf.byte(b'"');
        self.put_name(buf, &self.provider_name[o.provider as usize]);
        buf.byte(b'"');
        push_key(buf, "offer_id");
        buf.byte(b'"');
        push_offer_id(buf, o);
        buf.byte(b'"');
        push_key(buf, "origin");
        push_str(buf, &self.ap_code[o.origin as usize]);
        push_key(buf, "destination");
        push_str(buf, &self.ap_code[o.dest as usize]);
        push_key(buf, "departure");
        self.push_quoted_timestamp(buf, o.dep, o.dep_off);
        push_key(buf, "arrival");
        self.push_quoted_timestamp(buf, o.arr, o.arr_off);
        push_key(buf, "duration_min");
        push_int(buf, o.duration_min);
        push_key(buf, "stops");
        buf.digit(o.stops);
        push_key(buf, "via");
        buf.byte(b'[');
        for s in 0..o.stops as usize {
            if s > 0 {
                buf.byte(b',');
            }
            push_str(buf, &self.ap_code[o.via[s] as usize]);
        }
        buf.byte(b']');
        push_key(buf, "carriers");
        buf.byte(b'[');
        for s in 0..nseg {
            if s > 0 {
                buf.byte(b',');
            }
            push_str(buf, &self.al_code[o.carriers[s] as usize]);
        }
        buf.byte(b']');
        push_key(buf, "flight_numbers");
        buf.byte(b'[');
        for s in 0..nseg {
            if s > 0 {
                buf.byte(b',');
            }
            buf.byte(b'"');
            self.push_flight_number(buf, o, s);
            buf.byte(b'"');
        }
        buf.byte(b']');
        push_key(buf, "layover_min");
        buf.byte(b'[');
        for s in 0..o.stops as usize {
            if s > 0 {
                buf.byte(b',');
            }
            push_int(buf, o.layovers[s]);
        }
        buf.byte(b']');
        push_key(buf, "cabin");
        buf.byte(b'"');
        self.put_name(buf, &self.cabin_name[o.cabin as usize]);
        buf.byte(b'"');
        push_key(buf, "price");
        push_price(buf, o);
        push_key(buf, "currency");
        push_str(buf, o.currency.code());
        push_key(buf, "seats");
        push_opt_digit(buf, o.seats);
        push_key(buf, "bags");
        push_opt_digit(buf, o.bags);
        push_key(buf, "refundable");
        buf.put(match o.refundable {
            Some(true) => b"true",
            Some(false) => b"false",
            None => b"null",
        });
        push_key(buf, "co2_kg");
        push_opt_int(buf, o.co2_kg);
        match o.ret {
            Some((rd, rdo, ra, rao)) => {
                push_key(buf, "return_departure");
                self.push_quoted_timestamp(buf, rd, rdo);
                push_key(buf, "return_arrival");
                self.push_quoted_timestamp(buf, ra, rao);
            }
            None => buf.put(b",\"return_departure\":null,\"return_arrival\":null"),
        }
        buf.put(b"}\n");
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod pages_tests;
