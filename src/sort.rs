//! `--sort` keys and `--dedupe` itineraries: what "best" and "the same flight" mean.
//!
//! Both are values computed once per kept match, so the parallel top-K heaps and the
//! seen-itinerary sets compare plain integers and bytes, never flights.

use std::fmt;
use std::str::FromStr;

use crate::record::Flight;

/// A field results can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortField {
    /// Total price (raw amounts unless `--currency` converts them first).
    Price,
    /// Outbound travel time.
    Duration,
    /// Outbound departure, as an instant (so departures from different time zones
    /// compare by when they happen).
    Departure,
    /// Outbound arrival, as an instant.
    Arrival,
    /// Number of connections.
    Stops,
    /// Estimated emissions (often unknown: unknown values sort last).
    Co2Kg,
}

impl SortField {
    /// Every key as the command line spells it, with the canonical column it reads.
    /// One table: the parser, the error message, `--help` and the SQL translation
    /// all read it.
    pub const ALL: [(&'static str, SortField, &'static str); 6] = [
        ("price", SortField::Price, "price"),
        ("duration", SortField::Duration, "duration_min"),
        ("departure", SortField::Departure, "departure"),
        ("arrival", SortField::Arrival, "arrival"),
        ("stops", SortField::Stops, "stops"),
        ("co2_kg", SortField::Co2Kg, "co2_kg"),
    ];

    /// The key's name on the command line.
    pub fn name(self) -> &'static str {
        SortField::ALL
            .iter()
            .find(|(_, f, _)| *f == self)
            .map_or("?", |(n, _, _)| n)
    }

    /// The canonical column the key reads.
    pub fn column(self) -> &'static str {
        SortField::ALL
            .iter()
            .find(|(_, f, _)| *f == self)
            .map_or("?", |(_, _, c)| c)
    }

    /// The flight's value for this key; `None` when unknown.
    fn value(self, f: &Flight) -> Option<i64> {
        match self {
            SortField::Price => Some(f.price.micros),
            SortField::Duration => Some(f.duration_min as i64),
            SortField::Departure => Some(f.departure.instant()),
            SortField::Arrival => Some(f.arrival.instant()),
            SortField::Stops => Some(f.stops as i64),
            SortField::Co2Kg => f.co2_kg.map(i64::from),
        }
    }
}

/// One key of a sort: a field, ascending unless `descending`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SortKey {
    /// What is compared.
    pub field: SortField,
    /// Largest first (written `-field`).
    pub descending: bool,
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        f.write_str(self.field.name())
    }
}

/// At most one key per field, so a rank never needs more words than this.
const MAX_KEYS: usize = SortField::ALL.len();

/// An order on flights: `price,-duration` is cheapest first, then longest first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SortSpec {
    keys: Vec<SortKey>,
}

impl SortSpec {
    /// The spec from its keys (at least one, each field at most once).
    pub fn new(keys: Vec<SortKey>) -> Result<SortSpec, String> {
        if keys.is_empty() {
            return Err(format!("expected at least one sort key: {}", key_names()));
        }
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].iter().any(|e| e.field == k.field) {
                return Err(format!("sort key `{}` is given twice", k.field.name()));
            }
        }
        Ok(SortSpec { keys })
    }

    /// The keys, most significant first.
    pub fn keys(&self) -> &[SortKey] {
        &self.keys
    }

    /// Where `f` goes in this order, as a value that compares with `Ord`.
    #[inline]
    pub fn rank(&self, f: &Flight) -> Rank {
        let mut words = [0u64; MAX_KEYS];
        for (word, key) in words.iter_mut().zip(&self.keys) {
            *word = encode(key.field.value(f), key.descending);
        }
        Rank(words)
    }
}

