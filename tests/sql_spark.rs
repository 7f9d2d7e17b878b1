//! Differential test: `flightsift search --where E` against Apache Spark running the
//! script of `flightsift sql --source DUMPS --dialect spark --where E`, on the random
//! dumps and expressions of the DuckDB test ([`crate::sql_gen`]), laid out as every kind
//! of `--source` reads them (`.csv`, `.csv.gz`, `.ndjson`, `.jsonl.gz`, a directory, a
//! pattern).
//!
//! Spark runs in local mode in ONE Python driver process (a JVM takes seconds to start):
//! the test prepares every script first, the driver runs them all and answers in JSON.
//! Every statement of every script goes through `spark.sql` as printed (split at the
//! `;` that ends each line); the first script of each dump runs alone, the final
//! queries of the others are unioned (`SELECT k, provider, offer_id FROM (query)`), one
//! Spark job per dump instead of one per case. The session time zone is
//! Pacific/Kiritimati (UTC+14) and the JVM's own Pacific/Pago_Pago (UTC-11), so a
//! translation that leaned on a time zone would show.
//!
//! Spark comes from the `pyspark` package of `FLIGHTSIFT_PYTHON` (default `python3`;
//! `.ci/run` installs it into a virtual environment) and needs Java 17 or later.
//! Without them the test is skipped, loudly, unless `CI` is set: then it fails. Knobs:
//! `FLIGHTSIFT_DIFF_SEED`, `FLIGHTSIFT_SPARK_DUMPS`, `FLIGHTSIFT_SPARK_CASES`. A failure
//! is reported with its dump rows and commands to reproduce it, but not shrunk: each
//! try would start Spark again.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::sql_gen::*;

/// Reads the jobs, answers `{"results": [...]}` (per job, per script: rows or an error),
/// or `{"unavailable": why}` when Spark cannot start.
///
/// Every statement but the last of each script runs through `spark.sql` as printed
/// (a view statement once while it stays the same). The last, the query, runs as printed
/// when the script is marked `alone`; the others' queries, `SELECT * FROM view WHERE
/// condition` (checked), are answered together by one scan that evaluates each
/// condition as WHERE does (`coalesce(condition, FALSE)`: only TRUE keeps a row): one
/// Spark job per dump instead of one per case, seconds instead of minutes.
const DRIVER: &str = r#"
import json, re, sys
try:
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("flightsift-differential")
             .config("spark.sql.session.timeZone", "Pacific/Kiritimati")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
except Exception as e:
    json.dump({"unavailable": f"{type(e).__name__}: {e}"}, sys.stdout)
    sys.exit(0)

QUERY = re.compile(r"SELECT \*\nFROM (\w+)\nWHERE (.*)\Z", re.S)

def statements(script):
    # Each statement ends with `;` at the end of a line.
    return [s for s in script.split(";\n") if s.strip()]

def rows(df):
    return [[r["provider"], r["offer_id"]] for r in df.collect()]

def alone(query):
    try:
        return {"rows": rows(spark.sql(query))}
    except Exception as e:
        return {"error": str(e)[:2000]}

def together(batch, out):
    if not batch:
        return
    view = batch[0][1]
    conditions = ", ".join(f"coalesce(({c}), FALSE) AS c{k}" for k, _, c, _ in batch)
    try:
        found = spark.sql(f"SELECT provider, offer_id, {conditions} FROM {view}").collect()
        for k, _, _, _ in batch:
            out[k] = {"rows": [[r["provider"], r["offer_id"]] for r in found if r[f"c{k}"]]}
    except Exception:
        # One bad condition fails them all: run each query as printed to tell which.
        for k, _, _, query in batch:
            out[k] = alone(query)
    batch.clear()

results = []
for job in json.load(open(sys.argv[1])):
    out = [None] * len(job)
    done_setup, batch = None, []
    for k, item in enumerate(job):
        *setup, query = statements(item["script"])
        if setup != done_setup:
            together(batch, out)
            try:
                for s in setup:
                    spark.sql(s)
                done_setup = setup
            except Exception as e:
                out[k] = {"error": str(e)[:2000]}
                done_setup = None
                continue
        m = QUERY.match(query)
        if item["alone"] or not m:
            out[k] = alone(query)
        else:
            batch.append((k, m.group(1), m.group(2), query))
    together(batch, out)
    results.append(out)
