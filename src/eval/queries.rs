//! The queries file of `flightsift eval`: TOML, one `[[query]]` table per query.
//!
//! Behind the `eval-toml` feature (which `cli` turns on), so that the library alone
//! does not bring a TOML parser: a library caller builds its [`Query`] values itself.

use std::path::Path;

use super::{Eval, Query, Report};
use crate::error::{Error, Result};
use crate::filter::FilterFlags;

/// Reads a queries file (TOML: an array of `[[query]]` tables). `expect_ids` paths
/// are relative to `base` (the file's directory). Errors name the query and its line.
pub fn parse_queries(text: &str, base: &Path) -> Result<Vec<Query>> {
    let table: toml::Table = toml::from_str(text).map_err(|e| Error::Filter(e.to_string()))?;
    let headers = query_lines(text);
    let mut out = Vec::new();
    for (key, value) in &table {
        if key != "query" {
            return Err(Error::Filter(format!(
                "unknown key `{key}` (line {}): a queries file holds [[query]] tables",
                key_line(text, 0, text.len(), key).unwrap_or(1)
            )));
        }
        let Some(list) = value.as_array() else {
            return Err(Error::Filter(
                "`query` must be an array of tables ([[query]])".into(),
            ));
        };
        for (i, item) in list.iter().enumerate() {
            let line = headers.get(i).map(|h| h.0);
            let (start, end) = headers.get(i).map_or((0, text.len()), |h| {
                (h.1, headers.get(i + 1).map_or(text.len(), |n| n.1))
            });
            let at = |key: &str| key_line(text, start, end, key).or(line);
            let Some(t) = item.as_table() else {
                return Err(Error::Filter(format!(
                    "[[query]] number {} is not a table",
                    i + 1
                )));
            };
            let name = t.get("name").and_then(|v| v.as_str()).unwrap_or("");
            let mut q = Query {
                name: name.to_string(),
                line,
                ..Default::default()
            };
            let fail = |q: &Query, key: &str, m: String| {
                let mut q = q.clone();
                q.line = at(key);
                Error::Filter(format!("{}: {m}", q.label()))
            };
            if name.is_empty() {
                return Err(fail(
                    &q,
                    "name",
                    "`name` (a non-empty string) is required".into(),
                ));
            }
            for (key, v) in t {
                let int = |v: &toml::Value| match v.as_integer() {
                    Some(n) if n >= 0 => Ok(n as u64),
                    _ => Err(fail(
                        &q,
                        key,
                        format!("`{key}` must be a non-negative integer"),
                    )),
                };
                match key.as_str() {
                    "name" => {}
                    "where" => match v.as_str() {
                        Some(s) => q.where_text = Some(s.to_string()),
                        None => return Err(fail(&q, key, "`where` must be a string".into())),
                    },
                    "limit" => q.limit = Some(int(v)?),
                    "expect_matched" => q.expect_matched = Some(int(v)?),
                    "expect_ids" => match v.as_str() {
                        Some(s) => q.expect_ids = Some(base.join(s)),
                        None => return Err(fail(&q, key, "`expect_ids` must be a path".into())),
                    },
                    flag => {
                        let values = flag_values(v).map_err(|m| fail(&q, key, m))?;
                        let mut flags = q.flags.clone();
                        match flags.set(flag, &values) {
                            Ok(()) => q.flags = flags,
                            Err(m) if !FilterFlags::KEYS.contains(&flag) => {
                                return Err(fail(
                                    &q,
                                    key,
                                    format!(
                                        "{m}: a query has name, where, limit, expect_matched, expect_ids and the search flags ({})",
                                        FilterFlags::KEYS.join(", ")
                                    ),
                                ))
                            }
                            Err(m) => return Err(fail(&q, key, m)),
                        }
                    }
                }
            }
            // An expression error points into the `where` line.
            if let Some(where_line) = at("where").filter(|_| q.where_text.is_some()) {
                let mut probe = q.clone();
                probe.line = Some(where_line);
                Eval::compile(std::slice::from_ref(&probe))?;
            }
            out.push(q);
        }
    }
    Ok(out)
}

/// A flag's value as the command line would give it.
fn flag_values(v: &toml::Value) -> std::result::Result<Vec<String>, String> {
    let one = |v: &toml::Value| match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(n) => Ok(n.to_string()),
        toml::Value::Float(x) => Ok(x.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(format!("unexpected {}", other.type_str())),
    };
    match v {
        toml::Value::Array(items) => items.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

/// `(line, byte offset)` of each `[[query]]` header.
fn query_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim();
        if t.starts_with("[[") && t[2..].trim_start().starts_with("query") {
            out.push((n + 1, offset));
        }
        offset += line.len();
    }
    out
}

/// The line where `key = ...` is set between byte offsets `start` and `end`.
fn key_line(text: &str, start: usize, end: usize, key: &str) -> Option<usize> {
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let t = line.trim_start();
        let t = t.strip_prefix('"').unwrap_or(t);
        if let Some(rest) = t.strip_prefix(key) {
            let rest = rest.trim_start_matches('"').trim_start();
            if rest.starts_with('=') {
                return Some(text[..offset].matches('\n').count() + 1);
            }
        }
        offset += line.len();
    }
    None
}

/// Rewrites (or adds) `expect_matched` of every query in a queries file's text, keeping
/// comments, order and formatting.
pub fn update_expectations(text: &str, report: &Report) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| Error::Filter(e.to_string()))?;
    let Some(tables) = doc
        .get_mut("query")
        .and_then(|q| q.as_array_of_tables_mut())
    else {
        return Err(Error::Filter("no [[query]] tables".into()));
    };
    for table in tables.iter_mut() {
        let name = table.get("name").and_then(|n| n.as_str()).unwrap_or("");
        let Some(r) = report.queries.iter().find(|r| r.name == name) else {
            continue;
        };
        let mut value = toml_edit::Value::from(r.matched as i64);
        match table
            .get_mut("expect_matched")
            .and_then(|i| i.as_value_mut())
        {
            Some(old) => {
                *value.decor_mut() = old.decor().clone();
                *old = value;
            }
            None => {
                table.insert("expect_matched", toml_edit::Item::Value(value));
            }
        }
    }
    Ok(doc.to_string())
}
