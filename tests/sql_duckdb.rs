//! Differential test: `flightsift search --where E` against DuckDB running the query of
//! `flightsift sql --where E`, on random canonical dumps and random expressions.
//!
//! The dumps are full of the values that break SQL translations: unknown cells, empty
//! lists (nonstops), several stops, times of day at 00:00 and 23:59:59, dates at month
//! and year ends, offsets such as +05:30, -03:00, +14:00 and `Z`, prices on boundaries.
//! Both sides must return the same set of `(provider, offer_id)`.
//!
//! Knobs: `FLIGHTSIFT_DIFF_SEED` (replay a run), `FLIGHTSIFT_DIFF_DUMPS`,
//! `FLIGHTSIFT_DIFF_CASES` (expressions per dump), `FLIGHTSIFT_DIFF_ENGINE` (`python`
//! or `cli`). DuckDB comes from the Python package `duckdb` of `FLIGHTSIFT_PYTHON`
//! (default `python3`; `.ci/run` points it at a virtual environment) or the `duckdb` CLI.
//! Without either the tests are skipped, loudly, unless `CI` is set: then they fail.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_flightsift");

type Rows = BTreeSet<(String, String)>;

// ---------------------------------------------------------------- randomness

/// SplitMix64: tiny, seedable, good enough to pick test values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// True with probability `pct` percent.
    fn pct(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
}

// ---------------------------------------------------------------- dumps

/// Providers compare ignoring ASCII case only: `zürich` is not `ZÜRICH`.
const PROVIDERS: &[&str] = &[
    "kiwi", "Kiwi", "KIWI", "duffel", "amadeus", "Sabre", "zürich", "ZÜRICH", "Zürich",
];
const AIRPORTS: &[&str] = &["JFK", "LAX", "SFO", "ORD", "DEN", "ATL", "SAN"];
const CARRIERS: &[&str] = &["AA", "DL", "B6", "UA", "NK"];
const NUMBERS: &[&str] = &["1", "10", "100", "1000", "1234", "100A"];
const DATES: &[&str] = &[
    "2026-12-30",
    "2026-12-31",
    "2027-01-01",
    "2027-01-02",
    "2028-02-29",
    "2028-03-01",
];
const TIMES: &[&str] = &[
    "00:00:00", "00:00:59", "00:01:00", "05:59:59", "06:00:00", "11:59:00", "11:59:59", "12:00:00",
    "22:00:00", "23:59:00", "23:59:59",
];
const OFFSETS: &[&str] = &[
    "Z", "+00:00", "-05:00", "+05:30", "-03:00", "+14:00", "-12:00", "+09:45", "-00:30",
];
const DURATIONS: &[&str] = &[
    "0", "30", "90", "419", "420", "421", "449", "450", "451", "1440",
];
/// `045` is 45 minutes, as to any integer reader.
const LAYOVERS: &[&str] = &[
    "045", "0", "30", "44", "45", "46", "59", "60", "179", "180", "181", "600",
];
const PRICES: &[&str] = &[
    "0450.50",
    "0",
    "0.01",
    "120",
    "249.99",
    "250",
    "250.1",
    "250.10",
    "299.999999",
    "300",
    "450",
    "450.00",
    "450.01",
    "1200",
];
const CABINS: &[&str] = &["economy", "premium_economy", "business", "first"];
use crate::util::HEADER;

/// A date; rarely one at the ends of the 4-digit years, where instants leave them.
fn date(r: &mut Rng) -> &'static str {
    let pool: &[&'static str] = if r.pct(3) {
        &["0001-01-01", "9999-12-31"]
    } else {
        DATES
    };
    pool[r.below(pool.len())]
}

fn stamp(r: &mut Rng) -> String {
    let time = if r.pct(70) {
        r.pick(TIMES).to_string()
    } else {
        format!("{:02}:{:02}:{:02}", r.below(24), r.below(60), r.below(60))
    };
    // RFC 3339 also allows a space or a lowercase `t`, and a lowercase `z`.
    let sep = if r.pct(8) { *r.pick(&[" ", "t"]) } else { "T" };
    let mut off = r.pick(OFFSETS).to_string();
    if off == "Z" && r.pct(20) {
        off = "z".into();
    }
    format!("{}{sep}{time}{off}", date(r))
}