json.dump({"results": results}, sys.stdout)
"#;

/// What Spark answered for each script of each job, or why it could not start.
fn run_spark(
    dir: &Path,
    jobs: &[Vec<serde_json::Value>],
) -> Result<Vec<Vec<Result<Ordered, String>>>, String> {
    let batch = dir.join("spark-jobs.json");
    std::fs::write(&batch, serde_json::to_vec(jobs).unwrap()).unwrap();
    let out = match Command::new(python())
        .args(["-c", DRIVER])
        .arg(&batch)
        .current_dir(dir)
        .env("TZ", "Pacific/Pago_Pago")
        .output()
    {
        Ok(out) => out,
        Err(e) => return Err(format!("cannot run `{}`: {e}", python())),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the Spark driver failed ({}; {e}):\n{stderr}", out.status));
    if let Some(why) = answer.get("unavailable") {
        return Err(why.as_str().unwrap_or_default().to_string());
    }
    let pair = |r: &serde_json::Value| {
        (
            r[0].as_str().unwrap().to_string(),
            r[1].as_str().unwrap().to_string(),
        )
    };
    Ok(answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| {
            job.as_array()
                .unwrap()
                .iter()
                .map(|v| match v.get("rows") {
                    Some(rows) => Ok(rows.as_array().unwrap().iter().map(pair).collect()),
                    None => Err(v["error"].to_string()),
                })
                .collect()
        })
        .collect())
}

/// Skips loudly outside CI (and fails in CI) when Spark is not there: `None` then.
fn spark_missing(test: &str, why: &str) -> Option<()> {
    let python = python();
    assert!(
        !in_ci(),
        "Spark is required in CI but cannot start with `{python}` ({why}): run .ci/run, which \
         installs pyspark into a virtual environment and Java when `java` is absent"
    );
    // Straight to the stream: the test harness captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPED {test}: Spark cannot start: the `pyspark` package (for `{python}`; \
         set FLIGHTSIFT_PYTHON) and Java 17+ are needed ({why}). It fails in CI. !!!!!\n"
    );
    None
}

/// One script to run and what `search` gave for the same arguments.
struct Check {
    /// The `flightsift sql` arguments.
    sql: Vec<String>,
    script: String,
    /// Run as printed, not in the one scan of the dump's conditions.
    alone: bool,
    /// `search`'s rows with the same arguments.
    want: Ordered,
    /// With `-n`: every match, of which any `want.len()` are right.
    limited: Option<Rows>,
}

