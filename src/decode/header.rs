//! A CSV header row, parsed in one place for everyone who reads one: the page reader
//! (`search`), [`crate::decode::CsvDecoder`], and `flightsift sql` (which names a
//! file's columns in the file's order).

use super::Schema;

impl Schema {
    /// Resolves a header row: one line, with or without its line end, split as CSV
    /// (a name may be quoted), then resolved as [`Schema::from_header`] resolves
    /// names. The error says why the header is unusable.
    ///
    /// ```
    /// use flightsift::decode::Schema;
    ///
    /// assert!(Schema::parse_header(flightsift::record::CSV_HEADER.as_bytes()).is_ok());
    /// let e = Schema::parse_header(b"provider,\"offer_id\"\r\n").unwrap_err();
    /// assert!(e.starts_with("missing required columns `origin`"), "{e}");
    /// assert_eq!(
    ///     Schema::parse_header(b"\n").unwrap_err(),
    ///     "the first line is empty; expected a header row"
    /// );
    /// ```
    pub fn parse_header(line: &[u8]) -> Result<Schema, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line);
        let mut record = csv::ByteRecord::new();
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| e.to_string())?
        {
            return Err("the first line is empty; expected a header row".into());
        }
        Schema::from_header(record.iter())
    }

    /// For each field of the input's records, in order, the canonical column it
    /// holds (an index into [`crate::record::COLUMNS`]), or `None` for a column
    /// flightsift does not read.
    pub(crate) fn columns_in_order(&self) -> impl Iterator<Item = Option<usize>> + '_ {
        (0..self.width).map(|i| self.position.iter().position(|&p| p == Some(i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{COLUMNS, CSV_HEADER};

    #[test]
    fn a_header_parses_the_same_however_it_is_written() {
        let plain = Schema::parse_header(CSV_HEADER.trim_end().as_bytes()).unwrap();
        let quoted: Vec<String> = COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
        let quoted = format!("\u{feff}{}\r\n", quoted.join(","));
        let quoted = Schema::parse_header(quoted.as_bytes()).unwrap();
        for schema in [&plain, &quoted] {
            assert!(schema.canonical);
            let order: Vec<Option<usize>> = schema.columns_in_order().collect();
            assert_eq!(order, (0..COLUMNS.len()).map(Some).collect::<Vec<_>>());
        }
    }

    #[test]
    fn columns_in_order_name_what_each_field_holds() {
        let schema = Schema::parse_header(
            b"note,offer_id,provider,origin,destination,departure,arrival,duration_min,stops,via,carriers,flight_numbers,layover_min,cabin,price,currency,seats,bags,refundable,co2_kg\n",
        )
        .unwrap();
        let order: Vec<Option<&str>> = schema
            .columns_in_order()
            .map(|c| c.map(|c| COLUMNS[c]))
            .collect();
        assert_eq!(
            order[..4],
            [None, Some("offer_id"), Some("provider"), Some("origin")]
        );
        assert_eq!(order.len(), 20);
        assert!(!schema.canonical);
    }
}
