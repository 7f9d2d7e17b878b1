//! `flightsift eval` and `explain`: counts equal to separate `search --count` runs on
//! random dumps and query sets, per-conjunct counts, limits, expectations and their
//! exit status, errors in the queries file, the output formats.

use std::path::Path;

use serde_json::Value;

use crate::sql_gen::{self, Case, Dump, Rng, BIN};
use crate::util::Workdir;

/// A TOML basic string (JSON's escapes are a subset of TOML's).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A `[[query]]` table for a random case: its expression and flags.
pub(crate) fn query_table(name: &str, case: &Case, limit: Option<u64>) -> String {
    let mut t = format!(
        "[[query]]\nname = {}\nwhere = {}\n",
        quoted(name),
        quoted(&case.text())
    );
    for group in &case.flags {
        let key = group[0].trim_start_matches('-').replace('-', "_");
        match group.get(1) {
            Some(v) => t += &format!("{key} = {}\n", quoted(v)),
            None => t += &format!("{key} = true\n"),
        }
    }
    if let Some(n) = limit {
        t += &format!("limit = {n}\n");
    }
    t
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `eval --format json`, which must succeed.
pub(crate) fn eval_json(dir: &Path, queries: &str, dump: &str, extra: &[&str]) -> Value {
    let mut args = vec!["eval", "--queries", queries, dump, "--format", "json"];
    args.extend(extra);
    let out = run(dir, &args);
    assert!(
        out.status.success(),
        "eval failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.join(queries)).unwrap()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count(dir: &Path, dump: &str, expr: &str, flags: &[&str]) -> u64 {
    let mut args = vec!["search", dump, "--count", "--where", expr];
    args.extend(flags);
    let out = run(dir, &args);
    assert!(
        out.status.success(),
        "search --where '{expr}' {flags:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Every count of `eval` against separate `search --count` runs: per query matched,
/// per conjunct rejected (all minus the conjunct's own count) and only-rejected
/// (the other conjuncts' count minus the query's), on random dumps and queries.
#[test]
fn eval_counts_equal_separate_search_counts() {
    let seed = sql_gen::seed();
    eprintln!("FLIGHTSIFT_DIFF_SEED={seed}");
    let mut r = Rng(seed);
    let w = Workdir::new();
    let dir = w.path("");
    for d in 0..sql_gen::env_number("FLIGHTSIFT_DIFF_DUMPS", 4) {
        let rows = sql_gen::random_rows(&mut r);
        let dump = Dump::random(&mut r, &rows);
        let dump_name = format!("d{d}.csv");
        std::fs::write(dir.join(&dump_name), dump.text(|_| true)).unwrap();
        let cases = sql_gen::random_cases(&mut r, 6, &dump.ids);
        let limits: Vec<Option<u64>> = cases
            .iter()
            .map(|_| r.pct(25).then(|| r.below(5) as u64))
            .collect();
        let mut toml = String::from("# random queries\n");
        for (i, (case, limit)) in cases.iter().zip(&limits).enumerate() {
            toml += &query_table(&format!("q{i}"), case, *limit);
        }
        std::fs::write(dir.join("q.toml"), &toml).unwrap();
        let total = dump.ids.len() as u64;
        for threads in ["1", "3"] {
            let report = eval_json(&dir, "q.toml", &dump_name, &["--threads", threads]);
            assert_eq!(report["scanned"], total);
            for (i, (case, limit)) in cases.iter().zip(&limits).enumerate() {
                let q = &report["queries"][i];
                let all = count(&dir, &dump_name, &case.text(), &case.flag_args());
                let ctx = format!("seed {seed}, query {i}: {}\n{toml}", case.text());
                let matched = q["matched"].as_u64().unwrap();
                match limit {
                    Some(n) => assert_eq!(matched, all.min(*n), "{ctx}"),
                    None => {
                        assert_eq!(matched, all, "{ctx}");
                        assert_eq!(q["scanned"], total, "{ctx}");
                    }
                }
                if limit.is_some() {
                    continue; // the conjunct counts of a satisfied query cover whole pages
                }
                let conjuncts: Vec<&str> = q["conjuncts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["expr"].as_str().unwrap())
                    .collect();
                for (j, c) in q["conjuncts"].as_array().unwrap().iter().enumerate() {
                    let own = count(&dir, &dump_name, conjuncts[j], &[]);
                    assert_eq!(
                        c["rejected"],
                        total - own,
                        "{ctx}\nconjunct {}",
                        conjuncts[j]
                    );
                    let others: Vec<String> = conjuncts
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| *k != j)
                        .map(|(_, c)| format!("({c})"))
                        .collect();
                    let others = if others.is_empty() {
                        "true".to_string()
                    } else {
                        others.join(" and ")
                    };
                    let rest = count(&dir, &dump_name, &others, &[]);
                    assert_eq!(
                        c["only_rejected"],
                        rest - matched,
                        "{ctx}\nconjunct {}",
                        conjuncts[j]
                    );
                }
            }
        }
    }
}

const QUERIES: &str = r#"# expectations for data/sample.csv
[[query]]
name = "cheap-nonstop"   # the name
where = "price <= 300 and stops = 0"
expect_matched = 1 # wrong on purpose

[[query]]
name = "morning"
from = ["JFK", "EWR"]
max_stops = 1
depart_after = "06:00"
"#;

fn sample() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample.csv").to_string()
}

#[test]
fn expectations_fail_with_exit_1_and_update_in_place() {
    let w = Workdir::new();
    w.create("q.toml", QUERIES);
    let dump = sample();
    let want = count(&w.path(""), &dump, "price <= 300 and stops = 0", &[]);
    let err = w.fails_with(1, &["eval", "--queries", "q.toml", &dump]);
    assert!(
        err.contains(&format!(
            "query \"cheap-nonstop\": matched {want}, expected 1"
        )),
        "{err}"
    );
    // The JSON report says it too.
    let out = w.output(&["eval", "--queries", "q.toml", &dump, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["queries"][0]["expectations"][0],
        serde_json::json!({"kind": "matched", "ok": false, "expected": 1, "actual": want})
    );
    // Updating rewrites the count, keeps comments and order, adds the missing one.
    w.stdout(&[
        "eval",
        "--queries",
        "q.toml",
        &dump,
        "--update-expectations",
    ]);
    let updated = w.read("q.toml");
    assert!(
        updated.contains(&format!("expect_matched = {want} # wrong on purpose")),
        "{updated}"
    );
    assert!(updated.starts_with("# expectations for data/sample.csv\n"));
    assert!(updated.contains("name = \"cheap-nonstop\"   # the name"));
    let morning = count(
        &w.path(""),
        &dump,
        "true",
        &[
            "--from",
            "JFK,EWR",
            "--max-stops",
            "1",
            "--depart-after",
            "06:00",
        ],
    );
    assert!(updated.contains(&format!("expect_matched = {morning}")));
    w.stdout(&["eval", "--queries", "q.toml", &dump]);
}

#[test]
fn expected_ids_show_missing_and_extra() {
    let w = Workdir::new();
    let dump = sample();
    let ids = w.stdout(&[
        "search",
        &dump,
        "--where",
        "price <= 120",
        "--format",
        "csv",
    ]);
    let mut ids: Vec<String> = ids
        .lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            format!("{}|{}", f.next().unwrap(), f.next().unwrap())
        })
        .collect();
    assert!(ids.len() > 2, "the sample has cheap offers");
    ids.sort();
    w.create("expected.txt", format!("# ids\n{}\n", ids.join("\n")));
    let q =
        "[[query]]\nname = \"cheap\"\nwhere = \"price <= 120\"\nexpect_ids = \"expected.txt\"\n";
    w.create("q.toml", q);
    w.stdout(&["eval", "--queries", "q.toml", &dump]);
    // One missing, one extra.
    let dropped = ids.remove(0);
    ids.push("nobody|x-1".into());
    w.create("expected.txt", ids.join("\n"));
    let err = w.fails_with(1, &["eval", "--queries", "q.toml", &dump]);
    assert!(err.contains("ids: 1 missing, 1 extra"), "{err}");
    assert!(err.contains("missing: nobody|x-1"), "{err}");
    assert!(err.contains(&format!("extra: {dropped}")), "{err}");
}

#[test]
fn bad_queries_files_name_the_query_and_line() {
    let w = Workdir::new();
    let dump = sample();
    let cases: &[(&str, &[&str])] = &[
        ("[[query]]\nname = \"a\"\nwhere = \"price <= 1\n", &["line 3"]),
        (
            "[[query]]\nname = \"a\"\nwhere = \"true\"\n\n[[query]]\nname = \"b\"\nfrm = [\"JFK\"]\n",
            &["query \"b\" (line 7)", "unknown key `frm`"],
        ),
        (
            "[[query]]\nname = \"a\"\nwhere = \"true\"\n[[query]]\nname = \"b\"\n# x\nwhere = \"price <= x\"\n",
            &[
                "query \"b\" (line 7)",
                "expected a decimal amount",
                "  price <= x\n           ^",
            ],
        ),
        (
            "[[query]]\nname = \"a\"\n[[query]]\nname = \"a\"\n",
            &["query \"a\" (line 3)", "another query has this name"],
        ),
        ("[[query]]\nwhere = \"true\"\n", &["`name`", "required"]),
        (
            "[[query]]\nname = \"a\"\nmax_price = \"cheap\"\n",
            &["query \"a\"", "--max-price"],
        ),
    ];
    for (text, wants) in cases {
        w.create("q.toml", text);
        let err = w.fails_with(2, &["eval", "--queries", "q.toml", &dump]);
        for want in *wants {
            assert!(err.contains(want), "{text}\n---\n{err}\nwants {want:?}");
        }
    }
}

#[test]
fn csv_and_table_reports() {
    let w = Workdir::new();
    let dump = sample();
    w.create(
        "q.toml",
        "[[query]]\nname = \"all\"\n\n[[query]]\nname = \"ten\"\nwhere = \"stops = 0\"\nlimit = 10\nexpect_matched = 10\n",
    );
    let csv = w.stdout(&["eval", "--queries", "q.toml", &dump, "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("name,scanned,matched,selectivity,expectations_ok")
    );
    assert_eq!(lines.next(), Some("all,3000,3000,1.000000,"));
    assert!(lines.next().unwrap().starts_with("ten,"));
    let table = w.stdout(&["eval", "--queries", "q.toml", &dump]);
    assert!(table.contains("every record matches"), "{table}");
    assert!(table.contains("stops = 0"), "{table}");
    // -o: written atomically, format from the extension.
    w.stdout(&["eval", "--queries", "q.toml", &dump, "-o", "r.json"]);
    let report: Value = serde_json::from_str(&w.read("r.json")).unwrap();
    assert_eq!(report["queries"][1]["matched"], 10);
    assert_eq!(report["queries"][1]["satisfied"], true);
}

#[test]
fn explain_shows_order_columns_and_sample_selectivity() {
    let w = Workdir::new();
    let out = w.stdout(&[
        "explain",
        "--where",
        "depart_time >= 06:00 and not via has ORD and price <= 450",
        "--max-stops",
        "1",
    ]);
    assert!(
        out.contains(
            "expression: stops <= 1 and depart_time >= 06:00 and not via has ORD and price <= 450"
        ),
        "{out}"
    );
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s} in {out}"));
    // Cheapest first: scalar keys, then the time of day, then the list.
    assert!(at("1. stops <= 1") < at("3. depart_time >= 06:00"));
    assert!(at("2. price <= 450") < at("4. not via has ORD"));
    assert!(
        out.contains("first decode pass reads: departure, stops, via, price"),
        "{out}"
    );
    let out = w.stdout(&[
        "explain",
        "--where",
        "price <= 300 and stops = 0",
        &sample(),
        "--sample",
        "1000",
    ]);
    assert!(out.contains("selectivity on a sample of"), "{out}");
    assert!(out.contains("all"), "{out}");
}

#[test]
fn html_report_is_self_contained() {
    let w = Workdir::new();
    let dump = sample();
    w.create(
        "q.toml",
        "[[query]]\nname = \"cheap <nonstop>\"\nwhere = \"price <= 300 and stops = 0\"\n\n[[query]]\nname = \"business\"\ncabin = \"business\"\n",
    );
    w.stdout(&["eval", "--queries", "q.toml", &dump, "--html", "r.html"]);
    let html = w.read("r.html");
    assert!(html.contains("cheap &lt;nonstop&gt;"));
    assert!(html.contains("<h2>business</h2>"));
    assert_eq!(html.matches("class=\"chart hist\"").count(), 2);
    let html = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for remote in ["http:", "https:", "<script", "<link", "url("] {
        assert!(!html.contains(remote), "{remote} in the report");
    }
}

/// The browser this test drives: Debian's Chromium. Absent, the test is skipped
/// loudly, and fails under CI, whose `.ci/run` installs it.
fn chromium() -> Option<std::path::PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is missing under CI; .ci/run installs Debian's `chromium`"
        );
        eprintln!("\n!!!!! SKIPPED the HTML report browser test: Chromium is not installed (`apt-get install chromium`). It fails in CI. !!!!!\n");
    }
    found
}

