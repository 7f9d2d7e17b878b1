//! `flightsift eval` and `flightsift explain`: the library's [`flightsift::Eval`] with
//! its report printed as a table, JSON, CSV or HTML.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};
use flightsift::eval::{parse_queries, update_expectations, Report, HIST_BINS, HIST_WIDTH};
use flightsift::{Error, ErrorPolicy, Eval, Input, Outcome, Query, SearchConfig};

use crate::cli::{EvalArgs, EvalFormat, ExplainArgs, OnError};
use crate::exit::Exit;
use crate::output::Output;
use crate::{compile_filter, open_output, signals};

fn inputs(paths: &[std::path::PathBuf]) -> Vec<Input> {
    if paths.is_empty() {
        vec![Input::from_path("-")]
    } else {
        paths.iter().map(Input::from_path).collect()
    }
}

pub fn eval(args: EvalArgs) -> Result<Exit> {
    let text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("cannot read {}", args.queries.display()))?;
    let base = args.queries.parent().unwrap_or(Path::new("."));
    let shown = args.queries.display().to_string();
    let queries = parse_queries(&text, base).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let plan = Eval::compile(&queries)
        .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?
        .with_histograms(args.html.is_some());
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(p)) if p.extension().is_some_and(|e| e == "json") => EvalFormat::Json,
        (None, Some(p)) if p.extension().is_some_and(|e| e == "csv") => EvalFormat::Csv,
        _ => EvalFormat::Table,
    };
    signals::install();
    // Outputs are opened first: an unusable path fails before the run.
    let out = open_output(args.output.as_deref())?;
    let html = args
        .html
        .as_deref()
        .map(|p| open_output(Some(p)))
        .transpose()?;
    let mut config = SearchConfig::new(inputs(&args.inputs));
    config.threads = args.threads.unwrap_or(0);
    config.on_error = match args.on_error {
        OnError::Fail => ErrorPolicy::Fail,
        OnError::Skip => ErrorPolicy::Skip,
    };
    let report = plan.run_with(config)?;
    if report.summary.outcome == Outcome::Interrupted || signals::received() {
        return Ok(signals::exit());
    }
    let mut bytes = Vec::new();
    match format {
        EvalFormat::Table => table(&report, &mut bytes),
        EvalFormat::Json => {
            bytes = serde_json::to_vec_pretty(&report)?;
            bytes.push(b'\n');
        }
        EvalFormat::Csv => csv_rows(&report, &mut bytes)?,
    }
    write_out(out, &bytes)?;
    if let Some(html) = html {
        write_out(html, render_html(&report, &queries).as_bytes())?;
    }
    if args.update_expectations {
        let updated = update_expectations(&text, &report)?;
        write_out(open_output(Some(&args.queries))?, updated.as_bytes())?;
        let _ = writeln!(
            io::stderr(),
            "flightsift: updated expect_matched of {} queries in {shown}",
            report.queries.len()
        );
        return Ok(Exit::Success);
    }
    if report.ok() {
        return Ok(Exit::Success);
    }
    let _ = io::stderr().write_all(differences(&report).as_bytes());
    Ok(Exit::ExpectationFailed)
}

fn write_out(mut out: Output, bytes: &[u8]) -> Result<()> {
    let target = out.name();
    out.write_all(bytes)
        .and_then(|()| out.finish())
        .map_err(|source| Error::Output { target, source }.into())
}

fn percent(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn expectations_status(q: &flightsift::eval::QueryReport) -> &'static str {
    if q.expectations.is_empty() {
        ""
    } else if q.expectations.iter().all(|e| e.ok) {
        "ok"
    } else {
        "FAILED"
    }
}

