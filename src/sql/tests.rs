//! `flightsift sql`: conditions, queries and scripts against hand-written SQL.

use super::expr::{decimal, local_text, time_text};
use super::*;
use crate::filter::parse_and_compile;
use crate::record::CSV_HEADER;

fn cond(text: &str, d: Dialect) -> String {
    condition(&parse_and_compile(text).unwrap(), d)
}

#[test]
fn literals_are_typed_as_search_types_them() {
    let d = Dialect::DuckDb;
    assert_eq!(cond("price <= 250.10", d), "price <= 250.1");
    assert_eq!(cond("price = 0.000001", d), "price = 0.000001");
    assert_eq!(cond("duration <= 7h30m", d), "duration_min <= 450");
    assert_eq!(cond("origin = jfk", d), "origin = 'JFK'");
    assert_eq!(
        cond("cabin in (Business, first)", d),
        "cabin IN ('business', 'first')"
    );
    assert_eq!(
        cond("depart_time < 06:00", d),
        "substr(departure, 12, 8) < '06:00:00'"
    );
    assert_eq!(
        cond("depart_date = 2026-12-24", d),
        "substr(departure, 1, 10) = '2026-12-24'"
    );
    assert_eq!(
        cond("departure >= 2026-12-01", d),
        "(substr(departure, 1, 10) || 'T' || substr(departure, 12, 8)) >= '2026-12-01T00:00:00'"
    );
    assert_eq!(
        cond("departure < 2026-12-01T06:00:00-05:00", d),
        "CAST(upper(departure) AS TIMESTAMPTZ) < TIMESTAMPTZ '2026-12-01 11:00:00+00:00'"
    );
    assert_eq!(
        cond("departure < 0001-01-01T00:00:00+05:30", d),
        "CAST(upper(departure) AS TIMESTAMPTZ) < to_timestamp(-62135616600)"
    );
    assert_eq!(cond("refundable", d), "refundable = TRUE");
    assert_eq!(cond("bags is null", d), "bags IS NULL");
    assert_eq!(
        cond("return_depart_time is not null", d),
        "NOT (NULLIF(return_departure, '') IS NULL)"
    );
    assert_eq!(
        cond("min_layover is null", d),
        "coalesce(layover_min, '') = ''"
    );
    assert_eq!(cond("stops is null", d), "FALSE");
    assert_eq!(cond("stops != 1", d), "stops <> 1");
    assert_eq!(
        cond("provider = Kiwi", d),
        "translate(provider, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = 'kiwi'"
    );
    assert_eq!(cond("offer_id = 'it''s'", d), "offer_id = 'it''s'");
    assert_eq!(
        cond("offer_id = 'it''s'", Dialect::Spark),
        "offer_id = 'it\\'s'"
    );
}

#[test]
fn lists_treat_an_empty_cell_as_an_empty_list() {
    assert_eq!(
        cond("via has ord", Dialect::DuckDb),
        "CASE WHEN coalesce(via, '') = '' THEN FALSE ELSE list_contains(string_split(via, ';'), 'ORD') END"
    );
    assert_eq!(
        cond("carriers in (AA, dl)", Dialect::DuckDb),
        "CASE WHEN coalesce(carriers, '') = '' THEN TRUE ELSE list_has_all(['AA', 'DL'], string_split(carriers, ';')) END"
    );
    assert_eq!(
        cond("flight_numbers has aa100", Dialect::Trino),
        "CASE WHEN coalesce(flight_numbers, '') = '' THEN FALSE ELSE any_match(split(flight_numbers, ';'), x -> x = 'AA100') END"
    );
    assert_eq!(
        cond("layover_min in (45, 1h)", Dialect::Spark),
        "CASE WHEN coalesce(layover_min, '') = '' THEN TRUE ELSE forall(split(layover_min, ';'), x -> CAST(x AS BIGINT) IN (45, 60)) END"
    );
    assert_eq!(
        cond("min_layover >= 45m", Dialect::DuckDb),
        "list_min(CAST(string_split(NULLIF(layover_min, ''), ';') AS BIGINT[])) >= 45"
    );
}