fn optional(r: &mut Rng, values: &[&str]) -> String {
    if r.pct(30) {
        String::new()
    } else {
        r.pick(values).to_string()
    }
}

fn row(r: &mut Rng, i: usize) -> Vec<String> {
    let stops = r.below(4);
    let carriers: Vec<&str> = (0..=stops).map(|_| *r.pick(CARRIERS)).collect();
    let numbers: Vec<String> = carriers
        .iter()
        .map(|c| format!("{c}{}", r.pick(NUMBERS)))
        .collect();
    let join = |r: &mut Rng, pool: &[&str]| {
        (0..stops)
            .map(|_| r.pick(pool).to_string())
            .collect::<Vec<_>>()
            .join(";")
    };
    let via = join(r, AIRPORTS);
    let layovers = join(r, LAYOVERS);
    let price = if r.pct(70) {
        r.pick(PRICES).to_string()
    } else {
        format!("{}.{:02}", r.below(2000), r.below(100))
    };
    let maybe_stamp = |r: &mut Rng| if r.pct(40) { stamp(r) } else { String::new() };
    vec![
        r.pick(PROVIDERS).to_string(),
        // Some ids need quoting in SQL.
        match i % 7 {
            3 => format!("o{i}'q"),
            5 => format!("o{i},x"),
            _ => format!("o{i}"),
        },
        r.pick(AIRPORTS).to_string(),
        r.pick(AIRPORTS).to_string(),
        stamp(r),
        stamp(r),
        if r.pct(70) {
            r.pick(DURATIONS).to_string()
        } else {
            r.below(2000).to_string()
        },
        stops.to_string(),
        via,
        carriers.join(";"),
        numbers.join(";"),
        layovers,
        r.pick(CABINS).to_string(),
        price,
        r.pick(&["USD", "EUR"]).to_string(),
        optional(r, &["0", "1", "02", "2", "9"]),
        optional(r, &["0", "1", "2"]),
        optional(r, &["true", "false"]),
        optional(r, &["0", "100", "499", "500", "501"]),
        maybe_stamp(r),
        maybe_stamp(r),
    ]
}

