//! A canonical field's text: reading one value from it, and saying what is wrong
//! with it.
//!
//! Every layer that reads a field's text uses these: the canonical decoders
//! ([`crate::decode`]), the text prefilter that judges a record before decoding it
//! ([`crate::filter`]) and the provider mappers ([`crate::provider`]). One parser and
//! one message per kind of value means a value is accepted the same way whichever
//! format it arrived in, and a bad one is described the same way: the field, what
//! was expected, what was found ([`found`]). A provider mapper adds where in the
//! offer the value was (a segment, a direction) with [`within`].
//!
//! This module sits below all of them and knows only the record's value types and
//! the error type.

use std::fmt;

use crate::error::RecordError;
use crate::record::{
    parse_int, Airline, Airport, Cabin, Code, Currency, FlightNumber, Price, Stamp,
};

/// Renders a bad value for an error message (truncated, escaped).
pub(crate) fn shown(text: &[u8]) -> String {
    const MAX: usize = 40;
    let s = String::from_utf8_lossy(&text[..text.len().min(MAX)]);
    if text.is_empty() {
        "an empty value".to_string()
    } else if text.len() > MAX {
        format!("{:?}...", s)
    } else {
        format!("{:?}", s)
    }
}

/// `"{expected}, found {text}"`: the second half of every message about a value.
pub(crate) fn found(expected: &str, text: &[u8]) -> String {
    format!("{expected}, found {}", shown(text))
}

/// The same error with `place` (where in a provider's offer the value was, such as
/// `segment 2`) in front of its message: the field and reason stay, so counts by
/// reason and the field named do not depend on the input format.
pub(crate) fn within(place: impl fmt::Display, mut e: RecordError) -> RecordError {
    e.message = format!("{place}: {}", e.message);
    e
}

/// The text as UTF-8, or the error naming the first bad byte.
pub(crate) fn utf8<'a>(name: &'static str, text: &'a [u8]) -> Result<&'a str, RecordError> {
    std::str::from_utf8(text).map_err(|e| {
        RecordError::new(
            name,
            "utf8",
            format!("invalid UTF-8 at byte {} of the field", e.valid_up_to()),
        )
    })
}

/// Provider and offer id: non-empty UTF-8 without control characters. A record is one
/// line, so text cannot hold a line break: written out as CSV it would split the record
/// (for every other reader too), and a stray quote could then swallow the rows after
/// it. The other C0 controls and DEL go with them: no id needs one, and they make the
/// output unreadable.
pub(crate) fn one_line_text<'a>(
    name: &'static str,
    text: &'a [u8],
) -> Result<&'a str, RecordError> {
    if text.is_empty() {
        return Err(RecordError::new(
            name,
            "missing",
            "expected a non-empty value",
        ));
    }
    if let Some(at) = text.iter().position(|&b| is_control(b)) {
        return Err(RecordError::new(
            name,
            "control",
            format!(
                "{} at byte {at} of the text; a record is one line, and its text holds no control characters",
                control_name(text[at])
            ),
        ));
    }
    utf8(name, text)
}

/// The bytes refused in text: the C0 controls (U+0000 to U+001F) and DEL (U+007F).
#[inline]
pub(crate) fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7F
}

/// Names a control character for a message.
pub(crate) fn control_name(b: u8) -> String {
    let name = match b {
        0 => " (NUL)",
        b'\t' => " (tab)",
        b'\n' => " (line feed)",
        b'\r' => " (carriage return)",
        0x7F => " (DEL)",
        _ => "",
    };
    format!("control character U+{b:04X}{name}")
}

// Codes are matched exactly: uppercase, as the canonical dump writes them (filter
// literals, typed by people, are the ones read in any case).

#[inline]
fn code<const N: usize>(
    name: &'static str,
    text: &[u8],
    what: &str,
) -> Result<Code<N>, RecordError> {
    Code::<N>::parse(text).ok_or_else(|| RecordError::new(name, "code", found(what, text)))
}

