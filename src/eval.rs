//! Many queries, one pass: `flightsift eval`.
//!
//! Every record is decoded once, as far as the union of the columns the queries read,
//! and every query is evaluated on it in the workers; only a record that some query
//! matches is decoded in full and checked (exactly as `search` checks what it keeps).
//! Each query's top-level conjuncts (flags count as conjuncts) are compiled
//! separately, in their written order, so the report can say how many records each
//! one rejected (false or unknown, as in SQL) and how many it alone rejected.
//! Conjuncts that several queries share are evaluated once per record.
//!
//! The counters live in the page's batch (see [`Collector::judge`]) and are merged by
//! the consumer, which also applies the queries' limits: a query stops counting at
//! its limit, and the run stops reading once every query is satisfied.
//!
//! ```
//! use flightsift::eval::{Eval, Query};
//! use flightsift::Input;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dump = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample.csv");
//! let queries = vec![
//!     Query::new("cheap", "price <= 300"),
//!     Query::new("cheap-nonstop", "price <= 300 and stops = 0"),
//! ];
//! let report = Eval::run(&queries, vec![Input::from_path(dump)])?;
//! let (cheap, nonstop) = (&report.queries[0], &report.queries[1]);
//! assert!(nonstop.matched <= cheap.matched);
//! // Records `stops = 0` alone rejected are the cheap ones that are not nonstop.
//! assert_eq!(nonstop.conjuncts[1].expr, "stops = 0");
//! assert_eq!(nonstop.conjuncts[1].only_rejected, cheap.matched - nonstop.matched);
//! # Ok(()) }
//! ```

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::collect::{Collector, Matched};
use crate::columns::COLUMNS;
use crate::error::{Error, Result};
use crate::filter::{parse, Expr, Field, FieldRef, Filter, FilterFlags, Origin};
use crate::record::Flight;
use crate::search::{Search, SearchConfig};
use crate::source::Input;
use crate::summary::Summary;

#[cfg(feature = "eval-toml")]
mod queries;
#[cfg(feature = "eval-toml")]
pub use queries::{parse_queries, update_expectations};

/// Matching ids a report lists per query (all of them when the query has `expect_ids`).
pub const FIRST_IDS: usize = 5;
/// Bins of the price histograms: `HIST_BINS - 1` bins of [`HIST_WIDTH`], then the rest.
pub const HIST_BINS: usize = 25;
/// Width of a histogram bin, in currency units.
pub const HIST_WIDTH: i64 = 100;

/// One query of an evaluation.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Unique name.
    pub name: String,
    /// The `where` expression, if any.
    pub where_text: Option<String>,
    /// Search flags, ANDed with `where_text` (each flag is a conjunct).
    pub flags: FilterFlags,
    /// The query is satisfied after this many matches.
    pub limit: Option<u64>,
    /// Expected number of matches.
    pub expect_matched: Option<u64>,
    /// A file of the expected `provider|offer_id` lines.
    pub expect_ids: Option<PathBuf>,
    /// Line of the query in its file, for errors.
    pub line: Option<usize>,
}

impl Query {
    /// A query of a `where` expression alone.
    pub fn new(name: impl Into<String>, where_text: impl Into<String>) -> Query {
        Query {
            name: name.into(),
            where_text: Some(where_text.into()),
            ..Default::default()
        }
    }

    /// `query "name" (line N)`, for messages.
    fn label(&self) -> String {
        match self.line {
            Some(line) => format!("query \"{}\" (line {line})", self.name),
            None => format!("query \"{}\"", self.name),
        }
    }
}

/// One query compiled: its conjuncts as written, and which shared conjunct each is.
#[derive(Clone, Debug)]
struct Compiled {
    query: Query,
    /// The top-level conjuncts, printed.
    conjuncts: Vec<String>,
}