/// A CSV line; cells with a comma are quoted, and a few others, as CSV writers may do.
fn csv_line(r: &mut Rng, cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains(',') || r.pct(4) {
                format!("\"{c}\"")
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// One dump file: its header, data lines (with their offer ids) and line ending. Most
/// are canonical; some lack the optional `return_*` columns, some have the columns in
/// another order plus an extra one, which `flightsift sql` must map from the header.
struct Dump {
    header: String,
    lines: Vec<String>,
    ids: Vec<String>,
    eol: &'static str,
    bom: bool,
}

impl Dump {
    fn random(r: &mut Rng, rows: &[Vec<String>]) -> Dump {
        let names: Vec<&str> = HEADER.split(',').collect();
        // For each column of the file: a canonical column, or None for an extra one.
        let mut order: Vec<Option<usize>> = match r.below(6) {
            0 => (0..19).map(Some).collect(),
            1 => {
                let mut o: Vec<Option<usize>> = (0..21).map(Some).collect();
                for i in (1..o.len()).rev() {
                    o.swap(i, r.below(i + 1));
                }
                o
            }
            _ => (0..21).map(Some).collect(),
        };
        if order.len() == 21 && order != (0..21).map(Some).collect::<Vec<_>>() {
            order.insert(r.below(22), None);
        }
        let header = order
            .iter()
            .map(|c| c.map_or("note", |c| names[c]))
            .collect::<Vec<_>>()
            .join(",");
        let lines = rows
            .iter()
            .map(|cells| {
                let picked: Vec<String> = order
                    .iter()
                    .map(|c| c.map_or_else(|| "extra".to_string(), |c| cells[c].clone()))
                    .collect();
                csv_line(r, &picked)
            })
            .collect();
        Dump {
            header,
            lines,
            ids: rows.iter().map(|c| c[1].clone()).collect(),
            eol: if r.pct(20) { "\r\n" } else { "\n" },
            bom: r.pct(10),
        }
    }

    /// The file's text with only the rows whose offer id `keep` accepts.
    fn text(&self, keep: impl Fn(&str) -> bool) -> String {
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        out += &self.header;
        out += self.eol;
        for (line, id) in self.lines.iter().zip(&self.ids) {
            if keep(id) {
                out += line;
                out += self.eol;
            }
        }
        out
    }
}

// ---------------------------------------------------------------- expressions

/// An expression as a tree, so a failing one can be shrunk.
#[derive(Clone, Debug)]
enum G {
    Leaf(String),
    And(Vec<G>),
    Or(Vec<G>),
    Not(Box<G>),
}

impl G {
    fn text(&self) -> String {
        let inner = |g: &G| match g {
            G::And(_) | G::Or(_) => format!("({})", g.text()),
            _ => g.text(),
        };
        match self {
            G::Leaf(s) => s.clone(),
            G::And(v) => v.iter().map(inner).collect::<Vec<_>>().join(" and "),
            G::Or(v) => v.iter().map(inner).collect::<Vec<_>>().join(" or "),
            G::Not(g) => match **g {
                G::Leaf(_) => format!("not {}", g.text()),
                _ => format!("not ({})", g.text()),
            },
        }
    }

    /// Smaller expressions: a node replaced by a child, or a child dropped.
    fn shrinks(&self) -> Vec<G> {
        let mut out = Vec::new();
        match self {
            G::Leaf(_) => {}
            G::Not(g) => {
                out.push((**g).clone());
                out.extend(g.shrinks().into_iter().map(|s| G::Not(Box::new(s))));
            }
            G::And(v) | G::Or(v) => {
                let make = |v: Vec<G>| match self {
                    G::And(_) => G::And(v),
                    _ => G::Or(v),
                };
                out.extend(v.iter().cloned());
                if v.len() > 2 {
                    for i in 0..v.len() {
                        let mut w = v.clone();
                        w.remove(i);
                        out.push(make(w));
                    }
                }
                for (i, child) in v.iter().enumerate() {
                    for s in child.shrinks() {
                        let mut w = v.clone();
                        w[i] = s;
                        out.push(make(w));
                    }
                }
            }
        }
        out
    }
}

const OPS: &[&str] = &["=", "!=", "<>", "<", "<=", ">", ">="];
const PRICE_LIT: &[&str] = &[
    "0",
    "120",
    "250",
    "250.1",
    "250.10",
    "299.999999",
    "300",
    "449.99",
    "450",
    "450.00",
    "450.01",
    "1200",
];
const MINUTES_LIT: &[&str] = &[
    "90", "90m", "1h30m", "419", "7h", "420", "421", "7h30m", "450", "451", "24h", "1440",
];
const LAYOVER_LIT: &[&str] = &[
    "0", "30", "44", "45", "45m", "46", "59", "60", "1h", "179", "180", "3h", "181", "600",
];
const TIME_LIT: &[&str] = &[
    "00:00", "00:01", "05:59", "05:59:59", "06:00", "11:59", "11:59:59", "12:00", "22:00", "23:59",
    "23:59:59",
];

fn code(r: &mut Rng, pool: &[&str]) -> String {
    let c = r.pick(pool);
    if r.pct(20) {
        c.to_lowercase()
    } else {
        c.to_string()
    }
}

fn codes(r: &mut Rng, pool: &[&str]) -> String {
    let n = 1 + r.below(3);
    (0..n).map(|_| code(r, pool)).collect::<Vec<_>>().join(", ")
}

fn stamp_lit(r: &mut Rng) -> String {
    let date = date(r);
    let time = r.pick(TIMES);
    match r.below(4) {
        0 => date.to_string(),
        1 => format!("{date}T{}", &time[..5]),
        2 => format!("{date}T{time}"),
        _ => format!("{date}T{time}{}", r.pick(OFFSETS)),
    }
}

fn flight_number(r: &mut Rng) -> String {
    let n = format!("{}{}", r.pick(CARRIERS), r.pick(NUMBERS));
    if r.pct(20) {
        n.to_lowercase()
    } else {
        n
    }
}

/// One random condition over any field, with values on the dumps' edges.
fn leaf(r: &mut Rng, ids: &[String]) -> String {
    let op = *r.pick(OPS);
    let not = if r.pct(30) { "not " } else { "" };
    match r.below(24) {
        0 => format!("price {op} {}", r.pick(PRICE_LIT)),
        1 => format!(
            "{} {op} {}",
            r.pick(&["duration", "duration_min"]),
            r.pick(MINUTES_LIT)
        ),
        2 => format!("stops {op} {}", r.below(4)),
        3 => {
            let (f, pool): (&str, &[&str]) = *r.pick(&[
                ("seats", &["0", "1", "2", "9"][..]),
                ("bags", &["0", "1", "2"][..]),
                ("co2_kg", &["0", "100", "499", "500", "501"][..]),
            ]);
            format!("{f} {op} {}", r.pick(pool))
        }
        4 => format!(
            "{} is {}null",
            r.pick(&[
                "seats",
                "bags",
                "co2_kg",
                "refundable",
                "return_departure",
                "return_arrival",
                "return_depart_time",
                "max_layover",
                "min_layover",
                "stops",
                "via",
                "price",
                "departure",
                "depart_time",
            ]),
            if r.pct(50) { "not " } else { "" }
        ),
        5 => format!(
            "{} {} {}",
            r.pick(&["origin", "destination"]),
            r.pick(&["=", "!=", "<>"]),
            code(r, AIRPORTS)
        ),
        6 => format!(
            "{} {not}in ({})",
            r.pick(&["origin", "destination"]),
            codes(r, AIRPORTS)
        ),
        7 => {
            if r.pct(50) {
                format!("cabin {} {}", r.pick(&["=", "!="]), r.pick(CABINS))
            } else {
                let a = r.pick(CABINS);
                let b = r.pick(CABINS);
                format!("cabin {not}in ({a}, {})", b.to_uppercase())
            }
        }
        8 => format!(
            "currency {} {}",
            r.pick(&["=", "!="]),
            r.pick(&["usd", "EUR"])
        ),
        9 => {
            if r.pct(50) {
                format!("provider {} '{}'", r.pick(&["=", "!="]), r.pick(PROVIDERS))
            } else {
                format!(
                    "provider {not}in ('{}', '{}')",
                    r.pick(PROVIDERS),
                    r.pick(PROVIDERS)
                )
            }
        }
        10 => {
            let quote = |s: &String| format!("'{}'", s.replace('\'', "''"));
            if r.pct(50) {
                format!("offer_id {} {}", r.pick(&["=", "!="]), quote(r.pick(ids)))
            } else {
                format!(
                    "offer_id {not}in ({}, {})",
                    quote(r.pick(ids)),
                    quote(r.pick(ids))
                )
            }
        }
        11 => format!(
            "{} {op} {}",
            r.pick(&["departure", "arrival", "return_departure", "return_arrival"]),
            stamp_lit(r)
        ),
        12 => format!(
            "{} {op} {}",
            r.pick(&["depart_time", "arrive_time", "return_depart_time"]),
            r.pick(TIME_LIT)
        ),
        13 => {
            let (f, a, b) = match r.below(7) {
                0 => (
                    "price",
                    r.pick(PRICE_LIT).to_string(),
                    r.pick(PRICE_LIT).to_string(),
                ),
                1 => (
                    "duration",
                    r.pick(MINUTES_LIT).to_string(),
                    r.pick(MINUTES_LIT).to_string(),
                ),
                2 => (
                    "depart_time",
                    r.pick(TIME_LIT).to_string(),
                    r.pick(TIME_LIT).to_string(),
                ),
                3 => ("departure", stamp_lit(r), stamp_lit(r)),
                4 => (
                    "max_layover",
                    r.pick(LAYOVER_LIT).to_string(),
                    r.pick(LAYOVER_LIT).to_string(),
                ),
                5 => (
                    "depart_date",
                    r.pick(DATES).to_string(),
                    r.pick(DATES).to_string(),
                ),
                _ => ("seats", r.below(4).to_string(), r.below(10).to_string()),
            };
            format!("{f} {not}between {a} and {b}")
        }
        14 => format!(
            "{} {op} {}",
            r.pick(&["depart_date", "arrive_date"]),
            r.pick(DATES)
        ),
        15 => format!(
            "{} {op} {}",
            r.pick(&["max_layover", "min_layover"]),
            r.pick(LAYOVER_LIT)
        ),
        16 => format!("{not}via has {}", code(r, AIRPORTS)),
        17 => format!("{not}carriers has {}", code(r, CARRIERS)),
        18 => format!("{not}flight_numbers has {}", flight_number(r)),
        19 => format!("{not}layover_min has {}", r.pick(LAYOVER_LIT)),
        20 => match r.below(4) {
            0 => format!("via {not}in ({})", codes(r, AIRPORTS)),
            1 => format!("carriers {not}in ({})", codes(r, CARRIERS)),
            2 => format!(
                "flight_numbers {not}in ({}, {})",
                flight_number(r),
                flight_number(r)
            ),
            _ => format!(
                "layover_min {not}in ({}, {})",
                r.pick(LAYOVER_LIT),
                r.pick(LAYOVER_LIT)
            ),
        },
        21 => r
            .pick(&[
                "refundable",
                "refundable = true",
                "refundable = FALSE",
                "refundable != true",
            ])
            .to_string(),
        22 => r.pick(&["true", "false"]).to_string(),
        _ => format!("{not}min_layover >= 45m or stops = 0"),
    }
}

fn expr(r: &mut Rng, depth: usize, ids: &[String]) -> G {
    if depth == 0 || r.pct(35) {
        return G::Leaf(leaf(r, ids));
    }
    let kids = |r: &mut Rng| {
        (0..2 + r.below(2))
            .map(|_| expr(r, depth - 1, ids))
            .collect()
    };
    match r.below(5) {
        0 | 1 => G::And(kids(r)),
        2 | 3 => G::Or(kids(r)),
        _ => G::Not(Box::new(expr(r, depth - 1, ids))),
    }
}

/// Search flags, which `sql` must translate as `search` applies them.
const FLAGS: &[&[&str]] = &[
    &["--max-price", "300"],
    &["--min-price", "250.10"],
    &["--min-layover", "45m"],
    &["--max-layover", "3h"],
    &["--airline", "AA,DL"],
    &["--exclude-airline", "NK"],
    &["--avoid", "ORD"],
    &["--refundable"],
    &["--depart-after", "06:00"],
    &["--depart-before", "12:00"],
    &["--arrive-before", "22:00"],
    &["--date-from", "2026-12-31"],
    &["--date", "2027-01-01"],
    &["--from", "JFK,LAX"],
    &["--to", "sfo"],
    &["--cabin", "economy,business"],
    &["--min-bags", "1"],
    &["--min-seats", "2"],
    &["--max-co2", "500"],
    &["--max-stops", "1"],
    &["--max-duration", "7h30m"],
];

const ISSUE_EXAMPLES: &[&str] = &[
    "price <= 450 and stops <= 1",
    "origin = JFK and destination in (LAX, SFO, SAN)",
    "cabin = economy or cabin = premium_economy",
    "carriers has AA",
    "not via has ORD",
    "carriers in (AA, DL, B6)",
    "depart_time between 06:00 and 11:59",
    "arrive_time < 22:00",
    "departure >= 2026-12-01 and departure < 2026-12-08",
    "duration <= 7h30m",
    "max_layover <= 3h and min_layover >= 45m",
    "refundable and bags >= 1",
    "seats >= 2 and co2_kg < 500",
    "bags is null",
    "(price < 300 or cabin = business) and not (provider = kiwi)",
];

// ---------------------------------------------------------------- engines

#[derive(Clone, Copy, Debug)]
enum Engine {
    /// The `duckdb` Python package: one process runs a whole batch.
    Python,
    /// The `duckdb` command-line shell, one process per query.
    Cli,
}

/// The Python interpreter that has the `duckdb` package.
fn python() -> String {
    std::env::var("FLIGHTSIFT_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether this is a CI run (`CI` set to anything but empty, `0` or `false`), where a
/// missing DuckDB is a failure instead of a skip.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// The engine to test with; `None` (after saying so loudly on stderr) when there is
/// none outside CI. In CI a missing engine fails the test.
fn engine_or_skip(test: &str) -> Option<Engine> {
    if let Some(engine) = engine() {
        return Some(engine);
    }
    let python = python();
    assert!(
        !in_ci(),
        "DuckDB is required in CI but `{python} -c 'import duckdb'` fails and there is no \
         `duckdb` CLI: run .ci/run, which installs it into a virtual environment"
    );
    // Straight to the stream: the test harness captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPED {test}: neither the `duckdb` Python package (for `{python}`; set \
         FLIGHTSIFT_PYTHON) nor the `duckdb` CLI is installed. It fails in CI. !!!!!\n"
    );
    None
}

/// The Python package if importable, else the CLI; `FLIGHTSIFT_DIFF_ENGINE=cli` or
/// `=python` insists on one.
fn engine() -> Option<Engine> {
    let ok = |cmd: &mut Command| cmd.output().map(|o| o.status.success()).unwrap_or(false);
    let want = std::env::var("FLIGHTSIFT_DIFF_ENGINE").unwrap_or_default();
    if want != "cli" && ok(Command::new(python()).args(["-c", "import duckdb"])) {
        Some(Engine::Python)
    } else if want != "python" && ok(Command::new("duckdb").arg("--version")) {
        Some(Engine::Cli)
    } else {
        None
    }
}

/// Runs every query in a session whose time zone is not UTC, so a translation that
/// leaned on the session zone would show.
const PYTHON: &str = r#"
import json, sys, duckdb
con = duckdb.connect()
try:
    con.execute("SET TimeZone = 'Asia/Kolkata'")
except Exception:
    pass
out = []
for q in json.load(open(sys.argv[1])):
    try:
        cur = con.execute(q)
        names = [d[0] for d in cur.description]
        p, o = names.index("provider"), names.index("offer_id")
        out.append({"rows": [[r[p], r[o]] for r in cur.fetchall()]})
    except Exception as e:
        out.append({"error": str(e)})
json.dump(out, sys.stdout)
"#;

/// Runs `queries` in `dir` (relative paths in them resolve there).
fn run_duckdb(engine: Engine, dir: &Path, queries: &[String]) -> Vec<Result<Rows, String>> {
    match engine {
        Engine::Python => {
            let batch = dir.join("queries.json");
            std::fs::write(&batch, serde_json::to_vec(queries).unwrap()).unwrap();
            let out = Command::new(python())
                .args(["-c", PYTHON])
                .arg(&batch)
                .current_dir(dir)
                .output()
                .expect("run python");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
            results
                .into_iter()
                .map(|v| match v.get("rows") {
                    Some(rows) => Ok(rows
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| {
                            (
                                r[0].as_str().unwrap().to_string(),
                                r[1].as_str().unwrap().to_string(),
                            )
                        })
                        .collect()),
                    None => Err(v["error"].to_string()),
                })
                .collect()
        }
        Engine::Cli => queries
            .iter()
            .map(|q| {
                let out = Command::new("duckdb")
                    .current_dir(dir)
                    .arg("-csv")
                    .arg("-c")
                    .arg(format!("SET TimeZone = 'Asia/Kolkata'; {q}"))
                    .output()
                    .expect("run duckdb");
                if !out.status.success() {
                    return Err(String::from_utf8_lossy(&out.stderr).into_owned());
                }
                Ok(rows_of_csv(&out.stdout))
            })
            .collect(),
    }
}

fn rows_of_csv(bytes: &[u8]) -> Rows {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().clone();
    let p = header.iter().position(|h| h == "provider").unwrap();
    let o = header.iter().position(|h| h == "offer_id").unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[p].to_string(), r[o].to_string())
        })
        .collect()
}