/// An IATA airport code (`JFK`).
#[inline]
pub(crate) fn airport(name: &'static str, text: &[u8]) -> Result<Airport, RecordError> {
    code(
        name,
        text,
        "expected a 3-letter uppercase IATA airport code",
    )
}

/// An IATA airline code (`B6`).
#[inline]
pub(crate) fn airline(name: &'static str, text: &[u8]) -> Result<Airline, RecordError> {
    code(
        name,
        text,
        "expected a 2-character uppercase IATA airline code",
    )
}

/// An ISO 4217 currency code (`USD`).
#[inline]
pub(crate) fn currency(name: &'static str, text: &[u8]) -> Result<Currency, RecordError> {
    code(
        name,
        text,
        "expected a 3-letter uppercase ISO 4217 currency code",
    )
}

/// A whole flight designator (`AA100`), as a canonical record lists it.
#[inline]
pub(crate) fn flight_number(name: &'static str, text: &[u8]) -> Result<FlightNumber, RecordError> {
    FlightNumber::parse(text).ok_or_else(|| {
        RecordError::new(
            name,
            "code",
            found("expected a flight designator like AA100", text),
        )
    })
}

/// A designator from an airline and a flight number given apart, as providers give
/// them. Leading zeros of the number are dropped (`0012` → `12`), an operational
/// suffix letter is kept.
pub(crate) fn flight_number_of(
    name: &'static str,
    carrier: Airline,
    number: &str,
) -> Result<FlightNumber, RecordError> {
    let n = number.trim();
    let zeros = n.len() - n.trim_start_matches('0').len();
    // "0" or "0A" keep one zero.
    let keep = if zeros > 0 && !n[zeros..].starts_with(|c: char| c.is_ascii_digit()) {
        zeros - 1
    } else {
        zeros
    };
    let digits = &n[keep..];
    let mut buf = [0u8; 8];
    let len = 2 + digits.len();
    let parsed = (len <= buf.len())
        .then(|| {
            buf[..2].copy_from_slice(&carrier.0);
            buf[2..len].copy_from_slice(digits.as_bytes());
            FlightNumber::parse(&buf[..len])
        })
        .flatten();
    parsed.ok_or_else(|| {
        RecordError::new(
            name,
            "code",
            found(
                "expected a flight number of 1-4 digits and an optional letter",
                number.as_bytes(),
            ),
        )
    })
}

/// An exact decimal amount (`412.37`).
#[inline]
pub(crate) fn price(name: &'static str, text: &[u8]) -> Result<Price, RecordError> {
    Price::parse(text).map_err(|e| RecordError::new(name, "number", found(e, text)))
}

/// A whole number of kilograms from a decimal text (`"31"`, `"31.4"` → 31), as
/// providers state emissions.
pub(crate) fn kilograms(name: &'static str, text: &[u8]) -> Result<u32, RecordError> {
    let p = Price::parse(text).map_err(|_| {
        RecordError::new(
            name,
            "number",
            found("expected a non-negative number of kilograms", text),
        )
    })?;
    u32::try_from((p.micros + 500_000) / 1_000_000).map_err(|_| {
        RecordError::new(
            name,
            "number",
            found("expected at most 4294967295 kilograms", text),
        )
    })
}

/// A canonical cabin name; empty is unknown.
#[inline]
pub(crate) fn cabin(name: &'static str, text: &[u8]) -> Result<Option<Cabin>, RecordError> {
    if text.is_empty() {
        return Ok(None);
    }
    Cabin::parse(text).map(Some).ok_or_else(|| {
        RecordError::new(
            name,
            "enum",
            found(
                "expected economy|premium_economy|business|first or empty",
                text,
            ),
        )
    })
}

/// `true` or `false`; empty is unknown.
#[inline]
pub(crate) fn flag(name: &'static str, text: &[u8]) -> Result<Option<bool>, RecordError> {
    match text {
        b"" => Ok(None),
        b"true" => Ok(Some(true)),
        b"false" => Ok(Some(false)),
        _ => Err(RecordError::new(
            name,
            "enum",
            found("expected true, false or empty", text),
        )),
    }
}

