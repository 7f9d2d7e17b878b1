//! The random dumps and expressions of the SQL differential tests (DuckDB, Spark), and
//! the pieces both drive `flightsift` and the engines with: one generator, so a value
//! that once broke a translation keeps being tried against every engine.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_flightsift");

/// `(provider, offer_id)` of the rows a side selected.
pub(crate) type Rows = BTreeSet<(String, String)>;
/// The same, in the order a side returned them.
pub(crate) type Ordered = Vec<(String, String)>;

// ---------------------------------------------------------------- randomness

/// SplitMix64: tiny, seedable, good enough to pick test values.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// True with probability `pct` percent.
    pub(crate) fn pct(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
}

// ---------------------------------------------------------------- dumps

/// Providers compare ignoring ASCII case only: `zürich` is not `ZÜRICH`.
pub(crate) const PROVIDERS: &[&str] = &[
    "kiwi", "Kiwi", "KIWI", "duffel", "amadeus", "Sabre", "zürich", "ZÜRICH", "Zürich",
];
pub(crate) const AIRPORTS: &[&str] = &["JFK", "LAX", "SFO", "ORD", "DEN", "ATL", "SAN"];
pub(crate) const CARRIERS: &[&str] = &["AA", "DL", "B6", "UA", "NK"];
pub(crate) const NUMBERS: &[&str] = &["1", "10", "100", "1000", "1234", "100A"];
pub(crate) const DATES: &[&str] = &[
    "2026-12-30",
    "2026-12-31",
    "2027-01-01",
    "2027-01-02",
    "2028-02-29",
    "2028-03-01",
];
pub(crate) const TIMES: &[&str] = &[
    "00:00:00", "00:00:59", "00:01:00", "05:59:59", "06:00:00", "11:59:00", "11:59:59", "12:00:00",
    "22:00:00", "23:59:00", "23:59:59",
];
pub(crate) const OFFSETS: &[&str] = &[
    "Z", "+00:00", "-05:00", "+05:30", "-03:00", "+14:00", "-12:00", "+09:45", "-00:30",
];
pub(crate) const DURATIONS: &[&str] = &[
    "0", "30", "90", "419", "420", "421", "449", "450", "451", "1440",
];
/// `045` is 45 minutes, as to any integer reader.
pub(crate) const LAYOVERS: &[&str] = &[
    "045", "0", "30", "44", "45", "46", "59", "60", "179", "180", "181", "600",
];
pub(crate) const PRICES: &[&str] = &[
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
pub(crate) const CABINS: &[&str] = &["economy", "premium_economy", "business", "first"];
pub(crate) use crate::util::HEADER;

/// A date; rarely one at the ends of the 4-digit years, where instants leave them.
pub(crate) fn date(r: &mut Rng) -> &'static str {
    let pool: &[&'static str] = if r.pct(3) {
        &["0001-01-01", "9999-12-31"]
    } else {
        DATES
    };
    pool[r.below(pool.len())]
}

