//! Type-checking an [`Expr`] into an evaluable [`Filter`], and evaluating it.
//!
//! Every literal is converted once, here, into an integer in the unit the record keeps
//! (price in millionths, times in seconds, codes packed into integers), so evaluating
//! a record is a walk over integer comparisons with no allocation and no parsing.
//! Evaluation follows SQL's three-valued logic: `None` is "unknown".

use super::ast::{CmpOp, Expr, FieldRef, Literal, Origin, Span};
use super::field::{Field, FieldType};
use super::literal;
use crate::record::{Airline, Airport, Cabin, Currency, Flight, FlightNumber, Price};

/// An expression that failed to type-check, with the place to point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong and what was expected.
    pub message: String,
    /// Where.
    pub origin: Origin,
}

impl CompileError {
    pub(crate) fn new(message: impl Into<String>, origin: &Origin) -> Self {
        CompileError {
            message: message.into(),
            origin: origin.clone(),
        }
    }

    /// Renders the error for a terminal: the flag name, or the expression with a caret
    /// line under the offending span.
    pub fn render(&self, source: Option<&str>) -> String {
        match (&self.origin, source) {
            (Origin::Flag(flag), _) => format!("{flag}: {}", self.message),
            (Origin::Text(span), Some(src)) => render_caret(src, *span, &self.message),
            _ => self.message.clone(),
        }
    }
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(None))
    }
}

impl std::error::Error for CompileError {}

/// `error: msg` / the source / carets under `span`.
///
/// Only the line holding the span is shown (with its number when the text has several),
/// cut to a window around the span when it is long, with tabs shown as spaces so the
/// caret stays aligned.
pub fn render_caret(src: &str, span: Span, message: &str) -> String {
    const WINDOW: usize = 100;
    let floor = |mut i: usize| {
        i = i.min(src.len());
        while !src.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start);
    let end = floor(span.end).max(start);
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line: Vec<char> = src[line_start..line_end]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let col = src[line_start..start].chars().count();
    let width = src[start..end.min(line_end)].chars().count().max(1);
    let (from, to) = if line.len() <= WINDOW {
        (0, line.len())
    } else {
        let from = col.saturating_sub(WINDOW / 3);
        (from, (from + WINDOW).min(line.len()))
    };
    let shown: String = line[from..to].iter().collect();
    let (pre, post) = (
        if from > 0 { "..." } else { "" },
        if to < line.len() { "..." } else { "" },
    );
    let width = width.min((to + 1).saturating_sub(col).max(1));
    let where_ = if src.contains('\n') {
        format!(" (line {})", src[..start].matches('\n').count() + 1)
    } else {
        String::new()
    };
    format!(
        "invalid filter: {message}{where_}\n  {pre}{shown}{post}\n  {}{}",
        " ".repeat(pre.len() + col - from),
        "^".repeat(width)
    )
}

/// Three-valued truth: `None` is unknown.
pub type Truth = Option<bool>;

/// Scalar values a compiled node reads from a record, all as `i64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Origin,
    Destination,
    DepartureLocal,
    DepartureInstant,
    ArrivalLocal,
    ArrivalInstant,
    ReturnDepartureLocal,
    ReturnDepartureInstant,
    ReturnArrivalLocal,
    ReturnArrivalInstant,
    DurationMin,
    Stops,
    Cabin,
    Price,
    Currency,
    Seats,
    Bags,
    Refundable,
    Co2Kg,
    DepartTime,
    ArriveTime,
    DepartDate,
    ArriveDate,
    ReturnDepartTime,
    MaxLayover,
    MinLayover,
}

