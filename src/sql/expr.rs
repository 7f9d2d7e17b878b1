//! The compiled filter as an SQL condition, node by node: every literal already
//! means what it means to `search`, and each key is stated over the canonical columns
//! (local times from the timestamp text, lists that may be empty, layovers from the
//! joined minutes).

use super::dialect::{string, Dialect};
use crate::filter::{CmpOp, Filter, Key, ListKey, Node, TextKey};
use crate::record::{format_date, Cabin};

/// The `WHERE` condition alone.
pub fn condition(filter: &Filter, dialect: Dialect) -> String {
    let w = Writer { d: dialect };
    match filter.root() {
        // One term per line reads better than one long line.
        Node::And(parts) if !parts.is_empty() => w.join(parts, "\n  AND ", "TRUE"),
        Node::Or(parts) if !parts.is_empty() => w.join(parts, "\n   OR ", "FALSE"),
        node => w.node(node),
    }
}

/// ASCII-only lowercasing, as `search` compares providers (`lower` would also fold
/// non-ASCII letters, which `search` does not).
const ASCII_UPPER: &str = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'";
const ASCII_LOWER: &str = "'abcdefghijklmnopqrstuvwxyz'";

pub(super) struct Writer {
    pub(super) d: Dialect,
}

impl Writer {
    fn node(&self, n: &Node) -> String {
        match n {
            Node::Const(Some(true)) => "TRUE".into(),
            Node::Const(Some(false)) => "FALSE".into(),
            Node::Const(None) => "CAST(NULL AS BOOLEAN)".into(),
            Node::And(parts) => self.join(parts, " AND ", "TRUE"),
            Node::Or(parts) => self.join(parts, " OR ", "FALSE"),
            Node::Not(inner) => format!("NOT ({})", self.node(inner)),
            Node::Cmp { key, op, rhs } => {
                format!(
                    "{} {} {}",
                    self.value(*key),
                    sql_op(*op),
                    self.literal(*key, *rhs)
                )
            }
            Node::InSet { key, set } => {
                let items: Vec<String> = set.iter().map(|v| self.literal(*key, *v)).collect();
                format!("{} IN ({})", self.value(*key), items.join(", "))
            }
            Node::IsNull { key } => self.is_null(*key),
            Node::TextEq { key, rhs, negated } => format!(
                "{} {} {}",
                self.text(*key),
                if *negated { "<>" } else { "=" },
                self.text_literal(*key, rhs)
            ),
            Node::TextIn { key, set } => {
                let items: Vec<String> = set.iter().map(|v| self.text_literal(*key, v)).collect();
                format!("{} IN ({})", self.text(*key), items.join(", "))
            }
            Node::ListHas { list, rhs } => {
                let col = list_column(*list);
                let item = self.member(*list, *rhs);
                let test = match (self.d, *list) {
                    (Dialect::DuckDb, ListKey::LayoverMin) => {
                        format!("list_contains(CAST(string_split({col}, ';') AS BIGINT[]), {item})")
                    }
                    (Dialect::DuckDb, _) => {
                        format!("list_contains(string_split({col}, ';'), {item})")
                    }
                    (Dialect::Spark, _) => {
                        format!("exists(split({col}, ';'), x -> {} = {item})", elem(*list))
                    }
                    (Dialect::Trino, _) => format!(
                        "any_match(split({col}, ';'), x -> {} = {item})",
                        elem(*list)
                    ),
                };
                format!("CASE WHEN coalesce({col}, '') = '' THEN FALSE ELSE {test} END")
            }
            Node::ListAllIn { list, set } => {
                let col = list_column(*list);
                let items: Vec<String> = set.iter().map(|v| self.member(*list, *v)).collect();
                let items = items.join(", ");
                let test = match (self.d, *list) {
                    (Dialect::DuckDb, ListKey::LayoverMin) => format!(
                        "list_has_all([{items}], CAST(string_split({col}, ';') AS BIGINT[]))"
                    ),
                    (Dialect::DuckDb, _) => {
                        format!("list_has_all([{items}], string_split({col}, ';'))")
                    }
                    (Dialect::Spark, _) => format!(
                        "forall(split({col}, ';'), x -> {} IN ({items}))",
                        elem(*list)
                    ),
                    (Dialect::Trino, _) => format!(
                        "all_match(split({col}, ';'), x -> {} IN ({items}))",
                        elem(*list)
                    ),
                };
                // Every member of an empty list is in any set.
                format!("CASE WHEN coalesce({col}, '') = '' THEN TRUE ELSE {test} END")
            }
        }
    }

