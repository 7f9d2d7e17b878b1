//! Turning the bytes of one record into a [`Flight`].
//!
//! Both input formats share the per-field parsers here, so a value means the same
//! thing whether it arrived as a CSV cell or a JSON member, and errors name the same
//! fields. Nothing in this module allocates per record once the target `Flight` has
//! grown to its working size.

pub mod csv;
pub mod ndjson;

use crate::error::RecordError;
use crate::record::{
    Airline, Airport, Cabin, Code, Currency, Flight, FlightNumber, Price, Stamp, COLUMNS,
};

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// Canonical CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

impl InputFormat {
    /// Guesses the format from a file extension; `None` if it says nothing.
    pub fn from_path(path: &std::path::Path) -> Option<InputFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(InputFormat::Csv),
            "ndjson" | "jsonl" => Some(InputFormat::Ndjson),
            _ => None,
        }
    }
}

/// Canonical column positions, as indices into [`COLUMNS`].
pub(crate) mod col {
    pub const PROVIDER: usize = 0;
    pub const OFFER_ID: usize = 1;
    pub const ORIGIN: usize = 2;
    pub const DESTINATION: usize = 3;
    pub const DEPARTURE: usize = 4;
    pub const ARRIVAL: usize = 5;
    pub const DURATION_MIN: usize = 6;
    pub const STOPS: usize = 7;
    pub const VIA: usize = 8;
    pub const CARRIERS: usize = 9;
    pub const FLIGHT_NUMBERS: usize = 10;
    pub const LAYOVER_MIN: usize = 11;
    pub const CABIN: usize = 12;
    pub const PRICE: usize = 13;
    pub const CURRENCY: usize = 14;
    pub const SEATS: usize = 15;
    pub const BAGS: usize = 16;
    pub const REFUNDABLE: usize = 17;
    pub const CO2_KG: usize = 18;
    pub const RETURN_DEPARTURE: usize = 19;
    pub const RETURN_ARRIVAL: usize = 20;
}

/// The canonical columns in a bit mask (bit `i` = `COLUMNS[i]`), in order.
#[inline]
pub(crate) fn each_column(mask: u32) -> impl Iterator<Item = usize> {
    let mut left = mask;
    std::iter::from_fn(move || {
        let column = (left != 0).then(|| left.trailing_zeros() as usize)?;
        left &= left - 1;
        Some(column)
    })
}

/// Canonical column index of a column name.
pub(crate) fn column_index(name: &[u8]) -> Option<usize> {
    // A match compiles to a length-then-bytes dispatch: this runs for every member
    // of every NDJSON line.
    Some(match name {
        b"provider" => col::PROVIDER,
        b"offer_id" => col::OFFER_ID,
        b"origin" => col::ORIGIN,
        b"destination" => col::DESTINATION,
        b"departure" => col::DEPARTURE,
        b"arrival" => col::ARRIVAL,
        b"duration_min" => col::DURATION_MIN,
        b"stops" => col::STOPS,
        b"via" => col::VIA,
        b"carriers" => col::CARRIERS,
        b"flight_numbers" => col::FLIGHT_NUMBERS,
        b"layover_min" => col::LAYOVER_MIN,
        b"cabin" => col::CABIN,
        b"price" => col::PRICE,
        b"currency" => col::CURRENCY,
        b"seats" => col::SEATS,
        b"bags" => col::BAGS,
        b"refundable" => col::REFUNDABLE,
        b"co2_kg" => col::CO2_KG,
        b"return_departure" => col::RETURN_DEPARTURE,
        b"return_arrival" => col::RETURN_ARRIVAL,
        _ => return None,
    })
}

