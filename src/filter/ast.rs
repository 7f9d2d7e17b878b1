//! The filter expression tree.
//!
//! Command-line flags and the `--where` language both build this tree; it is checked
//! and compiled once ([`crate::filter::Filter::compile`]) before any thread starts.
//! Literals stay as written until compilation, where the field they are compared with
//! decides how they parse (`7h30m` is a duration only next to a duration field).

use std::fmt;

use super::field::Field;

/// A byte range in the expression text, for carets under errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Where a piece of the tree came from, so errors can point at it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Origin {
    /// Built in code; no location.
    #[default]
    Code,
    /// A command-line flag such as `--max-price`.
    Flag(&'static str),
    /// A span of the `--where` text.
    Text(Span),
}

/// A field as named in a filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRef {
    /// The field.
    pub field: Field,
    /// Where it was named.
    pub origin: Origin,
}

/// A literal as written; typed during compilation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// The text, without quotes.
    pub text: String,
    /// Whether it was written in quotes (then it is only ever text).
    pub quoted: bool,
    /// Where it was written.
    pub origin: Origin,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
    /// Applies the operator to two ordered values.
    #[inline]
    pub fn test<T: Ord>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

/// A filter expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// Every child is true (an empty `And` is true).
    And(Vec<Expr>),
    /// Some child is true (an empty `Or` is false).
    Or(Vec<Expr>),
    /// Negation (unknown stays unknown).
    Not(Box<Expr>),
    /// `field op literal`.
    Cmp {
        /// Left side.
        field: FieldRef,
        /// Operator.
        op: CmpOp,
        /// Right side.
        value: Literal,
    },
    /// `field [not] in (a, b, ...)`; on a list field: every member is in the set.
    In {
        /// Left side.
        field: FieldRef,
        /// The set.
        values: Vec<Literal>,
        /// `not in`.
        negated: bool,
    },
    /// `field [not] between low and high` (inclusive).
    Between {
        /// Left side.
        field: FieldRef,
        /// Lower bound.
        low: Literal,
        /// Upper bound.
        high: Literal,
        /// `not between`.
        negated: bool,
    },
    /// `list has value`: the list contains the value.
    Has {
        /// A list field.
        field: FieldRef,
        /// The member looked for.
        value: Literal,
    },
    /// `field is [not] null`.
    IsNull {
        /// The field.
        field: FieldRef,
        /// `is not null`.
        negated: bool,
    },
    /// A bare boolean field, e.g. `refundable`.
    Truthy(FieldRef),
    /// `true` or `false`.
    Const(bool),
}

impl Expr {
    /// `a and b` flattened.
    pub fn and(parts: Vec<Expr>) -> Expr {
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                Expr::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        if out.len() == 1 {
            out.pop().expect("one element")
        } else {
            Expr::And(out)
        }
    }

    /// Nesting depth of the tree (a leaf is 1).
    pub fn depth(&self) -> usize {
        match self {
            Expr::And(v) | Expr::Or(v) => 1 + v.iter().map(Expr::depth).max().unwrap_or(0),
            Expr::Not(e) => 1 + e.depth(),
            _ => 1,
        }
    }

    /// The depth that [`crate::filter::MAX_DEPTH`] bounds: a conjunction at the root is
    /// not a level. It only lists conditions side by side, and it is how flags join the
    /// `--where` expression, so adding a flag never makes an accepted expression too deep.
    pub fn nesting(&self) -> usize {
        match self {
            Expr::And(v) => v.iter().map(Expr::depth).max().unwrap_or(0),
            e => e.depth(),
        }
    }
}

impl Literal {
    /// A literal built in code or from a flag.
    pub fn new(text: impl Into<String>, origin: Origin) -> Literal {
        Literal {
            text: text.into(),
            quoted: false,
            origin,
        }
    }
}

impl FieldRef {
    /// A field reference built in code or from a flag.
    pub fn new(field: Field, origin: Origin) -> FieldRef {
        FieldRef { field, origin }
    }
}

/// Whether a literal can be printed without quotes and read back as one word (a `--`
/// would start a comment).
pub(crate) fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && !text.contains("--")
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-' | b'+'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "and" | "or" | "not" | "in" | "between" | "has" | "is" | "null" | "true" | "false"
        )
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.quoted && is_bare(&self.text) {
            f.write_str(&self.text)
        } else {
            write!(f, "'{}'", self.text.replace('\'', "''"))
        }
    }
}

/// Prints the expression in the `--where` language, fully parenthesised where
/// precedence needs it, so printing and parsing round-trip.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn join(f: &mut fmt::Formatter<'_>, parts: &[Expr], sep: &str, empty: &str) -> fmt::Result {
            if parts.is_empty() {
                return f.write_str(empty);
            }
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                match p {
                    Expr::And(_) | Expr::Or(_) => write!(f, "({p})")?,
                    _ => write!(f, "{p}")?,
                }
            }
            Ok(())
        }
        match self {
            Expr::And(parts) => join(f, parts, " and ", "true"),
            Expr::Or(parts) => join(f, parts, " or ", "false"),
            Expr::Not(e) => match **e {
                Expr::And(_) | Expr::Or(_) | Expr::Not(_) => write!(f, "not ({e})"),
                _ => write!(f, "not {e}"),
            },
            Expr::Cmp { field, op, value } => {
                write!(f, "{} {} {}", field.field, op.symbol(), value)
            }
            Expr::In {
                field,
                values,
                negated,
            } => {
                write!(
                    f,
                    "{} {}in (",
                    field.field,
                    if *negated { "not " } else { "" }
                )?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str(")")
            }
            Expr::Between {
                field,
                low,
                high,
                negated,
            } => {
                write!(
                    f,
                    "{} {}between {} and {}",
                    field.field,
                    if *negated { "not " } else { "" },
                    low,
                    high
                )
            }
            Expr::Has { field, value } => write!(f, "{} has {}", field.field, value),
            Expr::IsNull { field, negated } => {
                write!(
                    f,
                    "{} is {}null",
                    field.field,
                    if *negated { "not " } else { "" }
                )
            }
            Expr::Truthy(field) => write!(f, "{}", field.field),
            Expr::Const(b) => write!(f, "{b}"),
        }
    }
}
