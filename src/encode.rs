//! Writing a [`Flight`] as a canonical CSV row or a JSON object.
//!
//! Encoders append to a caller-owned buffer: each worker encodes its matches into one
//! buffer per page, and the single writer copies whole buffers out, so lines never
//! tear and the writer never formats anything.

use crate::columns::{col, JSON_KEYS};
use crate::record::{Flight, Stamp};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Canonical CSV with a header: itself a valid input dump.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Format {
    /// Guesses the format from an output file's extension.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            _ => None,
        }
    }

    /// What goes before the first record.
    pub fn prefix(self) -> &'static [u8] {
        match self {
            Format::Csv => crate::record::CSV_HEADER.as_bytes(),
            Format::Json => b"[",
            Format::Ndjson => b"",
        }
    }

    /// What goes between two records, whether they share a chunk or not.
    pub fn separator(self) -> &'static [u8] {
        match self {
            Format::Json => b",\n",
            Format::Csv | Format::Ndjson => b"",
        }
    }

    /// What goes between the prefix and the first record.
    fn lead(self) -> &'static [u8] {
        match self {
            Format::Json => b"\n",
            Format::Csv | Format::Ndjson => b"",
        }
    }

    /// What goes after the last record.
    pub fn suffix(self, any_records: bool) -> &'static [u8] {
        match (self, any_records) {
            (Format::Json, true) => b"\n]\n",
            (Format::Json, false) => b"]\n",
            _ => b"",
        }
    }

    /// Appends one record to a chunk. Records of one chunk are joined with
    /// [`Format::separator`] (the caller passes `first` for the chunk's first record),
    /// and nothing precedes the first: whatever goes between chunks is the
    /// [`Document`]'s business, so the bytes do not depend on where chunks were cut.
    pub fn encode(self, f: &Flight, first: bool, out: &mut Vec<u8>) {
        if !first {
            out.extend_from_slice(self.separator());
        }
        match self {
            Format::Csv => encode_csv(f, out),
            Format::Ndjson => {
                encode_json(f, out);
                out.push(b'\n');
            }
            Format::Json => encode_json(f, out),
        }
    }

    /// A match count as a whole output: the bare number for CSV (as `--count` has
    /// always printed it), an object `{"count":N}` for JSON and NDJSON, so that a
    /// consumer asking for JSON gets JSON.
    pub fn encode_count(self, n: u64, out: &mut Vec<u8>) {
        let mut number = itoa::Buffer::new();
        let n = number.format(n).as_bytes();
        match self {
            Format::Csv => out.extend_from_slice(n),
            Format::Json | Format::Ndjson => {
                out.extend_from_slice(b"{\"count\":");
                out.extend_from_slice(n);
                out.push(b'}');
            }
        }
        out.push(b'\n');
    }
}

/// One output document built from chunks of encoded records (see
/// [`crate::Encoded`]): the prefix, the chunks joined by the format's separator, the
/// suffix. The framing lives here, beside the encoders, so that the bytes of a
/// document are the same however the records were split into chunks (page size,
/// threads, pipe or file).
pub struct Document<W> {
    out: W,
    format: Format,
    records: u64,
}

impl<W: std::io::Write> Document<W> {
    /// Starts a document: writes the format's prefix (the CSV header, JSON's `[`).
    pub fn new(format: Format, mut out: W) -> std::io::Result<Document<W>> {
        out.write_all(format.prefix())?;
        Ok(Document {
            out,
            format,
            records: 0,
        })
    }

    /// Appends a chunk of `records` records encoded by [`Format::encode`].
    pub fn write_chunk(&mut self, bytes: &[u8], records: u64) -> std::io::Result<()> {
        if records == 0 {
            return Ok(());
        }
        self.out.write_all(if self.records == 0 {
            self.format.lead()
        } else {
            self.format.separator()
        })?;
        self.out.write_all(bytes)?;
        self.records += records;
        Ok(())
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The underlying writer (e.g. to flush it).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Writes the suffix (JSON's `]`) and returns the writer, unflushed.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.write_all(self.format.suffix(self.records > 0))?;
        Ok(self.out)
    }
}

/// The canonical CSV row (no newline): what [`encode_csv`] writes. It lives here,
/// beside the encoder, so that the record's module does not depend on the writers.
impl std::fmt::Display for Flight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut row = Vec::with_capacity(256);
        encode_csv(self, &mut row);
        row.pop(); // the newline
                   // Every part is UTF-8: strings come from `String`s, the rest is ASCII.
        f.write_str(&String::from_utf8_lossy(&row))
    }
}

fn csv_text(s: &str, out: &mut Vec<u8>) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

fn int(v: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

fn opt_int(v: Option<u32>, out: &mut Vec<u8>, null: &[u8]) {
    match v {
        Some(v) => int(v, out),
        None => out.extend_from_slice(null),
    }
}

fn joined<T>(items: &[T], out: &mut Vec<u8>, mut each: impl FnMut(&T, &mut Vec<u8>)) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        each(item, out);
    }
}

