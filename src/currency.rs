//! `--currency CODE --rates FILE`: every price converted to one currency, exactly.
//!
//! A rates file is a small CSV with the header `from,to,rate`: an amount in `from`
//! times `rate` is the amount in `to`. A rate is a decimal of at most
//! [`MAX_RATE_DIGITS`] digits, kept as the fraction of two integers, so a conversion is
//! integer arithmetic on 128 bits with one rounding at the end: half-even to the
//! target currency's minor unit ([`minor_unit`]). Nothing goes through floating point,
//! so a price filter at exactly a converted amount matches exactly.
//!
//! Which rate converts a price in `from` to the target `to`:
//!
//! * `from` = `to`: the identity (the price is still rounded to the minor unit);
//! * the file's rate from `from` to `to`, when it has one;
//! * else the file's rate from `to` to `from`, as its exact inverse `1/rate`;
//! * else none: a record error (reason `currency`) naming both currencies. Rates are
//!   not chained through a third currency: give the pair.
//!
//! ```
//! use flightsift::currency::Rates;
//! use flightsift::record::{Currency, Price};
//!
//! let rates = Rates::parse("rates.csv", b"from,to,rate\nEUR,USD,1.08\nUSD,JPY,150\n")?;
//! let usd = Currency::parse(b"USD").unwrap();
//! let to_usd = rates.to(usd);
//! let eur = Currency::parse(b"EUR").unwrap();
//! assert_eq!(to_usd.convert("100.05".parse::<Price>()?, eur).unwrap().to_string(), "108.05"); // 108.054
//! let jpy = Currency::parse(b"JPY").unwrap();
//! assert_eq!(to_usd.convert("1000".parse::<Price>()?, jpy).unwrap().to_string(), "6.67"); // 1000/150
//! let gbp = Currency::parse(b"GBP").unwrap();
//! let missing = to_usd.convert("1".parse::<Price>()?, gbp).unwrap_err();
//! assert_eq!(missing.to_string(), "field `currency`: no rate from GBP to USD in rates.csv (nor from USD to GBP)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::error::RecordError;
use crate::record::{Currency, Flight, Price};

/// The most digits a rate may have (integer and fractional digits together, leading
/// zeros included): its numerator and denominator then stay below 10^18, so a price
/// (below 10^18 millionths) times either fits 128 bits with room to spare.
pub const MAX_RATE_DIGITS: usize = 18;

/// The header a rates file must have, exactly.
pub const RATES_HEADER: &str = "from,to,rate";

/// Decimals of a currency's minor unit, from the ISO 4217 list of currency codes
/// ("Minor unit" column; maintained by SIX on behalf of ISO): 0 for the yen, the won,
/// the króna and the others below, 3 for the dinars and rials below, 4 for the
/// Chilean and Uruguayan units of account, 2 for every other code (the funds and
/// precious-metal codes, which ISO 4217 gives no minor unit, included).
pub fn minor_unit(currency: Currency) -> u8 {
    const ZERO: [&[u8; 3]; 17] = [
        b"BIF", b"CLP", b"DJF", b"GNF", b"ISK", b"JPY", b"KMF", b"KRW", b"PYG", b"RWF", b"UGX",
        b"UYI", b"VND", b"VUV", b"XAF", b"XOF", b"XPF",
    ];
    const THREE: [&[u8; 3]; 7] = [b"BHD", b"IQD", b"JOD", b"KWD", b"LYD", b"OMR", b"TND"];
    const FOUR: [&[u8; 3]; 2] = [b"CLF", b"UYW"];
    let code = &currency.0;
    if ZERO.contains(&code) {
        0
    } else if THREE.contains(&code) {
        3
    } else if FOUR.contains(&code) {
        4
    } else {
        2
    }
}

/// An exchange rate as the exact fraction `num / den` (both positive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    num: i128,
    den: i128,
}

impl Rate {
    /// The rate of a currency to itself.
    pub const ONE: Rate = Rate { num: 1, den: 1 };