impl Key {
    #[inline]
    fn get(self, f: &Flight) -> Option<i64> {
        Some(match self {
            Key::Origin => f.origin.key(),
            Key::Destination => f.destination.key(),
            Key::DepartureLocal => f.departure.local,
            Key::DepartureInstant => f.departure.instant(),
            Key::ArrivalLocal => f.arrival.local,
            Key::ArrivalInstant => f.arrival.instant(),
            Key::ReturnDepartureLocal => f.return_departure?.local,
            Key::ReturnDepartureInstant => f.return_departure?.instant(),
            Key::ReturnArrivalLocal => f.return_arrival?.local,
            Key::ReturnArrivalInstant => f.return_arrival?.instant(),
            Key::DurationMin => f.duration_min as i64,
            Key::Stops => f.stops as i64,
            Key::Cabin => f.cabin? as i64,
            Key::Price => f.price.micros,
            Key::Currency => f.currency.key(),
            Key::Seats => f.seats? as i64,
            Key::Bags => f.bags? as i64,
            Key::Refundable => f.refundable? as i64,
            Key::Co2Kg => f.co2_kg? as i64,
            Key::DepartTime => f.departure.time_of_day(),
            Key::ArriveTime => f.arrival.time_of_day(),
            Key::DepartDate => f.departure.local_day(),
            Key::ArriveDate => f.arrival.local_day(),
            Key::ReturnDepartTime => f.return_departure?.time_of_day(),
            Key::MaxLayover => f.max_layover()? as i64,
            Key::MinLayover => f.min_layover()? as i64,
        })
    }

