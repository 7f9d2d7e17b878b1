//! Decoding one NDJSON line into a [`Flight`].
//!
//! The line is deserialized straight into the reused `Flight` through a
//! `DeserializeSeed`, so list members land in the flight's own vectors and strings are
//! borrowed from the page: no intermediate `Value`, no per-record allocation.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{check_consistency, col, column_index, decode_field};
use crate::error::RecordError;
use crate::record::{Flight, COLUMNS, REQUIRED_COLUMNS};

/// Decodes one JSON object (a whole line, without terminator) into `flight`.
pub(crate) fn decode_line(line: &[u8], flight: &mut Flight) -> Result<(), RecordError> {
    flight.clear();
    let mut de = serde_json::Deserializer::from_slice(line);
    let mut seen = 0u32;
    let mut failure = None;
    let res = FlightSeed {
        flight,
        seen: &mut seen,
        failure: &mut failure,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if let Some(err) = failure {
        return Err(err);
    }
    if let Err(e) = res {
        return Err(RecordError::record(
            "json",
            format!("invalid JSON object: {e}"),
        ));
    }
    if let Some(missing) = (0..REQUIRED_COLUMNS).find(|&c| seen & (1 << c) == 0) {
        return Err(RecordError::new(
            COLUMNS[missing],
            "missing",
            "required member is absent",
        ));
    }
    check_consistency(flight)
}

struct FlightSeed<'f> {
    flight: &'f mut Flight,
    seen: &'f mut u32,
    /// Our own, field-naming error; serde's error type cannot carry it.
    failure: &'f mut Option<RecordError>,
}

impl<'de> DeserializeSeed<'de> for FlightSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FlightSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with the canonical flight fields")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let Some(column) = column_index(key.as_bytes()) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if *self.seen & (1 << column) != 0 {
                return Err(self.fail(RecordError::new(
                    COLUMNS[column],
                    "json",
                    "member appears twice",
                )));
            }
            *self.seen |= 1 << column;
            let result = match column {
                col::VIA | col::CARRIERS | col::FLIGHT_NUMBERS | col::LAYOVER_MIN => map
                    .next_value_seed(ListSeed {
                        flight: self.flight,
                        column,
                        failure: None,
                    })?,
                _ => {
                    let raw: &'de RawValue = map.next_value()?;
                    scalar(self.flight, column, raw.get())
                }
            };
            if let Err(e) = result {
                return Err(self.fail(e));
            }
        }
        Ok(())
    }
}

impl FlightSeed<'_> {
    fn fail<E: de::Error>(&mut self, err: RecordError) -> E {
        let msg = err.to_string();
        *self.failure = Some(err);
        E::custom(msg)
    }
}

/// Decodes a scalar member from its raw JSON text.
fn scalar(flight: &mut Flight, column: usize, raw: &str) -> Result<(), RecordError> {
    let name = COLUMNS[column];
    let raw = raw.as_bytes();
    match raw {
        b"null" => {
            return if column >= REQUIRED_COLUMNS
                || matches!(
                    column,
                    col::SEATS | col::BAGS | col::REFUNDABLE | col::CO2_KG
                ) {
                Ok(())
            } else {
                Err(RecordError::new(
                    name,
                    "missing",
                    "expected a value, found null",
                ))
            };
        }
        [b'"', ..] => {
            let s: Cow<'_, str> = serde_json::from_slice(raw)
                .map_err(|e| RecordError::new(name, "json", format!("bad string: {e}")))?;
            let is_text = matches!(
                column,
                col::PROVIDER
                    | col::OFFER_ID
                    | col::ORIGIN
                    | col::DESTINATION
                    | col::DEPARTURE
                    | col::ARRIVAL
                    | col::CABIN
                    | col::PRICE
                    | col::CURRENCY
                    | col::RETURN_DEPARTURE
                    | col::RETURN_ARRIVAL
            );
            if !is_text {
                return Err(RecordError::new(
                    name,
                    "json",
                    format!("expected a JSON {}, found a string", json_kind(column)),
                ));
            }
            decode_field(flight, column, s.as_bytes())
        }
        b"true" | b"false" if column == col::REFUNDABLE => decode_field(flight, column, raw),
        [b'0'..=b'9' | b'-', ..]
            if matches!(
                column,
                col::DURATION_MIN | col::STOPS | col::SEATS | col::BAGS | col::CO2_KG | col::PRICE
            ) =>
        {
            decode_field(flight, column, raw)
        }
        _ => Err(RecordError::new(
            name,
            "json",
            format!(
                "expected a JSON {}, found {}",
                json_kind(column),
                super::shown(raw)
            ),
        )),
    }
}

