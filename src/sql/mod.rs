//! `flightsift sql`: a compiled filter as one SQL query for DuckDB, Spark or Trino, or
//! (`--source`) as a script that first makes a view over the dump files.
//!
//! The query is generated from the *compiled* tree, not from the text, so every literal
//! means in SQL exactly what it means to `search` (`7h30m` is already 450 minutes,
//! `jfk` is already `JFK`, a date-time with an offset is already an instant). What is
//! left is stating the record model in SQL without the usual pitfalls:
//!
//! * local time of day and local date come from the timestamp *text*
//!   (`substr(departure, 12, 8)`): casting to a timestamp with time zone would convert
//!   to UTC or the session zone and change the hour;
//! * comparisons with an offset (`2026-12-01T06:00:00Z`) parse the text as an instant;
//! * an empty list cell is NULL in DuckDB and Spark but an empty list to us, so list
//!   tests first ask whether the cell is empty;
//! * `min_layover`/`max_layover` are computed from the `;`-joined `layover_min`, NULL for
//!   a nonstop, as in `search`;
//! * prices are DECIMAL, never DOUBLE, so `price <= 250.10` is exact;
//! * SQL's three-valued logic is the filter's own: `NOT (bags >= 1)` stays NULL when
//!   bags is unknown, and `WHERE` keeps only rows that are definitely true.
//!
//! The ranking options ([`Options`]) follow `search`'s order of work: `--currency`
//! converts (a join with the rates file, exact, before `WHERE`), the filter selects,
//! `--dedupe` keeps one row per itinerary (a `row_number()` window), `--sort` orders
//! and `-n` cuts. What a dialect cannot express is refused with
//! [`SqlError::Unsupported`] saying why; where the query can only approximate
//! `search` (the order of rows tied on every sort key), [`Options`] says how.

//!
//! The rooms: `dialect.rs` (the engines, column types, quoting, errors), `expr.rs`
//! (the compiled filter as an SQL condition), `source.rs` (what the query reads: a
//! table, a CSV file, or dump files behind a view) and this file, which assembles
//! the query (conversion, `WHERE`, dedupe, order, limit).

mod dialect;
mod expr;
mod source;

pub use dialect::{column_type, columns_markdown, duckdb_path, Dialect, SqlError};
pub use expr::condition;
pub use source::{Files, FilesKind, Source};

use crate::currency::minor_unit;
use crate::filter::Filter;
use crate::record::{Currency, COLUMNS};
use crate::sort::{SortField, SortSpec};
use dialect::string;
use expr::{local, Writer};

/// What to do with the matching rows besides selecting them: `-n`, `--ordered`, and
/// the ranking options `--sort`, `--dedupe` and `--currency`/`--rates`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `LIMIT N`: at most N rows (any N matches unless `ordered` or `sort`).
    pub limit: Option<u64>,
    /// The rows in input order, so `limit` keeps the first N, as `search --ordered`.
    pub ordered: bool,
    /// `ORDER BY` the keys (departure and arrival as instants, unknown values last
    /// in both directions), then by `provider, offer_id`: `search` breaks ties by
    /// input order, which no canonical column holds, so the order of tied rows (and,
    /// with `limit`, which tied rows make the cut) may differ from `search`'s.
    pub sort: Option<SortSpec>,
    /// One row per itinerary (flight numbers, local departure, local return
    /// departure), after the `WHERE` filter: a `row_number()` window, `QUALIFY` in
    /// DuckDB, a subquery in Spark and Trino. The row kept is the first by `sort` (ties,
    /// and without `sort` every row, by `provider, offer_id`): `search` without
    /// `--sort` keeps the first it finds, any of them, so the two may keep different
    /// offers of one itinerary. With `ordered` and no `sort` it is refused (the first
    /// in input order cannot be expressed).
    pub dedupe: bool,
    /// Every price converted before the filter, sort and dedupe (DuckDB only).
    pub currency: Option<Conversion>,
}

/// `--currency CODE --rates FILE` in SQL: the rates file is read by the engine when
/// the query runs (DuckDB's `read_csv`, every column as text), each price converted
/// by the direct pair, else the inverse pair as `1/rate`, else (same currency) the
/// identity, with exact 128-bit integer arithmetic (`HUGEINT`) and one half-even
/// rounding to the target's minor unit, as [`crate::currency::Converter`] does it.
/// A row whose currency has no rate is dropped, as `search --on-error skip` skips it
/// (`search`'s default instead stops at such a row).
///
/// The file is taken as valid (the `sql` command checks it with
/// [`crate::currency::Rates::load`] first): a pair twice would duplicate rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// The currency every price is converted to.
    pub target: Currency,
    /// The rates file's path as the engine opens it (relative paths resolve where
    /// the query runs).
    pub rates: String,
}