/// Decodes one canonical field's text into `f`. `text` is the raw cell (CSV) or the
/// unquoted string / number text (JSON); empty means unknown or empty list.
#[inline]
pub(crate) fn decode_field(f: &mut Flight, column: usize, text: &[u8]) -> Result<(), RecordError> {
    use crate::record::COLUMNS as C;
    match column {
        col::PROVIDER => f.provider.push_str(single_line(C[col::PROVIDER], text)?),
        col::OFFER_ID => f.offer_id.push_str(single_line(C[col::OFFER_ID], text)?),
        col::ORIGIN => f.origin = airport(C[col::ORIGIN], text)?,
        col::DESTINATION => f.destination = airport(C[col::DESTINATION], text)?,
        col::DEPARTURE => f.departure = stamp(C[col::DEPARTURE], text)?,
        col::ARRIVAL => f.arrival = stamp(C[col::ARRIVAL], text)?,
        col::DURATION_MIN => f.duration_min = required_u32(C[col::DURATION_MIN], text)?,
        col::STOPS => f.stops = required_u32(C[col::STOPS], text)?,
        col::VIA => list(C[col::VIA], text, &mut f.via, airport)?,
        col::CARRIERS => list(C[col::CARRIERS], text, &mut f.carriers, airline)?,
        col::FLIGHT_NUMBERS => list(
            C[col::FLIGHT_NUMBERS],
            text,
            &mut f.flight_numbers,
            flight_number,
        )?,
        col::LAYOVER_MIN => list(C[col::LAYOVER_MIN], text, &mut f.layover_min, required_u32)?,
        col::CABIN => {
            f.cabin = Cabin::parse(text).ok_or_else(|| {
                RecordError::new(
                    C[col::CABIN],
                    "enum",
                    format!(
                        "expected economy|premium_economy|business|first, found {}",
                        shown(text)
                    ),
                )
            })?
        }
        col::PRICE => {
            f.price = Price::parse(text)
                .map_err(|e| RecordError::new(C[col::PRICE], "number", found(e, text)))?
        }
        col::CURRENCY => f.currency = currency(C[col::CURRENCY], text)?,
        col::SEATS => f.seats = optional_u32(C[col::SEATS], text)?,
        col::BAGS => f.bags = optional_u32(C[col::BAGS], text)?,
        col::REFUNDABLE => {
            f.refundable = match text {
                b"" => None,
                b"true" => Some(true),
                b"false" => Some(false),
                _ => {
                    return Err(RecordError::new(
                        C[col::REFUNDABLE],
                        "enum",
                        format!("expected true, false or empty, found {}", shown(text)),
                    ))
                }
            }
        }
        col::CO2_KG => f.co2_kg = optional_u32(C[col::CO2_KG], text)?,
        col::RETURN_DEPARTURE => {
            f.return_departure = optional_stamp(C[col::RETURN_DEPARTURE], text)?
        }
        col::RETURN_ARRIVAL => f.return_arrival = optional_stamp(C[col::RETURN_ARRIVAL], text)?,
        _ => {}
    }
    Ok(())
}

/// Cross-field checks every decoded record must pass; the filters rely on them
/// (`min_layover` is unknown exactly for nonstops).
pub(crate) fn check_consistency(f: &Flight) -> Result<(), RecordError> {
    if f.via.len() != f.stops as usize {
        return Err(RecordError::new(
            "via",
            "consistency",
            format!(
                "stops is {} but via lists {} airports",
                f.stops,
                f.via.len()
            ),
        ));
    }
    if f.layover_min.len() != f.stops as usize {
        return Err(RecordError::new(
            "layover_min",
            "consistency",
            format!(
                "stops is {} but layover_min lists {} layovers",
                f.stops,
                f.layover_min.len()
            ),
        ));
    }
    if f.carriers.is_empty() {
        return Err(RecordError::new(
            "carriers",
            "missing",
            "expected at least one carrier",
        ));
    }
    Ok(())
}

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

fn found(expected: &str, text: &[u8]) -> String {
    format!("{expected}, found {}", shown(text))
}

fn utf8<'a>(name: &'static str, text: &'a [u8]) -> Result<&'a str, RecordError> {
    std::str::from_utf8(text).map_err(|e| {
        RecordError::new(
            name,
            "utf8",
            format!("invalid UTF-8 at byte {} of the field", e.valid_up_to()),
        )
    })
}

/// Provider and offer id: any non-empty UTF-8. (A record is one line, so no field can
/// hold a line break: an unbalanced quote cannot swallow the next rows.)
fn single_line<'a>(name: &'static str, text: &'a [u8]) -> Result<&'a str, RecordError> {
    if text.is_empty() {
        return Err(RecordError::new(
            name,
            "missing",
            "expected a non-empty value",
        ));
    }
    utf8(name, text)
}