fn key_names() -> String {
    SortField::ALL
        .iter()
        .map(|(n, _, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Known values keep their order inside `0..2^63` (every field's realistic range,
/// prices in millionths included, is far inside ±2^62); descending mirrors them in
/// that range; unknown is `u64::MAX`, after every known value in either direction.
#[inline]
fn encode(value: Option<i64>, descending: bool) -> u64 {
    const BIAS: i128 = 1 << 62;
    const TOP: u64 = (1 << 63) - 1;
    match value {
        None => u64::MAX,
        Some(v) => {
            let up = (v as i128 + BIAS).clamp(0, TOP as i128) as u64;
            if descending {
                TOP - up
            } else {
                up
            }
        }
    }
}

impl FromStr for SortSpec {
    type Err = String;
    /// `KEY[,KEY...]`, each optionally prefixed with `-` for descending.
    fn from_str(s: &str) -> Result<SortSpec, String> {
        let keys = s
            .split(',')
            .map(|part| {
                let part = part.trim();
                let (descending, name) = match part.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, part.strip_prefix('+').unwrap_or(part)),
                };
                SortField::ALL
                    .iter()
                    .find(|(n, _, _)| *n == name)
                    .map(|&(_, field, _)| SortKey { field, descending })
                    .ok_or_else(|| {
                        format!(
                            "unknown sort key `{part}`; expected one of {} (prefix `-` for descending)",
                            key_names()
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        SortSpec::new(keys)
    }
}

impl fmt::Display for SortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

/// A flight's place in a [`SortSpec`]'s order; smaller comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rank([u64; MAX_KEYS]);

/// What makes two offers the same itinerary for `--dedupe`: the flight numbers in
/// flight order (outbound, then return), the outbound departure's local date-time,
/// and the return departure's when there is one. Price, provider, cabin and offer id
/// do not count: two providers selling the same seats are one itinerary.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Itinerary(Box<[u8]>);

impl Itinerary {
    /// The itinerary of a fully decoded flight.
    pub fn of(f: &Flight) -> Itinerary {
        let mut key = Vec::with_capacity(8 * f.flight_numbers.len() + 20);
        for n in &f.flight_numbers {
            let s = n.as_str().as_bytes();
            key.push(s.len() as u8);
            key.extend_from_slice(s);
        }
        key.push(0xff);
        key.extend_from_slice(&f.departure.local.to_le_bytes());
        if let Some(r) = f.return_departure {
            key.extend_from_slice(&r.local.to_le_bytes());
        }
        Itinerary(key.into_boxed_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Price;

    fn flight(price: i64, co2: Option<u32>, duration: u32) -> Flight {
        Flight {
            price: Price {
                micros: price,
                scale: 2,
            },
            co2_kg: co2,
            duration_min: duration,
            ..Flight::default()
        }
    }

    #[test]
    fn parses_keys_and_directions() {
        let spec: SortSpec = "price,-duration".parse().unwrap();
        assert_eq!(spec.to_string(), "price,-duration");
        assert!(spec.keys()[1].descending);
        assert!("price,price".parse::<SortSpec>().is_err());
        let err = "cost".parse::<SortSpec>().unwrap_err();
        assert!(err.contains("price, duration"), "{err}");
        assert!("".parse::<SortSpec>().is_err());
    }

    #[test]
    fn ranks_follow_the_keys_and_put_unknown_last_both_ways() {
        let up: SortSpec = "co2_kg,price".parse().unwrap();
        let down: SortSpec = "-co2_kg,price".parse().unwrap();
        let a = flight(100, Some(5), 0);
        let b = flight(50, Some(9), 0);
        let c = flight(10, None, 0);
        assert!(up.rank(&a) < up.rank(&b) && up.rank(&b) < up.rank(&c));
        assert!(down.rank(&b) < down.rank(&a) && down.rank(&a) < down.rank(&c));
        let tie: SortSpec = "duration,-price".parse().unwrap();
        assert!(tie.rank(&flight(9, None, 1)) < tie.rank(&flight(8, None, 1)));
    }

    #[test]
    fn encoding_preserves_order_over_the_whole_range_of_values() {
        let values = [
            i64::MIN,
            -(1 << 40),
            -1,
            0,
            1,
            1_700_000_000,
            999_999_999_999_999_999,
        ];
        for w in values.windows(2) {
            assert!(encode(Some(w[0]), false) < encode(Some(w[1]), false) || w[0] == i64::MIN);
            assert!(encode(Some(w[0]), true) >= encode(Some(w[1]), true));
            assert!(encode(Some(w[1]), true) < encode(None, true));
            assert!(encode(Some(w[1]), false) < encode(None, false));
        }
    }

    #[test]
    fn itineraries_ignore_price_and_provider_but_not_times() {
        let a = Flight {
            flight_numbers: vec![crate::record::FlightNumber::parse(b"AA100").unwrap()],
            ..Flight::default()
        };
        let mut b = a.clone();
        b.price.micros = 7;
        b.provider = "kiwi".into();
        assert_eq!(Itinerary::of(&a), Itinerary::of(&b));
        b.departure.local += 60;
        assert_ne!(Itinerary::of(&a), Itinerary::of(&b));
        let mut c = a.clone();
        c.return_departure = Some(a.departure);
        assert_ne!(Itinerary::of(&a), Itinerary::of(&c));
    }
}
