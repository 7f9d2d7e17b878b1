//! The canonical flight record and its value types.
//!
//! Values are kept compact and exact: codes are fixed byte arrays, times are integer
//! seconds, money is integer micro-units. That keeps a record free of per-field heap
//! allocation (a worker reuses one `Flight` for every row it decodes) and makes every
//! comparison an integer comparison with no floating-point surprises.

use std::fmt;

pub use crate::columns::{COLUMNS, CSV_HEADER};

/// How many of [`COLUMNS`] an input must have.
pub const REQUIRED_COLUMNS: usize = 19;

/// An uppercase alphanumeric code of exactly `N` bytes: an IATA airport (3), an IATA
/// airline (2) or an ISO 4217 currency (3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code<const N: usize>(pub [u8; N]);

impl<const N: usize> Default for Code<N> {
    fn default() -> Self {
        Code([b'?'; N])
    }
}

/// IATA airport code, e.g. `JFK`.
pub type Airport = Code<3>;
/// IATA airline code, e.g. `B6`.
pub type Airline = Code<2>;
/// ISO 4217 currency code, e.g. `USD`.
pub type Currency = Code<3>;

impl<const N: usize> Code<N> {
    /// Parses an already-uppercase code of exactly `N` ASCII letters or digits.
    pub fn parse(s: &[u8]) -> Option<Self> {
        if s.len() != N
            || !s
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return None;
        }
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Some(Code(out))
    }

    /// Like [`Code::parse`] but accepts lowercase (filter literals are case-insensitive).
    pub fn parse_ignore_case(s: &[u8]) -> Option<Self> {
        let upper: Vec<u8> = s.to_ascii_uppercase();
        Self::parse(&upper)
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Construction only admits ASCII.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// The code packed into an integer, for the filter's integer comparisons.
    pub fn key(&self) -> i64 {
        self.0.iter().fold(0i64, |acc, &b| (acc << 8) | b as i64)
    }
}

impl<const N: usize> fmt::Debug for Code<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl<const N: usize> fmt::Display for Code<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IATA flight designator such as `AA100` or `B61234A`: 2-character airline, 1-4
/// digits, optional suffix letter. Stored inline (at most 7 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FlightNumber {
    bytes: [u8; 7],
    len: u8,
}

impl FlightNumber {
    /// Parses an uppercase designator.
    pub fn parse(s: &[u8]) -> Option<Self> {
        if s.len() < 3 || s.len() > 7 {
            return None;
        }
        Airline::parse(&s[..2])?;
        let rest = &s[2..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let suffix = &rest[digits..];
        if !(1..=4).contains(&digits)
            || suffix.len() > 1
            || suffix.iter().any(|b| !b.is_ascii_uppercase())
        {
            return None;
        }
        let mut bytes = [0u8; 7];
        bytes[..s.len()].copy_from_slice(s);
        Some(FlightNumber {
            bytes,
            len: s.len() as u8,
        })
    }

    /// The designator as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("???")
    }

    /// The designator's bytes (ASCII), for writers: no UTF-8 check.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Packed into an integer for equality tests in filters.
    pub fn key(&self) -> i64 {
        self.bytes
            .iter()
            .fold(0i64, |acc, &b| (acc << 8) | b as i64)
    }
}

impl fmt::Debug for FlightNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A timestamp as the dump wrote it: local wall-clock time plus its UTC offset.
///
/// Filters on time of day or date mean *local time at that airport*, which is what
/// flight search products mean, so the local reading is what we keep; the instant is
/// derived (`local - offset`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stamp {
    /// Seconds from 1970-01-01T00:00:00 to the local wall-clock reading, as if it were UTC.
    pub local: i64,
    /// UTC offset in seconds (east positive).
    pub offset: i32,
}

const SECS_PER_DAY: i64 = 86_400;

impl Stamp {
    /// The instant, in Unix seconds.
    pub fn instant(&self) -> i64 {
        self.local - self.offset as i64
    }
    /// Local calendar date as days since 1970-01-01.
    pub fn local_day(&self) -> i64 {
        self.local.div_euclid(SECS_PER_DAY)
    }
    /// Local time of day in seconds since midnight.
    pub fn time_of_day(&self) -> i64 {
        self.local.rem_euclid(SECS_PER_DAY)
    }