// ---------------------------------------------------------------- the two sides

fn flightsift(sub: &str, dump: &Path, expr: &str, flags: &[&str]) -> Result<Vec<u8>, String> {
    let mut cmd = Command::new(BIN);
    cmd.arg(sub).arg(dump).arg("--where").arg(expr).args(flags);
    if sub == "search" {
        cmd.args(["--format", "csv"]);
    }
    let out = cmd.output().expect("run flightsift");
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

struct Case {
    expr: G,
    /// Flag groups such as `["--max-price", "300"]`.
    flags: Vec<&'static [&'static str]>,
}

impl Case {
    fn text(&self) -> String {
        self.expr.text()
    }
    fn flag_args(&self) -> Vec<&'static str> {
        self.flags.iter().flat_map(|g| g.iter().copied()).collect()
    }
    /// Smaller cases: a flag group dropped, the expression shrunk or replaced by `true`.
    fn shrinks(&self) -> Vec<Case> {
        let mut out = Vec::new();
        for i in 0..self.flags.len() {
            let mut flags = self.flags.clone();
            flags.remove(i);
            out.push(Case {
                expr: self.expr.clone(),
                flags,
            });
        }
        let mut exprs = self.expr.shrinks();
        if !matches!(&self.expr, G::Leaf(s) if s == "true") {
            exprs.insert(0, G::Leaf("true".into()));
        }
        out.extend(exprs.into_iter().map(|expr| Case {
            expr,
            flags: self.flags.clone(),
        }));
        out
    }
}