/// The top-level conjuncts of a query: the flags' then the expression's.
fn conjuncts(q: &Query) -> std::result::Result<Vec<Expr>, String> {
    let mut parts = vec![q.flags.to_expr()];
    if let Some(text) = &q.where_text {
        parts.push(parse(text).map_err(|e| e.render(text))?);
    }
    Ok(match Expr::and(parts) {
        Expr::And(v) => v,
        e => vec![e],
    })
}

/// A set of compiled queries, ready to run on inputs.
#[derive(Clone, Debug)]
pub struct Eval {
    queries: Vec<Compiled>,
    /// The distinct conjuncts of every query, compiled.
    unique: Vec<Filter>,
    /// Per query, where its conjuncts start in `conj` (one more entry at the end).
    offsets: Vec<usize>,
    /// Per conjunct of every query in turn, its index in `unique`.
    conj: Vec<usize>,
    /// Reads the union of the columns of every conjunct (for the first decode pass).
    first_pass: Filter,
    /// Also count price histograms (reads the price of every record).
    histograms: bool,
    /// Stop after about this many records (whole pages): a sample.
    max_records: Option<u64>,
}

impl Eval {
    /// Compiles `queries`; an error names the query (and its line) and renders the
    /// expression's error with a caret.
    pub fn compile(queries: &[Query]) -> Result<Eval> {
        let mut names = BTreeSet::new();
        let mut by_text: HashMap<String, usize> = HashMap::new();
        let (mut unique, mut offsets, mut conj, mut compiled) = (vec![], vec![0], vec![], vec![]);
        let mut all = Vec::new();
        for q in queries {
            let fail = |m: String| Error::Filter(format!("{}: {m}", q.label()));
            if q.name.is_empty() {
                return Err(fail("a query needs a name".into()));
            }
            if !names.insert(q.name.clone()) {
                return Err(fail("another query has this name".into()));
            }
            let parts = conjuncts(q).map_err(fail)?;
            // The whole query first: errors read as `search` would print them.
            if let Err(e) = Filter::compile(&Expr::and(parts.clone())) {
                return Err(fail(e.render(q.where_text.as_deref())));
            }
            let mut printed = Vec::new();
            for part in parts {
                let text = part.to_string();
                let next = unique.len();
                let u = *by_text.entry(text.clone()).or_insert(next);
                if u == next {
                    let filter = Filter::compile(&part)
                        .map_err(|e| fail(e.render(q.where_text.as_deref())))?;
                    unique.push(filter);
                    all.push(part);
                }
                conj.push(u);
                printed.push(text);
            }
            offsets.push(conj.len());
            compiled.push(Compiled {
                query: q.clone(),
                conjuncts: printed,
            });
        }
        let first_pass = Filter::compile(&Expr::and(all)).map_err(|e| Error::Filter(e.message))?;
        Ok(Eval {
            queries: compiled,
            unique,
            offsets,
            conj,
            first_pass,
            histograms: false,
            max_records: None,
        })
    }

    /// Evaluates `queries` on `inputs` with the default configuration.
    pub fn run(queries: &[Query], inputs: Vec<Input>) -> Result<Report> {
        Eval::compile(queries)?.run_with(SearchConfig::new(inputs))
    }

    /// Also counts, per query, a histogram of the prices of its matches and of all
    /// records ([`QueryReport::histogram`], [`Report::histogram`]).
    pub fn with_histograms(mut self, on: bool) -> Eval {
        self.histograms = on;
        self
    }

    /// Stops after about `n` records (whole pages): the counts of a sample.
    pub fn with_sample(mut self, n: Option<u64>) -> Eval {
        self.max_records = n;
        self
    }

