//! The canonical columns, defined once.
//!
//! Everything that names or types a column (the CSV header, the column indices, the
//! name lookup the decoders run for every field, the JSON kinds in NDJSON errors, the
//! SQL types of `flightsift sql`, which columns may be unknown) is generated from the
//! table at the bottom of this file, so adding or renaming a column is one edit.

/// What a column holds, as far as the formats around the record care: how NDJSON
/// spells it and which SQL type a table of canonical rows gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text: names, codes, timestamps, the cabin.
    Text,
    /// A non-negative integer.
    Integer,
    /// An exact decimal (the price).
    Decimal,
    /// `true` or `false`.
    Bool,
    /// A list of codes (`;`-separated in CSV).
    TextList,
    /// A list of integers (`;`-separated in CSV).
    IntegerList,
}

impl Kind {
    /// How an NDJSON member of this kind must look (for error messages).
    pub fn json(self) -> &'static str {
        match self {
            Kind::Text => "string",
            Kind::Integer => "integer",
            Kind::Decimal => "number or decimal string",
            Kind::Bool => "bool",
            Kind::TextList => "array of strings",
            Kind::IntegerList => "array of integers",
        }
    }
}

macro_rules! columns {
    ($( $index:ident $name:ident $bytes:literal $kind:ident $($unknown:ident)? ;)*) => {
        /// The canonical columns, in output order. The first
        /// [`REQUIRED_COLUMNS`](crate::record::REQUIRED_COLUMNS) are required in a CSV
        /// header.
        pub const COLUMNS: [&str; [$(stringify!($name)),*].len()] = [$(stringify!($name)),*];

        /// The canonical CSV header line, with its newline.
        pub const CSV_HEADER: &str = columns!(@header $($name)*);

        /// Each column's member name as the JSON writer puts it before the value:
        /// `{"provider":` for the first column, `,"offer_id":` for the next, and so on.
        pub(crate) const JSON_KEYS: [&str; COLUMNS.len()] = columns!(@keys $($name)*);

        /// What each column holds, by index.
        pub const KINDS: [Kind; COLUMNS.len()] = [$(Kind::$kind),*];

        /// Canonical column positions, as indices into [`COLUMNS`].
        pub(crate) mod col {
            columns!(@index 0usize; $($index)*);

            /// The columns whose value can be unknown (an empty CSV cell, a JSON `null`
            /// or an absent NDJSON member): the `Option` fields of
            /// [`crate::record::Flight`].
            pub const MAY_BE_UNKNOWN: u32 = 0 $(| columns!(@unknown $index $($unknown)?))*;
        }

        /// Canonical column index of a column name. A `match` on byte strings compiles
        /// to a length-then-bytes dispatch: this runs for every member of every NDJSON
        /// line.
        #[inline]
        pub(crate) fn column_index(name: &[u8]) -> Option<usize> {
            Some(match name {
                $($bytes => col::$index,)*
                _ => return None,
            })
        }

        #[cfg(test)]
        const NAME_BYTES: [&[u8]; COLUMNS.len()] = [$($bytes),*];
    };
    (@keys $first:ident $($rest:ident)*) => {
        [
            concat!("{\"", stringify!($first), "\":")
            $(, concat!(",\"", stringify!($rest), "\":"))*
        ]
    };
    (@header $first:ident $($rest:ident)*) => {
        concat!(stringify!($first) $(, ",", stringify!($rest))*, "\n")
    };
    (@index $n:expr; $first:ident $($rest:ident)*) => {
        #[allow(missing_docs)]
        pub const $first: usize = $n;
        columns!(@index $n + 1; $($rest)*);
    };
    (@index $n:expr;) => {};
    (@unknown $index:ident unknown) => { 1 << $index };
    (@unknown $index:ident) => { 0 };
}

columns! {
    // index           name              name as bytes        kind         may be unknown
    PROVIDER           provider          b"provider"          Text;
    OFFER_ID           offer_id          b"offer_id"          Text;
    ORIGIN             origin            b"origin"            Text;
    DESTINATION        destination       b"destination"       Text;
    DEPARTURE          departure         b"departure"         Text;
    ARRIVAL            arrival           b"arrival"           Text;
    DURATION_MIN       duration_min      b"duration_min"      Integer;
    STOPS              stops             b"stops"             Integer;
    VIA                via               b"via"               TextList;
    CARRIERS           carriers          b"carriers"          TextList;
    FLIGHT_NUMBERS     flight_numbers    b"flight_numbers"    TextList;
    LAYOVER_MIN        layover_min       b"layover_min"       IntegerList;
    CABIN              cabin             b"cabin"             Text          unknown;
    PRICE              price             b"price"             Decimal;
    CURRENCY           currency          b"currency"          Text;
    SEATS              seats             b"seats"             Integer       unknown;
    BAGS               bags              b"bags"              Integer       unknown;
    REFUNDABLE         refundable        b"refundable"        Bool          unknown;
    CO2_KG             co2_kg            b"co2_kg"            Integer       unknown;
    RETURN_DEPARTURE   return_departure  b"return_departure"  Text          unknown;
    RETURN_ARRIVAL     return_arrival    b"return_arrival"    Text          unknown;
}

/// Every canonical column, as a bit mask (bit `i` = `COLUMNS[i]`).
pub(crate) const ALL_COLUMNS: u32 = (1 << COLUMNS.len()) - 1;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_definition_agrees_with_the_table() {
        assert_eq!(
            CSV_HEADER,
            "provider,offer_id,origin,destination,departure,arrival,duration_min,stops,via,\
             carriers,flight_numbers,layover_min,cabin,price,currency,seats,bags,refundable,\
             co2_kg,return_departure,return_arrival\n"
        );
        assert_eq!(
            CSV_HEADER.trim_end().split(',').collect::<Vec<_>>(),
            COLUMNS
        );
        for (i, name) in COLUMNS.iter().enumerate() {
            assert_eq!(NAME_BYTES[i], name.as_bytes(), "the byte name of `{name}`");
            assert_eq!(column_index(name.as_bytes()), Some(i), "{name}");
        }
        assert_eq!(column_index(b"note"), None);
        assert_eq!(JSON_KEYS[0], r#"{"provider":"#);
        assert_eq!(JSON_KEYS[col::RETURN_ARRIVAL], r#","return_arrival":"#);
        for (key, name) in JSON_KEYS.iter().zip(COLUMNS) {
            assert_eq!(&key[2..key.len() - 2], name);
        }
        assert_eq!(col::RETURN_ARRIVAL, COLUMNS.len() - 1);
        assert_eq!(
            each_column(ALL_COLUMNS).collect::<Vec<_>>(),
            (0..COLUMNS.len()).collect::<Vec<_>>()
        );
        assert_eq!(
            each_column(col::MAY_BE_UNKNOWN)
                .map(|c| COLUMNS[c])
                .collect::<Vec<_>>(),
            [
                "cabin",
                "seats",
                "bags",
                "refundable",
                "co2_kg",
                "return_departure",
                "return_arrival"
            ]
        );
    }
}
