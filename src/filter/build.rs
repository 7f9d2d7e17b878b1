//! One command line's filter: the flags AND the `--where` expression, compiled once.

use std::fmt;

use super::ast::Expr;
use super::compile::{CompileError, Filter};
use super::flags::FilterFlags;
use super::parse::{parse, ParseError};

/// A filter that could not be built: the `--where` text did not parse, or the
/// expression (from text or flags) did not type-check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterError {
    /// The `--where` text is not an expression.
    Parse(ParseError),
    /// The expression names a field or literal that does not fit.
    Compile(CompileError),
}

impl FilterError {
    /// Renders for a terminal: the `--where` text (`source`) with a caret under the
    /// offending span, or the flag at fault.
    pub fn render(&self, source: Option<&str>) -> String {
        match (self, source) {
            (FilterError::Parse(e), Some(src)) => e.render(src),
            (FilterError::Parse(e), None) => format!("invalid filter: {}", e.message),
            (FilterError::Compile(e), _) => match e.render(source) {
                // Errors with no place to point at still say what kind of error it is.
                m if m == e.message => format!("invalid filter: {m}"),
                m => m,
            },
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterError::Parse(e) => f.write_str(&e.message),
            FilterError::Compile(e) => f.write_str(&e.message),
        }
    }
}

impl std::error::Error for FilterError {}

impl From<ParseError> for FilterError {
    fn from(e: ParseError) -> Self {
        FilterError::Parse(e)
    }
}

impl From<CompileError> for FilterError {
    fn from(e: CompileError) -> Self {
        FilterError::Compile(e)
    }
}

/// Parses and compiles a `--where` expression.
///
/// ```
/// let filter = flightsift::filter::parse_and_compile("price <= 450 and not via has ORD")?;
/// assert_eq!(filter.expr().to_string(), "price <= 450 and not via has ORD");
/// let err = flightsift::filter::parse_and_compile("price = JFK").unwrap_err();
/// assert_eq!(err.render(Some("price = JFK")), "\
/// invalid filter: expected a decimal amount like 412.37 (at most 6 decimals), found `JFK`
///   price = JFK
///           ^^^");
/// # Ok::<(), flightsift::filter::FilterError>(())
/// ```
pub fn parse_and_compile(text: &str) -> Result<Filter, FilterError> {
    Ok(Filter::compile(&parse(text)?)?)
}

/// The filter of a command line: every flag AND the `--where` text, if any.
pub fn build(flags: &FilterFlags, where_text: Option<&str>) -> Result<Filter, FilterError> {
    let mut parts = vec![flags.to_expr()];
    if let Some(text) = where_text {
        parts.push(parse(text)?);
    }
    Ok(Filter::compile(&Expr::and(parts))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_where_combine_by_and() {
        let flags = FilterFlags {
            max_price: Some("450".into()),
            ..Default::default()
        };
        let f = build(&flags, Some("stops <= 1 or cabin = business")).unwrap();
        assert_eq!(
            f.expr().to_string(),
            "price <= 450 and (stops <= 1 or cabin = business)"
        );
        let f = build(&FilterFlags::default(), Some("stops <= 1")).unwrap();
        assert_eq!(f.expr().to_string(), "stops <= 1");
        let f = build(&FilterFlags::default(), None).unwrap();
        assert_eq!(f.expr().to_string(), "true");
    }

    #[test]
    fn errors_point_at_the_flag_or_the_text() {
        let flags = FilterFlags {
            max_price: Some("cheap".into()),
            ..Default::default()
        };
        let e = build(&flags, Some("stops <= 1")).unwrap_err();
        assert_eq!(
            e.render(Some("stops <= 1")),
            "--max-price: expected a decimal amount like 412.37 (at most 6 decimals), found `cheap`"
        );
        let e = build(&FilterFlags::default(), Some("stops <= x")).unwrap_err();
        assert_eq!(
            e.render(Some("stops <= x")),
            "invalid filter: expected a non-negative integer, found `x`\n  stops <= x\n           ^"
        );
    }
}
