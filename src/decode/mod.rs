//! Turning the bytes of one record into a [`Flight`].
//!
//! Both input formats share the per-field parsers here, so a value means the same
//! thing whether it arrived as a CSV cell or a JSON member, and errors name the same
//! fields. Nothing in this module allocates per record once the target `Flight` has
//! grown to its working size.

pub mod csv;
mod header;
pub(crate) mod names;
pub mod ndjson;
mod page;
pub(crate) mod responses;
pub(crate) mod scanner;

pub use page::{CsvDecoder, NdjsonDecoder, NdjsonJudgements};

use crate::error::RecordError;
use crate::record::{
    parse_int, Airline, Airport, Cabin, Code, Currency, Flight, FlightNumber, Price, Stamp, COLUMNS,
};

/// One input format's view of a page: where its records are, and how to decode the
/// columns of the current one. The scan loop ([`scanner`]: stop checks, two-pass
/// decoding, filtering, keeping) is written once over this trait and monomorphized per
/// format, so a new format is one implementation, not another copy of the loop.
pub(crate) trait Cursor {
    /// Moves to the next record of `page`: its bytes (without terminator) and the
    /// number of line breaks before it in the page, for error locations.
    fn next_record(&mut self, page: &[u8]) -> Option<(std::ops::Range<usize>, u64)>;
    /// Checks the current record's structure and decodes the columns in `mask` into
    /// `flight` (cleared by the caller).
    fn first(&mut self, page: &[u8], mask: u32, flight: &mut Flight) -> Result<(), RecordError>;
    /// Decodes more columns of the current record (after [`Cursor::first`]).
    fn rest(&mut self, page: &[u8], mask: u32, flight: &mut Flight) -> Result<(), RecordError>;
    /// Whether a record's bytes are already a canonical CSV row, to copy verbatim.
    fn canonical(&self) -> bool;
    /// The filter's verdict on the current record, judged before any decoding and
    /// only when that judgement is exact, errors included (see
    /// [`crate::filter::RawFilter::verdict`]): a record that fails is counted and
    /// skipped undecoded, one that passes is decoded without running the filter
    /// again; `None` leaves it to decoding and the filter.
    #[inline]
    fn verdict(&mut self, page: &[u8]) -> Option<bool> {
        let _ = page;
        None
    }
}

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// Canonical CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// A provider's recorded search responses: one per line, or one pretty-printed
    /// document for the whole input. `None` tells each response's provider from its
    /// content.
    Responses(Option<crate::provider::Provider>),
}

impl InputFormat {
    /// Guesses a canonical format from a file extension; `None` if it says nothing.
    pub fn from_path(path: &std::path::Path) -> Option<InputFormat> {
        names::format_of_extension(path.extension()?.to_str()?)
    }
}

pub(crate) use crate::columns::{col, column_index};

/// The UTF-8 byte-order mark some tools put at the start of a text file.
pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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

/// Decodes one canonical field's text into `f`. `text` is the raw cell (CSV) or the
/// unquoted string / number text (JSON); empty means unknown or empty list.
#[inline]
pub(crate) fn decode_field(f: &mut Flight, column: usize, text: &[u8]) -> Result<(), RecordError> {
    use crate::record::COLUMNS as C;
    match column {
        col::PROVIDER => f.provider.push_str(one_line_text(C[col::PROVIDER], text)?),
        col::OFFER_ID => f.offer_id.push_str(one_line_text(C[col::OFFER_ID], text)?),
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
        col::CABIN if text.is_empty() => f.cabin = None,
        col::CABIN => {
            f.cabin = Some(Cabin::parse(text).ok_or_else(|| {
                RecordError::new(
                    C[col::CABIN],
                    "enum",
                    format!(
                        "expected economy|premium_economy|business|first or empty, found {}",
                        shown(text)
                    ),
                )
            })?)
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
///
/// `stops` counts the connections of one direction (the most of either), while
/// `via` and `layover_min` list every connection, outbound then return: a one-way
/// record lists exactly `stops`, a round trip between `stops` and `2 × stops`.
pub(crate) fn check_consistency(f: &Flight) -> Result<(), RecordError> {
    let (stops, via) = (f.stops as usize, f.via.len());
    let listed = match f.return_departure {
        None => via == stops,
        Some(_) => stops <= via && via <= 2 * stops,
    };
    if !listed {
        let expected = match f.return_departure {
            None => format!("{stops}"),
            Some(_) => format!("{stops} to {} (a round trip)", 2 * stops),
        };
        return Err(RecordError::new(
            "via",
            "consistency",
            format!("stops is {stops}, so via must list {expected} airports, but it lists {via}"),
        ));
    }
    if f.layover_min.len() != via {
        return Err(RecordError::new(
            "layover_min",
            "consistency",
            format!(
                "via lists {via} airports but layover_min lists {} layovers",
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

fn required_u32(name: &'static str, text: &[u8]) -> Result<u32, RecordError> {
    parse_int(text).map_err(|e| RecordError::new(name, "number", found(&e.expected(), text)))
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
    /// The header's names, to name a column flightsift does not read in a message.
    names: Vec<String>,
}

impl Schema {
    /// Resolves a CSV header. Unknown columns are ignored; a missing required column
    /// or a repeated column is an error naming it.
    pub fn from_header<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Result<Schema, String> {
        let mut position = [None; COLUMNS.len()];
        let mut width = 0;
        let mut header = Vec::new();
        for (i, name) in names.into_iter().enumerate() {
            width += 1;
            let name = name.strip_prefix(UTF8_BOM).unwrap_or(name);
            if i < MAX_COLUMNS {
                header.push(String::from_utf8_lossy(name).into_owned());
            }
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
            names: header,
        })
    }

    /// An error about the field at `index` of a record: named by its canonical name, or
    /// for a column flightsift does not read, by its header name in the message.
    pub(crate) fn field_error(
        &self,
        index: usize,
        reason: &'static str,
        message: &str,
    ) -> RecordError {
        match self.position.iter().position(|&p| p == Some(index)) {
            Some(column) => RecordError::new(COLUMNS[column], reason, message),
            None => RecordError::record(
                reason,
                match self.names.get(index) {
                    Some(name) => format!("column `{name}` (field {}): {message}", index + 1),
                    None => format!("field {}: {message}", index + 1),
                },
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::IntError;

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
    fn text_refuses_every_control_character() {
        for b in 0..=255u8 {
            let text = [b'a', b, b'z'];
            let got = one_line_text("provider", &text);
            if b < 0x20 || b == 0x7F {
                let e = got.unwrap_err();
                assert_eq!((e.field, e.reason), (Some("provider"), "control"));
                assert!(e.message.contains(&format!("U+{b:04X}")), "{}", e.message);
            } else if b < 0x80 {
                assert!(got.is_ok(), "{b:#x}");
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
    fn a_field_error_names_the_column_canonical_or_not() {
        let mut names: Vec<&[u8]> = COLUMNS.iter().map(|c| c.as_bytes()).collect();
        names.insert(2, b"note");
        let schema = Schema::from_header(names).unwrap();
        let e = schema.field_error(0, "quote", "bad");
        assert_eq!((e.field, e.message.as_str()), (Some("provider"), "bad"));
        let e = schema.field_error(3, "quote", "bad");
        assert_eq!(e.field, Some("origin"));
        let e = schema.field_error(2, "control", "bad");
        assert_eq!(e.field, None);
        assert_eq!(e.message, "column `note` (field 3): bad");
    }
}