#[test]
fn logic_keeps_its_shape() {
    let d = Dialect::DuckDb;
    assert_eq!(cond("not (bags >= 1)", d), "NOT (bags >= 1)");
    assert_eq!(
        cond("(price < 300 or cabin = business) and not (provider = kiwi)", d),
        "(price < 300 OR cabin = 'business')\n  AND NOT (translate(provider, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = 'kiwi')"
    );
    assert_eq!(
        cond("stops not between 1 and 2", d),
        "NOT (stops >= 1 AND stops <= 2)"
    );
    assert_eq!(condition(&Filter::all(), d), "TRUE");
}

#[test]
fn queries_for_tables_and_files() {
    let f = parse_and_compile("stops = 0").unwrap();
    let t = Source::Table("lake.flights".into());
    assert_eq!(
        query(&f, Dialect::Trino, &t).unwrap(),
        "SELECT *\nFROM lake.flights\nWHERE stops = 0"
    );
    assert_eq!(
        query(&f, Dialect::DuckDb, &t).unwrap(),
        "SELECT *\nFROM lake.flights\nWHERE stops = 0;"
    );
    let header: Vec<&[u8]> = COLUMNS.iter().map(|c| c.as_bytes()).collect();
    let csv = Source::csv("it's.csv", header).unwrap();
    let q = query(&f, Dialect::DuckDb, &csv).unwrap();
    assert!(
        q.starts_with("SELECT *\nFROM read_csv('it''s.csv', header = true, auto_detect = false"),
        "{q}"
    );
    assert!(q.contains("'price': 'DECIMAL(18,6)'"), "{q}");
    assert!(q.ends_with("WHERE stops = 0;"), "{q}");
    assert!(matches!(
        query(&f, Dialect::Spark, &csv),
        Err(SqlError::Unsupported(_))
    ));

    // 19 columns, reordered, with an extra one.
    let mut header: Vec<&[u8]> = COLUMNS[..19].iter().rev().map(|c| c.as_bytes()).collect();
    header.push(b"note");
    let csv = Source::csv("d.csv", header).unwrap();
    let q = query(&f, Dialect::DuckDb, &csv).unwrap();
    assert!(
        q.contains("CAST(NULL AS VARCHAR) AS return_departure"),
        "{q}"
    );
    assert!(q.contains("'co2_kg': 'BIGINT'"), "{q}");
    assert!(q.contains("'extra_20': 'VARCHAR'"), "{q}");

    let missing = Source::csv("d.csv", vec![&b"provider"[..]]).unwrap_err();
    assert!(missing.starts_with("missing required columns"), "{missing}");
}

#[test]
fn paths_are_named_literally_for_duckdb() {
    assert_eq!(duckdb_path("dump.csv"), "dump.csv");
    assert_eq!(duckdb_path("a[1].csv"), "a[[]1].csv");
    assert_eq!(duckdb_path("/d[1]/b*?.csv"), "/d[[]1]/b[*][?].csv");
    assert_eq!(duckdb_path("r].csv"), "r].csv");
    assert_eq!(duckdb_path("c{1,2}.csv"), "c{1,2}.csv");
    assert_eq!(duckdb_path("s3://b/x.csv"), "./s3://b/x.csv");
    assert_eq!(duckdb_path("/s3://b/x.csv"), "/s3://b/x.csv");
    assert_eq!(duckdb_path("d/s3://x.csv"), "d/s3://x.csv");
    let header: Vec<&[u8]> = COLUMNS.iter().map(|c| c.as_bytes()).collect();
    let csv = Source::csv("it's [1].csv", header).unwrap();
    let q = query(&Filter::all(), Dialect::DuckDb, &csv).unwrap();
    assert!(q.contains("read_csv('it''s [[]1].csv', "), "{q}");
}