    /// Parses RFC 3339 with a mandatory offset: `2026-12-01T06:35:00-05:00` (also `Z`,
    /// a space for `T`, and a lowercase `t`/`z`). Fractional seconds are rejected rather
    /// than silently dropped.
    pub fn parse(s: &[u8]) -> Result<Stamp, &'static str> {
        const EXPECT: &str =
            "expected an RFC 3339 timestamp with offset, like 2026-12-01T06:35:00-05:00";
        if let Some(stamp) = Stamp::parse_canonical(s) {
            return Ok(stamp);
        }
        if s.len() < 20 {
            return Err(EXPECT);
        }
        let (local, rest) = parse_local_datetime(s).ok_or(EXPECT)?;
        let offset = match rest {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let h = two_digits(*h1, *h2).ok_or(EXPECT)?;
                let m = two_digits(*m1, *m2).ok_or(EXPECT)?;
                if h > 23 || m > 59 {
                    return Err("UTC offset out of range");
                }
                let v = (h * 3600 + m * 60) as i32;
                if *sign == b'-' {
                    -v
                } else {
                    v
                }
            }
            [b'.', ..] => return Err(
                "fractional seconds are not supported; expected HH:MM:SS followed by the offset",
            ),
            _ => return Err(EXPECT),
        };
        Ok(Stamp { local, offset })
    }

    /// The exact form every canonical dump uses, `YYYY-MM-DDTHH:MM:SS±HH:MM`, parsed
    /// without branching per character: two or four of these per record make this
    /// one of the hottest functions of a scan. Anything else goes the general way.
    #[inline]
    fn parse_canonical(s: &[u8]) -> Option<Stamp> {
        let [y, m, day, hh, mm, ss, sign, oh, om] = Stamp::canonical_parts(s)?;
        let local = days_from_civil(y, m, day) * SECS_PER_DAY + hh * 3600 + mm * 60 + ss;
        Some(Stamp {
            local,
            offset: (sign * (oh * 3600 + om * 60)) as i32,
        })
    }

    /// The local time of day (seconds since midnight) of a timestamp in the canonical
    /// form, checked exactly as [`Stamp::parse`] checks it, without computing the
    /// date's day number; `None` for any other form (which may still be valid).
    #[inline]
    pub(crate) fn canonical_time_of_day(s: &[u8]) -> Option<i64> {
        let [_, _, _, hh, mm, ss, ..] = Stamp::canonical_parts(s)?;
        Some(hh * 3600 + mm * 60 + ss)
    }

    /// The checked parts of a canonical timestamp: year, month, day, hour, minute,
    /// second, offset sign, offset hours and minutes.
    #[inline(always)]
    fn canonical_parts(s: &[u8]) -> Option<[i64; 9]> {
        let s: &[u8; 25] = s.try_into().ok()?;
        if !canonical_shape(s) {
            return None;
        }
        let sign = if s[19] == b'+' { 1 } else { -1 };
        let d = |i: usize| (s[i] - b'0') as i64;
        let (y, m, day) = (
            d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3),
            d(5) * 10 + d(6),
            d(8) * 10 + d(9),
        );
        let (hh, mm, ss) = (d(11) * 10 + d(12), d(14) * 10 + d(15), d(17) * 10 + d(18));
        let (oh, om) = (d(20) * 10 + d(21), d(23) * 10 + d(24));
        if !(1..=12).contains(&m)
            || day < 1
            || day > days_in_month(y, m)
            || hh > 23
            || mm > 59
            || ss > 59
            || oh > 23
            || om > 59
        {
            return None;
        }
        Some([y, m, day, hh, mm, ss, sign, oh, om])
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS±HH:MM`.
    pub fn write(&self, out: &mut Vec<u8>) {
        // Formatted on the stack and appended in one copy: every timestamp written
        // goes through here.
        let mut t = [0u8; 25];
        t[..19].copy_from_slice(&local_datetime(self.local));
        let (sign, off) = if self.offset < 0 {
            (b'-', -self.offset)
        } else {
            (b'+', self.offset)
        };
        t[19] = sign;
        put2(&mut t[20..22], (off / 3600) as u32);
        t[22] = b':';
        put2(&mut t[23..25], ((off / 60) % 60) as u32);
        out.extend_from_slice(&t);
    }
}

impl fmt::Debug for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = Vec::new();
        self.write(&mut v);
        f.write_str(std::str::from_utf8(&v).unwrap_or("?"))
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

fn two_digits(a: u8, b: u8) -> Option<i64> {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some(((a - b'0') * 10 + (b - b'0')) as i64)
    } else {
        None
    }
}

/// The last two decimal digits of `v` into `two`, from a table of all hundred pairs
/// (one load instead of two divisions: a timestamp has ten of them).
#[inline]
fn put2(two: &mut [u8], v: u32) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";
    let i = (v % 100) as usize * 2;
    two.copy_from_slice(&PAIRS[i..i + 2]);
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01, validating the calendar.
pub fn parse_date(s: &[u8]) -> Option<i64> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let y = two_digits(s[0], s[1])? * 100 + two_digits(s[2], s[3])?;
    let m = two_digits(s[5], s[6])?;
    let d = two_digits(s[8], s[9])?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Parses `HH:MM` or `HH:MM:SS` into seconds since midnight.
pub fn parse_time_of_day(s: &[u8]) -> Option<i64> {
    let (h, m, sec) = match s {
        [h1, h2, b':', m1, m2] => (two_digits(*h1, *h2)?, two_digits(*m1, *m2)?, 0),
        [h1, h2, b':', m1, m2, b':', s1, s2] => (
            two_digits(*h1, *h2)?,
            two_digits(*m1, *m2)?,
            two_digits(*s1, *s2)?,
        ),
        _ => return None,
    };
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(h * 3600 + m * 60 + sec)
}

/// Parses `YYYY-MM-DDTHH:MM:SS` (the first 19 bytes) and returns the local seconds and
/// the remaining bytes.
pub fn parse_local_datetime(s: &[u8]) -> Option<(i64, &[u8])> {
    if s.len() < 19 || !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    let day = parse_date(&s[..10])?;
    let tod = parse_time_of_day(&s[11..19])?;
    Some((day * SECS_PER_DAY + tod, &s[19..]))
}

/// `YYYY-MM-DDTHH:MM:SS` of local seconds since the epoch.
fn local_datetime(local: i64) -> [u8; 19] {
    let (y, m, d) = civil_from_days(local.div_euclid(SECS_PER_DAY));
    let tod = local.rem_euclid(SECS_PER_DAY);
    let mut t = *b"0000-00-00T00:00:00";
    put2(&mut t[0..2], (y / 100) as u32);
    put2(&mut t[2..4], (y % 100) as u32);
    put2(&mut t[5..7], m as u32);
    put2(&mut t[8..10], d as u32);
    put2(&mut t[11..13], (tod / 3600) as u32);
    put2(&mut t[14..16], (tod / 60 % 60) as u32);
    put2(&mut t[17..19], (tod % 60) as u32);
    t
}

/// Formats days since 1970-01-01 as `YYYY-MM-DD`.
pub fn format_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Whether `s` has the shape `DDDD-DD-DDTDD:DD:DD±DD:DD` (D a digit), judged on two
/// overlapping 16-byte words at once instead of byte by byte: a scan checks the
/// timestamps of most records it reads.
#[inline(always)]
fn canonical_shape(s: &[u8; 25]) -> bool {
    /// What a 16-byte word is checked against, from a template where `d` marks a
    /// digit and `?` a byte not checked here.
    struct Word {
        /// The high half of every digit byte, and what it must be (3).
        high: u128,
        three: u128,
        /// 6 at every digit byte: a digit's high half stays 3 when it is added.
        six: u128,
        /// Every literal byte, and what it must be.
        literal: u128,
        want: u128,
    }
    const fn word(template: &[u8; 16]) -> Word {
        let mut w = Word {
            high: 0,
            three: 0,
            six: 0,
            literal: 0,
            want: 0,
        };
        let mut i = 0;
        while i < 16 {
            let shift = 8 * i;
            match template[i] {
                b'd' => {
                    w.high |= 0xF0 << shift;
                    w.three |= 0x30 << shift;
                    w.six |= 0x06 << shift;
                }
                b'?' => {}
                c => {
                    w.literal |= 0xFF << shift;
                    w.want |= (c as u128) << shift;
                }
            }
            i += 1;
        }
        w
    }
    #[inline(always)]
    fn fits(v: u128, w: &Word) -> bool {
        // A digit byte is at most 0x3F once its high half is checked, so adding 6
        // carries into no other byte; if the first test fails the result is false
        // whatever the carries did.
        (v & w.high == w.three)
            & (v.wrapping_add(w.six) & w.high == w.three)
            & (v & w.literal == w.want)
    }
    const FRONT: Word = word(b"dddd-dd-ddTdd:dd");
    const BACK: Word = word(b"dTdd:dd:dd?dd:dd");
    let front = u128::from_le_bytes(s[..16].try_into().expect("16 bytes"));
    let back = u128::from_le_bytes(s[9..].try_into().expect("16 bytes"));
    fits(front, &FRONT) & fits(back, &BACK) & matches!(s[19], b'+' | b'-')
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic
// Gregorian calendar, branch-light, and much cheaper per record than a general
// date-time library call.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// An exact non-negative decimal amount, in millionths, plus the number of decimals it
/// was written with (so `250.10` is written back as `250.10`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Price {
    /// The amount in millionths of a currency unit.
    pub micros: i64,
    /// Decimals as written (0..=6).
    pub scale: u8,
}

impl Price {
    /// The message for an amount beyond the largest one a price holds.
    pub(crate) const TOO_LARGE: &'static str = "too large (at most 999999999999.999999)";

    /// Parses `123`, `123.4`, `123.45` ... up to 6 decimals. No sign, no exponent.
    /// Leading zeros are allowed; the whole part has at most 12 significant digits
    /// (micro-units of that still fit an `i64` with room to spare).
    pub fn parse(s: &[u8]) -> Result<Price, &'static str> {
        const EXPECT: &str = "expected a non-negative decimal amount like 412.37";
        let (int, frac) = match memchr::memchr(b'.', s) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        if int.is_empty() || !int.iter().all(u8::is_ascii_digit) {
            return Err(EXPECT);
        }
        let int = &int[int.iter().position(|&b| b != b'0').unwrap_or(int.len())..];
        if int.len() > 12 {
            return Err(Price::TOO_LARGE);
        }
        let mut micros: i64 = 0;
        for &b in int {
            micros = micros * 10 + (b - b'0') as i64;
        }
        micros *= 1_000_000;
        let mut scale = 0u8;
        if let Some(frac) = frac {
            if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
                return Err(EXPECT);
            }
            if frac.len() > 6 {
                return Err("more than 6 decimal places");
            }
            let mut unit = 100_000;
            for &b in frac {
                micros += (b - b'0') as i64 * unit;
                unit /= 10;
            }
            scale = frac.len() as u8;
        }
        Ok(Price { micros, scale })
    }

    /// Writes the amount with the decimals it was read with.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut b = itoa::Buffer::new();
        out.extend_from_slice(b.format(self.micros / 1_000_000).as_bytes());
        if self.scale > 0 {
            out.push(b'.');
            // Six digits on the stack, not a `format!`: every price written goes here.
            let mut frac = (self.micros % 1_000_000).unsigned_abs();
            let mut digits = [b'0'; 6];
            for d in digits.iter_mut().rev() {
                *d = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
            out.extend_from_slice(&digits[..self.scale as usize]);
        }
    }
}

impl fmt::Debug for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = Vec::new();
        self.write(&mut v);
        f.write_str(std::str::from_utf8(&v).unwrap_or("?"))
    }
}
impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Cabin class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Cabin {
    /// `economy`
    #[default]
    Economy,
    /// `premium_economy`
    PremiumEconomy,
    /// `business`
    Business,
    /// `first`
    First,
}

impl Cabin {
    /// All cabins, in order.
    pub const ALL: [Cabin; 4] = [
        Cabin::Economy,
        Cabin::PremiumEconomy,
        Cabin::Business,
        Cabin::First,
    ];

    /// Parses the canonical lowercase name.
    pub fn parse(s: &[u8]) -> Option<Cabin> {
        Some(match s {
            b"economy" => Cabin::Economy,
            b"premium_economy" => Cabin::PremiumEconomy,
            b"business" => Cabin::Business,
            b"first" => Cabin::First,
            _ => return None,
        })
    }
    /// The canonical name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Cabin::Economy => "economy",
            Cabin::PremiumEconomy => "premium_economy",
            Cabin::Business => "business",
            Cabin::First => "first",
        }
    }
}

/// One flight offer, decoded from any input format.
///
/// Two canonical spellings come with it, both the ones flightsift writes:
/// * [`serde::Serialize`] gives the canonical JSON object: through `serde_json` it is
///   byte for byte the line [`crate::Format::Ndjson`] writes (same keys in the same
///   order, absent values as `null`, the price as a number with its decimals);
/// * [`fmt::Display`] (implemented beside the encoders) gives the canonical CSV row
///   ([`crate::Format::Csv`], without the newline), under [`CSV_HEADER`].
///
/// ```
/// use flightsift::{Input, Search, SearchConfig};
///
/// let mut config = SearchConfig::new(vec![Input::from_path("data/sample.csv")]);
/// config.limit = Some(1);
/// config.ordered = true;
/// let mut search = Search::start(config)?;
/// let flight = search.flights().next().expect("the sample has flights");
/// let json = serde_json::to_string(&flight).unwrap();
/// assert!(json.starts_with(&format!(r#"{{"provider":"{}","offer_id":"#, flight.provider)));
/// let row = flight.to_string();
/// assert_eq!(row.split(',').count(), flightsift::record::COLUMNS.len());
/// # Ok::<(), flightsift::Error>(())
/// ```
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Flight {
    /// Which provider the offer came from (e.g. `duffel`).
    pub provider: String,
    /// The provider's offer id.
    pub offer_id: String,
    /// Departure airport.
    pub origin: Airport,
    /// Final arrival airport.
    pub destination: Airport,
    /// Outbound departure, local time at the origin.
    pub departure: Stamp,
    /// Outbound arrival, local time at the destination.
    pub arrival: Stamp,
    /// Total outbound travel time in minutes.
    pub duration_min: u32,
    /// Number of connections.
    pub stops: u32,
    /// Connection airports, in order (`stops` entries).
    pub via: Vec<Airport>,
    /// Marketing carrier of each segment.
    pub carriers: Vec<Airline>,
    /// Flight designator of each segment.
    pub flight_numbers: Vec<FlightNumber>,
    /// Layover before each connection, in minutes (`stops` entries).
    pub layover_min: Vec<u32>,
    /// Cabin class, when known (some providers' responses do not say).
    pub cabin: Option<Cabin>,
    /// Total price.
    pub price: Price,
    /// Currency of `price`.
    pub currency: Currency,
    /// Seats left at this price, when known.
    pub seats: Option<u32>,
    /// Included checked bags, when known.
    pub bags: Option<u32>,
    /// Whether the fare is refundable, when known.
    pub refundable: Option<bool>,
    /// Estimated emissions, when known.
    pub co2_kg: Option<u32>,
    /// Return departure (round trips only).
    pub return_departure: Option<Stamp>,
    /// Return arrival (round trips only).
    pub return_arrival: Option<Stamp>,
}