    /// Parses a positive decimal such as `1.08` or `150` (digits, at most one `.` with
    /// digits on both sides, no sign, no exponent, at most [`MAX_RATE_DIGITS`] digits).
    pub fn parse(s: &str) -> Result<Rate, String> {
        let expected = || {
            format!(
                "expected a positive decimal such as 1.08 (digits and at most one `.`, no sign or exponent), found `{s}`"
            )
        };
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits(int) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
            return Err(expected());
        }
        if int.len() + frac.len() > MAX_RATE_DIGITS {
            return Err(format!(
                "expected at most {MAX_RATE_DIGITS} digits, found {} in `{s}`",
                int.len() + frac.len()
            ));
        }
        let num: i128 = format!("{int}{frac}").parse().map_err(|_| expected())?;
        if num == 0 {
            return Err(format!("expected a positive rate, found `{s}`"));
        }
        let den = 10i128.pow(frac.len() as u32);
        Ok(Rate { num, den })
    }

    /// The numerator of the exact fraction (as written: `1.08` is 108/100).
    pub fn numer(&self) -> i128 {
        self.num
    }

    /// The denominator of the exact fraction.
    pub fn denom(&self) -> i128 {
        self.den
    }

    /// `1 / self`, exactly.
    pub fn inverse(self) -> Rate {
        Rate {
            num: self.den,
            den: self.num,
        }
    }

    /// Whether `self × other` is exactly 1.
    fn is_inverse_of(self, other: Rate) -> bool {
        // Both sides below 10^36: no overflow.
        self.num * other.num == self.den * other.den
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// Why a rates file was refused. Each says the file, and where there is one the
/// 1-based line and the field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RatesError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file's name as given.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The first line is not the header `from,to,rate`.
    #[error("{file}:1: expected the header `{RATES_HEADER}`, found `{found}`")]
    Header {
        /// The file.
        file: String,
        /// The header found.
        found: String,
    },
    /// A line is not CSV of three fields.
    #[error("{file}:{line}: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// A field does not hold what it must.
    #[error("{file}:{line}: field `{field}`: {message}")]
    Field {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// `from`, `to` or `rate`.
        field: &'static str,
        /// What was expected, and what was found.
        message: String,
    },
    /// A pair given twice, or a pair and its inverse given with rates that are not
    /// exact inverses of each other (only one direction is needed: the other is
    /// used as `1/rate`).
    #[error("{file}:{line}: {message}")]
    Conflict {
        /// The file.
        file: String,
        /// 1-based line of the second occurrence.
        line: u64,
        /// Which pairs, and on which lines.
        message: String,
    },
}

/// The exchange rates of one rates file.
#[derive(Clone, Debug)]
pub struct Rates {
    name: Arc<str>,
    /// `(from, to)` to the rate and the line it is on.
    pairs: HashMap<(Currency, Currency), (Rate, u64)>,
}