#[test]
fn source_scripts_name_the_files_and_end_each_statement() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    std::fs::write(at("a[1].csv"), CSV_HEADER).unwrap();
    let all = Filter::all();
    let script = |path: &str, d: Dialect, limit, ordered| {
        let files = Files::resolve(path, d)?;
        let source = Source::Files {
            files,
            view: "flights".into(),
        };
        query_with(
            &all,
            d,
            &source,
            Options {
                limit,
                ordered,
                ..Options::default()
            },
        )
    };
    let spark = script(&at("a[1].csv"), Dialect::Spark, Some(5), false).unwrap();
    // Hadoop reads `[1]` as a pattern unless escaped; Spark's literals escape `\`.
    assert!(spark.contains(r"a\\[1\\].csv', header 'true'"), "{spark}");
    assert!(
        spark.ends_with("FROM flights\nWHERE TRUE\nLIMIT 5;"),
        "{spark}"
    );
    assert_eq!(spark.matches(";\n").count(), 1, "{spark}");
    let duck = script(&at("a[1].csv"), Dialect::DuckDb, Some(5), true).unwrap();
    assert!(
        duck.starts_with("SET preserve_insertion_order = true;\n"),
        "{duck}"
    );
    assert!(duck.contains("read_csv('"), "{duck}");
    assert!(duck.contains("a[[]1].csv'"), "{duck}");
    for (path, d) in [
        ("s3://b/d/*.csv", Dialect::Spark),
        ("s3://b/d/", Dialect::Trino),
    ] {
        let e = script(path, d, None, true).unwrap_err().to_string();
        assert!(e.starts_with("--ordered cannot be expressed"), "{e}");
    }

    let trino = script("s3://b/d/", Dialect::Trino, Some(1), false).unwrap();
    assert!(trino.contains("external_location = 's3://b/d/'"), "{trino}");
    assert!(
        trino.contains("CAST(NULLIF(price, '') AS DECIMAL(18,6)) AS price"),
        "{trino}"
    );
    let e = script(&at("a[1].csv"), Dialect::Trino, None, false).unwrap_err();
    assert!(e.to_string().contains("URL of a directory"), "{e}");

    // NDJSON lists are arrays: the view joins them as the CSV writes them.
    let json = script("s3://b/d/*.ndjson.gz", Dialect::Spark, None, false).unwrap();
    assert!(json.contains("layover_min ARRAY<BIGINT>"), "{json}");
    assert!(json.contains("array_join(via, ';') AS via"), "{json}");
    assert!(
        json.contains("USING json OPTIONS (path 's3://b/d/*.ndjson.gz'"),
        "{json}"
    );

    std::fs::write(at("b.csv"), "offer_id,provider\n").unwrap();
    let refused = [
        (at("b.csv"), "not a canonical dump"),
        ("d/*".into(), "must end with the files' extension"),
        (at("nope.csv"), "cannot read"),
        ("s3://b/d/".into(), "name them with a pattern"),
        ("s3://b/x.txt".into(), "cannot tell the format"),
        ("a;b.csv".into(), "may not contain `;`"),
    ];
    for (path, message) in refused {
        let e = script(&path, Dialect::DuckDb, None, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains(message), "{path}: {e}");
    }

    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    std::fs::write(parts.join("_SUCCESS"), "").unwrap();
    std::fs::write(parts.join("1.csv.gz"), "").unwrap();
    std::fs::write(parts.join("2.csv"), CSV_HEADER).unwrap();
    let parts = parts.to_str().unwrap();
    let duck = script(parts, Dialect::DuckDb, None, false).unwrap();
    assert!(duck.contains("/parts/*.csv', '"), "{duck}");
    assert!(duck.contains("/parts/*.csv.gz']"), "{duck}");
    std::fs::write(dir.path().join("parts/3.ndjson"), "").unwrap();
    let e = script(parts, Dialect::Spark, None, false).unwrap_err();
    assert!(e.to_string().contains("both CSV and NDJSON"), "{e}");
    std::fs::write(dir.path().join("parts/3.ndjson"), "").unwrap();
    std::fs::rename(
        dir.path().join("parts/3.ndjson"),
        dir.path().join("parts/3.txt"),
    )
    .unwrap();
    let e = script(parts, Dialect::Spark, None, false).unwrap_err();
    assert!(e.to_string().contains("`3.txt` is not a dump"), "{e}");
}