/// Appends the canonical CSV row (21 columns, `\n`-terminated).
pub fn encode_csv(f: &Flight, out: &mut Vec<u8>) {
    csv_text(&f.provider, out);
    out.push(b',');
    csv_text(&f.offer_id, out);
    out.push(b',');
    out.extend_from_slice(&f.origin.0);
    out.push(b',');
    out.extend_from_slice(&f.destination.0);
    out.push(b',');
    f.departure.write(out);
    out.push(b',');
    f.arrival.write(out);
    out.push(b',');
    int(f.duration_min, out);
    out.push(b',');
    int(f.stops, out);
    out.push(b',');
    joined(&f.via, out, |c, o| o.extend_from_slice(&c.0));
    out.push(b',');
    joined(&f.carriers, out, |c, o| o.extend_from_slice(&c.0));
    out.push(b',');
    joined(&f.flight_numbers, out, |c, o| {
        o.extend_from_slice(c.as_bytes())
    });
    out.push(b',');
    joined(&f.layover_min, out, |m, o| int(*m, o));
    out.push(b',');
    if let Some(cabin) = f.cabin {
        out.extend_from_slice(cabin.as_str().as_bytes());
    }
    out.push(b',');
    f.price.write(out);
    out.push(b',');
    out.extend_from_slice(&f.currency.0);
    out.push(b',');
    opt_int(f.seats, out, b"");
    out.push(b',');
    opt_int(f.bags, out, b"");
    out.push(b',');
    if let Some(r) = f.refundable {
        out.extend_from_slice(if r { b"true" } else { b"false" });
    }
    out.push(b',');
    opt_int(f.co2_kg, out, b"");
    out.push(b',');
    if let Some(s) = f.return_departure {
        s.write(out);
    }
    out.push(b',');
    if let Some(s) = f.return_arrival {
        s.write(out);
    }
    out.push(b'\n');
}

fn json_str(s: &str, out: &mut Vec<u8>) {
    // serde_json's escaping is exact and fast; writing to a Vec cannot fail.
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec");
}

fn json_stamp(s: Option<Stamp>, out: &mut Vec<u8>) {
    match s {
        Some(s) => {
            out.push(b'"');
            s.write(out);
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

fn json_list<T>(items: &[T], out: &mut Vec<u8>, mut each: impl FnMut(&T, &mut Vec<u8>)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(item, out);
    }
    out.push(b']');
}

fn quoted(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(bytes);
    out.push(b'"');
}

/// A member's name with its separator and colon (see [`JSON_KEYS`]).
#[inline(always)]
fn key(column: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(JSON_KEYS[column].as_bytes());
}

/// Appends one JSON object (no trailing newline), members in canonical order.
pub fn encode_json(f: &Flight, out: &mut Vec<u8>) {
    key(col::PROVIDER, out);
    json_str(&f.provider, out);
    key(col::OFFER_ID, out);
    json_str(&f.offer_id, out);
    key(col::ORIGIN, out);
    quoted(&f.origin.0, out);
    key(col::DESTINATION, out);
    quoted(&f.destination.0, out);
    key(col::DEPARTURE, out);
    json_stamp(Some(f.departure), out);
    key(col::ARRIVAL, out);
    json_stamp(Some(f.arrival), out);
    key(col::DURATION_MIN, out);
    int(f.duration_min, out);
    key(col::STOPS, out);
    int(f.stops, out);
    key(col::VIA, out);
    json_list(&f.via, out, |c, o| quoted(&c.0, o));
    key(col::CARRIERS, out);
    json_list(&f.carriers, out, |c, o| quoted(&c.0, o));
    key(col::FLIGHT_NUMBERS, out);
    json_list(&f.flight_numbers, out, |c, o| quoted(c.as_bytes(), o));
    key(col::LAYOVER_MIN, out);
    json_list(&f.layover_min, out, |m, o| int(*m, o));
    key(col::CABIN, out);
    match f.cabin {
        Some(cabin) => quoted(cabin.as_str().as_bytes(), out),
        None => out.extend_from_slice(b"null"),
    }
    key(col::PRICE, out);
    f.price.write(out);
    key(col::CURRENCY, out);
    quoted(&f.currency.0, out);
    key(col::SEATS, out);
    opt_int(f.seats, out, b"null");
    key(col::BAGS, out);
    opt_int(f.bags, out, b"null");
    key(col::REFUNDABLE, out);
    out.extend_from_slice(match f.refundable {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
    key(col::CO2_KG, out);
    opt_int(f.co2_kg, out, b"null");
    key(col::RETURN_DEPARTURE, out);
    json_stamp(f.return_departure, out);
    key(col::RETURN_ARRIVAL, out);
    json_stamp(f.return_arrival, out);
    out.push(b'}');
}