    /// The canonical columns the first decode pass reads, by name.
    pub fn columns(&self) -> Vec<&'static str> {
        column_names(self.first_pass.columns())
    }

    /// Runs on `config`'s inputs, threads and error policy (its filter, limit and
    /// order are the queries' business and ignored). Expectations are checked.
    pub fn run_with(&self, mut config: SearchConfig) -> Result<Report> {
        let started = Instant::now();
        let mut first = self.first_pass.clone();
        if self.histograms {
            let price = Expr::IsNull {
                field: FieldRef::new(Field::Price, Origin::Code),
                negated: false,
            };
            first = Filter::compile(&Expr::and(vec![first.expr().clone(), price]))
                .map_err(|e| Error::Filter(e.message))?;
        }
        config.filter = first;
        config.limit = None;
        config.ordered = false;
        let k = self.queries.len();
        let collector = Counters {
            eval: Arc::new(self.clone()),
            id_cap: self
                .queries
                .iter()
                .map(|q| match (&q.query.expect_ids, q.query.limit) {
                    (Some(_), Some(n)) => n as usize,
                    (Some(_), None) => usize::MAX,
                    (None, _) => FIRST_IDS,
                })
                .collect(),
        };
        let mut handle = Search::start_with(config, collector)?;
        let mut total = Page::new(self);
        let mut scanned = vec![None; k];
        let limited = self.queries.iter().any(|q| q.query.limit.is_some());
        for page in handle.by_ref() {
            total.records += page.records;
            for (h, p) in total.hist_all.iter_mut().zip(&page.hist_all) {
                *h += p;
            }
            for (q, c) in self.queries.iter().enumerate() {
                if scanned[q].is_some() {
                    continue; // satisfied: its counts are final
                }
                let range = self.offsets[q]..self.offsets[q + 1];
                for i in range {
                    total.rejected[i] += page.rejected[i];
                    total.only[i] += page.only[i];
                }
                total.matched[q] += page.matched[q];
                for (h, p) in total.hist[q].iter_mut().zip(&page.hist[q]) {
                    *h += p;
                }
                let cap = handle_cap(c, &total.ids[q]);
                total.ids[q].extend(page.ids[q].iter().take(cap).cloned());
                if let Some(limit) = c.query.limit {
                    if total.matched[q] >= limit {
                        total.matched[q] = limit;
                        scanned[q] = Some(total.records);
                    }
                }
            }
            let sampled = self.max_records.is_some_and(|n| total.records >= n);
            if sampled || (limited && scanned.iter().all(Option::is_some)) {
                handle.cancel();
                break;
            }
        }
        let summary = handle.join()?;
        let queries = self
            .queries
            .iter()
            .enumerate()
            .map(|(q, c)| {
                let scanned_q = scanned[q].unwrap_or(total.records);
                let range = self.offsets[q]..self.offsets[q + 1];
                let ids = std::mem::take(&mut total.ids[q]);
                let satisfied = scanned[q].is_some();
                let mut report = QueryReport {
                    name: c.query.name.clone(),
                    scanned: scanned_q,
                    matched: total.matched[q],
                    selectivity: ratio(total.matched[q], scanned_q),
                    limit: c.query.limit,
                    satisfied,
                    first_ids: ids.iter().take(FIRST_IDS).cloned().collect(),
                    conjuncts: c
                        .conjuncts
                        .iter()
                        .zip(range)
                        .map(|(expr, i)| ConjunctReport {
                            expr: expr.clone(),
                            rejected: total.rejected[i],
                            only_rejected: total.only[i],
                        })
                        .collect(),
                    expectations: Vec::new(),
                    histogram: self.histograms.then(|| total.hist[q].clone()),
                    ids,
                };
                report.expectations = check(&c.query, &report)?;
                Ok(report)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Report {
            scanned: total.records,
            elapsed_secs: started.elapsed().as_secs_f64(),
            columns: self.columns(),
            histogram: self.histograms.then_some(total.hist_all),
            queries,
            summary,
        })
    }
}