/// The complete query: every canonical column of the rows `filter` accepts.
pub fn query(filter: &Filter, dialect: Dialect, source: &Source) -> Result<String, SqlError> {
    query_with(filter, dialect, source, Options::default())
}

/// The complete query (for [`Source::Files`], the complete script) with the
/// [`Options`]: the rates join, then `WHERE`, the dedupe window, `ORDER BY`, `LIMIT`.
pub fn query_with(
    filter: &Filter,
    dialect: Dialect,
    source: &Source,
    options: Options,
) -> Result<String, SqlError> {
    let condition = condition(filter, dialect);
    check_ranking(dialect, &options)?;
    let mut out = ordered_prefix(dialect, options.ordered)?;
    let from = match source {
        Source::Table(name) => name.clone(),
        Source::Csv { path, columns } => {
            if dialect != Dialect::DuckDb {
                return Err(SqlError::Unsupported(format!(
                    "a query over DUMP.csv is DuckDB's `read_csv`; for {0}, give the dumps with `--source PATH_OR_GLOB --dialect {0}` (a script that makes a view over them), or load them into a table and pass `--table NAME`",
                    dialect.name()
                )));
            }
            source::csv_relation(path, columns)
        }
        Source::Files { files, view } => {
            out += &source::view_statements(files, view, dialect)?;
            view.clone()
        }
    };
    out += &select(dialect, &from, &condition, &options);
    if dialect == Dialect::DuckDb || !matches!(source, Source::Table(_)) {
        out += ";";
    }
    Ok(out)
}

/// Refuses what `dialect` cannot express of the ranking options.
fn check_ranking(dialect: Dialect, options: &Options) -> Result<(), SqlError> {
    if options.currency.is_some() && dialect != Dialect::DuckDb {
        return Err(SqlError::Unsupported(format!(
            "--currency is translated for DuckDB only: the exact conversion (a rational rate and its inverse, in 128-bit integers, rounded half-even to the minor unit) is not written for {0}. Use --dialect duckdb, or convert first with `flightsift search DUMP --currency CODE --rates FILE -o converted.csv` and query that",
            dialect.name()
        )));
    }
    if options.dedupe && options.ordered && options.sort.is_none() {
        return Err(SqlError::Unsupported(
            "--dedupe --ordered without --sort keeps each itinerary's first offer in input order, and no canonical column holds a row's place in the dump, so no window can pick it. Add --sort (the best offer of each itinerary), drop --ordered (any one offer of each), or use `flightsift search --ordered --dedupe`".into(),
        ));
    }
    Ok(())
}

/// The `SELECT` over `from` (a table, a view or a parenthesised subquery with its
/// alias): the rates join, `WHERE`, the dedupe window, `ORDER BY`, `LIMIT`.
fn select(dialect: Dialect, from: &str, condition: &str, options: &Options) -> String {
    let w = Writer { d: dialect };
    let mut out = String::new();
    let from = match &options.currency {
        Some(conversion) => {
            out += &rates_cte(conversion);
            converted(from, conversion)
        }
        None => from.to_string(),
    };
    // The sort keys (without the tie-break), most significant first.
    let keys: Vec<String> = options
        .sort
        .iter()
        .flat_map(|s| s.keys())
        .map(|k| {
            let value = match k.field {
                SortField::Departure => w.instant("departure"),
                SortField::Arrival => w.instant("arrival"),
                other => other.column().to_string(),
            };
            let direction = if k.descending { "DESC" } else { "ASC" };
            format!("{value} {direction} NULLS LAST")
        })
        .chain(["provider ASC".to_string(), "offer_id ASC".to_string()])
        .collect();
    let keys = keys.join(", ");
    if options.dedupe {
        let partition = format!(
            "flight_numbers, {}, {}",
            local("departure"),
            local("NULLIF(return_departure, '')")
        );
        let window = format!("row_number() OVER (PARTITION BY {partition} ORDER BY {keys})");
        match dialect {
            Dialect::DuckDb => {
                out += &format!("SELECT *\nFROM {from}\nWHERE {condition}\nQUALIFY {window} = 1")
            }
            // No QUALIFY: the window in a subquery, its column left out above it.
            Dialect::Spark | Dialect::Trino => {
                out += &format!(
                    "SELECT {}\nFROM (\n  SELECT *, {window} AS dedupe_rank\n  FROM {from}\n  WHERE {condition}\n) AS deduped\nWHERE dedupe_rank = 1",
                    COLUMNS.join(", ")
                )
            }
        }
    } else {
        out += &format!("SELECT *\nFROM {from}\nWHERE {condition}");
    }
    if options.sort.is_some() {
        out += &format!("\nORDER BY {keys}");
    }
    if let Some(n) = options.limit {
        out += &format!("\nLIMIT {n}");
    }
    out
}