/// `clone_from` reuses the target's strings and lists, so a worker can copy decoded
/// offers into its own buffers without touching the allocator.
impl Clone for Flight {
    fn clone(&self) -> Flight {
        let mut f = Flight::default();
        f.clone_from(self);
        f
    }

    fn clone_from(&mut self, source: &Flight) {
        // Destructured, so a new field cannot be forgotten here.
        let Flight {
            provider,
            offer_id,
            origin,
            destination,
            departure,
            arrival,
            duration_min,
            stops,
            via,
            carriers,
            flight_numbers,
            layover_min,
            cabin,
            price,
            currency,
            seats,
            bags,
            refundable,
            co2_kg,
            return_departure,
            return_arrival,
        } = source;
        self.provider.clone_from(provider);
        self.offer_id.clone_from(offer_id);
        self.origin = *origin;
        self.destination = *destination;
        self.departure = *departure;
        self.arrival = *arrival;
        self.duration_min = *duration_min;
        self.stops = *stops;
        self.via.clone_from(via);
        self.carriers.clone_from(carriers);
        self.flight_numbers.clone_from(flight_numbers);
        self.layover_min.clone_from(layover_min);
        self.cabin = *cabin;
        self.price = *price;
        self.currency = *currency;
        self.seats = *seats;
        self.bags = *bags;
        self.refundable = *refundable;
        self.co2_kg = *co2_kg;
        self.return_departure = *return_departure;
        self.return_arrival = *return_arrival;
    }
}