    /// Rough relative cost of reading the key, for ordering conjunctions.
    fn cost(self) -> u32 {
        match self {
            Key::MaxLayover | Key::MinLayover => 3,
            Key::DepartTime
            | Key::ArriveTime
            | Key::DepartDate
            | Key::ArriveDate
            | Key::ReturnDepartTime => 2,
            _ => 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListKey {
    Via,
    Carriers,
    FlightNumbers,
    LayoverMin,
}

impl ListKey {
    #[inline]
    fn any(self, f: &Flight, mut pred: impl FnMut(i64) -> bool) -> bool {
        match self {
            ListKey::Via => f.via.iter().any(|c| pred(c.key())),
            ListKey::Carriers => f.carriers.iter().any(|c| pred(c.key())),
            ListKey::FlightNumbers => f.flight_numbers.iter().any(|c| pred(c.key())),
            ListKey::LayoverMin => f.layover_min.iter().any(|&m| pred(m as i64)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextKey {
    Provider,
    OfferId,
}

/// A compiled node. Visible to the crate so back ends such as [`crate::sql`] translate
/// the typed tree, and cannot disagree with evaluation on what a literal means.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Const(Truth),
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Not(Box<Node>),
    Cmp {
        key: Key,
        op: CmpOp,
        rhs: i64,
    },
    InSet {
        key: Key,
        set: Box<[i64]>,
    },
    IsNull {
        key: Key,
    },
    TextEq {
        key: TextKey,
        rhs: Box<str>,
        negated: bool,
    },
    TextIn {
        key: TextKey,
        set: Box<[Box<str>]>,
    },
    ListHas {
        list: ListKey,
        rhs: i64,
    },
    ListAllIn {
        list: ListKey,
        set: Box<[i64]>,
    },
}

impl Key {
    /// The canonical column the key reads.
    pub(crate) fn column(self) -> usize {
        use crate::columns::col;
        match self {
            Key::Origin => col::ORIGIN,
            Key::Destination => col::DESTINATION,
            Key::DepartureLocal | Key::DepartureInstant | Key::DepartTime | Key::DepartDate => {
                col::DEPARTURE
            }
            Key::ArrivalLocal | Key::ArrivalInstant | Key::ArriveTime | Key::ArriveDate => {
                col::ARRIVAL
            }
            Key::ReturnDepartureLocal | Key::ReturnDepartureInstant | Key::ReturnDepartTime => {
                col::RETURN_DEPARTURE
            }
            Key::ReturnArrivalLocal | Key::ReturnArrivalInstant => col::RETURN_ARRIVAL,
            Key::DurationMin => col::DURATION_MIN,
            Key::Stops => col::STOPS,
            Key::Cabin => col::CABIN,
            Key::Price => col::PRICE,
            Key::Currency => col::CURRENCY,
            Key::Seats => col::SEATS,
            Key::Bags => col::BAGS,
            Key::Refundable => col::REFUNDABLE,
            Key::Co2Kg => col::CO2_KG,
            Key::MaxLayover | Key::MinLayover => col::LAYOVER_MIN,
        }
    }
}

impl Node {
    fn columns(&self) -> u32 {
        use crate::columns::col;
        let bit = |c: usize| 1u32 << c;
        match self {
            Node::Const(_) => 0,
            Node::And(parts) | Node::Or(parts) => parts.iter().fold(0, |acc, p| acc | p.columns()),
            Node::Not(inner) => inner.columns(),
            Node::Cmp { key, .. } | Node::InSet { key, .. } | Node::IsNull { key } => {
                bit(key.column())
            }
            Node::TextEq { key, .. } | Node::TextIn { key, .. } => bit(match key {
                TextKey::Provider => col::PROVIDER,
                TextKey::OfferId => col::OFFER_ID,
            }),
            Node::ListHas { list, .. } | Node::ListAllIn { list, .. } => bit(match list {
                ListKey::Via => col::VIA,
                ListKey::Carriers => col::CARRIERS,
                ListKey::FlightNumbers => col::FLIGHT_NUMBERS,
                ListKey::LayoverMin => col::LAYOVER_MIN,
            }),
        }
    }

    #[inline]
    fn eval(&self, f: &Flight) -> Truth {
        match self {
            Node::Const(t) => *t,
            Node::And(parts) => {
                let mut acc = Some(true);
                for p in parts.iter() {
                    match p.eval(f) {
                        Some(false) => return Some(false),
                        None => acc = None,
                        Some(true) => {}
                    }
                }
                acc
            }
            Node::Or(parts) => {
                let mut acc = Some(false);
                for p in parts.iter() {
                    match p.eval(f) {
                        Some(true) => return Some(true),
                        None => acc = None,
                        Some(false) => {}
                    }
                }
                acc
            }
            Node::Not(inner) => inner.eval(f).map(|b| !b),
            Node::Cmp { key, op, rhs } => key.get(f).map(|v| op.test(v, *rhs)),
            Node::InSet { key, set } => key.get(f).map(|v| set.contains(&v)),
            Node::IsNull { key } => Some(key.get(f).is_none()),
            Node::TextEq { key, rhs, negated } => Some(text_eq(*key, f, rhs) != *negated),
            Node::TextIn { key, set } => Some(set.iter().any(|s| text_eq(*key, f, s))),
            Node::ListHas { list, rhs } => Some(list.any(f, |v| v == *rhs)),
            Node::ListAllIn { list, set } => Some(!list.any(f, |v| !set.contains(&v))),
        }
    }

    fn cost(&self) -> u32 {
        match self {
            Node::Const(_) => 0,
            Node::And(p) | Node::Or(p) => p.iter().map(Node::cost).sum::<u32>() + 1,
            Node::Not(n) => n.cost(),
            Node::Cmp { key, .. } | Node::IsNull { key } => key.cost(),
            Node::InSet { key, set } => key.cost() + set.len() as u32 / 4,
            Node::TextEq { .. } => 4,
            Node::TextIn { set, .. } => 4 + set.len() as u32,
            Node::ListHas { .. } => 4,
            Node::ListAllIn { set, .. } => 5 + set.len() as u32 / 4,
        }
    }
}

#[inline]
fn text_eq(key: TextKey, f: &Flight, rhs: &str) -> bool {
    match key {
        // Provider names are identifiers whose case varies between sources.
        TextKey::Provider => f.provider.eq_ignore_ascii_case(rhs),
        TextKey::OfferId => f.offer_id == rhs,
    }
}

/// A compiled filter: cheap to clone into every worker, cheap to evaluate.
#[derive(Clone, Debug)]
pub struct Filter {
    root: Node,
    expr: Expr,
}

/// Deepest nesting accepted, as [`Expr::nesting`] counts it; deeper trees are refused,
/// not evaluated (hostile input must not overflow the stack).
pub const MAX_DEPTH: usize = 64;

impl Filter {
    /// A filter that accepts every record.
    pub fn all() -> Filter {
        Filter {
            root: Node::Const(Some(true)),
            expr: Expr::And(Vec::new()),
        }
    }

    /// Type-checks `expr` and converts every literal; conjunctions are reordered so
    /// cheap tests run first (AND is commutative under three-valued logic, so the
    /// result cannot change).
    pub fn compile(expr: &Expr) -> Result<Filter, CompileError> {
        if expr.nesting() > MAX_DEPTH {
            return Err(CompileError::new(
                format!("expression nests deeper than {MAX_DEPTH} levels"),
                &Origin::Code,
            ));
        }
        let root = compile_node(expr)?;
        Ok(Filter {
            root,
            expr: expr.clone(),
        })
    }

    /// Whether the record passes: only a definite `true` does.
    #[inline]
    pub fn matches(&self, f: &Flight) -> bool {
        self.root.eval(f) == Some(true)
    }

    /// The three-valued result for a record.
    pub fn eval(&self, f: &Flight) -> Truth {
        self.root.eval(f)
    }

    /// The expression this filter was compiled from.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The compiled tree.
    /// The canonical columns (bit `i` = `COLUMNS[i]`) the filter reads. A worker
    /// decodes these first and the rest only for records that match.
    pub fn columns(&self) -> u32 {
        self.root.columns()
    }

    /// The evaluator's rough relative cost of the filter: a conjunction runs its
    /// cheaper parts first.
    pub fn cost(&self) -> u32 {
        self.root.cost()
    }

    pub(crate) fn root(&self) -> &Node {
        &self.root
    }
}

fn compile_node(e: &Expr) -> Result<Node, CompileError> {
    Ok(match e {
        Expr::Const(b) => Node::Const(Some(*b)),
        Expr::And(parts) => {
            let mut nodes = parts
                .iter()
                .map(compile_node)
                .collect::<Result<Vec<_>, _>>()?;
            nodes.sort_by_key(Node::cost);
            if nodes.len() == 1 {
                nodes.pop().expect("one")
            } else {
                Node::And(nodes.into())
            }
        }
        Expr::Or(parts) => {
            let nodes = parts
                .iter()
                .map(compile_node)
                .collect::<Result<Vec<_>, _>>()?;
            Node::Or(nodes.into())
        }
        Expr::Not(inner) => Node::Not(Box::new(compile_node(inner)?)),
        Expr::Cmp { field, op, value } => compile_cmp(field, *op, value)?,
        Expr::Between {
            field,
            low,
            high,
            negated,
        } => {
            let both = Node::And(
                vec![
                    compile_cmp(field, CmpOp::Ge, low)?,
                    compile_cmp(field, CmpOp::Le, high)?,
                ]
                .into(),
            );
            if *negated {
                Node::Not(Box::new(both))
            } else {
                both
            }
        }
        Expr::In {
            field,
            values,
            negated,
        } => {
            let node = compile_in(field, values)?;
            if *negated {
                Node::Not(Box::new(node))
            } else {
                node
            }
        }
        Expr::Has { field, value } => {
            let ty = field.field.ty();
            let Some(list) = list_key(field.field) else {
                return Err(CompileError::new(
                    format!("`has` needs a list field (via, carriers, flight_numbers, layover_min); `{}` is {}", field.field, ty.with_article()),
                    &field.origin,
                ));
            };
            Node::ListHas {
                list,
                rhs: member(ty, value)?,
            }
        }
        Expr::IsNull { field, negated } => {
            let node = match scalar_key(field.field, None) {
                Some(key) if field.field.nullable() => Node::IsNull { key },
                // Never-unknown fields (and lists, which are at worst empty) are never null.
                _ => Node::Const(Some(false)),
            };
            if *negated {
                Node::Not(Box::new(node))
            } else {
                node
            }
        }
        Expr::Truthy(field) => {
            if field.field.ty() != FieldType::Bool {
                return Err(CompileError::new(
                    format!(
                        "`{}` is {}, not a condition; compare it with something",
                        field.field,
                        field.field.ty().with_article()
                    ),
                    &field.origin,
                ));
            }
            Node::Cmp {
                key: Key::Refundable,
                op: CmpOp::Eq,
                rhs: 1,
            }
        }
    })
}

fn list_key(f: Field) -> Option<ListKey> {
    Some(match f {
        Field::Via => ListKey::Via,
        Field::Carriers => ListKey::Carriers,
        Field::FlightNumbers => ListKey::FlightNumbers,
        Field::LayoverMin => ListKey::LayoverMin,
        _ => return None,
    })
}

fn text_key(f: Field) -> Option<TextKey> {
    match f {
        Field::Provider => Some(TextKey::Provider),
        Field::OfferId => Some(TextKey::OfferId),
        _ => None,
    }
}

/// Which key a scalar field reads. Timestamps read the local reading unless the
/// literal carries an offset (`instant`), in which case they compare instants.
fn scalar_key(f: Field, instant: Option<bool>) -> Option<Key> {
    let inst = instant.unwrap_or(false);
    Some(match f {
        Field::Origin => Key::Origin,
        Field::Destination => Key::Destination,
        Field::Departure if inst => Key::DepartureInstant,
        Field::Departure => Key::DepartureLocal,
        Field::Arrival if inst => Key::ArrivalInstant,
        Field::Arrival => Key::ArrivalLocal,
        Field::ReturnDeparture if inst => Key::ReturnDepartureInstant,
        Field::ReturnDeparture => Key::ReturnDepartureLocal,
        Field::ReturnArrival if inst => Key::ReturnArrivalInstant,
        Field::ReturnArrival => Key::ReturnArrivalLocal,
        Field::DurationMin | Field::Duration => Key::DurationMin,
        Field::Stops => Key::Stops,
        Field::Cabin => Key::Cabin,
        Field::Price => Key::Price,
        Field::Currency => Key::Currency,
        Field::Seats => Key::Seats,
        Field::Bags => Key::Bags,
        Field::Refundable => Key::Refundable,
        Field::Co2Kg => Key::Co2Kg,
        Field::DepartTime => Key::DepartTime,
        Field::ArriveTime => Key::ArriveTime,
        Field::DepartDate => Key::DepartDate,
        Field::ArriveDate => Key::ArriveDate,
        Field::ReturnDepartTime => Key::ReturnDepartTime,
        Field::MaxLayover => Key::MaxLayover,
        Field::MinLayover => Key::MinLayover,
        Field::Provider
        | Field::OfferId
        | Field::Via
        | Field::Carriers
        | Field::FlightNumbers
        | Field::LayoverMin => return None,
    })
}

fn compile_cmp(field: &FieldRef, op: CmpOp, value: &Literal) -> Result<Node, CompileError> {
    let f = field.field;
    let ty = f.ty();
    if ty.is_list() {
        return Err(CompileError::new(
            format!(
                "`{f}` is {}; use `{f} has X` or `{f} in (...)`",
                ty.with_article()
            ),
            &field.origin,
        ));
    }
    if let Some(key) = text_key(f) {
        let negated = match op {
            CmpOp::Eq => false,
            CmpOp::Ne => true,
            _ => {
                return Err(CompileError::new(
                    format!("`{f}` is text; only = != and in apply"),
                    &field.origin,
                ))
            }
        };
        return Ok(Node::TextEq {
            key,
            rhs: value.text.clone().into(),
            negated,
        });
    }
    if !matches!(op, CmpOp::Eq | CmpOp::Ne) && !ty.is_ordered() {
        return Err(CompileError::new(
            format!(
                "`{f}` is {}; only = != and in apply, not {}",
                ty.with_article(),
                op.symbol()
            ),
            &field.origin,
        ));
    }
    let (rhs, instant) = typed(ty, value)?;
    let key = scalar_key(f, Some(instant)).expect("scalar field");
    Ok(Node::Cmp { key, op, rhs })
}

fn compile_in(field: &FieldRef, values: &[Literal]) -> Result<Node, CompileError> {
    let f = field.field;
    let ty = f.ty();
    if values.is_empty() {
        return Err(CompileError::new(
            "`in` needs at least one value",
            &field.origin,
        ));
    }
    if let Some(key) = text_key(f) {
        return Ok(Node::TextIn {
            key,
            set: values.iter().map(|v| v.text.clone().into()).collect(),
        });
    }
    if let Some(list) = list_key(f) {
        let set = values
            .iter()
            .map(|v| member(ty, v))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Node::ListAllIn {
            list,
            set: set.into(),
        });
    }
    if ty == FieldType::Stamp {
        // Mixed local/instant literals cannot share one key: expand to equalities.
        let parts = values
            .iter()
            .map(|v| compile_cmp(field, CmpOp::Eq, v))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Node::Or(parts.into()));
    }
    let key = scalar_key(f, None).expect("scalar field");
    let set = values
        .iter()
        .map(|v| typed(ty, v).map(|(x, _)| x))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Node::InSet {
        key,
        set: set.into(),
    })
}

/// Converts a list member literal.
fn member(list_ty: FieldType, value: &Literal) -> Result<i64, CompileError> {
    let elem = match list_ty {
        FieldType::AirportList => FieldType::Airport,
        FieldType::AirlineList => return airline(value),
        FieldType::FlightNumberList => {
            return FlightNumber::parse(value.text.to_ascii_uppercase().as_bytes())
                .map(|n| n.key())
                .ok_or_else(|| bad(value, "a flight number like AA100"))
        }
        FieldType::MinutesList => FieldType::Minutes,
        other => unreachable!("not a list: {other:?}"),
    };
    typed(elem, value).map(|(v, _)| v)
}

fn bad(value: &Literal, expected: &str) -> CompileError {
    CompileError::new(literal::expected(expected, &value.text), &value.origin)
}

fn airline(value: &Literal) -> Result<i64, CompileError> {
    Airline::parse_ignore_case(value.text.as_bytes())
        .map(|c| c.key())
        .ok_or_else(|| bad(value, "a 2-character airline code like AA"))
}

/// Converts a literal for a scalar field of type `ty`; the flag says whether it was an
/// absolute instant (a timestamp with an offset).
fn typed(ty: FieldType, value: &Literal) -> Result<(i64, bool), CompileError> {
    let text = value.text.trim();
    let bytes = text.as_bytes();
    let fail = |message: String| CompileError::new(message, &value.origin);
    let v = match ty {
        FieldType::Airport => Airport::parse_ignore_case(bytes)
            .map(|c| c.key())
            .ok_or_else(|| bad(value, "a 3-letter airport code like JFK"))?,
        FieldType::Currency => Currency::parse_ignore_case(bytes)
            .map(|c| c.key())
            .ok_or_else(|| bad(value, "a currency code like USD"))?,
        FieldType::Cabin => Cabin::parse(text.to_ascii_lowercase().as_bytes())
            .map(|c| c as i64)
            .ok_or_else(|| {
                bad(
                    value,
                    "a cabin: economy, premium_economy, business or first",
                )
            })?,
        FieldType::Int => literal::int(text).map_err(fail)?,
        FieldType::Minutes => literal::minutes(text).map_err(fail)?,
        FieldType::Price => match Price::parse(bytes) {
            Ok(p) => p.micros,
            Err(_) if literal::is_negative_number(text) && Price::parse(&bytes[1..]).is_ok() => {
                return Err(fail(literal::negative(text)))
            }
            Err(_) => {
                return Err(bad(
                    value,
                    "a decimal amount like 412.37 (at most 6 decimals)",
                ))
            }
        },
        FieldType::Bool => match text.to_ascii_lowercase().as_str() {
            "true" => 1,
            "false" => 0,
            _ => return Err(bad(value, "true or false")),
        },
        FieldType::Date => literal::date(text).map_err(fail)?,
        FieldType::TimeOfDay => literal::time_of_day(text).map_err(fail)?,
        FieldType::Stamp => return literal::stamp(text).map_err(fail),
        FieldType::Text
        | FieldType::AirportList
        | FieldType::AirlineList
        | FieldType::FlightNumberList
        | FieldType::MinutesList => {
            unreachable!("handled by the caller")
        }
    };
    Ok((v, false))
}