impl Rates {
    /// Reads and checks the rates file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Rates, RatesError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| RatesError::Io {
            file: name.clone(),
            source,
        })?;
        Rates::parse(&name, &bytes)
    }

    /// Parses and checks a rates file's bytes; `name` names it in errors.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Rates, RatesError> {
        let file = || name.to_string();
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut record = csv::StringRecord::new();
        let mut pairs: HashMap<(Currency, Currency), (Rate, u64)> = HashMap::new();
        let mut first = true;
        loop {
            let read = reader.read_record(&mut record).map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                RatesError::Malformed {
                    file: file(),
                    line,
                    message: match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".into(),
                        _ => format!("not valid CSV: {e}"),
                    },
                }
            })?;
            if !read {
                break;
            }
            // The line from the byte offset, past the blank lines the reader skipped
            // (its position, and its own line count, are those of the blank line).
            let line = record.position().map_or(0, |p| {
                let mut start = (p.byte() as usize).min(bytes.len());
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    start += 1;
                }
                1 + memchr::memchr_iter(b'\n', &bytes[..start]).count() as u64
            });
            if first {
                first = false;
                let found: Vec<&str> = record.iter().collect();
                if found != ["from", "to", "rate"] {
                    return Err(RatesError::Header {
                        file: file(),
                        found: found.join(","),
                    });
                }
                continue;
            }
            if record.len() == 1 && record[0].is_empty() {
                continue; // a blank line
            }
            if record.len() != 3 {
                return Err(RatesError::Malformed {
                    file: file(),
                    line,
                    message: format!("expected 3 fields (from,to,rate), found {}", record.len()),
                });
            }
            let field = |field, message| RatesError::Field {
                file: file(),
                line,
                field,
                message,
            };
            let code = |i: usize, name: &'static str| {
                Currency::parse(record[i].as_bytes())
                    .filter(|c| c.0.iter().all(u8::is_ascii_uppercase))
                    .ok_or_else(|| {
                        field(
                            name,
                            format!(
                                "expected an ISO 4217 currency code (three capital letters, like USD), found `{}`",
                                &record[i]
                            ),
                        )
                    })
            };
            let from = code(0, "from")?;
            let to = code(1, "to")?;
            let rate = Rate::parse(&record[2]).map_err(|m| field("rate", m))?;
            let conflict = |message| RatesError::Conflict {
                file: file(),
                line,
                message,
            };
            if from == to && rate.num != rate.den {
                return Err(conflict(format!(
                    "{from} to {from} must be 1 (a currency converts to itself unchanged), found {}",
                    &record[2]
                )));
            }
            if let Some((_, at)) = pairs.get(&(from, to)) {
                return Err(conflict(format!(
                    "the pair {from} to {to} is already on line {at}"
                )));
            }
            if let Some((back, at)) = pairs.get(&(to, from)) {
                if from != to && !rate.is_inverse_of(*back) {
                    return Err(conflict(format!(
                        "{from} to {to} at {} contradicts {to} to {from} on line {at} (not its exact inverse); give one direction, the other is used as 1/rate",
                        &record[2]
                    )));
                }
            }
            pairs.insert((from, to), (rate, line));
        }
        if first {
            return Err(RatesError::Header {
                file: file(),
                found: String::new(),
            });
        }
        Ok(Rates {
            name: name.into(),
            pairs,
        })
    }

    /// The file's name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rate from `from` to `to`: identity, direct, or the inverse of the reverse
    /// pair, in that order; `None` when the file has neither pair.
    pub fn rate(&self, from: Currency, to: Currency) -> Option<Rate> {
        if from == to {
            return Some(Rate::ONE);
        }
        if let Some((r, _)) = self.pairs.get(&(from, to)) {
            return Some(*r);
        }
        self.pairs.get(&(to, from)).map(|(r, _)| r.inverse())
    }

    /// Every pair of the file, as written: `(from, to, rate)`.
    pub fn pairs(&self) -> impl Iterator<Item = (Currency, Currency, Rate)> + '_ {
        self.pairs.iter().map(|(&(f, t), &(r, _))| (f, t, r))
    }

    /// The converter of prices into `target`, with every rate it can use resolved now.
    pub fn to(&self, target: Currency) -> Converter {
        let mut table = vec![(target, Rate::ONE)];
        for &(from, to) in self.pairs.keys() {
            for c in [from, to] {
                if let Some(r) = self.rate(c, target) {
                    if !table.iter().any(|(seen, _)| *seen == c) {
                        table.push((c, r));
                    }
                }
            }
        }
        // Most prices are in a few currencies: a short list scans faster than it hashes.
        table.sort_by_key(|(c, _)| *c);
        Converter {
            target,
            minor: minor_unit(target),
            table,
            name: self.name.clone(),
        }
    }
}

