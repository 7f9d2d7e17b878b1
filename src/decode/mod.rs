//! Turning the bytes of one record into a [`Flight`].
//!
//! Both input formats decode a field through `decode_field`, which reads each
//! column with its parser from `src/text.rs` (the same ones the text prefilter and
//! the provider mappers use), so a value means the same thing whether it arrived as a
//! CSV cell or a JSON member, and errors name the same fields. Nothing in this module
//! allocates per record once the target `Flight` has grown to its working size.

pub mod csv;
mod header;
pub(crate) mod names;
pub mod ndjson;
mod page;
pub(crate) mod responses;
pub(crate) mod scanner;

pub use page::{CsvDecoder, NdjsonDecoder, NdjsonJudgements};

use crate::error::RecordError;
use crate::record::{Flight, COLUMNS};
use crate::text::{
    airline, airport, cabin, currency, flag, flight_number, list, one_line_text, optional_stamp,
    optional_u32, price, required_u32, stamp,
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

pub(crate) use crate::columns::{col, column_index, each_column};

/// The UTF-8 byte-order mark some tools put at the start of a text file.
pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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
        col::CABIN => f.cabin = cabin(C[col::CABIN], text)?,
        col::PRICE => f.price = price(C[col::PRICE], text)?,
        col::CURRENCY => f.currency = currency(C[col::CURRENCY], text)?,
        col::SEATS => f.seats = optional_u32(C[col::SEATS], text)?,
        col::BAGS => f.bags = optional_u32(C[col::BAGS], text)?,
        col::REFUNDABLE => f.refundable = flag(C[col::REFUNDABLE], text)?,
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

    /// A worker decodes record after record into one flight: what a record does not
    /// state must come out unknown, not as the last record's value.
    #[test]
    fn a_reused_flight_decodes_as_a_new_one() {
        let full = br#"{"provider":"sabre","offer_id":"sa-3","origin":"MEX","destination":"MAD","departure":"2027-01-11T13:45:00-06:00","arrival":"2027-01-12T12:15:00+01:00","duration_min":930,"stops":1,"via":["LHR"],"carriers":["BA","BA"],"flight_numbers":["BA222","BA3374"],"layover_min":[120],"cabin":"first","price":7420.89,"currency":"USD","seats":7,"bags":1,"refundable":false,"co2_kg":880,"return_departure":"2027-01-15T13:20:00+01:00","return_arrival":"2027-01-15T21:45:00-06:00"}"#;
        // Nonstop, one way, and every member that may be unknown left out.
        let bare = br#"{"provider":"kiwi","offer_id":"ki-1","origin":"PVG","destination":"MEL","departure":"2027-01-28T16:15:00+08:00","arrival":"2027-01-29T03:10:00+11:00","duration_min":595,"stops":0,"via":[],"carriers":["MU"],"flight_numbers":["MU343"],"layover_min":[],"price":738.30,"currency":"CNY"}"#;
        let mut members = ndjson::Members::new();
        let mut reused = Flight::default();
        for line in [&full[..], bare, full, bare] {
            ndjson::decode_any(line, &mut members, &mut reused).unwrap();
            let mut new = Flight::default();
            ndjson::decode_any(line, &mut ndjson::Members::new(), &mut new).unwrap();
            assert_eq!(reused, new, "{}", String::from_utf8_lossy(line));
        }
        assert_eq!((reused.seats, reused.return_departure), (None, None));
    }

    /// The writers put the columns in the order of `columns.rs`: a CSV row's fields
    /// decode, column by column, into the record written, and a JSON object's members
    /// come in that order.
    #[test]
    fn the_writers_follow_the_column_table() {
        let row = "sabre,\"sa-1,\"\"x\"\"\",MEX,MAD,2027-01-11T13:45:00-06:00,2027-01-12T12:15:00+01:00,930,1,LHR,BA;IB,BA222;IB3374,120,first,7420.89,USD,7,1,false,880,2027-01-15T13:20:00+01:00,2027-01-15T21:45:00-06:00";
        let mut fields = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(row.as_bytes());
        let fields = fields.records().next().unwrap().unwrap();
        assert_eq!(fields.len(), COLUMNS.len());
        let mut f = Flight::default();
        for (column, text) in fields.iter().enumerate() {
            decode_field(&mut f, column, text.as_bytes()).unwrap();
        }
        let mut out = Vec::new();
        crate::encode::encode_csv(&f, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), format!("{row}\n"));
        let mut json = Vec::new();
        crate::encode::encode_json(&f, &mut json);
        let json = String::from_utf8(json).unwrap();
        let at: Vec<usize> = COLUMNS
            .iter()
            .map(|name| json.find(&format!("\"{name}\":")).expect(name))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
        assert_eq!(json.matches("\":").count(), COLUMNS.len(), "{json}");
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

#[cfg(test)]
mod provider_tests;