impl Flight {
    /// Makes the flight ready for the next record decoded into it, keeping allocated
    /// capacity so that a worker decodes record after record without touching the
    /// allocator: empties the texts and the lists, and makes every value that may be
    /// unknown unknown. A decoder leaves those alone when the input does not state
    /// them (an absent NDJSON member, a CSV input without the return columns), so
    /// they must not keep the last record's values.
    ///
    /// The required scalars (`origin`, `destination`, `departure`, `arrival`,
    /// `duration_min`, `stops`, `price`, `currency`) keep their values: every decoder
    /// writes each of them or fails the record, so resetting them would be work per
    /// record for nothing. Read them only from a record decoded in full.
    pub fn clear(&mut self) {
        // Destructured, so a new field has to be put on one side or the other.
        let Flight {
            provider,
            offer_id,
            origin: _,
            destination: _,
            departure: _,
            arrival: _,
            duration_min: _,
            stops: _,
            via,
            carriers,
            flight_numbers,
            layover_min,
            cabin,
            price: _,
            currency: _,
            seats,
            bags,
            refundable,
            co2_kg,
            return_departure,
            return_arrival,
        } = self;
        provider.clear();
        offer_id.clear();
        via.clear();
        carriers.clear();
        flight_numbers.clear();
        layover_min.clear();
        *cabin = None;
        *seats = None;
        *bags = None;
        *refundable = None;
        *co2_kg = None;
        *return_departure = None;
        *return_arrival = None;
    }