/// Headless Chromium with the flags a closed network needs, on a fresh profile.
fn headless(browser: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("start chromium")
}

/// The report in a real browser: it renders without console errors, shows every
/// query's name, and has one histogram per query and one conjunct chart per query
/// with conjuncts. `FLIGHTSIFT_SCREENSHOT=FILE` also keeps the screenshot (how
/// docs/eval-report.png is made).
#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let w = Workdir::new();
    let dump = sample();
    let names = ["cheap <nonstop>", "business", "jfk mornings"];
    w.create(
        "q.toml",
        "[[query]]\nname = \"cheap <nonstop>\"\nwhere = \"price <= 300 and stops = 0\"\n\n\
         [[query]]\nname = \"business\"\ncabin = \"business\"\n\n\
         [[query]]\nname = \"jfk mornings\"\nfrom = [\"JFK\"]\nwhere = \"depart_time < 12:00\"\nlimit = 5\n",
    );
    w.stdout(&["eval", "--queries", "q.toml", &dump, "--html", "r.html"]);
    let page = format!("file://{}", w.path("r.html").display());
    let profile = tempfile::tempdir().unwrap();
    let out = headless(&browser, profile.path(), &["--dump-dom", &page]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8(out.stdout).unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("Failed to load resource")
        })
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    for name in names {
        let shown = name.replace('<', "&lt;").replace('>', "&gt;");
        assert!(
            dom.contains(&format!("<h2>{shown}</h2>")),
            "{name} is not shown"
        );
    }
    assert_eq!(
        dom.matches("class=\"chart hist\"").count(),
        names.len(),
        "one histogram per query"
    );
    assert!(
        dom.matches("<svg").count() > names.len(),
        "a matched-per-query chart and conjunct charts too"
    );
    // A screenshot renders (a PNG of real size).
    let shot = w.path("r.png");
    let out = headless(
        &browser,
        profile.path(),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1000,1400",
            &page,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    if let Some(keep) = std::env::var_os("FLIGHTSIFT_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