/// Converts prices into one currency ([`Rates::to`]); cheap to clone and share.
#[derive(Clone, Debug)]
pub struct Converter {
    target: Currency,
    minor: u8,
    /// Every currency the rates convert to the target, with its rate.
    table: Vec<(Currency, Rate)>,
    name: Arc<str>,
}

impl Converter {
    /// The currency prices are converted to.
    pub fn target(&self) -> Currency {
        self.target
    }

    /// Decimals of the target's minor unit: the scale of every converted price.
    pub fn minor_unit(&self) -> u8 {
        self.minor
    }

    /// The rate from `from` to the target, if the file gives one.
    pub fn rate_from(&self, from: Currency) -> Option<Rate> {
        self.table.iter().find(|(c, _)| *c == from).map(|&(_, r)| r)
    }

    /// `price` (in `from`) in the target currency, rounded half-even to the target's
    /// minor unit, with that many decimals as its scale.
    ///
    /// A currency the rates cannot convert, and a result beyond the largest price, are
    /// record errors (reason `currency`, field `currency` or `price`).
    pub fn convert(&self, price: Price, from: Currency) -> Result<Price, RecordError> {
        let rate = self.rate_from(from).ok_or_else(|| {
            RecordError::new(
                "currency",
                "currency",
                format!(
                    "no rate from {from} to {to} in {name} (nor from {to} to {from})",
                    to = self.target,
                    name = self.name
                ),
            )
        })?;
        let too_large = || {
            RecordError::new(
                "price",
                "currency",
                format!(
                    "{price} {from} is too large in {}: a price is at most 999999999999.999999",
                    self.target
                ),
            )
        };
        let step = 10i128.pow(6 - u32::from(self.minor.min(6)));
        let n = i128::from(price.micros)
            .checked_mul(rate.num)
            .ok_or_else(too_large)?;
        let d = rate.den.checked_mul(step).ok_or_else(too_large)?;
        let units = div_half_even(n, d);
        let micros = units
            .checked_mul(step)
            .filter(|m| m.abs() <= 999_999_999_999_999_999)
            .ok_or_else(too_large)?;
        Ok(Price {
            micros: micros as i64,
            scale: self.minor.min(6),
        })
    }

    /// Converts `flight`'s price in place and sets its currency to the target.
    pub fn convert_flight(&self, flight: &mut Flight) -> Result<(), RecordError> {
        flight.price = self.convert(flight.price, flight.currency)?;
        flight.currency = self.target;
        Ok(())
    }
}