/// Both sides on one dump and one case: `(search, duckdb)`.
fn both(engine: Engine, dir: &Path, dump: &Path, case: &Case) -> (Rows, Result<Rows, String>) {
    let text = case.text();
    let search = flightsift("search", dump, &text, &case.flag_args())
        .unwrap_or_else(|e| panic!("search --where '{text}' failed: {e}"));
    let sql = flightsift("sql", dump, &text, &case.flag_args())
        .unwrap_or_else(|e| panic!("sql --where '{text}' failed: {e}"));
    let sql = String::from_utf8(sql).unwrap();
    let duck = run_duckdb(engine, dir, &[sql]).pop().unwrap();
    (rows_of_csv(&search), duck)
}

fn shell_quote(s: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"_.:,/=-".contains(&b);
    if !s.is_empty() && s.bytes().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What a failure report needs to re-run cases.
struct Run<'a> {
    engine: Engine,
    dir: &'a Path,
    seed: u64,
}

/// Shrinks the `n`th failing case to few rows and a small expression, and describes it.
fn report(
    run: &Run,
    n: usize,
    dump: &Dump,
    case: &Case,
    search: &Rows,
    duck: &Result<Rows, String>,
) -> String {
    let Run { engine, dir, seed } = *run;
    let mut msg = format!(
        "DuckDB disagrees with `flightsift search` (FLIGHTSIFT_DIFF_SEED={seed})\n  expression: {}\n  flags: {:?}\n",
        case.text(),
        case.flag_args()
    );
    let diff: BTreeSet<&str> = match duck {
        Ok(duck) => {
            let only_search: Vec<_> = search.difference(duck).collect();
            let only_duck: Vec<_> = duck.difference(search).collect();
            msg += &format!("  only in search: {only_search:?}\n  only in duckdb: {only_duck:?}\n");
            only_search
                .iter()
                .chain(&only_duck)
                .map(|(_, id)| id.as_str())
                .collect()
        }
        Err(e) => {
            msg += &format!("  duckdb failed: {e}\n");
            BTreeSet::new()
        }
    };
    // The rows that differ (all rows when DuckDB failed).
    let text = dump.text(|id| diff.is_empty() || diff.contains(id));
    msg += "  rows:\n";
    for l in text.lines() {
        msg += &format!("    {l}\n");
    }
    // Shrink the expression on the reduced dump while the sides still disagree.
    let repro = std::env::temp_dir().join(format!("flightsift-diff-{seed}-{n}.csv"));
    std::fs::write(&repro, text).unwrap();
    let disagrees = |c: &Case| {
        let (s, d) = both(engine, dir, &repro, c);
        d.as_ref() != Ok(&s)
    };
    let mut small = Case {
        expr: case.expr.clone(),
        flags: case.flags.clone(),
    };
    let mut tries = 0;
    'shrink: while tries < 80 && disagrees(&small) {
        for c in small.shrinks() {
            tries += 1;
            if disagrees(&c) {
                small = c;
                continue 'shrink;
            }
        }
        break;
    }
    let mut args = vec!["--where".to_string(), shell_quote(&small.text())];
    args.extend(small.flag_args().into_iter().map(shell_quote));
    args.push(shell_quote(&repro.display().to_string()));
    let args = args.join(" ");
    msg += &format!(
        "  minimal reproduction:\n    flightsift search {args}\n    duckdb -c \"$(flightsift sql {args})\"\n"
    );
    msg
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn duckdb_agrees_with_search_on_random_dumps_and_expressions() {
    let Some(engine) = engine_or_skip("the DuckDB differential test") else {
        return;
    };
    let seed = env_number(
        "FLIGHTSIFT_DIFF_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    );
    let dumps = env_number("FLIGHTSIFT_DIFF_DUMPS", 8);
    let cases_per_dump = env_number("FLIGHTSIFT_DIFF_CASES", 60);
    eprintln!("duckdb differential test: engine {engine:?}, FLIGHTSIFT_DIFF_SEED={seed}");

    let mut r = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut matched = 0;
    for d in 0..dumps {
        let n_rows = 20 + r.below(60);
        let cells: Vec<Vec<String>> = (0..n_rows).map(|i| row(&mut r, i)).collect();
        let ids: Vec<String> = cells.iter().map(|c| c[1].clone()).collect();
        let file = Dump::random(&mut r, &cells);
        let dump: PathBuf = dir.path().join(format!("dump{d}.csv"));
        std::fs::write(&dump, file.text(|_| true)).unwrap();

        let mut cases: Vec<Case> = Vec::new();
        if d == 0 {
            cases.extend(ISSUE_EXAMPLES.iter().map(|e| Case {
                expr: G::Leaf(e.to_string()),
                flags: Vec::new(),
            }));
        }
        for _ in 0..cases_per_dump {
            let mut flags = Vec::new();
            if r.pct(25) {
                let (a, b) = (r.below(FLAGS.len()), r.below(FLAGS.len()));
                flags.push(FLAGS[a]);
                if b != a && r.pct(50) {
                    flags.push(FLAGS[b]);
                }
            }
            cases.push(Case {
                expr: expr(&mut r, 3, &ids),
                flags,
            });
        }

        let mut searched = Vec::new();
        let mut queries = Vec::new();
        for case in &cases {
            let text = case.text();
            let flags = case.flag_args();
            let out = flightsift("search", &dump, &text, &flags)
                .unwrap_or_else(|e| panic!("search --where '{text}' {flags:?} failed: {e}"));
            searched.push(rows_of_csv(&out));
            let sql = flightsift("sql", &dump, &text, &flags)
                .unwrap_or_else(|e| panic!("sql --where '{text}' failed: {e}"));
            queries.push(String::from_utf8(sql).unwrap());
        }
        let ducked = run_duckdb(engine, dir.path(), &queries);
        for ((case, search), duck) in cases.iter().zip(&searched).zip(&ducked) {
            total += 1;
            matched += usize::from(!search.is_empty());
            if duck.as_ref() != Ok(search) && failures.len() < 3 {
                let n = failures.len();
                let run = Run {
                    engine,
                    dir: dir.path(),
                    seed,
                };
                failures.push(report(&run, n, &file, case, search, duck));
            }
        }
    }
    eprintln!(
        "duckdb differential test: {total} cases, {matched} with at least one match, {} disagreements",
        failures.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    // The generator must not degenerate into filters that select nothing.
    assert!(
        matched * 4 >= total,
        "only {matched} of {total} cases matched anything"
    );
}

/// `flightsift sql FILE` reads exactly FILE, whatever its name: DuckDB expands `*`, `?`
/// and `[...]` in a path (in a list of paths too), a leading `~`, and URL schemes.
#[test]
fn sql_reads_exactly_the_named_file_whatever_its_name() {
    let Some(engine) = engine_or_skip("the DuckDB path test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Each name next to the files a pattern reading of it would also (or instead) match.
    let names = [
        "a[1].csv",
        "a1.csv",
        "b*.csv",
        "bx.csv",
        "b**.csv",
        "q?.csv",
        "qx.csv",
        "[a-z].csv",
        "g.csv",
        "x[!a].csv",
        "c{1}.csv",
        "c1.csv",
        "it's.csv",
        "~x.csv",
        "d[1]/f.csv",
        "d1/f.csv",
        "s3://b/x.csv",
    ];
    for name in names {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            format!(
                "{HEADER}\nsabre,{name},PVG,MEL,2027-01-28T16:15:00+08:00,2027-01-29T16:10:00+11:00,\
                 1255,2,KUL;SYD,MU;QF;QF,MU343;QF77;QF6755,290;50,economy,738.30,USD,8,1,false,,,\n"
            ),
        )
        .unwrap();
    }
    // Each file by its relative name (resolved where DuckDB runs) and by its full path.
    let mut args: Vec<(String, PathBuf)> = Vec::new();
    for name in names {
        args.push((name.to_string(), PathBuf::from(name)));
        args.push((name.to_string(), dir.path().join(name)));
    }
    let queries: Vec<String> = args
        .iter()
        .map(|(_, arg)| {
            let out = Command::new(BIN)
                .arg("sql")
                .arg(arg)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "sql {}: {}",
                arg.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    let results = run_duckdb(engine, dir.path(), &queries);
    let mut wrong = Vec::new();
    for (((name, arg), query), got) in args.iter().zip(&queries).zip(results) {
        let want: Rows = [("sabre".to_string(), name.clone())].into();
        if got.as_ref() != Ok(&want) {
            wrong.push(format!(
                "{}: got {got:?}\n  query: {}",
                arg.display(),
                query.lines().nth(1).unwrap_or_default()
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