/// A timestamp with its UTC offset (`2026-12-01T06:35:00-05:00`).
#[inline]
pub(crate) fn stamp(name: &'static str, text: &[u8]) -> Result<Stamp, RecordError> {
    Stamp::parse(text).map_err(|e| RecordError::new(name, "timestamp", found(e, text)))
}

/// A timestamp; empty is unknown.
#[inline]
pub(crate) fn optional_stamp(
    name: &'static str,
    text: &[u8],
) -> Result<Option<Stamp>, RecordError> {
    if text.is_empty() {
        Ok(None)
    } else {
        stamp(name, text).map(Some)
    }
}

/// A non-negative integer that fits a `u32`.
#[inline]
pub(crate) fn required_u32(name: &'static str, text: &[u8]) -> Result<u32, RecordError> {
    parse_int(text).map_err(|e| RecordError::new(name, "number", found(&e.expected(), text)))
}

/// A non-negative integer; empty is unknown.
#[inline]
pub(crate) fn optional_u32(name: &'static str, text: &[u8]) -> Result<Option<u32>, RecordError> {
    if text.is_empty() {
        Ok(None)
    } else {
        required_u32(name, text).map(Some)
    }
}

/// A `;`-separated list, each part read by `item` and appended to `out`; empty is
/// the empty list.
#[inline]
pub(crate) fn list<T>(
    name: &'static str,
    text: &[u8],
    out: &mut Vec<T>,
    item: fn(&'static str, &[u8]) -> Result<T, RecordError>,
) -> Result<(), RecordError> {
    if text.is_empty() {
        return Ok(());
    }
    for part in text.split(|&b| b == b';') {
        out.push(item(name, part)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_refuses_every_control_character() {
        for b in 0..=255u8 {
            let text = [b'a', b, b'z'];
            let got = one_line_text("provider", &text);
            if b < 0x20 || b == 0x7F {
                let e = got.unwrap_err();
                assert_eq!((e.field, e.reason), (Some("provider"), "control"));
                assert!(e.message.contains(&format!("U+{b:04X}")), "{}", e.message);
            } else if b < 0x80 {
                assert_eq!(got.ok().map(str::as_bytes), Some(&text[..]), "{b:#x}");
            } else {
                assert_eq!(
                    got.unwrap_err().reason,
                    "utf8",
                    "a lone {b:#x} is not UTF-8"
                );
            }
        }
        assert_eq!(one_line_text("offer_id", "São ☃".as_bytes()), Ok("São ☃"));
        let e = one_line_text("offer_id", b"a\nb").unwrap_err();
        assert!(
            e.message.contains("U+000A (line feed) at byte 1"),
            "{}",
            e.message
        );
    }

    #[test]
    fn kilograms_round_to_the_nearest_and_fit_a_u32() {
        assert_eq!(kilograms("co2_kg", b"31"), Ok(31));
        assert_eq!(kilograms("co2_kg", b"31.4"), Ok(31));
        assert_eq!(kilograms("co2_kg", b"31.5"), Ok(32));
        assert_eq!(kilograms("co2_kg", b"4294967295.4"), Ok(u32::MAX));
        for (bad, expected) in [
            (&b"-3"[..], "expected a non-negative number of kilograms"),
            (b"4294967295.5", "expected at most 4294967295 kilograms"),
        ] {
            let e = kilograms("co2_kg", bad).unwrap_err();
            assert_eq!((e.field, e.reason), (Some("co2_kg"), "number"));
            assert_eq!(e.message, found(expected, bad));
        }
    }

    #[test]
    fn a_place_goes_in_front_of_the_message_only() {
        let e = within("segment 2", airport("origin", b"jfk").unwrap_err());
        assert_eq!((e.field, e.reason), (Some("origin"), "code"));
        assert_eq!(
            e.to_string(),
            r#"field `origin`: segment 2: expected a 3-letter uppercase IATA airport code, found "jfk""#
        );
    }
}