/// The human report.
fn table(r: &Report, out: &mut Vec<u8>) {
    let mut s = String::new();
    let width = r
        .queries
        .iter()
        .map(|q| q.name.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(
        s,
        "{:<width$}  {:>12}  {:>12}  {:>11}  expectations",
        "query", "scanned", "matched", "selectivity"
    );
    for q in &r.queries {
        let _ = writeln!(
            s,
            "{:<width$}  {:>12}  {:>12}  {:>11}  {}",
            q.name,
            q.scanned,
            q.matched,
            percent(q.selectivity),
            expectations_status(q)
        );
    }
    for q in &r.queries {
        let _ = writeln!(s, "\n{}:", q.name);
        if q.conjuncts.is_empty() {
            let _ = writeln!(s, "  (no conditions: every record matches)");
        } else {
            let _ = writeln!(s, "  {:>12}  {:>12}  conjunct", "rejected", "only");
            for c in &q.conjuncts {
                let _ = writeln!(
                    s,
                    "  {:>12}  {:>12}  {}",
                    c.rejected, c.only_rejected, c.expr
                );
            }
        }
        if !q.first_ids.is_empty() {
            let _ = writeln!(s, "  first matches: {}", q.first_ids.join(", "));
        }
    }
    let _ = writeln!(
        s,
        "\n{} records, {} queries, {:.3} s; first pass reads: {}",
        r.scanned,
        r.queries.len(),
        r.elapsed_secs,
        r.columns.join(", ")
    );
    out.extend_from_slice(s.as_bytes());
}

fn csv_rows(r: &Report, out: &mut Vec<u8>) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "name",
        "scanned",
        "matched",
        "selectivity",
        "expectations_ok",
    ])?;
    for q in &r.queries {
        let ok = match expectations_status(q) {
            "" => "",
            "ok" => "true",
            _ => "false",
        };
        w.write_record([
            q.name.as_str(),
            &q.scanned.to_string(),
            &q.matched.to_string(),
            &format!("{:.6}", q.selectivity),
            ok,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// What failed, for stderr.
fn differences(r: &Report) -> String {
    let mut s = String::new();
    for q in &r.queries {
        for e in q.expectations.iter().filter(|e| !e.ok) {
            match e.kind {
                "matched" => {
                    let _ = writeln!(
                        s,
                        "flightsift: expectation failed: query \"{}\": matched {}, expected {}",
                        q.name, e.actual, e.expected
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "flightsift: expectation failed: query \"{}\": ids: {} missing, {} extra (expected {}, found {})",
                        q.name, e.missing_count, e.extra_count, e.expected, e.actual
                    );
                    if !e.missing.is_empty() {
                        let _ = writeln!(s, "  missing: {}", e.missing.join(", "));
                    }
                    if !e.extra.is_empty() {
                        let _ = writeln!(s, "  extra: {}", e.extra.join(", "));
                    }
                }
            }
        }
    }
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars: one `(label, value)` per row, scaled to the largest.
fn bars(rows: &[(String, u64, &str)], title: &str) -> String {
    let (label_w, bar_w, row_h) = (260.0, 360.0, 22.0);
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let height = row_h * rows.len() as f64 + 30.0;
    let mut s = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"{}\"><text x=\"0\" y=\"16\" class=\"title\">{}</text>",
        label_w + bar_w + 90.0,
        escape(title),
        escape(title)
    );
    for (i, (label, v, color)) in rows.iter().enumerate() {
        let y = 26.0 + row_h * i as f64;
        let w = (*v as f64 / max * bar_w).max(if *v > 0 { 1.0 } else { 0.0 });
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{v}</text>",
            label_w - 6.0,
            y + 14.0,
            escape(label),
            label_w,
            y + 2.0,
            row_h - 6.0,
            label_w + w + 4.0,
            y + 14.0
        );
    }
    s + "</svg>"
}

/// Price histogram of one query's matches against all records (each scaled to its max).
fn histogram(all: &[u64], matched: &[u64], title: &str) -> String {
    let (w, h, pad) = (620.0, 160.0, 24.0);
    let n = all.len().max(1) as f64;
    let bw = (w - 2.0 * pad) / n;
    let max_all = all.iter().copied().max().unwrap_or(0).max(1) as f64;
    let max_m = matched.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut s = format!(
        "<svg class=\"chart hist\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{}\" role=\"img\" aria-label=\"{}\"><text x=\"0\" y=\"14\" class=\"title\">{}</text>",
        h + 40.0,
        escape(title),
        escape(title)
    );
    for (i, (&a, &m)) in all.iter().zip(matched).enumerate() {
        let x = pad + bw * i as f64;
        let ha = a as f64 / max_all * h;
        let hm = m as f64 / max_m * h;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{ha:.1}\" fill=\"#cfd8e3\"><title>all: {a}</title></rect><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{hm:.1}\" fill=\"#2b6cb0\"><title>matched: {m}</title></rect>",
            20.0 + h - ha,
            bw - 1.0,
            x + bw * 0.25,
            20.0 + h - hm,
            bw * 0.5
        );
        if i % 5 == 0 {
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{}\" class=\"axis\">{}</text>",
                h + 34.0,
                i as i64 * HIST_WIDTH
            );
        }
    }
    s + "</svg>"
}