/// `n / d` rounded to the nearest integer, ties to the even one (`d` > 0).
fn div_half_even(n: i128, d: i128) -> i128 {
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    // 0 <= r < d; compare 2r with d without overflow (d < 10^25).
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cur(s: &str) -> Currency {
        Currency::parse(s.as_bytes()).unwrap()
    }

    fn price(s: &str) -> Price {
        s.parse().unwrap()
    }

    fn rates(body: &str) -> Result<Rates, RatesError> {
        Rates::parse("rates.csv", format!("from,to,rate\n{body}").as_bytes())
    }

    fn convert(r: &Rates, amount: &str, from: &str, to: &str) -> String {
        r.to(cur(to))
            .convert(price(amount), cur(from))
            .unwrap()
            .to_string()
    }

    #[test]
    fn parsing_errors_name_the_file_line_and_field() {
        let cases = [
            (
                "EUR,USD,1.08\nGBP,USD,abc\n",
                "rates.csv:3: field `rate`: expected a positive decimal",
            ),
            (
                "EUR,USD,1e3\n",
                "rates.csv:2: field `rate`: expected a positive decimal",
            ),
            ("EUR,USD,-1\n", "field `rate`: expected a positive decimal"),
            ("EUR,USD,.5\n", "field `rate`: expected a positive decimal"),
            ("EUR,USD,5.\n", "field `rate`: expected a positive decimal"),
            (
                "EUR,USD, 1.08\n",
                "field `rate`: expected a positive decimal",
            ),
            (
                "EUR,USD,0.000\n",
                "rates.csv:2: field `rate`: expected a positive rate",
            ),
            (
                "EUR,USD,1234567890.1234567890\n",
                "expected at most 18 digits, found 20",
            ),
            (
                "\nEUR,usd,1\n",
                "rates.csv:3: field `to`: expected an ISO 4217 currency code",
            ),
            (
                "EURO,USD,1\n",
                "rates.csv:2: field `from`: expected an ISO 4217",
            ),
            ("E1R,USD,1\n", "field `from`: expected an ISO 4217"),
            (
                "EUR,USD\n",
                "rates.csv:2: expected 3 fields (from,to,rate), found 2",
            ),
            (
                "EUR,USD,1.08\nEUR,USD,1.08\n",
                "rates.csv:3: the pair EUR to USD is already on line 2",
            ),
            ("EUR,USD,1.08\nEUR,USD,1.09\n", "already on line 2"),
            (
                "USD,EUR,0.8\nGBP,USD,1.3\nEUR,USD,1.2\n",
                "rates.csv:4: EUR to USD at 1.2 contradicts USD to EUR on line 2",
            ),
            ("USD,USD,2\n", "USD to USD must be 1"),
        ];
        for (body, want) in cases {
            let e = rates(body).unwrap_err().to_string();
            assert!(e.contains(want), "{body:?}: {e}");
        }
        let e = Rates::parse("r.csv", b"from,to,rates\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.csv:1: expected the header `from,to,rate`, found `from,to,rates`"
        );
        assert!(matches!(
            Rates::parse("r.csv", b""),
            Err(RatesError::Header { .. })
        ));
        let e = Rates::load("/nonexistent/rates.csv").unwrap_err();
        assert!(matches!(e, RatesError::Io { .. }), "{e}");
        // Exact inverses both ways, the identity, a BOM, CRLF and a blank line are fine.
        let ok = Rates::parse(
            "r.csv",
            b"\xEF\xBB\xBFfrom,to,rate\r\nUSD,EUR,0.8\r\n\r\nEUR,USD,1.25\r\nUSD,USD,1.000\r\n",
        )
        .unwrap();
        let mut pairs: Vec<_> = ok
            .pairs()
            .map(|(f, t, r)| (f, t, r.numer(), r.denom()))
            .collect();
        pairs.sort();
        assert_eq!(
            pairs,
            [
                (cur("EUR"), cur("USD"), 125, 100),
                (cur("USD"), cur("EUR"), 8, 10),
                (cur("USD"), cur("USD"), 1000, 1000),
            ]
        );
    }

    #[test]
    fn half_even_at_exact_midpoints() {
        let r = rates("EUR,USD,1\nGBP,USD,0.5\n").unwrap();
        // x.xx5 exactly: to the even cent.
        assert_eq!(convert(&r, "2.345", "EUR", "USD"), "2.34");
        assert_eq!(convert(&r, "2.355", "EUR", "USD"), "2.36");
        assert_eq!(convert(&r, "2.345001", "EUR", "USD"), "2.35");
        assert_eq!(convert(&r, "2.344999", "EUR", "USD"), "2.34");
        // 0.01 * 0.5 = 0.005: to 0.00; 0.03 * 0.5 = 0.015: to 0.02.
        assert_eq!(convert(&r, "0.01", "GBP", "USD"), "0.00");
        assert_eq!(convert(&r, "0.03", "GBP", "USD"), "0.02");
        assert_eq!(convert(&r, "0.05", "GBP", "USD"), "0.02");
        assert_eq!(convert(&r, "0.07", "GBP", "USD"), "0.04");
        // The identity rounds too, and keeps an exact 2-decimal price as it is.
        assert_eq!(convert(&r, "10.125", "USD", "USD"), "10.12");
        assert_eq!(convert(&r, "10.10", "USD", "USD"), "10.10");
        assert_eq!(convert(&r, "7", "USD", "USD"), "7.00");
    }

    #[test]
    fn inverse_rates_are_exact_fractions() {
        let r = rates("USD,JPY,150\nEUR,USD,1.08\n").unwrap();
        assert_eq!(convert(&r, "1000", "JPY", "USD"), "6.67"); // 6.666...
        assert_eq!(convert(&r, "75", "JPY", "USD"), "0.50"); // exactly 0.5
        assert_eq!(convert(&r, "225", "JPY", "USD"), "1.50");
        // 108 USD / 1.08 = 100 EUR exactly, not 99.99999...
        assert_eq!(convert(&r, "108", "USD", "EUR"), "100.00");
        // 0.54 / 1.08 = 0.5, 0.0054 / 1.08 = 0.005: the midpoint, to even.
        assert_eq!(convert(&r, "0.0054", "USD", "EUR"), "0.00");
        assert_eq!(convert(&r, "0.0162", "USD", "EUR"), "0.02"); // 0.015
        assert_eq!(
            r.rate(cur("USD"), cur("EUR")),
            Some(Rate::parse("1.08").unwrap().inverse())
        );
        assert_eq!(r.rate(cur("GBP"), cur("GBP")), Some(Rate::ONE));
        assert_eq!(r.rate(cur("GBP"), cur("USD")), None);
    }

    #[test]
    fn zero_and_three_decimal_currencies() {
        let r = rates("USD,JPY,150.5\nKWD,USD,3.25\nUSD,CLF,0.03\n").unwrap();
        assert_eq!(minor_unit(cur("JPY")), 0);
        assert_eq!(minor_unit(cur("KWD")), 3);
        assert_eq!(minor_unit(cur("EUR")), 2);
        // 12.50 * 150.5 = 1881.25: 1881 yen; 12.51 * 150.5 = 1882.755: 1883 yen.
        let jpy = r.to(cur("JPY"));
        let p = jpy.convert(price("12.50"), cur("USD")).unwrap();
        assert_eq!((p.to_string(), p.scale), ("1881".to_string(), 0));
        assert_eq!(convert(&r, "12.51", "USD", "JPY"), "1883");
        // 0.5 yen: half-even to 0, 1.5 to 2.
        let r2 = rates("USD,JPY,100\n").unwrap();
        assert_eq!(convert(&r2, "0.005", "USD", "JPY"), "0");
        assert_eq!(convert(&r2, "0.015", "USD", "JPY"), "2");
        // 1 USD / 3.25 = 0.307692...: 0.308 KWD; 10.0005 KWD in KWD: 10.000 (even).
        assert_eq!(convert(&r, "1", "USD", "KWD"), "0.308");
        assert_eq!(convert(&r, "10.0005", "KWD", "KWD"), "10.000");
        assert_eq!(convert(&r, "10.0015", "KWD", "KWD"), "10.002");
        assert_eq!(convert(&r, "100", "USD", "CLF"), "3.0000");
    }

    #[test]
    fn a_missing_rate_and_an_overflow_are_record_errors() {
        let r = rates("EUR,USD,1.08\nUSD,XAU,999999999999999999\n").unwrap();
        let e = r
            .to(cur("USD"))
            .convert(price("1"), cur("GBP"))
            .unwrap_err();
        assert_eq!((e.reason, e.field), ("currency", Some("currency")));
        assert_eq!(
            e.message,
            "no rate from GBP to USD in rates.csv (nor from USD to GBP)"
        );
        let big = price("999999999999.999999");
        let e = r.to(cur("XAU")).convert(big, cur("USD")).unwrap_err();
        assert_eq!((e.reason, e.field), ("currency", Some("price")));
        // The largest rate: no panic, only a result too large for a price.
        let e = r
            .to(cur("XAU"))
            .convert(price("1"), cur("USD"))
            .unwrap_err();
        assert!(e.message.contains("too large"), "{e}");
        // The converted flight says the target currency.
        let mut f = Flight {
            price: price("100.00"),
            currency: cur("EUR"),
            ..Flight::default()
        };
        r.to(cur("USD")).convert_flight(&mut f).unwrap();
        assert_eq!(
            (f.price.to_string(), f.currency),
            ("108.00".into(), cur("USD"))
        );
    }

    /// Every pair of the generated currencies has a rate, and it is the one the file
    /// writes: as written for a listed pair, its exact inverse the other way, 1 to
    /// itself. The expected rates are read off the file's lines here, not through
    /// [`Rates`].
    #[test]
    fn the_example_rates_file_parses_and_covers_the_generated_currencies() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/rates.csv");
        let r = Rates::load(path).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let written: Vec<(&str, &str, &str)> = text
            .lines()
            .skip(1)
            .map(|line| {
                let v: Vec<&str> = line.split(',').collect();
                (v[0], v[1], v[2])
            })
            .collect();
        assert_eq!(r.pairs().count(), written.len());
        let codes = ["USD", "EUR", "GBP", "CAD", "JPY"];
        for from in codes {
            for to in codes {
                let want = if from == to {
                    Rate::ONE
                } else if let Some(&(_, _, rate)) =
                    written.iter().find(|&&(f, t, _)| (f, t) == (from, to))
                {
                    Rate::parse(rate).unwrap()
                } else if let Some(&(_, _, rate)) =
                    written.iter().find(|&&(f, t, _)| (f, t) == (to, from))
                {
                    Rate::parse(rate).unwrap().inverse()
                } else {
                    panic!("data/rates.csv has no pair {from},{to} either way")
                };
                assert_eq!(r.rate(cur(from), cur(to)), Some(want), "{from} to {to}");
                assert_eq!(
                    r.to(cur(to)).rate_from(cur(from)),
                    Some(want),
                    "{from} to {to}, resolved"
                );
            }
        }
        // Two by hand, so the reading above is not the only witness.
        let (usd, jpy, eur) = (cur("USD"), cur("JPY"), cur("EUR"));
        let to_usd = r.rate(jpy, usd).unwrap();
        assert_eq!((to_usd.numer(), to_usd.denom()), (1, 150));
        let to_eur = r.rate(usd, eur).unwrap();
        assert_eq!((to_eur.numer(), to_eur.denom()), (100, 108));
    }

    proptest! {
        #[test]
        fn conversion_is_monotonic_and_the_identity_is_exact(
            a in 0i64..1_000_000_000_000_000_000,
            b in 0i64..1_000_000_000_000_000_000,
            int in 0u64..100_000,
            frac in 0u64..1_000_000,
            inverse in any::<bool>(),
            target in prop::sample::select(vec!["USD", "JPY", "KWD"]),
        ) {
            prop_assume!(int > 0 || frac > 0);
            let rate = format!("{int}.{frac:06}");
            let body = if inverse {
                format!("{target},EUR,{rate}\n")
            } else {
                format!("EUR,{target},{rate}\n")
            };
            let r = rates(&body).unwrap();
            let c = r.to(cur(target));
            let (lo, hi) = (a.min(b), a.max(b));
            let p = |m| Price { micros: m, scale: 6 };
            match (c.convert(p(lo), cur("EUR")), c.convert(p(hi), cur("EUR"))) {
                (Ok(x), Ok(y)) => prop_assert!(x.micros <= y.micros),
                // Too large: the larger amount cannot have fitted then.
                (Err(_), Ok(_)) => prop_assert!(false, "smaller amount overflowed"),
                _ => {}
            }
            // A 2-decimal USD price converts to USD as it is.
            let cents = a / 10_000 * 10_000;
            let usd = rates("EUR,USD,1\n").unwrap().to(cur("USD"));
            let same = usd.convert(Price { micros: cents, scale: 2 }, cur("USD")).unwrap();
            prop_assert_eq!(same, Price { micros: cents, scale: 2 });
        }
    }
}