fn json_kind(column: usize) -> &'static str {
    match column {
        col::DURATION_MIN | col::STOPS | col::SEATS | col::BAGS | col::CO2_KG => "integer",
        col::PRICE => "number or decimal string",
        col::REFUNDABLE => "bool",
        col::VIA | col::CARRIERS | col::FLIGHT_NUMBERS => "array of strings",
        col::LAYOVER_MIN => "array of integers",
        _ => "string",
    }
}

/// Appends each array member to the flight's list for `column`.
struct ListSeed<'f> {
    flight: &'f mut Flight,
    column: usize,
    failure: Option<RecordError>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = Result<(), RecordError>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Result<(), RecordError>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(json_kind(self.column))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        // null = empty list, like an empty CSV cell.
        Ok(Ok(()))
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        let name = COLUMNS[self.column];
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            if self.failure.is_some() {
                continue;
            }
            let text = raw.get().as_bytes();
            let item: Cow<'_, [u8]> = match (self.column, text) {
                (col::LAYOVER_MIN, [b'0'..=b'9', ..]) => Cow::Borrowed(text),
                (col::VIA | col::CARRIERS | col::FLIGHT_NUMBERS, [b'"', ..]) => {
                    match serde_json::from_slice::<Cow<'_, str>>(text) {
                        Ok(Cow::Borrowed(s)) => Cow::Borrowed(s.as_bytes()),
                        Ok(Cow::Owned(s)) => Cow::Owned(s.into_bytes()),
                        Err(e) => {
                            self.failure =
                                Some(RecordError::new(name, "json", format!("bad string: {e}")));
                            continue;
                        }
                    }
                }
                _ => {
                    self.failure = Some(RecordError::new(
                        name,
                        "json",
                        format!(
                            "expected a JSON {}, found member {}",
                            json_kind(self.column),
                            super::shown(text)
                        ),
                    ));
                    continue;
                }
            };
            if item.contains(&b';') {
                self.failure = Some(RecordError::new(name, "code", "list member contains `;`"));
                continue;
            }
            // decode_field appends one member per `;`-separated part.
            if let Err(e) = decode_field(self.flight, self.column, &item) {
                self.failure = Some(e);
            } else if item.is_empty() {
                self.failure = Some(RecordError::new(name, "code", "empty list member"));
            }
        }
        Ok(match self.failure {
            Some(e) => Err(e),
            None => Ok(()),
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Err(RecordError::new(
            COLUMNS[self.column],
            "json",
            format!(
                "expected a JSON {}, found the string {:?}",
                json_kind(self.column),
                v
            ),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"provider":"duffel","offer_id":"off_1","origin":"JFK","destination":"LAX","departure":"2026-12-01T06:35:00-05:00","arrival":"2026-12-01T12:10:00-08:00","duration_min":515,"stops":1,"via":["ORD"],"carriers":["AA","AA"],"flight_numbers":["AA1","AA2"],"layover_min":[70],"cabin":"economy","price":"250.10","currency":"USD","seats":null,"bags":1,"refundable":false,"co2_kg":null,"extra":{"x":[1,2]}}"#;

    #[test]
    fn decodes_a_full_line() {
        let mut f = Flight::default();
        decode_line(LINE.as_bytes(), &mut f).unwrap();
        assert_eq!(f.via.len(), 1);
        assert_eq!(f.price.micros, 250_100_000);
        assert_eq!(f.seats, None);
        assert_eq!(f.bags, Some(1));
        assert_eq!(f.refundable, Some(false));
        assert_eq!(f.layover_min, vec![70]);
    }

    #[test]
    fn errors_name_the_field() {
        let mut f = Flight::default();
        let bad = LINE.replace("\"stops\":1", "\"stops\":\"1\"");
        let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
        assert_eq!(e.field, Some("stops"));
        let bad = LINE.replace("\"origin\":\"JFK\",", "");
        let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
        assert_eq!(e.field, Some("origin"));
        let bad = LINE.replace("[70]", "[\"x\"]");
        let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
        assert_eq!(e.field, Some("layover_min"));
        let e = decode_line(b"{\"provider\":", &mut f).unwrap_err();
        assert_eq!(e.reason, "json");
        let bad = LINE.replace("\"price\":\"250.10\"", "\"price\":2.5e2");
        let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
        assert_eq!(e.field, Some("price"));
    }
}
