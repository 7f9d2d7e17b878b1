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

use crate::sql_gen::*;

// ---------------------------------------------------------------- engines

#[derive(Clone, Copy, Debug)]
enum Engine {
    /// The `duckdb` Python package: one process runs a whole batch.
    Python,
    /// The `duckdb` command-line shell, one process per query.
    Cli,
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
for script in json.load(open(sys.argv[1])):
    try:
        # A `--source` script is several statements, each ending with `;` and a line end.
        *setup, q = [s for s in script.split(";\n") if s.strip()]
        for s in setup:
            con.execute(s)
        cur = con.execute(q)
        names = [d[0] for d in cur.description]
        p, o = names.index("provider"), names.index("offer_id")
        out.append({"rows": [[r[p], r[o]] for r in cur.fetchall()]})
    except Exception as e:
        out.append({"error": str(e)})
json.dump(out, sys.stdout)
"#;

/// Runs `queries` in `dir` (relative paths in them resolve there): the sets of rows.
fn run_duckdb(engine: Engine, dir: &Path, queries: &[String]) -> Vec<Result<Rows, String>> {
    run_duckdb_ordered(engine, dir, queries)
        .into_iter()
        .map(|r| r.map(|rows| rows.into_iter().collect()))
        .collect()
}

/// Runs `queries` (or scripts) in `dir`: the rows in the order DuckDB returns them.
fn run_duckdb_ordered(
    engine: Engine,
    dir: &Path,
    queries: &[String],
) -> Vec<Result<Ordered, String>> {
    match engine {
        Engine::Python => python_batch(dir, PYTHON, "queries.json", queries)
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
            .collect(),
        Engine::Cli => queries
            .iter()
            .map(|q| duckdb_csv(dir, q).map(|csv| ordered_rows_of_csv(&csv)))
            .collect(),
    }
}

/// Runs `script` (one of the Python programs here) over `queries`, written to `batch`
/// in `dir`: one JSON result per query.
fn python_batch(
    dir: &Path,
    script: &str,
    batch: &str,
    queries: &[String],
) -> Vec<serde_json::Value> {
    let batch = dir.join(batch);
    std::fs::write(&batch, serde_json::to_vec(queries).unwrap()).unwrap();
    let out = Command::new(python())
        .args(["-c", script])
        .arg(&batch)
        .current_dir(dir)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs one query with the DuckDB CLI in `dir` (in the tests' time zone): its CSV
/// output, or what it printed on failing.
fn duckdb_csv(dir: &Path, query: &str) -> Result<Vec<u8>, String> {
    let out = Command::new("duckdb")
        .current_dir(dir)
        .arg("-csv")
        .arg("-c")
        .arg(format!("SET TimeZone = 'Asia/Kolkata'; {query}"))
        .output()
        .expect("run duckdb");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(out.stdout)
}

// ---------------------------------------------------------------- the two sides

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

#[test]
fn duckdb_agrees_with_search_on_random_dumps_and_expressions() {
    let Some(engine) = engine_or_skip("the DuckDB differential test") else {
        return;
    };
    let seed = seed();
    let dumps = env_number("FLIGHTSIFT_DIFF_DUMPS", 8);
    let cases_per_dump = env_number("FLIGHTSIFT_DIFF_CASES", 60);
    eprintln!("duckdb differential test: engine {engine:?}, FLIGHTSIFT_DIFF_SEED={seed}");

    let mut r = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut matched = 0;
    for d in 0..dumps {
        let cells = random_rows(&mut r);
        let ids: Vec<String> = cells.iter().map(|c| c[1].clone()).collect();
        let file = Dump::random(&mut r, &cells);
        let dump: PathBuf = dir.path().join(format!("dump{d}.csv"));
        std::fs::write(&dump, file.text(|_| true)).unwrap();

        let mut cases: Vec<Case> = Vec::new();
        if d == 0 {
            cases.extend(issue_examples());
        }
        cases.extend(random_cases(&mut r, cases_per_dump, &ids));

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

/// `flightsift sql --source` prints a script that DuckDB runs as printed, statement by
/// statement, over every layout a source can have (`.csv`, `.csv.gz`, `.ndjson`,
/// `.jsonl.gz`, a directory, a pattern), selecting the rows `search` selects; `-n N`
/// selects N of them, and `--ordered -n N` exactly the first N.
#[test]
fn duckdb_runs_the_source_script_over_every_layout() {
    let Some(engine) = engine_or_skip("the DuckDB --source test") else {
        return;
    };
    let seed = seed();
    eprintln!("duckdb --source test: FLIGHTSIFT_DIFF_SEED={seed}");
    let mut r = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let cells = random_rows(&mut r);
    let ids: Vec<String> = cells.iter().map(|c| c[1].clone()).collect();
    let layouts = lay_out(dir.path(), "d", &mut r, &cells);
    let cases: Vec<Case> = issue_examples()
        .chain(random_cases(&mut r, 25, &ids))
        .collect();

    // (what is checked, the script, what `search` gives with the same arguments)
    let mut checks: Vec<(String, String, Ordered)> = Vec::new();
    for source in &layouts.sources {
        for (i, case) in cases.iter().enumerate() {
            let text = case.text();
            let mut variants: Vec<Vec<&str>> = vec![vec![]];
            if i % 5 == 0 {
                variants.push(vec!["-n", "3"]);
                variants.push(vec!["-n", "3", "--ordered"]);
            }
            for extra in variants {
                let mut args = vec!["--where", text.as_str()];
                args.extend(case.flag_args());
                args.extend(&extra);
                let mut sql = vec!["sql", "--source", source.as_str()];
                sql.extend(&args);
                let script = run_in(dir.path(), &sql).unwrap_or_else(|e| panic!("{sql:?}: {e}"));
                let mut search = vec!["search", layouts.reference.as_str(), "--format", "csv"];
                search.extend(&args);
                let want =
                    run_in(dir.path(), &search).unwrap_or_else(|e| panic!("{search:?}: {e}"));
                checks.push((
                    format!("{sql:?}"),
                    String::from_utf8(script).unwrap(),
                    ordered_rows_of_csv(&want),
                ));
            }
        }
    }
    let scripts: Vec<String> = checks.iter().map(|(_, s, _)| s.clone()).collect();
    let got = run_duckdb_ordered(engine, dir.path(), &scripts);
    let mut wrong = Vec::new();
    for ((what, script, want), got) in checks.iter().zip(got) {
        let ok = match &got {
            Err(_) => false,
            Ok(rows) if what.contains("--ordered") => rows == want,
            // `-n N` alone: any N of the matches.
            Ok(rows) if what.contains("\"-n\"") => {
                let all: Rows = want.iter().cloned().collect();
                let found: Rows = rows.iter().cloned().collect();
                rows.len() == want.len() && found.is_subset(&all)
            }
            Ok(rows) => rows.iter().cloned().collect::<Rows>() == want.iter().cloned().collect(),
        };
        if !ok && wrong.len() < 5 {
            wrong.push(format!(
                "{what}\n  search: {want:?}\n  duckdb: {got:?}\n  script:\n{script}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "FLIGHTSIFT_DIFF_SEED={seed}\n{}",
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------- eval

/// Runs each statement and returns its one row of integers.
const PYTHON_COUNTS: &str = r#"
import json, sys, duckdb
con = duckdb.connect()
print(json.dumps([list(con.execute(q).fetchone()) for q in json.load(open(sys.argv[1]))]))
"#;

fn run_counts(engine: Engine, dir: &Path, statements: &[String]) -> Vec<Vec<u64>> {
    match engine {
        Engine::Python => python_batch(dir, PYTHON_COUNTS, "counts.json", statements)
            .into_iter()
            .map(|v| serde_json::from_value(v).unwrap())
            .collect(),
        Engine::Cli => statements
            .iter()
            .map(|q| {
                let out = Command::new("duckdb")
                    .current_dir(dir)
                    .args(["-csv", "-noheader", "-c", q])
                    .output()
                    .expect("run duckdb");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                String::from_utf8(out.stdout)
                    .unwrap()
                    .trim()
                    .split(',')
                    .map(|n| n.parse().unwrap())
                    .collect()
            })
            .collect(),
    }
}

/// `flightsift sql`'s translation of `expr` over `dump`, split into its `FROM` part
/// and its condition (`TRUE` when it has none).
fn from_and_condition(dir: &Path, dump: &str, expr: &str) -> (String, String) {
    let sql = run_in(dir, &["sql", dump, "--where", expr]).unwrap();
    let sql = String::from_utf8(sql).unwrap();
    let sql = sql.trim_end().trim_end_matches(';');
    let body = sql.strip_prefix("SELECT *\n").expect("SELECT * first");
    match body.rsplit_once("\nWHERE ") {
        Some((from, cond)) => (from.to_string(), cond.to_string()),
        None => (body.to_string(), "TRUE".to_string()),
    }
}

/// `eval`'s per-query matched and per-conjunct rejected counts against DuckDB running
/// `count(*) FILTER (WHERE coalesce(query, false))` and, per conjunct,
/// `count(*) FILTER (WHERE NOT coalesce(conjunct, false))`, each condition being
/// `flightsift sql`'s translation; all counts of a query in one statement.
#[test]
fn duckdb_agrees_with_eval_counts() {
    let Some(engine) = engine_or_skip("the DuckDB eval test") else {
        return;
    };
    let seed = seed();
    eprintln!("FLIGHTSIFT_DIFF_SEED={seed}");
    let mut r = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    for d in 0..env_number("FLIGHTSIFT_DIFF_DUMPS", 4) {
        let rows = random_rows(&mut r);
        let dump = Dump::canonical(&mut r, &rows);
        let name = format!("d{d}.csv");
        std::fs::write(dir.join(&name), dump.text(|_| true)).unwrap();
        let cases = random_cases(&mut r, 8, &dump.ids);
        let mut toml = String::new();
        for (i, case) in cases.iter().enumerate() {
            toml += &crate::eval::query_table(&format!("q{i}"), case, None);
        }
        std::fs::write(dir.join("q.toml"), &toml).unwrap();
        let report = crate::eval::eval_json(dir, "q.toml", &name, &[]);
        let mut statements = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let q = &report["queries"][i];
            // The whole query with its flags, then each conjunct as `eval` printed it.
            let mut args = vec!["sql", name.as_str(), "--where"];
            let text = case.text();
            args.push(&text);
            args.extend(case.flag_args());
            let whole = String::from_utf8(run_in(dir, &args).unwrap()).unwrap();
            let whole = whole.trim_end().trim_end_matches(';');
            let (from, cond) = match whole.rsplit_once("\nWHERE ") {
                Some((f, c)) => (
                    f.trim_start_matches("SELECT *\n").to_string(),
                    c.to_string(),
                ),
                None => (
                    whole.trim_start_matches("SELECT *\n").to_string(),
                    "TRUE".into(),
                ),
            };
            let mut select = vec![
                "count(*)".to_string(),
                format!("count(*) FILTER (WHERE coalesce(({cond}), false))"),
            ];
            for c in q["conjuncts"].as_array().unwrap() {
                let (_, cond) = from_and_condition(dir, &name, c["expr"].as_str().unwrap());
                select.push(format!(
                    "count(*) FILTER (WHERE NOT coalesce(({cond}), false))"
                ));
            }
            statements.push(format!("SELECT {}\n{from}", select.join(",\n  ")));
        }
        let counts = run_counts(engine, dir, &statements);
        for (i, (case, row)) in cases.iter().zip(&counts).enumerate() {
            let q = &report["queries"][i];
            let ctx = format!(
                "FLIGHTSIFT_DIFF_SEED={seed}: query {}, flags {:?}\n{}",
                case.text(),
                case.flag_args(),
                statements[i]
            );
            assert_eq!(report["scanned"], row[0], "{ctx}");
            assert_eq!(q["matched"], row[1], "{ctx}");
            for (j, c) in q["conjuncts"].as_array().unwrap().iter().enumerate() {
                assert_eq!(c["rejected"], row[2 + j], "{ctx}\nconjunct {}", c["expr"]);
            }
        }
    }
}

// ---------------------------------------------------------------- sort, dedupe, currency

/// Runs each query and returns its rows as column name to text (NULL as `None`).
const PYTHON_CELLS: &str = r#"
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
        out.append({"rows": [{n: (None if v is None else str(v)) for n, v in zip(names, r)}
                             for r in cur.fetchall()]})
    except Exception as e:
        out.append({"error": str(e)})
json.dump(out, sys.stdout)
"#;

type Cells = std::collections::BTreeMap<String, Option<String>>;

/// Runs `queries` in `dir`: each one's rows, every cell as text, in DuckDB's order.
fn run_duckdb_cells(
    engine: Engine,
    dir: &Path,
    queries: &[String],
) -> Vec<Result<Vec<Cells>, String>> {
    match engine {
        Engine::Python => python_batch(dir, PYTHON_CELLS, "cells.json", queries)
            .into_iter()
            .map(|v| match v.get("rows") {
                Some(rows) => Ok(serde_json::from_value(rows.clone()).unwrap()),
                None => Err(v["error"].to_string()),
            })
            .collect(),
        Engine::Cli => queries
            .iter()
            .map(|q| duckdb_csv(dir, q).map(|csv| cells_of_csv(&csv)))
            .collect(),
    }
}

/// The rows of a CSV output as column name to text (an empty cell as `None`).
fn cells_of_csv(bytes: &[u8]) -> Vec<Cells> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), (!v.is_empty()).then(|| v.to_string())))
                .collect()
        })
        .collect()
}

/// What a ranked output is compared on: the price in millionths, the offer, the
/// itinerary (`--dedupe`'s key) and the currency.
#[derive(Debug, Clone)]
struct Ranked {
    micros: i64,
    offer: (String, String),
    itinerary: String,
    currency: String,
}

fn ranked(rows: &[Cells]) -> Vec<Ranked> {
    let cell = |r: &Cells, c: &str| r.get(c).cloned().flatten().unwrap_or_default();
    // A timestamp's local date and time of day (what the itinerary compares).
    let local = |t: String| {
        if t.len() >= 19 {
            format!("{}T{}", &t[..10], &t[11..19])
        } else {
            t
        }
    };
    rows.iter()
        .map(|r| Ranked {
            micros: flightsift::record::Price::parse(cell(r, "price").as_bytes())
                .unwrap_or_else(|e| panic!("price {:?}: {e}", cell(r, "price")))
                .micros,
            offer: (cell(r, "provider"), cell(r, "offer_id")),
            itinerary: format!(
                "{}|{}|{}",
                cell(r, "flight_numbers"),
                local(cell(r, "departure")),
                local(cell(r, "return_departure"))
            ),
            currency: cell(r, "currency"),
        })
        .collect()
}

/// Whether two outputs of `--sort price [-dedupe] -n N` agree on everything ties
/// cannot change: the sequence of prices, and the offers (with `--dedupe`, the
/// itineraries) cheaper than the last one, which both must hold whatever the tie order.
fn ranked_agree(search: &[Ranked], duck: &[Ranked], dedupe: bool) -> Result<(), String> {
    let prices = |rows: &[Ranked]| rows.iter().map(|r| r.micros).collect::<Vec<_>>();
    if prices(search) != prices(duck) {
        return Err(format!(
            "prices differ:\n  search {:?}\n  duckdb {:?}",
            prices(search),
            prices(duck)
        ));
    }
    let last = search.last().map_or(i64::MAX, |r| r.micros);
    let below = |rows: &[Ranked]| -> BTreeSet<String> {
        rows.iter()
            .filter(|r| r.micros < last)
            .map(|r| {
                if dedupe {
                    r.itinerary.clone()
                } else {
                    format!("{:?}", r.offer)
                }
            })
            .collect()
    };
    if below(search) != below(duck) {
        return Err(format!(
            "rows below the last price differ:\n  search {:?}\n  duckdb {:?}",
            below(search),
            below(duck)
        ));
    }
    for (side, rows) in [("search", search), ("duckdb", duck)] {
        let distinct: BTreeSet<&str> = rows.iter().map(|r| r.itinerary.as_str()).collect();
        if dedupe && distinct.len() != rows.len() {
            return Err(format!("{side} kept an itinerary twice: {rows:?}"));
        }
    }
    Ok(())
}

/// A generated dump in several currencies, with a quarter of its offers sold again by
/// a second provider (same flights and times, another price, sometimes another
/// currency), so `--dedupe` has itineraries to merge.
fn dump_with_resold_offers(dir: &Path) -> String {
    let csv = run_in(dir, &["gen", "--rows", "4000", "--seed", "11"]).unwrap();
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (provider, offer, price, currency) = (
        col("provider"),
        col("offer_id"),
        col("price"),
        col("currency"),
    );
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&header).unwrap();
    let mut currencies = BTreeSet::new();
    for (i, r) in reader.records().enumerate() {
        let r = r.unwrap();
        out.write_record(&r).unwrap();
        currencies.insert(r[currency].to_string());
        if i % 4 == 0 {
            let mut again: Vec<String> = r.iter().map(str::to_string).collect();
            again[provider] = "resold".into();
            again[offer] = format!("re-{i:06}");
            // Up to 7% cheaper or dearer, in cents (of yen: whole yen).
            let p: f64 = r[price].parse().unwrap();
            let factor = 1.0 + ((i / 4) % 15) as f64 / 100.0 - 0.07;
            again[price] = if r[currency] == *"JPY" {
                format!("{:.0}", (p * factor).round())
            } else {
                format!("{:.2}", p * factor)
            };
            if i % 12 == 0 && r[currency] == *"USD" {
                // The same seats sold in euros at about the same price.
                again[currency] = "EUR".into();
                again[price] = format!("{:.2}", p / 1.08);
            }
            out.write_record(&again).unwrap();
        }
    }
    assert!(currencies.len() >= 4, "{currencies:?}");
    std::fs::write(dir.join("dump.csv"), out.into_inner().unwrap()).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/rates.csv"),
        dir.join("rates.csv"),
    )
    .unwrap();
    "dump.csv".into()
}

/// `--sort price -n 10`, `--sort price --dedupe -n 10` and `--currency USD --rates FILE
/// --where 'price < 300' --sort price -n 20`: `search` against DuckDB running `sql`'s
/// query, on a multi-currency dump with resold offers, for a few filters.
///
/// Awaits `search`'s side of issue 9: until `search` implements the ranking flags it
/// ignores them, and this test fails on the comparison (the DuckDB side runs).
#[test]
fn duckdb_agrees_with_search_on_sort_dedupe_and_currency() {
    let Some(engine) = engine_or_skip("the DuckDB --sort/--dedupe/--currency test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let dump = dump_with_resold_offers(dir);
    let filters = ["true", "stops <= 1", "cabin = economy and price > 100"];
    let usd = ["--currency", "USD", "--rates", "rates.csv"];
    let mut cases: Vec<(String, Vec<&str>)> = Vec::new();
    for f in filters {
        cases.push((f.into(), vec!["--sort", "price", "-n", "10"]));
        cases.push((f.into(), vec!["--sort", "price", "--dedupe", "-n", "10"]));
        let mut converted = usd.to_vec();
        converted.extend(["--sort", "price", "-n", "20"]);
        cases.push((format!("({f}) and price < 300"), converted));
        let mut converted = usd.to_vec();
        converted.extend(["--sort", "price", "--dedupe", "-n", "20"]);
        cases.push((format!("({f}) and price < 300"), converted));
    }
    let mut queries = Vec::new();
    for (expr, flags) in &cases {
        let mut args = vec!["sql", dump.as_str(), "--where", expr.as_str()];
        args.extend(flags);
        let sql = run_in(dir, &args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        queries.push(String::from_utf8(sql).unwrap());
    }
    let ducked = run_duckdb_cells(engine, dir, &queries);
    // The DuckDB side first, on its own: it runs, ranks, dedupes and converts.
    for (((expr, flags), duck), query) in cases.iter().zip(&ducked).zip(&queries) {
        let rows = duck
            .as_ref()
            .unwrap_or_else(|e| panic!("{expr} {flags:?}: DuckDB failed: {e}\n{query}"));
        let rows = ranked(rows);
        assert!(rows.len() >= 10, "{expr} {flags:?}: {} rows", rows.len());
        assert!(
            rows.windows(2).all(|w| w[0].micros <= w[1].micros),
            "{expr} {flags:?}"
        );
        if flags.contains(&"--currency") {
            assert!(rows
                .iter()
                .all(|r| r.currency == "USD" && r.micros < 300_000_000));
        }
    }
    let mut wrong = Vec::new();
    for ((expr, flags), duck) in cases.iter().zip(&ducked) {
        let mut args = vec![
            "search",
            dump.as_str(),
            "--format",
            "csv",
            "--where",
            expr.as_str(),
        ];
        args.extend(flags);
        let out = run_in(dir, &args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let search = ranked(&cells_of_csv(&out));
        let duck = ranked(duck.as_ref().unwrap());
        if let Err(e) = ranked_agree(&search, &duck, flags.contains(&"--dedupe")) {
            wrong.push(format!("flightsift {}\n  {e}", args.join(" ")));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// The SQL conversion is the library's, price for price: every row of a multi-currency
/// dump converted by DuckDB running `sql --currency` equals `currency::Converter`'s
/// result, to USD (2 decimals, some inverse rates), JPY (0) and EUR.
#[test]
fn duckdb_converts_every_price_as_the_library_does() {
    let Some(engine) = engine_or_skip("the DuckDB currency test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let dump = dump_with_resold_offers(dir);
    let rates = flightsift::currency::Rates::load(dir.join("rates.csv")).unwrap();
    let originals = cells_of_csv(&std::fs::read(dir.join(&dump)).unwrap());
    let targets = ["USD", "JPY", "EUR"];
    let queries: Vec<String> = targets
        .iter()
        .map(|t| {
            let sql = run_in(
                dir,
                &["sql", &dump, "--currency", t, "--rates", "rates.csv"],
            );
            String::from_utf8(sql.unwrap()).unwrap()
        })
        .collect();
    let ducked = run_duckdb_cells(engine, dir, &queries);
    for (target, duck) in targets.iter().zip(ducked) {
        let duck = duck.unwrap_or_else(|e| panic!("{target}: {e}"));
        let code = flightsift::record::Currency::parse(target.as_bytes()).unwrap();
        let converter = rates.to(code);
        let converted: std::collections::BTreeMap<(String, String), i64> = ranked(&duck)
            .into_iter()
            .map(|r| {
                assert_eq!(r.currency, *target);
                (r.offer, r.micros)
            })
            .collect();
        assert_eq!(
            converted.len(),
            originals.len(),
            "{target}: every row has a rate"
        );
        for row in ranked(&originals) {
            let price = flightsift::record::Price {
                micros: row.micros,
                scale: 6,
            };
            let from = flightsift::record::Currency::parse(row.currency.as_bytes()).unwrap();
            let want = converter.convert(price, from).unwrap();
            assert_eq!(
                converted.get(&row.offer),
                Some(&want.micros),
                "{target}: {} {} -> {want}",
                row.micros,
                row.currency
            );
        }
    }
}
