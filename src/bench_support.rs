//! Thin wrappers over the crate-private record decoders, for the benchmarks in
//! `benches/` and the fuzz targets in `fuzz/`.
//!
//! **Not part of the stable API.** Hidden from the documentation; may change or
//! disappear in any release. Library users search through [`crate::Search`].

use crate::decode::{csv::CsvRecords, ndjson, Schema};
use crate::error::RecordError;
use crate::record::Flight;

/// Decodes canonical-CSV pages (whole lines, no header) of one input, one record at a
/// time, with the same code the pipeline's workers run.
pub struct CsvDecoder {
    schema: Schema,
    records: CsvRecords,
    flight: Flight,
}

impl CsvDecoder {
    /// Resolves the header row (one line, without terminator), as the page reader does.
    pub fn new(header: &[u8]) -> Result<CsvDecoder, String> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(header);
        let mut record = csv::ByteRecord::new();
        if !rdr
            .read_byte_record(&mut record)
            .map_err(|e| e.to_string())?
        {
            return Err("empty header".into());
        }
        Ok(CsvDecoder {
            schema: Schema::from_header(record.iter())?,
            records: CsvRecords::new(),
            flight: Flight::default(),
        })
    }

    /// Decodes every non-empty line of `page`, handing each result to `each` until it
    /// returns `false`. Returns how many records were handed over.
    pub fn for_each(
        &mut self,
        page: &[u8],
        mut each: impl FnMut(Result<&Flight, RecordError>) -> bool,
    ) -> usize {
        let mut n = 0;
        self.records.reset();
        while self.records.next(page).is_some() {
            n += 1;
            let result = self.records.decode(page, &self.schema, &mut self.flight);
            if !each(result.map(|()| &self.flight)) {
                break;
            }
        }
        n
    }
}

/// Decodes NDJSON pages one line at a time, as the pipeline's workers do.
#[derive(Default)]
pub struct NdjsonDecoder {
    flight: Flight,
    members: ndjson::Members,
}

impl NdjsonDecoder {
    /// A decoder with an empty reusable flight.
    pub fn new() -> NdjsonDecoder {
        NdjsonDecoder::default()
    }

    /// Like [`CsvDecoder::for_each`]: blank lines are skipped, the others decoded.
    pub fn for_each(
        &mut self,
        page: &[u8],
        mut each: impl FnMut(Result<&Flight, RecordError>) -> bool,
    ) -> usize {
        let mut n = 0;
        for line in page.split(|&b| b == b'\n') {
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            n += 1;
            let result = ndjson::decode_any(line, &mut self.members, &mut self.flight);
            if !each(result.map(|()| &self.flight)) {
                break;
            }
        }
        n
    }
}

/// How an NDJSON line is judged by a worker whose filter reads `columns` (a bit mask
/// over [`crate::record::COLUMNS`], as [`crate::Filter::columns`] gives it), through
/// the flat scan (`None` when it does not apply) and through the JSON scan. The two
/// must always agree: the fuzz targets check it.
pub fn ndjson_judgements(
    line: &[u8],
    columns: u32,
) -> (
    Option<Result<Flight, RecordError>>,
    Result<Flight, RecordError>,
) {
    ndjson::judge_with_each_scanner(line, columns)
}

/// Decodes a CSV page whose first line is the header; returns how many records
/// decoded without error (0 when the header is unusable).
pub fn decode_csv_page(bytes_with_header: &[u8]) -> usize {
    let split = memchr::memchr(b'\n', bytes_with_header).map_or(bytes_with_header.len(), |i| i + 1);
    let (header, page) = bytes_with_header.split_at(split);
    let header = header.strip_suffix(b"\n").unwrap_or(header);
    let header = header.strip_suffix(b"\r").unwrap_or(header);
    let Ok(mut decoder) = CsvDecoder::new(header) else {
        return 0;
    };
    let mut ok = 0;
    decoder.for_each(page, |r| {
        ok += r.is_ok() as usize;
        true
    });
    ok
}

/// Decodes an NDJSON page; returns how many records decoded without error.
pub fn decode_ndjson_page(bytes: &[u8]) -> usize {
    let mut ok = 0;
    NdjsonDecoder::new().for_each(bytes, |r| {
        ok += r.is_ok() as usize;
        true
    });
    ok
}