    /// Longest layover in minutes; `None` for a nonstop.
    pub fn max_layover(&self) -> Option<u32> {
        self.layover_min.iter().copied().max()
    }
    /// Shortest layover in minutes; `None` for a nonstop.
    pub fn min_layover(&self) -> Option<u32> {
        self.layover_min.iter().copied().min()
    }
}

// The canonical JSON spellings of the value types, as `encode_json` writes them:
// codes, designators, cabins and timestamps as strings.
impl<const N: usize> serde::Serialize for Code<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl serde::Serialize for FlightNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl serde::Serialize for Cabin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = Vec::with_capacity(25);
        self.write(&mut text);
        s.serialize_str(std::str::from_utf8(&text).unwrap_or("?"))
    }
}

/// An exact decimal has no serde data type: through a float `250.10` would come out
/// as `250.1` (or worse), so the price goes out as a raw JSON number with the
/// decimals it was read with. `serde_json` writes it verbatim; other serializers see
/// `serde_json`'s raw-value wrapper holding that text.
impl serde::Serialize for Price {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = Vec::with_capacity(20);
        self.write(&mut text);
        let text = String::from_utf8(text).map_err(serde::ser::Error::custom)?;
        let raw =
            serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
        serde::Serialize::serialize(&*raw, s)
    }
}

impl std::str::FromStr for Price {
    type Err = &'static str;
    /// As [`Price::parse`]: `"189.40".parse::<Price>()`.
    fn from_str(s: &str) -> Result<Price, &'static str> {
        Price::parse(s.as_bytes())
    }
}

/// Why a text is not an integer of the canonical format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntError {
    /// Empty, or something other than ASCII digits (a sign, a point, an exponent).
    NotAnInteger,
    /// Digits, but more than `u32::MAX`.
    TooLarge,
}

