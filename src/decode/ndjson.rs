//! Decoding one NDJSON line into a [`Flight`].
//!
//! Two paths. Canonical lines are flat objects of plain strings, numbers, literals and
//! arrays of those, so [`Members::split`] finds each member's raw text in one scan
//! and the fields are decoded lazily, like CSV cells (only what the filter reads,
//! the rest for matches). Anything else (escapes, nesting, non-ASCII, duplicates,
//! malformed JSON) goes through the general decoder: the line is deserialized
//! straight into the reused `Flight` through a `DeserializeSeed`, and its errors are
//! the ones reported.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use wide::u8x16;

use super::{check_consistency, col, column_index, decode_field};
use crate::error::RecordError;
use crate::record::{Flight, COLUMNS, REQUIRED_COLUMNS};

/// Raw text of the known members of one flat JSON object.
pub(crate) struct Members {
    raw: [(u32, u32); COLUMNS.len()],
    present: u32,
    next_guess: usize,
}

impl Default for Members {
    fn default() -> Self {
        Members::new()
    }
}

impl Members {
    pub(crate) fn new() -> Members {
        Members {
            raw: [(0, 0); COLUMNS.len()],
            present: 0,
            next_guess: 0,
        }
    }

    /// Finds every member of a flat, escape-free, ASCII object; `false` when the line
    /// needs the general decoder (which also produces the error, if there is one).
    pub(crate) fn split(&mut self, line: &[u8]) -> bool {
        self.present = 0;
        self.next_guess = 0;
        line.is_ascii() && self.scan(line).is_some()
    }