    /// A node inside AND/OR: parenthesised when it is itself an AND/OR.
    fn nested(&self, n: &Node) -> String {
        match n {
            Node::And(p) | Node::Or(p) if !p.is_empty() => format!("({})", self.node(n)),
            _ => self.node(n),
        }
    }

    fn join(&self, parts: &[Node], sep: &str, empty: &str) -> String {
        if parts.is_empty() {
            return empty.into();
        }
        parts
            .iter()
            .map(|p| self.nested(p))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// The SQL value a key reads.
    fn value(&self, key: Key) -> String {
        const RET_DEP: &str = "NULLIF(return_departure, '')";
        const RET_ARR: &str = "NULLIF(return_arrival, '')";
        match key {
            Key::Origin => "origin".into(),
            Key::Destination => "destination".into(),
            Key::DurationMin => "duration_min".into(),
            Key::Stops => "stops".into(),
            Key::Cabin => "cabin".into(),
            Key::Price => "price".into(),
            Key::Currency => "currency".into(),
            Key::Seats => "seats".into(),
            Key::Bags => "bags".into(),
            Key::Refundable => "refundable".into(),
            Key::Co2Kg => "co2_kg".into(),
            Key::DepartureLocal => local("departure"),
            Key::ArrivalLocal => local("arrival"),
            Key::ReturnDepartureLocal => local(RET_DEP),
            Key::ReturnArrivalLocal => local(RET_ARR),
            Key::DepartureInstant => self.instant("departure"),
            Key::ArrivalInstant => self.instant("arrival"),
            Key::ReturnDepartureInstant => self.instant(RET_DEP),
            Key::ReturnArrivalInstant => self.instant(RET_ARR),
            // `2026-12-01T06:35:00-05:00`: the date is characters 1-10, the time 12-19.
            Key::DepartTime => "substr(departure, 12, 8)".into(),
            Key::ArriveTime => "substr(arrival, 12, 8)".into(),
            Key::ReturnDepartTime => format!("substr({RET_DEP}, 12, 8)"),
            Key::DepartDate => "substr(departure, 1, 10)".into(),
            Key::ArriveDate => "substr(arrival, 1, 10)".into(),
            Key::MaxLayover => self.layover("max"),
            Key::MinLayover => self.layover("min"),
        }
    }

    /// Whether a key's value is unknown, asked of the column it comes from.
    fn is_null(&self, key: Key) -> String {
        match key {
            Key::ReturnDepartureLocal | Key::ReturnDepartureInstant | Key::ReturnDepartTime => {
                "NULLIF(return_departure, '') IS NULL".into()
            }
            Key::ReturnArrivalLocal | Key::ReturnArrivalInstant => {
                "NULLIF(return_arrival, '') IS NULL".into()
            }
            // Unknown exactly for a nonstop.
            Key::MaxLayover | Key::MinLayover => "coalesce(layover_min, '') = ''".into(),
            other => format!("{} IS NULL", self.value(other)),
        }
    }

    /// The instant a timestamp column denotes (upper: `t`/`z` are valid RFC 3339).
    pub(super) fn instant(&self, col: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("CAST(upper({col}) AS TIMESTAMPTZ)"),
            Dialect::Spark => format!("CAST(upper({col}) AS TIMESTAMP)"),
            Dialect::Trino => format!("from_iso8601_timestamp(replace(upper({col}), ' ', 'T'))"),
        }
    }

    /// Longest or shortest layover; NULL for a nonstop (empty or NULL cell).
    fn layover(&self, agg: &str) -> String {
        match self.d {
            Dialect::DuckDb => {
                format!("list_{agg}(CAST(string_split(NULLIF(layover_min, ''), ';') AS BIGINT[]))")
            }
            Dialect::Spark | Dialect::Trino => format!(
                "array_{agg}(transform(split(NULLIF(layover_min, ''), ';'), x -> CAST(x AS BIGINT)))"
            ),
        }
    }