impl IntError {
    /// What was expected, for a message.
    pub(crate) fn expected(self) -> String {
        match self {
            IntError::NotAnInteger => "expected a non-negative integer".to_string(),
            IntError::TooLarge => format!("too large (at most {})", u32::MAX),
        }
    }
}

/// The canonical integer: decimal digits, leading zeros allowed, from 0 to `u32::MAX`
/// (the type every integer field has). Record fields and filter literals both read
/// integers through here, so they accept the same values.
#[inline]
pub(crate) fn parse_int(text: &[u8]) -> Result<u32, IntError> {
    // Nine digits always fit: the usual case, in one pass.
    if (1..=9).contains(&text.len()) && text.iter().all(u8::is_ascii_digit) {
        return Ok(text
            .iter()
            .fold(0u32, |acc, &b| acc * 10 + (b - b'0') as u32));
    }
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return Err(IntError::NotAnInteger);
    }
    let significant = &text[text.iter().position(|&b| b != b'0').unwrap_or(text.len())..];
    if significant.len() > 10 {
        return Err(IntError::TooLarge);
    }
    let value = significant
        .iter()
        .fold(0u64, |acc, &b| acc * 10 + (b - b'0') as u64);
    u32::try_from(value).map_err(|_| IntError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_round_trips_and_derives_local_parts() {
        let s = Stamp::parse(b"2026-12-01T06:35:00-05:00").unwrap();
        assert_eq!(s.time_of_day(), 6 * 3600 + 35 * 60);
        assert_eq!(format_date(s.local_day()), "2026-12-01");
        assert_eq!(s.instant() - s.local, 5 * 3600);
        let mut out = Vec::new();
        s.write(&mut out);
        assert_eq!(out, b"2026-12-01T06:35:00-05:00");
        let z = Stamp::parse(b"2026-12-01T06:35:00Z").unwrap();
        assert_eq!(z.offset, 0);
    }

    #[test]
    fn stamp_rejects_bad_calendar_and_fractions() {
        assert!(Stamp::parse(b"2026-02-29T06:35:00-05:00").is_err());
        // 2028 is a leap year: its 29 February is that day, 11:35 UTC.
        assert_eq!(
            Stamp::parse(b"2028-02-29T06:35:00-05:00")
                .map(|s| (format_date(s.local_day()), s.instant())),
            Ok(("2028-02-29".into(), 1_835_436_900))
        );
        assert!(Stamp::parse(b"2026-12-01T24:00:00-05:00").is_err());
        assert!(Stamp::parse(b"2026-12-01T06:35:00.5-05:00").is_err());
        assert!(Stamp::parse(b"2026-12-01T06:35:00").is_err());
        assert!(Stamp::parse(b"2026-12-01T06:35:00+25:00").is_err());
    }

    /// The shape check byte by byte, as it was written before the word-wise one.
    fn canonical_shape_bytewise(s: &[u8; 25]) -> bool {
        const DIGITS: [usize; 18] = [
            0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24,
        ];
        s[4] == b'-'
            && s[7] == b'-'
            && s[10] == b'T'
            && s[13] == b':'
            && s[16] == b':'
            && s[22] == b':'
            && matches!(s[19], b'+' | b'-')
            && DIGITS.iter().all(|&i| s[i].is_ascii_digit())
    }

    #[test]
    fn the_word_wise_shape_check_agrees_with_the_bytewise_one() {
        // Every byte value at every position of a few valid stamps, then pairs of
        // positions (a carry from one byte must not hide the next).
        for base in [
            b"2027-01-04T19:30:00+01:00",
            b"1999-12-31T23:59:59-09:30",
            b"0000-00-00T00:00:00+00:00",
        ] {
            assert!(canonical_shape(base));
            for i in 0..25 {
                for b in 0..=255u8 {
                    let mut s = *base;
                    s[i] = b;
                    assert_eq!(canonical_shape(&s), canonical_shape_bytewise(&s), "{i} {b}");
                    for j in [i.saturating_sub(1), (i + 1).min(24)] {
                        for c in [0xFF, 0xFA, 0x2F, 0x3A, b'9', b'0'] {
                            let mut t = s;
                            t[j] = c;
                            assert_eq!(
                                canonical_shape(&t),
                                canonical_shape_bytewise(&t),
                                "{i} {b} {j} {c}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn civil_conversions_agree_over_a_long_range() {
        for day in -800_000..800_000i64 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(parse_date(b"1970-01-01"), Some(0));
        assert_eq!(parse_date(b"2000-03-01"), Some(11_017));
    }

    #[test]
    fn price_is_exact_and_keeps_its_scale() {
        let p = Price::parse(b"250.10").unwrap();
        assert_eq!(p.micros, 250_100_000);
        let mut out = Vec::new();
        p.write(&mut out);
        assert_eq!(out, b"250.10");
        // Every scale writes exactly its decimals, and reads back the same.
        for (text, micros) in [
            (&b"7"[..], 7_000_000),
            (b"0.5", 500_000),
            (b"1.05", 1_050_000),
            (b"12.340", 12_340_000),
            (b"0.0001", 100),
            (b"3.00009", 3_000_090),
            (b"999999999999.999999", 999_999_999_999_999_999),
        ] {
            let p = Price::parse(text).unwrap();
            assert_eq!(p.micros, micros);
            out.clear();
            p.write(&mut out);
            assert_eq!(out, text, "{p:?}");
        }
        assert_eq!(Price::parse(b"41200").unwrap().micros, 41_200_000_000);
        for bad in [&b""[..], b"-1", b"1e3", b"1.", b".5", b"1.2345678", b"12a"] {
            assert!(Price::parse(bad).is_err(), "{:?}", std::str::from_utf8(bad));
        }
    }

    #[test]
    fn price_holds_twelve_digits_leading_zeros_aside() {
        let max = Price::parse(b"999999999999.999999").unwrap();
        assert_eq!(max.micros, 999_999_999_999_999_999);
        assert_eq!(
            Price::TOO_LARGE,
            format!("too large (at most {max:?})"),
            "the message states the real maximum"
        );
        assert_eq!(
            Price::parse(b"0000000000000000250.10").unwrap(),
            Price::parse(b"250.10").unwrap()
        );
        assert_eq!(Price::parse(b"0000000000000").unwrap().micros, 0);
        assert_eq!(Price::parse(b"1000000000000"), Err(Price::TOO_LARGE));
        assert_eq!(Price::parse(b"1000000000000.5"), Err(Price::TOO_LARGE));
    }

    /// A flight with every field drawn at random: awkward text (quotes, commas,
    /// backslashes, non-ASCII, control characters), absent optional values, lists of
    /// any length, prices of every scale, offsets either side of UTC.
    fn random_flight(next: &mut impl FnMut() -> u64) -> Flight {
        const PIECES: &[&str] = &[
            "a", "Z", "7", " ", ",", ";", "\"", "'", "\\", "/", "é", "☃", "\t", "\u{1}", "\u{7f}",
            "{", "}", "duffel", "\u{2028}",
        ];
        let text = |next: &mut dyn FnMut() -> u64| -> String {
            (0..next() % 6)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect()
        };
        let code = |next: &mut dyn FnMut() -> u64| {
            let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            [0; 3].map(|_| alnum[(next() % alnum.len() as u64) as usize])
        };
        let stamp = |next: &mut dyn FnMut() -> u64| Stamp {
            local: (next() % 6_000_000_000) as i64 - 1_000_000_000,
            offset: ((next() % 57) as i32 - 28) * 1800,
        };
        // Present two times in three.
        let maybe = |next: &mut dyn FnMut() -> u64| {
            let v = next();
            (!next().is_multiple_of(3)).then_some(v)
        };
        let stops = (next() % 4) as usize;
        let scale = (next() % 7) as u8;
        Flight {
            provider: text(next),
            offer_id: text(next),
            origin: Code(code(next)),
            destination: Code(code(next)),
            departure: stamp(next),
            arrival: stamp(next),
            duration_min: next() as u32,
            stops: stops as u32,
            via: (0..stops).map(|_| Code(code(next))).collect(),
            carriers: (0..=stops).map(|_| Code([code(next)[0], b'7'])).collect(),
            flight_numbers: (0..=stops)
                .map(|_| FlightNumber::parse(format!("B6{}", next() % 10_000).as_bytes()).unwrap())
                .collect(),
            layover_min: (0..stops).map(|_| next() as u32 % 2000).collect(),
            cabin: maybe(next).map(|i| Cabin::ALL[(i % 4) as usize]),
            price: Price {
                micros: (next() % 1_000_000_000_000_000_000) as i64 / 10i64.pow(6 - scale as u32)
                    * 10i64.pow(6 - scale as u32),
                scale,
            },
            currency: Code(code(next)),
            seats: maybe(next).map(|v| v as u32),
            bags: maybe(next).map(|v| (v % 4) as u32),
            refundable: maybe(next).map(|v| v % 2 == 1),
            co2_kg: maybe(next).map(|v| v as u32),
            return_departure: maybe(next).map(|v| stamp(&mut xorshift(v | 1))),
            return_arrival: maybe(next).map(|v| stamp(&mut xorshift(v | 1))),
        }
    }

    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn serde_json_writes_the_canonical_ndjson_line() {
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        let mut line = Vec::new();
        for i in 0..5_000 {
            let f = random_flight(&mut next);
            line.clear();
            crate::Format::Ndjson.encode(&f, true, &mut line);
            let line = std::str::from_utf8(&line).unwrap();
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(format!("{json}\n"), line, "flight {i}: {f:?}");
            // Also through a writer and a `Value` (the generic serde path).
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_value(&f).unwrap(), value, "flight {i}");
        }
    }

    #[test]
    fn display_is_the_canonical_csv_row() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        let mut row = Vec::new();
        for i in 0..5_000 {
            let f = random_flight(&mut next);
            row.clear();
            crate::Format::Csv.encode(&f, true, &mut row);
            let shown = f.to_string();
            assert_eq!(
                format!("{shown}\n").as_bytes(),
                &row[..],
                "flight {i}: {f:?}"
            );
            assert!(!shown.contains('\n'), "one line");
        }
    }

    #[test]
    fn integers_cover_u32_with_leading_zeros() {
        assert_eq!(parse_int(b"0"), Ok(0));
        assert_eq!(parse_int(b"1000000000"), Ok(1_000_000_000));
        assert_eq!(parse_int(b"0000000001"), Ok(1));
        assert_eq!(parse_int(&[b'0'; 300]), Ok(0));
        assert_eq!(parse_int(b"4294967295"), Ok(u32::MAX));
        assert_eq!(parse_int(b"0004294967295"), Ok(u32::MAX));
        for big in [
            &b"4294967296"[..],
            b"9999999999",
            b"10000000000",
            b"000099999999999999",
        ] {
            assert_eq!(parse_int(big), Err(IntError::TooLarge), "{big:?}");
        }
        for bad in [
            &b""[..],
            b"-1",
            b"+1",
            b"1.0",
            b"1e3",
            b" 1",
            b"1_000",
            b"x",
        ] {
            assert_eq!(parse_int(bad), Err(IntError::NotAnInteger), "{bad:?}");
        }
        assert_eq!(
            IntError::TooLarge.expected(),
            "too large (at most 4294967295)"
        );
        // Every value round-trips through its decimal text.
        for v in [0, 9, 10, 999_999_999, 1_000_000_000, u32::MAX - 1, u32::MAX] {
            assert_eq!(parse_int(v.to_string().as_bytes()), Ok(v));
            assert_eq!(parse_int(format!("{v:020}").as_bytes()), Ok(v));
        }
    }

    #[test]
    fn clear_resets_every_field_a_decoder_may_leave_unwritten() {
        let mut next = xorshift(0x6A09_E667_F3BC_C909);
        for i in 0..200 {
            let mut f = random_flight(&mut next);
            // What every decoder writes or fails on stays; nothing else may.
            let kept = Flight {
                origin: f.origin,
                destination: f.destination,
                departure: f.departure,
                arrival: f.arrival,
                duration_min: f.duration_min,
                stops: f.stops,
                price: f.price,
                currency: f.currency,
                ..Flight::default()
            };
            let capacity = (
                f.provider.capacity(),
                f.via.capacity(),
                f.carriers.capacity(),
            );
            f.clear();
            assert_eq!(f, kept, "flight {i}");
            assert_eq!(
                (
                    f.provider.capacity(),
                    f.via.capacity(),
                    f.carriers.capacity()
                ),
                capacity,
                "flight {i} keeps its buffers"
            );
        }
    }

    /// `Stamp::write` against a plain `format!` and back through `Stamp::parse`.
    #[test]
    fn stamps_write_as_formatted_and_read_back() {
        let mut next = xorshift(0x3C6E_F372_FE94_F82B);
        let mut out = Vec::new();
        for _ in 0..20_000 {
            // 1900 to 2100, offsets of whole quarter hours either side of UTC.
            let s = Stamp {
                local: (next() % 6_311_433_600) as i64 - 2_208_988_800,
                offset: ((next() % 113) as i32 - 56) * 900,
            };
            let (y, m, d) = civil_from_days(s.local.div_euclid(SECS_PER_DAY));
            let tod = s.local.rem_euclid(SECS_PER_DAY);
            let off = s.offset.abs();
            let want = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
                tod / 3600,
                tod / 60 % 60,
                tod % 60,
                if s.offset < 0 { '-' } else { '+' },
                off / 3600,
                off / 60 % 60
            );
            out.clear();
            s.write(&mut out);
            assert_eq!(std::str::from_utf8(&out).unwrap(), want);
            assert_eq!(Stamp::parse(&out), Ok(s), "{want}");
        }
    }

    #[test]
    fn codes_and_flight_numbers() {
        assert_eq!(Airport::parse(b"JFK").unwrap().as_str(), "JFK");
        assert!(Airport::parse(b"jfk").is_none());
        assert_eq!(Airport::parse_ignore_case(b"jfk"), Airport::parse(b"JFK"));
        assert_eq!(Airline::parse(b"B6").unwrap().as_str(), "B6");
        assert_eq!(FlightNumber::parse(b"AA100").unwrap().as_str(), "AA100");
        assert_eq!(FlightNumber::parse(b"B61234A").unwrap().as_str(), "B61234A");
        assert!(FlightNumber::parse(b"AA").is_none());
        assert!(FlightNumber::parse(b"AA12345").is_none());
    }
}