#[test]
fn spark_agrees_with_search_on_random_dumps_and_expressions() {
    let test = "the Spark differential test";
    let has_pyspark = Command::new(python())
        .args(["-c", "import pyspark"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pyspark {
        spark_missing(test, "`import pyspark` fails");
        return;
    }
    let started = Instant::now();
    let seed = seed();
    let dumps = env_number("FLIGHTSIFT_SPARK_DUMPS", 6);
    let cases_per_dump = env_number("FLIGHTSIFT_SPARK_CASES", 40);
    eprintln!("spark differential test: FLIGHTSIFT_DIFF_SEED={seed}");
    let mut r = Rng(seed);
    let dir = tempfile::tempdir().unwrap();

    let mut jobs: Vec<Vec<Check>> = Vec::new();
    for d in 0..dumps {
        let cells = random_rows(&mut r);
        let ids: Vec<String> = cells.iter().map(|c| c[1].clone()).collect();
        let layouts = lay_out(dir.path(), &format!("d{d}"), &mut r, &cells);
        // Each dump is read through one layout, in turn; the first dump's first case
        // through every layout too.
        let main_source = &layouts.sources[d as usize % layouts.sources.len()];
        let mut cases: Vec<Case> = Vec::new();
        if d == 0 {
            cases.extend(issue_examples());
        }
        cases.extend(random_cases(&mut r, cases_per_dump, &ids));
        let mut plan: Vec<(&Case, &str, Vec<&str>)> = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            plan.push((case, main_source, vec![]));
            if i % 10 == 3 {
                plan.push((case, main_source, vec!["-n", "2"]));
            }
        }
        if d == 0 {
            for other in &layouts.sources[1..] {
                plan.push((&cases[0], other, vec![]));
            }
        }
        let mut job = Vec::new();
        for (n, (case, source, extra)) in plan.into_iter().enumerate() {
            let text = case.text();
            let mut args: Vec<&str> = vec!["--where", &text];
            args.extend(case.flag_args());
            args.extend(&extra);
            let mut sql = vec!["sql", "--source", source, "--dialect", "spark"];
            sql.extend(&args);
            let script = run_in(dir.path(), &sql).unwrap_or_else(|e| panic!("{sql:?}: {e}"));
            let mut search = vec!["search", &layouts.reference, "--format", "csv"];
            search.extend(&args);
            let want = run_in(dir.path(), &search).unwrap_or_else(|e| panic!("{search:?}: {e}"));
            let limited = (!extra.is_empty()).then(|| {
                search.truncate(search.len() - extra.len());
                rows_of_csv(&run_in(dir.path(), &search).unwrap())
            });
            job.push(Check {
                sql: sql.iter().map(|s| s.to_string()).collect(),
                script: String::from_utf8(script).unwrap(),
                // The first two of each dump run end-to-end as printed, and so do
                // those of other layouts and with a LIMIT.
                alone: n < 2 || source != main_source || limited.is_some(),
                want: ordered_rows_of_csv(&want),
                limited,
            });
        }
        jobs.push(job);
    }

    let scripts: Vec<Vec<serde_json::Value>> = jobs
        .iter()
        .map(|job| {
            job.iter()
                .map(|c| serde_json::json!({"script": c.script, "alone": c.alone}))
                .collect()
        })
        .collect();
    let spark_started = Instant::now();
    let results = match run_spark(dir.path(), &scripts) {
        Ok(results) => results,
        Err(why) => {
            spark_missing(test, &why);
            return;
        }
    };
    let spark_time = spark_started.elapsed();

    let mut failures = Vec::new();
    let (mut total, mut matched) = (0, 0);
    for (job, got) in jobs.iter().zip(&results) {
        assert_eq!(job.len(), got.len(), "one answer per script");
        for (check, got) in job.iter().zip(got) {
            total += 1;
            matched += usize::from(!check.want.is_empty());
            let want: Rows = check.want.iter().cloned().collect();
            let ok = match got {
                Err(_) => false,
                Ok(rows) => {
                    let found: Rows = rows.iter().cloned().collect();
                    match &check.limited {
                        Some(all) => rows.len() == check.want.len() && found.is_subset(all),
                        None => found == want,
                    }
                }
            };
            if !ok && failures.len() < 3 {
                failures.push(report(dir.path(), seed, check, &want, got));
            }
        }
    }
    eprintln!(
        "spark differential test: {total} scripts, {matched} with at least one match, {} \
         disagreements; Spark {:.1}s, whole test {:.1}s",
        failures.len(),
        spark_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        matched * 4 >= total,
        "only {matched} of {total} cases matched anything"
    );
}

/// A disagreement: the arguments, the differing rows and their lines, how to reproduce.
fn report(
    dir: &Path,
    seed: u64,
    check: &Check,
    want: &Rows,
    got: &Result<Ordered, String>,
) -> String {
    let mut msg =
        format!(
        "Spark disagrees with `flightsift search` (FLIGHTSIFT_DIFF_SEED={seed})\n  flightsift {}\n",
        check.sql.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ")
    );
    let differing: Vec<String> = match got {
        Err(e) => {
            msg += &format!("  spark failed: {e}\n");
            Vec::new()
        }
        Ok(rows) => {
            let found: Rows = rows.iter().cloned().collect();
            let only_search: Vec<_> = want.difference(&found).collect();
            let only_spark: Vec<_> = found.difference(want).collect();
            msg += &format!("  only in search: {only_search:?}\n  only in spark: {only_spark:?}\n");
            only_search
                .iter()
                .chain(&only_spark)
                .map(|(_, id)| id.clone())
                .collect()
        }
    };
    // The source's directory holds `all.csv` with every row.
    let source = &check.sql[2];
    let base = source.split('/').next().unwrap();
    let text = std::fs::read_to_string(dir.join(base).join("all.csv")).unwrap_or_default();
    msg += "  rows:\n";
    for (i, line) in text.lines().enumerate() {
        if i == 0 || differing.iter().any(|id| line.contains(id.as_str())) {
            msg += &format!("    {line}\n");
        }
    }
    msg += &format!("  script:\n{}\n  reproduce: save the rows as {base}/all.csv, then `spark-sql -f` the script\n", check.script);
    msg
}