/// The name the rates table has in the query.
const RATES: &str = "flightsift_rates";

/// `WITH flightsift_rates AS (...)`: the rates file, each rate as the exact fraction
/// `rate_num / rate_den` of two integers (`1.08` is 108/100), as
/// [`crate::currency::Rate`] reads it.
fn rates_cte(conversion: &Conversion) -> String {
    let path = string(Dialect::DuckDb, &duckdb_path(&conversion.rates));
    format!(
        "WITH {RATES} AS (\n  SELECT \"from\" AS rate_from, \"to\" AS rate_to,\n    CAST(replace(rate, '.', '') AS HUGEINT) AS rate_num,\n    CAST('1' || repeat('0', length(split_part(rate, '.', 2))) AS HUGEINT) AS rate_den\n  FROM read_csv({path}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"',\n    columns = {{'from': 'VARCHAR', 'to': 'VARCHAR', 'rate': 'VARCHAR'}})\n)\n"
    )
}

/// `from` with every price converted to the target and rounded half-even to its minor
/// unit, `currency` the target, rows without a rate dropped: a parenthesised subquery.
///
/// `n / d` is the converted amount in minor units, exactly: the price in millionths
/// times the rate's numerator, over its denominator times `10^(6 - minor)`. DuckDB's
/// `round_even` would round a DECIMAL, but dividing by a rate is DOUBLE arithmetic
/// there, so the division and its rounding are integer arithmetic here.
fn converted(from: &str, conversion: &Conversion) -> String {
    let target = string(Dialect::DuckDb, conversion.target.as_str());
    let minor = minor_unit(conversion.target).min(6);
    let step = 10u64.pow(6 - u32::from(minor));
    let unit = if minor == 0 {
        String::new()
    } else {
        format!(" * 0.{}1", "0".repeat(usize::from(minor) - 1))
    };
    let q = "(conv_n // conv_d)";
    let r = "(conv_n % conv_d)";
    format!(
        "(\n  SELECT * EXCLUDE (conv_n, conv_d) REPLACE (\n    CAST(CAST({q} + CASE WHEN 2 * {r} > conv_d OR (2 * {r} = conv_d AND {q} % 2 = 1) THEN 1 ELSE 0 END AS DECIMAL(18,0)){unit} AS DECIMAL(18,6)) AS price,\n    {target} AS currency)\n  FROM (\n    SELECT * EXCLUDE (direct_from, direct_num, direct_den, inverse_to, inverse_num, inverse_den),\n      CAST(CAST(price AS DECIMAL(38,6)) * 1000000 AS HUGEINT)\n        * CASE WHEN currency = {target} THEN 1 ELSE coalesce(direct_num, inverse_den) END AS conv_n,\n      CASE WHEN currency = {target} THEN 1 ELSE coalesce(direct_den, inverse_num) END * {step} AS conv_d\n    FROM {from}\n    LEFT JOIN (SELECT rate_from AS direct_from, rate_num AS direct_num, rate_den AS direct_den FROM {RATES} WHERE rate_to = {target}) AS direct\n      ON direct_from = currency\n    LEFT JOIN (SELECT rate_to AS inverse_to, rate_num AS inverse_num, rate_den AS inverse_den FROM {RATES} WHERE rate_from = {target}) AS inverse\n      ON inverse_to = currency\n  ) AS joined\n  WHERE conv_d IS NOT NULL\n) AS converted",
        from = from.replace('\n', "\n    ")
    )
}

/// What `--ordered` needs in `dialect`: DuckDB keeps a scan's rows in file order (the
/// files of a list in list order, those of a glob sorted by name) unless
/// `preserve_insertion_order` is off, so the script turns it on; Spark and Trino have
/// no input order, and no canonical column holds one, so no query can give the first N.
fn ordered_prefix(dialect: Dialect, ordered: bool) -> Result<String, SqlError> {
    if !ordered {
        return Ok(String::new());
    }
    match dialect {
        Dialect::DuckDb => Ok("SET preserve_insertion_order = true;\n".into()),
        Dialect::Spark | Dialect::Trino => Err(SqlError::Unsupported(format!(
            "--ordered cannot be expressed for {}: it reads the files in parallel splits and returns the rows of a query without ORDER BY in any order, and no canonical column holds a row's place in the dump. Without --ordered, -n N selects any N matching rows (as `flightsift search -n N` does); for the first N in file order, use --dialect duckdb or `flightsift search --ordered`",
            dialect.name()
        ))),
    }
}

#[cfg(test)]
mod tests;