/// One self-contained page: no scripts, no network resources.
fn render_html(r: &Report, queries: &[Query]) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>flightsift eval</title><style>\
body{font:14px system-ui,sans-serif;margin:24px;color:#1a202c}h1{font-size:20px}h2{font-size:16px;margin-top:28px}\
svg text{font:12px system-ui,sans-serif;fill:#1a202c}svg .title{font-weight:600}svg .axis{fill:#4a5568;font-size:10px}\
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}td:first-child,th:first-child{text-align:left}\
.ok{color:#276749}.failed{color:#c53030;font-weight:600}</style></head><body>\n<h1>flightsift eval</h1>\n",
    );
    let _ = writeln!(
        s,
        "<p>{} records, {} queries, {:.3} s.</p>",
        r.scanned,
        r.queries.len(),
        r.elapsed_secs
    );
    let rows: Vec<(String, u64, &str)> = r
        .queries
        .iter()
        .map(|q| (q.name.clone(), q.matched, "#2b6cb0"))
        .collect();
    s += &bars(&rows, "matched per query");
    let empty = vec![0; HIST_BINS];
    let all = r.histogram.as_ref().unwrap_or(&empty);
    for (q, spec) in r.queries.iter().zip(queries) {
        let status = expectations_status(q);
        let _ = writeln!(
            s,
            "<section class=\"query\"><h2>{}</h2><p>{}{} of {} matched ({}){}</p>",
            escape(&q.name),
            spec.where_text
                .as_deref()
                .map(|w| format!("<code>{}</code>: ", escape(w)))
                .unwrap_or_default(),
            q.matched,
            q.scanned,
            percent(q.selectivity),
            match status {
                "" => String::new(),
                "ok" => " <span class=\"ok\">expectations ok</span>".into(),
                _ => " <span class=\"failed\">expectations FAILED</span>".into(),
            }
        );
        let mut rows = Vec::new();
        for c in &q.conjuncts {
            rows.push((format!("{} (rejected)", c.expr), c.rejected, "#dd6b20"));
            rows.push((format!("{} (only)", c.expr), c.only_rejected, "#9c4221"));
        }
        if !rows.is_empty() {
            s += &bars(&rows, "rejected / only rejected per conjunct");
        }
        let matched = q.histogram.as_ref().unwrap_or(&empty);
        s += &histogram(
            all,
            matched,
            "price: matched (dark, own scale) vs all records (light)",
        );
        s += "</section>\n";
    }
    s + "</body></html>\n"
}

/// `explain`: how the evaluator runs a filter, and what it selects on a sample.
pub fn explain(args: ExplainArgs) -> Result<Exit> {
    let filter = compile_filter(&args.filters)?;
    let parts = match filter.expr() {
        flightsift::Expr::And(v) => v.clone(),
        e => vec![e.clone()],
    };
    let mut out = String::new();
    let _ = writeln!(out, "expression: {}", filter.expr());
    let mut order: Vec<(String, u32)> = parts
        .iter()
        .map(|p| {
            let f = flightsift::Filter::compile(p).expect("a conjunct of a valid filter");
            (p.to_string(), f.cost())
        })
        .collect();
    // The evaluator's stable sort: ties keep the written order.
    order.sort_by_key(|o| o.1);
    let _ = writeln!(
        out,
        "evaluation order (cheapest first; an AND stops at the first conjunct that is not true):"
    );
    for (i, (text, cost)) in order.iter().enumerate() {
        let _ = writeln!(out, "  {}. {text}  (cost {cost})", i + 1);
    }
    let query = Query {
        name: "explain".into(),
        where_text: args.filters.where_expr.clone(),
        flags: args.filters.to_flags(),
        ..Default::default()
    };
    let plan = Eval::compile(std::slice::from_ref(&query))?;
    let _ = writeln!(
        out,
        "first decode pass reads: {} (the rest only for matches)",
        match plan.columns() {
            c if c.is_empty() => "nothing".to_string(),
            c => c.join(", "),
        }
    );
    if let Some(input) = &args.input {
        let plan = plan.with_sample(Some(args.sample));
        let report = plan.run_with(SearchConfig::new(vec![Input::from_path(input)]))?;
        let q = &report.queries[0];
        let _ = writeln!(
            out,
            "selectivity on a sample of {} records of {}:",
            report.scanned,
            input.display()
        );
        let width = q.conjuncts.iter().map(|c| c.expr.len()).max().unwrap_or(0);
        for c in &q.conjuncts {
            let passed = report.scanned - c.rejected;
            let _ = writeln!(
                out,
                "  {:<width$}  {:>8} pass  ({:>7})  alone rejects {}",
                c.expr,
                passed,
                percent(if report.scanned == 0 {
                    0.0
                } else {
                    passed as f64 / report.scanned as f64
                }),
                c.only_rejected
            );
        }
        let _ = writeln!(
            out,
            "  {:<width$}  {:>8} pass  ({:>7})",
            "all",
            q.matched,
            percent(q.selectivity)
        );
    }
    let mut stdout = io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(Exit::Success)
}