    fn literal(&self, key: Key, v: i64) -> String {
        match key {
            Key::Origin | Key::Destination | Key::Currency => string(self.d, &unpack(v, 3)),
            Key::Cabin => string(self.d, Cabin::ALL[v as usize].as_str()),
            Key::DurationMin
            | Key::Stops
            | Key::Seats
            | Key::Bags
            | Key::Co2Kg
            | Key::MaxLayover
            | Key::MinLayover => v.to_string(),
            Key::Price => decimal(v),
            Key::Refundable => if v != 0 { "TRUE" } else { "FALSE" }.into(),
            Key::DepartureLocal
            | Key::ArrivalLocal
            | Key::ReturnDepartureLocal
            | Key::ReturnArrivalLocal => string(self.d, &local_text(v)),
            Key::DepartureInstant
            | Key::ArrivalInstant
            | Key::ReturnDepartureInstant
            | Key::ReturnArrivalInstant => self.instant_literal(v),
            Key::DepartTime | Key::ArriveTime | Key::ReturnDepartTime => {
                string(self.d, &time_text(v))
            }
            Key::DepartDate | Key::ArriveDate => string(self.d, &format_date(v)),
        }
    }

    fn instant_literal(&self, secs: i64) -> String {
        let day = format_date(secs.div_euclid(86_400));
        let in_range = day.len() == 10 && !day.starts_with('-') && !day.starts_with("0000");
        let utc = format!("{day} {}", time_text(secs.rem_euclid(86_400)));
        match (self.d, in_range) {
            (Dialect::DuckDb, true) => format!("TIMESTAMPTZ '{utc}+00:00'"),
            (Dialect::Spark, true) => format!("TIMESTAMP '{utc}Z'"),
            (Dialect::Trino, true) => format!("TIMESTAMP '{utc} UTC'"),
            (Dialect::DuckDb, false) => format!("to_timestamp({secs})"),
            (Dialect::Spark, false) => format!("timestamp_seconds({secs})"),
            (Dialect::Trino, false) => format!("from_unixtime({secs})"),
        }
    }

    fn text(&self, key: TextKey) -> String {
        match key {
            TextKey::Provider => format!("translate(provider, {ASCII_UPPER}, {ASCII_LOWER})"),
            TextKey::OfferId => "offer_id".into(),
        }
    }

    fn text_literal(&self, key: TextKey, v: &str) -> String {
        match key {
            TextKey::Provider => string(self.d, &v.to_ascii_lowercase()),
            TextKey::OfferId => string(self.d, v),
        }
    }

    /// A list member literal.
    fn member(&self, list: ListKey, v: i64) -> String {
        match list {
            ListKey::Via => string(self.d, &unpack(v, 3)),
            ListKey::Carriers => string(self.d, &unpack(v, 2)),
            ListKey::FlightNumbers => string(self.d, &unpack(v, 7)),
            ListKey::LayoverMin => v.to_string(),
        }
    }
}

/// The lambda body reading one list element `x` (layovers are numbers).
fn elem(list: ListKey) -> &'static str {
    match list {
        ListKey::LayoverMin => "CAST(x AS BIGINT)",
        _ => "x",
    }
}

fn list_column(list: ListKey) -> &'static str {
    match list {
        ListKey::Via => "via",
        ListKey::Carriers => "carriers",
        ListKey::FlightNumbers => "flight_numbers",
        ListKey::LayoverMin => "layover_min",
    }
}

fn sql_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Ne => "<>",
        other => other.symbol(),
    }
}

/// The local reading of a timestamp column as `YYYY-MM-DDTHH:MM:SS` text, which orders
/// like the time itself (any of the separators `T`, `t`, space becomes `T`).
pub(super) fn local(col: &str) -> String {
    format!("(substr({col}, 1, 10) || 'T' || substr({col}, 12, 8))")
}

/// A code packed big-endian into an integer (trailing zero bytes are padding).
fn unpack(v: i64, n: usize) -> String {
    let bytes: Vec<u8> = (0..n)
        .rev()
        .map(|i| (v >> (8 * i)) as u8)
        .filter(|&b| b != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Micro-units as the shortest exact decimal (`250100000` is `250.1`).
pub(super) fn decimal(micros: i64) -> String {
    let (int, frac) = (micros / 1_000_000, micros % 1_000_000);
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:06}");
    format!("{int}.{}", frac.trim_end_matches('0'))
}

pub(super) fn time_text(secs: i64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

pub(super) fn local_text(secs: i64) -> String {
    format!(
        "{}T{}",
        format_date(secs.div_euclid(86_400)),
        time_text(secs.rem_euclid(86_400))
    )
}