    fn scan(&mut self, line: &[u8]) -> Option<()> {
        let ws = |mut i: usize| {
            // Canonical lines have no whitespace: one compare settles the usual case.
            while i < line.len()
                && line[i] <= b' '
                && matches!(line[i], b' ' | b'\t' | b'\r' | b'\n')
            {
                i += 1;
            }
            i
        };
        let mut i = ws(0);
        if *line.get(i)? != b'{' {
            return None;
        }
        i = ws(i + 1);
        if *line.get(i)? == b'}' {
            return (ws(i + 1) == line.len()).then_some(());
        }
        loop {
            if *line.get(i)? != b'"' {
                return None;
            }
            let key_end = string_end(line, i + 1)?;
            if line[key_end] != b'"' {
                return None;
            }
            let key = &line[i + 1..key_end];
            i = ws(key_end + 1);
            if *line.get(i)? != b':' {
                return None;
            }
            i = ws(i + 1);
            let start = i;
            let end = match *line.get(i)? {
                b'"' => {
                    let e = string_end(line, i + 1)?;
                    (line[e] == b'"').then_some(e + 1)?
                }
                b'[' => i + array_len(&line[i..])?,
                b'{' => return None,
                _ => {
                    let mut e = i;
                    while e < line.len()
                        && !matches!(line[e], b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
                    {
                        e += 1;
                    }
                    is_json_scalar(&line[i..e]).then_some(e)?
                }
            };
            // Canonical lines list members in canonical order: try the next column
            // first, and look the name up only when that guess is wrong.
            let guess = self.next_guess;
            let column = if guess < COLUMNS.len() && COLUMNS[guess].as_bytes() == key {
                Some(guess)
            } else {
                column_index(key)
            };
            if let Some(c) = column {
                self.next_guess = c + 1;
                if self.present & (1 << c) != 0 {
                    return None;
                }
                self.present |= 1 << c;
                self.raw[c] = (start as u32, end as u32);
            }
            i = ws(end);
            match *line.get(i)? {
                b',' => i = ws(i + 1),
                b'}' => return (ws(i + 1) == line.len()).then_some(()),
                _ => return None,
            }
        }
    }

    /// Every required member must be present, whatever the filter reads.
    pub(crate) fn check_required(&self) -> Result<(), RecordError> {
        match (0..REQUIRED_COLUMNS).find(|&c| self.present & (1 << c) == 0) {
            Some(c) => Err(RecordError::new(
                COLUMNS[c],
                "missing",
                "required member is absent",
            )),
            None => Ok(()),
        }
    }

    /// Decodes the members of `columns` (a bit mask) into `flight`; the caller clears
    /// it first. A required member that is absent is an error.
    pub(crate) fn decode(
        &self,
        line: &[u8],
        columns: u32,
        flight: &mut Flight,
    ) -> Result<(), RecordError> {
        for column in super::each_column(columns) {
            if self.present & (1 << column) == 0 {
                if column < REQUIRED_COLUMNS {
                    return Err(RecordError::new(
                        COLUMNS[column],
                        "missing",
                        "required member is absent",
                    ));
                }
                continue;
            }
            let (a, b) = self.raw[column];
            let raw = &line[a as usize..b as usize];
            match column {
                col::VIA | col::CARRIERS | col::FLIGHT_NUMBERS | col::LAYOVER_MIN => {
                    flat_list(flight, column, raw)?
                }
                // The line is ASCII, so this cannot fail.
                // `split` admitted no backslash in any string of the line.
                _ => scalar(flight, column, raw, true)?,
            }
        }
        Ok(())
    }
}

/// The index of the `"` or `\\` that ends a string starting at `from` (just past its
/// opening quote). Canonical strings are short, so one sixteen-byte compare usually
/// settles it, without a function call per string.
#[inline]
fn string_end(line: &[u8], from: usize) -> Option<usize> {
    let (quote, backslash) = (u8x16::splat(b'"'), u8x16::splat(b'\\'));
    let mut i = from;
    while i + 16 <= line.len() {
        let chunk = u8x16::new(line[i..i + 16].try_into().expect("16 bytes"));
        let mask = (chunk.simd_eq(quote) | chunk.simd_eq(backslash)).to_bitmask();
        if mask != 0 {
            return Some(i + mask.trailing_zeros() as usize);
        }
        i += 16;
    }
    line[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|p| i + p)
}

/// `true`, `false`, `null` or a number exactly as JSON's grammar has it (no leading
/// zeros, no bare dot): what the fast path accepts, the general decoder must too.
fn is_json_scalar(b: &[u8]) -> bool {
    if matches!(b, b"true" | b"false" | b"null") {
        return true;
    }
    let digits = |b: &[u8], i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    let mut i = usize::from(b.first() == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(b, &mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(b, &mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(b, &mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Length of a flat array (`[` ... `]`) of escape-free strings and bare scalars.
fn array_len(text: &[u8]) -> Option<usize> {
    let mut i = 1;
    loop {
        match *text.get(i)? {
            b']' => return Some(i + 1),
            b'"' => {
                i += 2 + memchr::memchr2(b'"', b'\\', &text[i + 1..])
                    .filter(|&e| text[i + 1 + e] == b'"')?
            }
            b'[' | b'{' | b'\\' => return None,
            _ => i += 1,
        }
    }
}

/// Decodes the members of a flat array into the flight's list for `column`.
fn flat_list(flight: &mut Flight, column: usize, raw: &[u8]) -> Result<(), RecordError> {
    let name = COLUMNS[column];
    if raw == b"null" {
        return Ok(());
    }
    let inner = match raw {
        [b'[', inner @ .., b']'] => inner.trim_ascii(),
        _ => {
            return Err(RecordError::new(
                name,
                "json",
                format!(
                    "expected a JSON {}, found {}",
                    json_kind(column),
                    super::shown(raw)
                ),
            ))
        }
    };
    if inner.is_empty() {
        return Ok(());
    }
    for item in inner.split(|&b| b == b',') {
        let item = item.trim_ascii();
        let text = match (column, item) {
            (col::LAYOVER_MIN, [b'0'..=b'9', ..]) if is_json_scalar(item) => item,
            (col::VIA | col::CARRIERS | col::FLIGHT_NUMBERS, [b'"', text @ .., b'"'])
                if !text.is_empty() && !text.contains(&b';') =>
            {
                text
            }
            _ => {
                return Err(RecordError::new(
                    name,
                    "json",
                    format!(
                        "expected a JSON {}, found member {}",
                        json_kind(column),
                        super::shown(item)
                    ),
                ))
            }
        };
        decode_field(flight, column, text)?;
    }
    Ok(())
}

/// Decodes a whole line as a worker does when it needs every column: the flat fast
/// path when it applies, the general decoder otherwise.
pub(crate) fn decode_any(
    line: &[u8],
    members: &mut Members,
    flight: &mut Flight,
) -> Result<(), RecordError> {
    if !members.split(line) {
        return decode_line(line, flight);
    }
    flight.clear();
    members.check_required()?;
    members.decode(line, (1 << COLUMNS.len()) - 1, flight)?;
    check_consistency(flight)
}

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
                    scalar(self.flight, column, raw.get().as_bytes(), false)
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
fn scalar(
    flight: &mut Flight,
    column: usize,
    raw: &[u8],
    escape_free: bool,
) -> Result<(), RecordError> {
    let name = COLUMNS[column];
    match raw {
        b"null"
            if column >= REQUIRED_COLUMNS
                || matches!(
                    column,
                    col::SEATS | col::BAGS | col::REFUNDABLE | col::CO2_KG
                ) =>
        {
            Ok(())
        }
        b"null" => Err(RecordError::new(
            name,
            "missing",
            "expected a value, found null",
        )),
        [b'"', ..] => {
            // Escape-free strings are used as they are; text fields check UTF-8 when
            // they are decoded, and codes, times and numbers are ASCII-only anyway.
            let s: Cow<'_, [u8]> = match raw {
                [b'"', inner @ .., b'"'] if escape_free || !inner.contains(&b'\\') => {
                    Cow::Borrowed(inner)
                }
                _ => serde_json::from_slice::<Cow<'_, str>>(raw)
                    .map(|s| match s {
                        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
                    })
                    .map_err(|e| RecordError::new(name, "json", format!("bad string: {e}")))?,
            };
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
            decode_field(flight, column, &s)
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

    fn fast(line: &[u8]) -> Option<Result<Flight, RecordError>> {
        let mut m = Members::new();
        if !m.split(line) {
            return None;
        }
        let mut f = Flight::default();
        Some(
            m.check_required()
                .and_then(|()| m.decode(line, (1 << COLUMNS.len()) - 1, &mut f))
                .and_then(|()| check_consistency(&f))
                .map(|()| f),
        )
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_decoder() {
        let opts = crate::gen::GenOptions {
            rows: 3000,
            seed: 5,
            format: crate::gen::GenFormat::Ndjson,
        };
        let mut text = Vec::new();
        crate::gen::generate(&opts, &mut text).unwrap();
        let mut rng = 0x1234_5678_u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let (mut fast_lines, mut mutated) = (0, 0);
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let mut general = Flight::default();
            let want = decode_line(line, &mut general).map(|()| general);
            let got = fast(line).expect("generated lines take the fast path");
            assert_eq!(got, want);
            fast_lines += 1;
            // A mutated line: both paths must accept or reject it alike.
            let mut bad = line.to_vec();
            let at = (next() % bad.len() as u64) as usize;
            let alphabet = b"0a\"[]{},:-. nZ";
            bad[at] = alphabet[(next() % alphabet.len() as u64) as usize];
            let mut general = Flight::default();
            let want = decode_line(&bad, &mut general).map(|()| general);
            if let Some(got) = fast(&bad) {
                mutated += 1;
                match (&got, &want) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", String::from_utf8_lossy(&bad)),
                    (Err(_), Err(_)) => {}
                    _ => panic!(
                        "paths disagree on {}: fast {got:?}, general {want:?}",
                        String::from_utf8_lossy(&bad)
                    ),
                }
            }
        }
        assert_eq!(fast_lines, 3000);
        assert!(
            mutated > 1000,
            "most mutations still take the fast path: {mutated}"
        );
    }

    #[test]
    fn escapes_nesting_and_duplicates_take_the_general_path() {
        let general = [
            LINE.replace("off_1", "off\\u0031"),
            LINE.replace(
                "\"cabin\":\"economy\"",
                "\"cabin\":\"economy\",\"cabin\":\"first\"",
            ),
            LINE.replace("duffel", "düffel"),
        ];
        for line in general {
            assert!(fast(line.as_bytes()).is_none(), "{line}");
        }
        let flat = LINE.replace("\"extra\":{\"x\":[1,2]}", "\"extra\":1");
        assert!(fast(flat.as_bytes()).is_some_and(|r| r.is_ok()), "{flat}");
        // The original test line has a nested unknown member: general path.
        assert!(fast(LINE.as_bytes()).is_none());
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