pub(crate) fn stamp(r: &mut Rng) -> String {
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

pub(crate) fn optional(r: &mut Rng, values: &[&str]) -> String {
    if r.pct(30) {
        String::new()
    } else {
        r.pick(values).to_string()
    }
}

pub(crate) fn row(r: &mut Rng, i: usize) -> Vec<String> {
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
pub(crate) fn csv_line(r: &mut Rng, cells: &[String]) -> String {
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
pub(crate) struct Dump {
    pub(crate) header: String,
    pub(crate) lines: Vec<String>,
    pub(crate) ids: Vec<String>,
    pub(crate) eol: &'static str,
    pub(crate) bom: bool,
}

impl Dump {
    pub(crate) fn random(r: &mut Rng, rows: &[Vec<String>]) -> Dump {
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

    /// A dump with the 21 canonical columns in order, as `--source` reads them (by
    /// position), but with the cells, quoting, line ends and byte-order mark as random as
    /// in [`Dump::random`].
    pub(crate) fn canonical(r: &mut Rng, rows: &[Vec<String>]) -> Dump {
        Dump {
            header: HEADER.to_string(),
            lines: rows.iter().map(|cells| csv_line(r, cells)).collect(),
            ids: rows.iter().map(|c| c[1].clone()).collect(),
            eol: if r.pct(20) { "\r\n" } else { "\n" },
            bom: r.pct(10),
        }
    }

    /// The file's text with only the rows whose offer id `keep` accepts.
    pub(crate) fn text(&self, keep: impl Fn(&str) -> bool) -> String {
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
pub(crate) enum G {
    Leaf(String),
    And(Vec<G>),
    Or(Vec<G>),
    Not(Box<G>),
}

impl G {
    pub(crate) fn text(&self) -> String {
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
    pub(crate) fn shrinks(&self) -> Vec<G> {
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

pub(crate) const OPS: &[&str] = &["=", "!=", "<>", "<", "<=", ">", ">="];
pub(crate) const PRICE_LIT: &[&str] = &[
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
pub(crate) const MINUTES_LIT: &[&str] = &[
    "90", "90m", "1h30m", "419", "7h", "420", "421", "7h30m", "450", "451", "24h", "1440",
];
pub(crate) const LAYOVER_LIT: &[&str] = &[
    "0", "30", "44", "45", "45m", "46", "59", "60", "1h", "179", "180", "3h", "181", "600",
];
pub(crate) const TIME_LIT: &[&str] = &[
    "00:00", "00:01", "05:59", "05:59:59", "06:00", "11:59", "11:59:59", "12:00", "22:00", "23:59",
    "23:59:59",
];

pub(crate) fn code(r: &mut Rng, pool: &[&str]) -> String {
    let c = r.pick(pool);
    if r.pct(20) {
        c.to_lowercase()
    } else {
        c.to_string()
    }
}

pub(crate) fn codes(r: &mut Rng, pool: &[&str]) -> String {
    let n = 1 + r.below(3);
    (0..n).map(|_| code(r, pool)).collect::<Vec<_>>().join(", ")
}

pub(crate) fn stamp_lit(r: &mut Rng) -> String {
    let date = date(r);
    let time = r.pick(TIMES);
    match r.below(4) {
        0 => date.to_string(),
        1 => format!("{date}T{}", &time[..5]),
        2 => format!("{date}T{time}"),
        _ => format!("{date}T{time}{}", r.pick(OFFSETS)),
    }
}

pub(crate) fn flight_number(r: &mut Rng) -> String {
    let n = format!("{}{}", r.pick(CARRIERS), r.pick(NUMBERS));
    if r.pct(20) {
        n.to_lowercase()
    } else {
        n
    }
}

/// One random condition over any field, with values on the dumps' edges.
pub(crate) fn leaf(r: &mut Rng, ids: &[String]) -> String {
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

pub(crate) fn expr(r: &mut Rng, depth: usize, ids: &[String]) -> G {
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
pub(crate) const FLAGS: &[&[&str]] = &[
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

pub(crate) const ISSUE_EXAMPLES: &[&str] = &[
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

/// The Python interpreter that has the `duckdb` package.
/// Random rows for a dump: 20 to 79 of them.
pub(crate) fn random_rows(r: &mut Rng) -> Vec<Vec<String>> {
    let n_rows = 20 + r.below(60);
    (0..n_rows).map(|i| row(r, i)).collect()
}

/// `n` random cases over rows with offer ids `ids`: an expression of depth 3, and in a
/// quarter of them one or two search flags.
pub(crate) fn random_cases(r: &mut Rng, n: u64, ids: &[String]) -> Vec<Case> {
    (0..n)
        .map(|_| {
            let mut flags = Vec::new();
            if r.pct(25) {
                let (a, b) = (r.below(FLAGS.len()), r.below(FLAGS.len()));
                flags.push(FLAGS[a]);
                if b != a && r.pct(50) {
                    flags.push(FLAGS[b]);
                }
            }
            Case {
                expr: expr(r, 3, ids),
                flags,
            }
        })
        .collect()
}

/// The examples of the issue that introduced `--where`, as cases.
pub(crate) fn issue_examples() -> impl Iterator<Item = Case> {
    ISSUE_EXAMPLES.iter().map(|e| Case {
        expr: G::Leaf(e.to_string()),
        flags: Vec::new(),
    })
}

/// `FLIGHTSIFT_DIFF_SEED`, else a fresh seed (printed by the tests, to replay a run).
pub(crate) fn seed() -> u64 {
    env_number(
        "FLIGHTSIFT_DIFF_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    )
}

/// The Python interpreter that has the engines' packages (`.ci/run` sets it to its
/// virtual environment's).
pub(crate) fn python() -> String {
    std::env::var("FLIGHTSIFT_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether this is a CI run (`CI` set to anything but empty, `0` or `false`), where a
/// missing engine is a failure instead of a skip.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

pub(crate) fn rows_of_csv(bytes: &[u8]) -> Rows {
    ordered_rows_of_csv(bytes).into_iter().collect()
}

/// `(provider, offer_id)` of every row of a CSV output, in order.
pub(crate) fn ordered_rows_of_csv(bytes: &[u8]) -> Ordered {
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

pub(crate) fn flightsift(
    sub: &str,
    dump: &Path,
    expr: &str,
    flags: &[&str],
) -> Result<Vec<u8>, String> {
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

pub(crate) struct Case {
    pub(crate) expr: G,
    /// Flag groups such as `["--max-price", "300"]`.
    pub(crate) flags: Vec<&'static [&'static str]>,
}

impl Case {
    pub(crate) fn text(&self) -> String {
        self.expr.text()
    }
    pub(crate) fn flag_args(&self) -> Vec<&'static str> {
        self.flags.iter().flat_map(|g| g.iter().copied()).collect()
    }
    /// Smaller cases: a flag group dropped, the expression shrunk or replaced by `true`.
    pub(crate) fn shrinks(&self) -> Vec<Case> {
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

pub(crate) fn shell_quote(s: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"_.:,/=-".contains(&b);
    if !s.is_empty() && s.bytes().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

pub(crate) fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `flightsift ARGS` in `dir`: its standard output, or its error output as the error.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run flightsift");
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Compresses `path` into `path.gz` (with the engines' Python, which both tests have)
/// and removes `path`.
fn gzip(path: &Path) {
    let out = Command::new(python())
        .args(["-m", "gzip"])
        .arg(path)
        .output()
        .expect("run python -m gzip");
    assert!(
        out.status.success(),
        "gzip {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(path).unwrap();
}

/// One random dump laid out in `dir/NAME/` as each kind of `--source` reads it. Every
/// layout holds the rows of `reference` in its order (a directory's files in DuckDB's
/// order, a glob's sorted by name), so `search` on `reference` is what each must select.
pub(crate) struct Layouts {
    /// `NAME/all.csv`, relative to `dir`, where the engines run: every row.
    pub(crate) reference: String,
    /// The `--source` of each layout, relative to `dir`: a `.csv`, a `.csv.gz`, an
    /// `.ndjson` and a `.jsonl.gz` (both written by `search`), a directory of a `.csv`
    /// and a `.csv.gz` (with the `_SUCCESS` and `.crc` files Spark writes beside them),
    /// and a pattern over two `.csv` files.
    pub(crate) sources: Vec<String>,
}

pub(crate) fn lay_out(dir: &Path, name: &str, r: &mut Rng, cells: &[Vec<String>]) -> Layouts {
    let base = dir.join(name);
    for sub in ["parts", "glob"] {
        std::fs::create_dir_all(base.join(sub)).unwrap();
    }
    let write = |path: &str, cells: &[Vec<String>], r: &mut Rng| {
        std::fs::write(base.join(path), Dump::canonical(r, cells).text(|_| true)).unwrap();
    };
    write("all.csv", cells, r);
    write("z.csv", cells, r);
    gzip(&base.join("z.csv"));
    let ndjson = format!("{name}/all.ndjson");
    let csv = format!("{name}/all.csv");
    run_in(dir, &["search", &csv, "--format", "ndjson", "-o", &ndjson]).unwrap();
    std::fs::copy(base.join("all.ndjson"), base.join("all.jsonl")).unwrap();
    gzip(&base.join("all.jsonl"));
    let (a, b) = cells.split_at(cells.len() / 2);
    write("parts/a.csv", a, r);
    write("parts/b.csv", b, r);
    gzip(&base.join("parts/b.csv"));
    std::fs::write(base.join("parts/_SUCCESS"), "").unwrap();
    std::fs::write(base.join("parts/.b.csv.gz.crc"), "crc").unwrap();
    write("glob/p1.csv", a, r);
    write("glob/p2.csv", b, r);
    std::fs::write(base.join("glob/notes.txt"), "not a dump").unwrap();
    Layouts {
        reference: csv,
        sources: [
            "all.csv",
            "z.csv.gz",
            "all.ndjson",
            "all.jsonl.gz",
            "parts",
            "glob/p*.csv",
        ]
        .iter()
        .map(|s| format!("{name}/{s}"))
        .collect(),
    }
}