/// How many more ids a query keeps.
fn handle_cap(c: &Compiled, ids: &[String]) -> usize {
    let cap = match (&c.query.expect_ids, c.query.limit) {
        (Some(_), Some(n)) => n as usize,
        (Some(_), None) => usize::MAX,
        (None, _) => FIRST_IDS,
    };
    cap.saturating_sub(ids.len())
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The names of the columns in a column mask.
pub fn column_names(mask: u32) -> Vec<&'static str> {
    COLUMNS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// The expectations of a query, checked against its report.
fn check(q: &Query, r: &QueryReport) -> Result<Vec<Expectation>> {
    let mut out = Vec::new();
    if let Some(want) = q.expect_matched {
        out.push(Expectation {
            kind: "matched",
            ok: want == r.matched,
            expected: want.into(),
            actual: r.matched.into(),
            missing: vec![],
            extra: vec![],
            missing_count: 0,
            extra_count: 0,
        });
    }
    if let Some(path) = &q.expect_ids {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Filter(format!(
                "{}: cannot read expect_ids {}: {e}",
                q.label(),
                path.display()
            ))
        })?;
        let want: BTreeSet<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let got: BTreeSet<&str> = r.ids.iter().map(String::as_str).collect();
        // A query cut short by its limit need not have found every expected id.
        let missing: Vec<String> = if r.satisfied {
            vec![]
        } else {
            want.difference(&got).map(|s| s.to_string()).collect()
        };
        let extra: Vec<String> = got.difference(&want).map(|s| s.to_string()).collect();
        out.push(Expectation {
            kind: "ids",
            ok: missing.is_empty() && extra.is_empty(),
            expected: want.len().into(),
            actual: got.len().into(),
            missing_count: missing.len(),
            extra_count: extra.len(),
            missing: missing.into_iter().take(10).collect(),
            extra: extra.into_iter().take(10).collect(),
        });
    }
    Ok(out)
}

/// The outcome of an evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Records evaluated.
    pub scanned: u64,
    /// Wall time of the run.
    pub elapsed_secs: f64,
    /// Per query, in the order given.
    pub queries: Vec<QueryReport>,
    /// The columns the first decode pass read.
    pub columns: Vec<&'static str>,
    /// Prices of all records, when asked for ([`HIST_BINS`] bins of [`HIST_WIDTH`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Vec<u64>>,
    /// The run's summary.
    pub summary: Summary,
}

impl Report {
    /// Whether every expectation holds.
    pub fn ok(&self) -> bool {
        self.queries
            .iter()
            .all(|q| q.expectations.iter().all(|e| e.ok))
    }
}

/// One query's counts.
#[derive(Clone, Debug, Serialize)]
pub struct QueryReport {
    /// Its name.
    pub name: String,
    /// Records evaluated for it: all of them, or those read until its limit was
    /// reached (whole pages, in the order the workers finished them).
    pub scanned: u64,
    /// Records it matched (at most its limit).
    pub matched: u64,
    /// `matched / scanned`.
    pub selectivity: f64,
    /// Its limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Whether its limit was reached.
    pub satisfied: bool,
    /// The first few matches found, as `provider|offer_id`.
    pub first_ids: Vec<String>,
    /// Per top-level conjunct, as written.
    pub conjuncts: Vec<ConjunctReport>,
    /// Its expectations, checked.
    pub expectations: Vec<Expectation>,
    /// Prices of its matches, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Vec<u64>>,
    /// Every matching id kept (all of them when the query has `expect_ids`).
    #[serde(skip)]
    pub ids: Vec<String>,
}

/// One conjunct's counts.
#[derive(Clone, Debug, Serialize)]
pub struct ConjunctReport {
    /// The conjunct, normalised.
    pub expr: String,
    /// Records it did not accept (false or unknown).
    pub rejected: u64,
    /// Records that every other conjunct of the query accepted and this one did not.
    pub only_rejected: u64,
}