fn code<const N: usize>(
    name: &'static str,
    text: &[u8],
    what: &str,
) -> Result<Code<N>, RecordError> {
    Code::<N>::parse(text).ok_or_else(|| RecordError::new(name, "code", found(what, text)))
}

fn airport(name: &'static str, text: &[u8]) -> Result<Airport, RecordError> {
    code(
        name,
        text,
        "expected a 3-letter uppercase IATA airport code",
    )
}

fn airline(name: &'static str, text: &[u8]) -> Result<Airline, RecordError> {
    code(
        name,
        text,
        "expected a 2-character uppercase IATA airline code",
    )
}

fn currency(name: &'static str, text: &[u8]) -> Result<Currency, RecordError> {
    code(
        name,
        text,
        "expected a 3-letter uppercase ISO 4217 currency code",
    )
}

fn flight_number(name: &'static str, text: &[u8]) -> Result<FlightNumber, RecordError> {
    FlightNumber::parse(text).ok_or_else(|| {
        RecordError::new(
            name,
            "code",
            found("expected a flight designator like AA100", text),
        )
    })
}

fn stamp(name: &'static str, text: &[u8]) -> Result<Stamp, RecordError> {
    Stamp::parse(text).map_err(|e| RecordError::new(name, "timestamp", found(e, text)))
}

fn optional_stamp(name: &'static str, text: &[u8]) -> Result<Option<Stamp>, RecordError> {
    if text.is_empty() {
        Ok(None)
    } else {
        stamp(name, text).map(Some)
    }
}

pub(crate) fn parse_u32(text: &[u8]) -> Option<u32> {
    if text.is_empty() || text.len() > 9 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        text.iter()
            .fold(0u32, |acc, &b| acc * 10 + (b - b'0') as u32),
    )
}

fn required_u32(name: &'static str, text: &[u8]) -> Result<u32, RecordError> {
    parse_u32(text).ok_or_else(|| {
        RecordError::new(
            name,
            "number",
            found("expected a non-negative integer", text),
        )
    })
}

fn optional_u32(name: &'static str, text: &[u8]) -> Result<Option<u32>, RecordError> {
    if text.is_empty() {
        Ok(None)
    } else {
        required_u32(name, text).map(Some)
    }
}

fn list<T>(
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

/// Widest header accepted (canonical dumps have 21 columns; extra ones are allowed).
pub const MAX_COLUMNS: usize = 256;

/// Column layout of one input, resolved from its header.
#[derive(Clone, Debug)]
pub struct Schema {
    /// For each canonical column, its position in the input's records.
    pub(crate) position: [Option<usize>; COLUMNS.len()],
    /// Number of fields every record must have.
    pub(crate) width: usize,
    /// True when the header is exactly the canonical 21 columns in order, so a
    /// matching record's bytes can be written out verbatim as canonical CSV.
    pub(crate) canonical: bool,
}

impl Schema {
    /// Resolves a CSV header. Unknown columns are ignored; a missing required column
    /// or a repeated column is an error naming it.
    pub fn from_header<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Result<Schema, String> {
        let mut position = [None; COLUMNS.len()];
        let mut width = 0;
        for (i, name) in names.into_iter().enumerate() {
            width += 1;
            let name = name.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(name);
            if let Some(c) = column_index(name) {
                if position[c].is_some() {
                    return Err(format!("column `{}` appears twice", COLUMNS[c]));
                }
                position[c] = Some(i);
            }
        }
        if width > MAX_COLUMNS {
            return Err(format!(
                "{width} columns; at most {MAX_COLUMNS} are supported"
            ));
        }
        let missing: Vec<&str> = (0..crate::record::REQUIRED_COLUMNS)
            .filter(|&c| position[c].is_none())
            .map(|c| COLUMNS[c])
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing required column{} {}",
                if missing.len() > 1 { "s" } else { "" },
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let canonical =
            width == COLUMNS.len() && position.iter().enumerate().all(|(i, p)| *p == Some(i));
        Ok(Schema {
            position,
            width,
            canonical,
        })
    }
}
