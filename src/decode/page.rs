//! Decoding pages of canonical records without a [`crate::Search`]: the same code the
//! pipeline's workers run, one record at a time, on one thread.
//!
//! For callers that already hold the bytes (a message from a queue, a benchmark's
//! page, a fuzzer's input) and want each record as a [`Flight`] or a precise
//! [`RecordError`], with no threads, channels or files. A search is still the way to
//! read whole dumps: it pages, filters in parallel and stops early.

use crate::decode::{csv::CsvRecords, ndjson, Schema};
use crate::error::RecordError;
use crate::record::Flight;

/// Decodes canonical-CSV pages (whole lines, no header) of one input, one record at a
/// time, with the same code the pipeline's workers run.
///
/// Each record is decoded in full and checked (every field, and the cross-field rules
/// such as `stops` = number of `via` airports), into one reused [`Flight`].
///
/// ```
/// use flightsift::decode::CsvDecoder;
/// use flightsift::record::CSV_HEADER;
///
/// let mut decoder = CsvDecoder::new(CSV_HEADER.trim_end().as_bytes())?;
/// let page = concat!(
///     "duffel,off_1,JFK,LAX,2026-12-01T06:35:00-05:00,2026-12-01T09:50:00-08:00,",
///     "375,0,,B6,B623,,economy,189.40,USD,4,1,false,182,,\n",
///     "duffel,off_2,JFK,LAX,not a time,2026-12-01T09:50:00-08:00,",
///     "375,0,,B6,B623,,economy,189.40,USD,4,1,false,182,,\n",
/// );
/// let mut seen = Vec::new();
/// let n = decoder.for_each(page.as_bytes(), |record| {
///     seen.push(record.map(|f| f.offer_id.clone()).map_err(|e| e.field));
///     true // keep going
/// });
/// assert_eq!(n, 2);
/// assert_eq!(seen, [Ok("off_1".to_string()), Err(Some("departure"))]);
/// # Ok::<(), String>(())
/// ```
pub struct CsvDecoder {
    schema: Schema,
    records: CsvRecords,
    flight: Flight,
}

impl CsvDecoder {
    /// Resolves the header row (one line), as the page reader does
    /// ([`Schema::parse_header`]): columns may come in any order and unknown ones are
    /// ignored. The error says why a header is unusable (a missing required column, a
    /// duplicate, ...).
    pub fn new(header: &[u8]) -> Result<CsvDecoder, String> {
        Ok(CsvDecoder {
            schema: Schema::parse_header(header)?,
            records: CsvRecords::new(),
            flight: Flight::default(),
        })
    }

    /// Decodes every non-empty line of `page`, handing each result to `each` until it
    /// returns `false`. Returns how many records were handed over.
    ///
    /// The flight is lent, not given: it is reused for the next record, so nothing is
    /// allocated per record once it has grown; clone what you keep.
    pub fn for_each(
        &mut self,
        page: &[u8],
        mut each: impl FnMut(Result<&Flight, RecordError>) -> bool,
    ) -> usize {
        let mut n = 0;
        self.records.reset(&self.schema);
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

/// Decodes NDJSON pages (one JSON object per line) one line at a time, as the
/// pipeline's workers do.
///
/// ```
/// use flightsift::decode::NdjsonDecoder;
///
/// let line = r#"{"provider":"duffel","offer_id":"off_1","origin":"JFK","destination":"LAX",
///   "departure":"2026-12-01T06:35:00-05:00","arrival":"2026-12-01T09:50:00-08:00",
///   "duration_min":375,"stops":0,"via":[],"carriers":["B6"],"flight_numbers":["B623"],
///   "layover_min":[],"cabin":"economy","price":189.40,"currency":"USD"}"#.replace('\n', "");
/// let mut decoder = NdjsonDecoder::new();
/// let mut price = None;
/// decoder.for_each(line.as_bytes(), |f| {
///     price = Some(f.map(|f| f.price.to_string()));
///     true
/// });
/// assert_eq!(price, Some(Ok("189.40".to_string())));
/// ```
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

    /// Like [`CsvDecoder::for_each`]: blank lines are skipped, the others decoded in
    /// full (absent optional members are unknown, absent required ones an error).
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

/// How one NDJSON line is judged by each of the two scanners a worker may use, for a
/// filter that reads `columns` first (a bit mask over [`crate::record::COLUMNS`], as
/// [`crate::Filter::columns`] gives it).
///
/// A worker takes a fast flat scan for lines that are one flat object and a full JSON
/// scan otherwise; which one ran must never change the outcome. This exposes both so
/// that tests and fuzz targets can check that promise on any bytes.
#[derive(Debug)]
pub struct NdjsonJudgements {
    /// Through the flat scan; `None` when the line is not one it handles.
    pub flat: Option<Result<Flight, RecordError>>,
    /// Through the JSON scan (always applies).
    pub json: Result<Flight, RecordError>,
}

impl NdjsonJudgements {
    /// Judges `line` (one record, no terminator) both ways.
    ///
    /// ```
    /// use flightsift::decode::NdjsonJudgements;
    ///
    /// let all = (1u32 << flightsift::record::COLUMNS.len()) - 1;
    /// let j = NdjsonJudgements::of(br#"{"provider":"duffel","stops":"two"}"#, all);
    /// assert!(j.json.is_err());
    /// assert!(j.agree());
    /// ```
    pub fn of(line: &[u8], columns: u32) -> NdjsonJudgements {
        let (flat, json) = ndjson::judge_with_each_scanner(line, columns);
        NdjsonJudgements { flat, json }
    }

    /// Whether the two scanners agree (same flight, or the same error), or only the
    /// JSON scan applied.
    pub fn agree(&self) -> bool {
        self.flat.as_ref().is_none_or(|flat| *flat == self.json)
    }
}