#[test]
fn sort_dedupe_and_currency() {
    let f = parse_and_compile("stops = 0").unwrap();
    let t = Source::Table("flights".into());
    let opts = |sort: &str, dedupe, limit| Options {
        limit,
        sort: (!sort.is_empty()).then(|| sort.parse().unwrap()),
        dedupe,
        ..Options::default()
    };
    assert_eq!(
        query_with(&f, Dialect::Trino, &t, opts("price,-co2_kg", false, Some(10))).unwrap(),
        "SELECT *\nFROM flights\nWHERE stops = 0\nORDER BY price ASC NULLS LAST, co2_kg DESC NULLS LAST, provider ASC, offer_id ASC\nLIMIT 10"
    );
    let duck = query_with(&f, Dialect::DuckDb, &t, opts("departure", false, None)).unwrap();
    assert!(
        duck.ends_with("ORDER BY CAST(upper(departure) AS TIMESTAMPTZ) ASC NULLS LAST, provider ASC, offer_id ASC;"),
        "{duck}"
    );
    let itinerary = "PARTITION BY flight_numbers, (substr(departure, 1, 10) || 'T' || substr(departure, 12, 8)), (substr(NULLIF(return_departure, ''), 1, 10) || 'T' || substr(NULLIF(return_departure, ''), 12, 8))";
    let duck = query_with(&f, Dialect::DuckDb, &t, opts("price", true, Some(3))).unwrap();
    assert_eq!(
        duck,
        format!("SELECT *\nFROM flights\nWHERE stops = 0\nQUALIFY row_number() OVER ({itinerary} ORDER BY price ASC NULLS LAST, provider ASC, offer_id ASC) = 1\nORDER BY price ASC NULLS LAST, provider ASC, offer_id ASC\nLIMIT 3;")
    );
    // No QUALIFY in Spark: a subquery, and the canonical columns without its rank.
    let spark = query_with(&f, Dialect::Spark, &t, opts("", true, Some(3))).unwrap();
    assert!(
        spark.starts_with("SELECT provider, offer_id, origin,"),
        "{spark}"
    );
    assert!(
        spark.contains(&format!("  SELECT *, row_number() OVER ({itinerary} ORDER BY provider ASC, offer_id ASC) AS dedupe_rank\n  FROM flights\n  WHERE stops = 0\n) AS deduped\nWHERE dedupe_rank = 1\nLIMIT 3")),
        "{spark}"
    );
    // What cannot be expressed is refused, saying why.
    let mut first = opts("", true, Some(3));
    first.ordered = true;
    let e = query_with(&f, Dialect::DuckDb, &t, first)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("--dedupe --ordered without --sort"), "{e}");
    let mut usd = opts("price", false, Some(3));
    usd.currency = Some(Conversion {
        target: Currency::parse(b"JPY").unwrap(),
        rates: "r[1].csv".into(),
    });
    let e = query_with(&f, Dialect::Trino, &t, usd.clone())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("--currency is translated for DuckDB only"),
        "{e}"
    );
    let duck = query_with(&f, Dialect::DuckDb, &t, usd).unwrap();
    assert!(duck.starts_with("WITH flightsift_rates AS ("), "{duck}");
    assert!(
        duck.contains("FROM read_csv('r[[]1].csv', header = true"),
        "{duck}"
    );
    // Yen have no minor unit: whole yen, and 10^6 millionths to the unit.
    assert!(
        duck.contains(
            "ELSE 0 END AS DECIMAL(18,0)) AS DECIMAL(18,6)) AS price,\n    'JPY' AS currency)"
        ),
        "{duck}"
    );
    assert!(duck.contains("END * 1000000 AS conv_d"), "{duck}");
    assert!(duck.contains("    FROM flights\n    LEFT JOIN"), "{duck}");
    assert!(
        duck.contains(") AS converted\nWHERE stops = 0\nORDER BY price"),
        "{duck}"
    );
}

#[test]
fn helpers() {
    assert_eq!(decimal(250_100_000), "250.1");
    assert_eq!(decimal(7), "0.000007");
    assert_eq!(decimal(41_200_000_000), "41200");
    assert_eq!(time_text(86_399), "23:59:59");
    assert_eq!(local_text(86_400 + 60), "1970-01-02T00:01:00");
}