/// An expectation and whether it held.
#[derive(Clone, Debug, Serialize)]
pub struct Expectation {
    /// `matched` or `ids`.
    pub kind: &'static str,
    /// Whether it held.
    pub ok: bool,
    /// The expected count (of matches, or of ids).
    pub expected: serde_json::Value,
    /// The actual count.
    pub actual: serde_json::Value,
    /// `ids`: expected ids not found (the first ten).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// `ids`: ids found but not expected (the first ten).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<String>,
    /// `ids`: how many were missing.
    #[serde(skip_serializing_if = "is_zero")]
    pub missing_count: usize,
    /// `ids`: how many were extra.
    #[serde(skip_serializing_if = "is_zero")]
    pub extra_count: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

// ---------------------------------------------------------------- in the workers

/// The counters of one page.
struct Page {
    records: u64,
    matched: Vec<u64>,
    rejected: Vec<u64>,
    only: Vec<u64>,
    ids: Vec<Vec<String>>,
    hist_all: Vec<u64>,
    hist: Vec<Vec<u64>>,
    /// The current record's truth per distinct conjunct (set by `judge`).
    truth: Vec<bool>,
}

impl Page {
    fn new(eval: &Eval) -> Page {
        let (k, n) = (eval.queries.len(), eval.conj.len());
        let bins = if eval.histograms { HIST_BINS } else { 0 };
        Page {
            records: 0,
            matched: vec![0; k],
            rejected: vec![0; n],
            only: vec![0; n],
            ids: vec![Vec::new(); k],
            hist_all: vec![0; bins],
            hist: vec![vec![0; bins]; k],
            truth: vec![false; eval.unique.len()],
        }
    }
}

fn bin(f: &Flight) -> usize {
    ((f.price.micros / (HIST_WIDTH * 1_000_000)).max(0) as usize).min(HIST_BINS - 1)
}

/// The collector of an evaluation: judges every record against every query.
struct Counters {
    eval: Arc<Eval>,
    id_cap: Vec<usize>,
}

impl Counters {
    /// Counts the current record (its `truth` set), fully decoded if `kept`.
    fn count(&self, page: &mut Page, f: &Flight, kept: bool) {
        let e = &*self.eval;
        page.records += 1;
        let b = if e.histograms { bin(f) } else { 0 };
        if e.histograms {
            page.hist_all[b] += 1;
        }
        for q in 0..e.queries.len() {
            let (mut fails, mut last) = (0, 0);
            for i in e.offsets[q]..e.offsets[q + 1] {
                if !page.truth[e.conj[i]] {
                    fails += 1;
                    last = i;
                    page.rejected[i] += 1;
                }
            }
            match fails {
                0 => {
                    page.matched[q] += 1;
                    if e.histograms {
                        page.hist[q][b] += 1;
                    }
                    if kept && page.ids[q].len() < self.id_cap[q] {
                        page.ids[q].push(format!("{}|{}", f.provider, f.offer_id));
                    }
                }
                1 => page.only[last] += 1,
                _ => {}
            }
        }
    }
}

impl Collector for Counters {
    type Batch = Page;
    fn batch(&self) -> Page {
        Page::new(&self.eval)
    }
    fn add(&self, page: &mut Page, m: Matched<'_>) {
        self.count(page, m.flight, true);
    }
    fn len(&self, page: &Page) -> u64 {
        page.records
    }
    fn truncate(&self, _: &mut Page, _: u64) {}
    /// `eval` never deduplicates (its configuration leaves `dedupe` off): every
    /// record counts, for every query.
    fn retain(&self, _: &mut Page, _: &[bool]) {}
    fn filter_decides(&self) -> bool {
        false
    }
    #[inline]
    fn judge(&self, _: &Filter, page: &mut Page, f: &Flight) -> bool {
        let e = &*self.eval;
        for (t, c) in page.truth.iter_mut().zip(&e.unique) {
            *t = c.matches(f);
        }
        let any = (0..e.queries.len()).any(|q| {
            e.conj[e.offsets[q]..e.offsets[q + 1]]
                .iter()
                .all(|&u| page.truth[u])
        });
        if !any {
            // Final: a record no query keeps is not decoded further.
            self.count(page, f, false);
        }
        any
    }
}
