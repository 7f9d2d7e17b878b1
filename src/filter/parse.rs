//! Text to [`Expr`]: the lexer and parser of the `--where` language.
//!
//! The parser only builds the tree: literals stay untyped text with their span, and
//! [`crate::filter::Filter::compile`] decides what they mean next to their field (so
//! `price = JFK` and `06:75` are compile errors that still point at the literal).
//! Precedence is `not` > `and` > `or`, by recursive descent; input length and nesting
//! are bounded so hostile input gets an error, never a stack overflow.
//!
//! ```text
//! expr      = or ;
//! or        = and { "or" and } ;
//! and       = unary { "and" unary } ;
//! unary     = "not" unary | primary ;
//! primary   = "(" expr ")" | "true" | "false" | predicate ;
//! predicate = field [ cmp_op value
//!                   | [ "not" ] "in" "(" value { "," value } ")"
//!                   | [ "not" ] "between" value "and" value
//!                   | "has" value
//!                   | "is" [ "not" ] "null" ] ;
//! cmp_op    = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" ;
//! value     = bare | string ;
//! ```

use std::fmt;

use super::ast::{CmpOp, Expr, FieldRef, Literal, Origin, Span};
use super::compile::{render_caret, MAX_DEPTH};
use super::field::Field;

/// Longest expression accepted, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

/// Text that is not a well-formed expression, with the span to point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong and what was expected.
    pub message: String,
    /// Where, in bytes of the expression text.
    pub span: Span,
}

impl ParseError {
    fn new(message: impl Into<String>, span: Span) -> Self {
        ParseError {
            message: message.into(),
            span,
        }
    }

    /// The expression with a caret line under the offending span.
    pub fn render(&self, source: &str) -> String {
        render_caret(source, self.span, &self.message)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a `--where` expression. Keywords and field names are case-insensitive.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    if text.len() > MAX_LEN {
        // Point at the first character past the limit.
        let start = (MAX_LEN..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        return Err(ParseError::new(
            format!(
                "expression is {} bytes long; at most {MAX_LEN} are accepted",
                text.len()
            ),
            Span {
                start,
                end: text.len(),
            },
        ));
    }
    let mut p = Parser {
        lex: Lexer { src: text, pos: 0 },
        peeked: None,
        nesting: 0,
        deep_and: None,
    };
    let first = p.peek()?;
    if first.kind == Kind::End {
        return Err(ParseError::new(
            "empty expression; write a condition such as `price <= 450`",
            first.span,
        ));
    }
    let (expr, _) = p.or()?;
    let next = p.next()?;
    match next.kind {
        Kind::End => match p.deep_and {
            Some(span) if expr.nesting() > MAX_DEPTH => Err(depth_error(span)),
            _ => Ok(expr),
        },
        Kind::RParen => Err(ParseError::new(
            "unmatched `)`: no `(` is open here",
            next.span,
        )),
        _ => Err(ParseError::new(
            format!(
                "expected `and`, `or` or the end of the expression, found {}",
                next.describe()
            ),
            next.span,
        )),
    }
}

/// Token kinds. Words are classified (keyword, field, literal) by the parser, which
/// knows the position: `origin = business` is a field then a literal.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind<'a> {
    /// A run of `[A-Za-z0-9_.:+-]`: field, keyword, code, number, date, time...
    Word(&'a str),
    /// A quoted string, unescaped.
    Str(String),
    Op(CmpOp),
    LParen,
    RParen,
    Comma,
    End,
}

#[derive(Clone, Debug)]
struct Token<'a> {
    kind: Kind<'a>,
    span: Span,
}

impl Token<'_> {
    fn keyword(&self, kw: &str) -> bool {
        matches!(self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn is_any_keyword(&self) -> bool {
        const KEYWORDS: [&str; 10] = [
            "and", "or", "not", "in", "between", "has", "is", "null", "true", "false",
        ];
        KEYWORDS.iter().any(|k| self.keyword(k))
    }

    /// How error messages name the token.
    fn describe(&self) -> String {
        match &self.kind {
            Kind::Word(w) => format!("`{w}`"),
            Kind::Str(s) => format!("the string '{s}'"),
            Kind::Op(op) => format!("`{}`", op.symbol()),
            Kind::LParen => "`(`".into(),
            Kind::RParen => "`)`".into(),
            Kind::Comma => "`,`".into(),
            Kind::End => "the end of the expression".into(),
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-' | b'+')
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn span(&self, start: usize) -> Span {
        Span {
            start,
            end: self.pos,
        }
    }

    fn next(&mut self) -> Result<Token<'a>, ParseError> {
        let bytes = self.src.as_bytes();
        // Whitespace and `--` comments (to the end of the line).
        loop {
            match bytes.get(self.pos) {
                Some(b) if b.is_ascii_whitespace() => self.pos += 1,
                Some(b'-') if bytes.get(self.pos + 1) == Some(&b'-') => {
                    self.pos = memchr::memchr(b'\n', &bytes[self.pos..])
                        .map_or(bytes.len(), |i| self.pos + i);
                }
                _ => break,
            }
        }
        let start = self.pos;
        let Some(&b) = bytes.get(start) else {
            return Ok(Token {
                kind: Kind::End,
                span: self.span(start),
            });
        };
        let two = bytes.get(start + 1).copied();
        let (kind, len) = match (b, two) {
            (b'(', _) => (Kind::LParen, 1),
            (b')', _) => (Kind::RParen, 1),
            (b',', _) => (Kind::Comma, 1),
            (b'=', Some(b'=')) => {
                self.pos += 2;
                return Err(ParseError::new(
                    "`==` is not an operator; use `=`",
                    self.span(start),
                ));
            }
            (b'=', _) => (Kind::Op(CmpOp::Eq), 1),
            (b'!', Some(b'=')) => (Kind::Op(CmpOp::Ne), 2),
            (b'<', Some(b'>')) => (Kind::Op(CmpOp::Ne), 2),
            (b'<', Some(b'=')) => (Kind::Op(CmpOp::Le), 2),
            (b'<', _) => (Kind::Op(CmpOp::Lt), 1),
            (b'>', Some(b'=')) => (Kind::Op(CmpOp::Ge), 2),
            (b'>', _) => (Kind::Op(CmpOp::Gt), 1),
            (b'\'' | b'"', _) => return self.string(b),
            _ if is_word_byte(b) => {
                let mut end = start;
                while end < bytes.len()
                    && is_word_byte(bytes[end])
                    && !(bytes[end] == b'-' && bytes.get(end + 1) == Some(&b'-'))
                {
                    end += 1;
                }
                (Kind::Word(&self.src[start..end]), end - start)
            }
            _ => {
                let c = self.src[start..].chars().next().expect("not at the end");
                self.pos += c.len_utf8();
                let hint = match c {
                    '!' => "; use `!=` or `not`",
                    '&' => "; use `and`",
                    '|' => "; use `or`",
                    _ if !c.is_ascii() => "; quote text values, like 'São Paulo'",
                    _ => "",
                };
                return Err(ParseError::new(
                    format!("unexpected character `{c}`{hint}"),
                    self.span(start),
                ));
            }
        };
        self.pos += len;
        Ok(Token {
            kind,
            span: self.span(start),
        })
    }

    /// A string in `quote`s; the quote is escaped by doubling it (`'it''s'`).
    fn string(&mut self, quote: u8) -> Result<Token<'a>, ParseError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut text = String::new();
        let mut i = start + 1;
        loop {
            let Some(off) = memchr::memchr(quote, &bytes[i..]) else {
                self.pos = bytes.len();
                return Err(ParseError::new(
                    format!("unterminated string: no closing {}", quote as char),
                    self.span(start),
                ));
            };
            text.push_str(&self.src[i..i + off]);
            i += off + 1;
            if bytes.get(i) == Some(&quote) {
                text.push(quote as char);
                i += 1;
            } else {
                break;
            }
        }
        self.pos = i;
        Ok(Token {
            kind: Kind::Str(text),
            span: self.span(start),
        })
    }
}

struct Parser<'a> {
    lex: Lexer<'a>,
    peeked: Option<Token<'a>>,
    /// Open parentheses and `not`s around the current position (bounds recursion).
    nesting: usize,
    /// The first `and` whose conjunction is one level too deep unless it is the root.
    deep_and: Option<Span>,
}

const OPERATORS: &str = "=, !=, <, <=, >, >=, in, not in, between, not between, has, is null";

fn depth_error(span: Span) -> ParseError {
    ParseError::new(
        format!("expression nests deeper than {MAX_DEPTH} levels"),
        span,
    )
}

impl<'a> Parser<'a> {
    fn peek(&mut self) -> Result<&Token<'a>, ParseError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lex.next()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    fn next(&mut self) -> Result<Token<'a>, ParseError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lex.next(),
        }
    }

    /// Consumes the next token if it is the keyword `kw`.
    fn eat_keyword(&mut self, kw: &str) -> Result<Option<Token<'a>>, ParseError> {
        if self.peek()?.keyword(kw) {
            self.next().map(Some)
        } else {
            Ok(None)
        }
    }

    /// `and { "or" and }`; returns the tree and its depth.
    fn or(&mut self) -> Result<(Expr, usize), ParseError> {
        self.chain("or", Parser::and, Expr::Or)
    }

    fn and(&mut self) -> Result<(Expr, usize), ParseError> {
        self.chain("and", Parser::unary, Expr::And)
    }

    /// One precedence level: operands joined by the keyword `kw`, as one n-ary node.
    fn chain(
        &mut self,
        kw: &str,
        operand: fn(&mut Self) -> Result<(Expr, usize), ParseError>,
        node: fn(Vec<Expr>) -> Expr,
    ) -> Result<(Expr, usize), ParseError> {
        let (first, mut depth) = operand(self)?;
        let mut parts = vec![first];
        let mut first_kw = None;
        while let Some(tok) = self.eat_keyword(kw)? {
            first_kw.get_or_insert(tok.span);
            let (e, d) = operand(self)?;
            depth = depth.max(d);
            parts.push(e);
        }
        match first_kw {
            None => Ok((parts.pop().expect("one operand"), depth)),
            // A conjunction at the root is not a level (`Expr::nesting`), and whether
            // this one is the root is known only at the end: `parse` decides.
            Some(span) if kw == "and" && depth + 1 > MAX_DEPTH => {
                self.deep_and.get_or_insert(span);
                Ok((node(parts), depth + 1))
            }
            Some(span) if depth + 1 > MAX_DEPTH => Err(depth_error(span)),
            Some(_) => Ok((node(parts), depth + 1)),
        }
    }

    fn enter(&mut self, span: Span) -> Result<(), ParseError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(depth_error(span));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<(Expr, usize), ParseError> {
        let Some(not) = self.eat_keyword("not")? else {
            return self.primary();
        };
        self.enter(not.span)?;
        let (inner, depth) = self.unary()?;
        self.nesting -= 1;
        if depth + 1 > MAX_DEPTH {
            return Err(depth_error(not.span));
        }
        Ok((Expr::Not(Box::new(inner)), depth + 1))
    }

    fn primary(&mut self) -> Result<(Expr, usize), ParseError> {
        let tok = self.next()?;
        match &tok.kind {
            Kind::LParen => {
                self.enter(tok.span)?;
                if self.peek()?.kind == Kind::RParen {
                    let close = self.next()?;
                    return Err(ParseError::new(
                        "empty parentheses: expected a condition",
                        close.span,
                    ));
                }
                let inner = self.or()?;
                let close = self.next()?;
                match close.kind {
                    Kind::RParen => {}
                    Kind::End => {
                        return Err(ParseError::new(
                            "unclosed `(`: expected `)` before the end of the expression",
                            tok.span,
                        ))
                    }
                    _ => {
                        return Err(ParseError::new(
                            format!("expected `and`, `or` or `)`, found {}", close.describe()),
                            close.span,
                        ))
                    }
                }
                self.nesting -= 1;
                Ok(inner)
            }
            Kind::Word(w) if w.eq_ignore_ascii_case("true") => Ok((Expr::Const(true), 1)),
            Kind::Word(w) if w.eq_ignore_ascii_case("false") => Ok((Expr::Const(false), 1)),
            Kind::Word(_) if !tok.is_any_keyword() => self.predicate(tok),
            Kind::Str(_) => Err(ParseError::new(
                "expected a field name, found a quoted string (field names are bare, like `price`)",
                tok.span,
            )),
            Kind::Op(op) => Err(ParseError::new(
                format!("expected a field name before `{}`", op.symbol()),
                tok.span,
            )),
            _ => Err(ParseError::new(
                format!("expected a condition, found {}", tok.describe()),
                tok.span,
            )),
        }
    }

    fn field(&mut self, tok: &Token<'a>) -> Result<FieldRef, ParseError> {
        let Kind::Word(name) = tok.kind else {
            unreachable!("called on words")
        };
        if let Some(field) = Field::from_name(name) {
            return Ok(FieldRef::new(field, Origin::Text(tok.span)));
        }
        let message = if let Some(s) = Field::suggest(name) {
            format!("unknown field `{name}`; did you mean `{s}`?")
        } else if let Some((f, op)) = self.flipped()? {
            format!(
                "expected a field on the left, found `{name}`; write `{f} {} {name}`",
                op.symbol()
            )
        } else {
            let all: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            format!(
                "unknown field `{name}`; expected one of: {}",
                all.join(", ")
            )
        };
        Err(ParseError::new(message, tok.span))
    }

    /// For `450 >= price`: the field after the operator and the operator seen from
    /// the field's side (`<=`), if that is what follows.
    fn flipped(&mut self) -> Result<Option<(Field, CmpOp)>, ParseError> {
        let Kind::Op(op) = self.peek()?.kind else {
            return Ok(None);
        };
        let op = match op {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            same => same,
        };
        // Look two tokens ahead on a copy of the lexer; errors there are not ours.
        let mut ahead = Lexer {
            src: self.lex.src,
            pos: self.lex.pos,
        };
        Ok(match ahead.next() {
            Ok(Token {
                kind: Kind::Word(w),
                ..
            }) => Field::from_name(w).map(|f| (f, op)),
            _ => None,
        })
    }

    fn predicate(&mut self, tok: Token<'a>) -> Result<(Expr, usize), ParseError> {
        let field = self.field(&tok)?;
        let op_tok = self.peek()?.clone();
        let expr = match op_tok.kind {
            Kind::Op(op) => {
                self.next()?;
                let value = self.value(&op_tok)?;
                Expr::Cmp { field, op, value }
            }
            Kind::End | Kind::RParen => Expr::Truthy(field),
            _ if op_tok.keyword("and") || op_tok.keyword("or") => Expr::Truthy(field),
            _ if op_tok.keyword("has") => {
                self.next()?;
                let value = self.value(&op_tok)?;
                Expr::Has { field, value }
            }
            _ if op_tok.keyword("is") => {
                self.next()?;
                let negated = self.eat_keyword("not")?.is_some();
                let null = self.next()?;
                if !null.keyword("null") {
                    return Err(ParseError::new(
                        format!(
                            "expected `null` or `not null` after `is`, found {}",
                            null.describe()
                        ),
                        null.span,
                    ));
                }
                Expr::IsNull { field, negated }
            }
            _ if op_tok.keyword("in") || op_tok.keyword("between") || op_tok.keyword("not") => {
                self.next()?;
                let negated = op_tok.keyword("not");
                let kw = if negated { self.next()? } else { op_tok };
                if kw.keyword("in") {
                    let values = self.list(&kw)?;
                    Expr::In {
                        field,
                        values,
                        negated,
                    }
                } else if kw.keyword("between") {
                    let low = self.value(&kw)?;
                    let and = self.next()?;
                    if !and.keyword("and") {
                        return Err(ParseError::new(
                            format!(
                                "expected `and` in `between ... and ...`, found {}",
                                and.describe()
                            ),
                            and.span,
                        ));
                    }
                    let high = self.value(&and)?;
                    Expr::Between {
                        field,
                        low,
                        high,
                        negated,
                    }
                } else {
                    return Err(ParseError::new(
                        format!(
                            "expected `in` or `between` after `not`, found {}",
                            kw.describe()
                        ),
                        kw.span,
                    ));
                }
            }
            _ => {
                return Err(ParseError::new(
                    format!(
                        "expected an operator after `{}` ({OPERATORS}), found {}",
                        field.field,
                        op_tok.describe()
                    ),
                    op_tok.span,
                ))
            }
        };
        Ok((expr, 1))
    }

    /// A literal after the token `after` (named in the error when it is missing).
    fn value(&mut self, after: &Token<'a>) -> Result<Literal, ParseError> {
        let tok = self.next()?;
        let quoted = matches!(tok.kind, Kind::Str(_));
        let text = match tok.kind {
            Kind::Str(s) => s,
            Kind::Word(w) if w.eq_ignore_ascii_case("null") => {
                return Err(ParseError::new(
                    "comparing with null is never true; test unknown values with `is null` or `is not null`",
                    tok.span,
                ))
            }
            Kind::Word(w)
                if !tok.is_any_keyword()
                    || w.eq_ignore_ascii_case("true")
                    || w.eq_ignore_ascii_case("false") =>
            {
                w.to_string()
            }
            _ => {
                let after = match &after.kind {
                    Kind::Op(op) => op.symbol().to_string(),
                    Kind::Word(w) => w.to_ascii_lowercase(),
                    Kind::Comma => ",".into(),
                    _ => "(".into(),
                };
                return Err(ParseError::new(
                    format!("expected a value after `{after}`, found {}", tok.describe()),
                    tok.span,
                ));
            }
        };
        Ok(Literal {
            text,
            quoted,
            origin: Origin::Text(tok.span),
        })
    }

    /// `( value { , value } )` after `in`.
    fn list(&mut self, in_tok: &Token<'a>) -> Result<Vec<Literal>, ParseError> {
        let open = self.next()?;
        if open.kind != Kind::LParen {
            return Err(ParseError::new(
                format!(
                    "expected `(` after `in`, as in `origin in (JFK, EWR)`, found {}",
                    open.describe()
                ),
                open.span,
            ));
        }
        let mut values = vec![self.value(in_tok)?];
        loop {
            let tok = self.next()?;
            match tok.kind {
                Kind::Comma => values.push(self.value(&tok)?),
                Kind::RParen => return Ok(values),
                Kind::End => {
                    return Err(ParseError::new(
                        "unclosed `(`: expected `)` to end the list",
                        open.span,
                    ))
                }
                _ => {
                    return Err(ParseError::new(
                        format!("expected `,` or `)` in the list, found {}", tok.describe()),
                        tok.span,
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::ast::is_bare;
    use crate::filter::Filter;
    use proptest::prelude::*;

    fn err(text: &str) -> (String, String) {
        let e = parse(text).expect_err(text);
        let span = &text[e.span.start..e.span.end];
        (e.message, span.to_string())
    }

    /// The tree with every origin cleared, for comparisons.
    fn plain(e: &Expr) -> Expr {
        let f = |f: &FieldRef| FieldRef::new(f.field, Origin::Code);
        let l = |l: &Literal| Literal {
            text: l.text.clone(),
            quoted: l.quoted,
            origin: Origin::Code,
        };
        match e {
            Expr::And(v) => Expr::And(v.iter().map(plain).collect()),
            Expr::Or(v) => Expr::Or(v.iter().map(plain).collect()),
            Expr::Not(e) => Expr::Not(Box::new(plain(e))),
            Expr::Cmp { field, op, value } => Expr::Cmp {
                field: f(field),
                op: *op,
                value: l(value),
            },
            Expr::In {
                field,
                values,
                negated,
            } => Expr::In {
                field: f(field),
                values: values.iter().map(l).collect(),
                negated: *negated,
            },
            Expr::Between {
                field,
                low,
                high,
                negated,
            } => Expr::Between {
                field: f(field),
                low: l(low),
                high: l(high),
                negated: *negated,
            },
            Expr::Has { field, value } => Expr::Has {
                field: f(field),
                value: l(value),
            },
            Expr::IsNull { field, negated } => Expr::IsNull {
                field: f(field),
                negated: *negated,
            },
            Expr::Truthy(field) => Expr::Truthy(f(field)),
            Expr::Const(b) => Expr::Const(*b),
        }
    }

    fn round_trips(text: &str) {
        let e = parse(text).unwrap_or_else(|e| panic!("{text}: {}", e.render(text)));
        let printed = e.to_string();
        let again = parse(&printed).unwrap_or_else(|e| panic!("{printed}: {}", e.render(text)));
        assert_eq!(plain(&e), plain(&again), "{text} -> {printed}");
    }

    #[test]
    fn precedence_not_and_or() {
        let e = parse("not stops = 1 and bags = 2 or seats = 3").unwrap();
        assert_eq!(e.to_string(), "(not stops = 1 and bags = 2) or seats = 3");
        let e = parse("stops = 1 or not bags = 2 and seats = 3").unwrap();
        assert_eq!(e.to_string(), "stops = 1 or (not bags = 2 and seats = 3)");
        let e = parse("(stops = 1 or bags = 2) and seats = 3").unwrap();
        assert_eq!(e.to_string(), "(stops = 1 or bags = 2) and seats = 3");
    }

    #[test]
    fn between_and_is_not_the_boolean_and() {
        let e = plain(&parse("depart_time between 06:00 and 11:59 and stops = 0").unwrap());
        let Expr::And(parts) = e else { panic!("{e:?}") };
        assert_eq!(parts.len(), 2);
        assert!(
            matches!(&parts[0], Expr::Between { low, high, negated: false, .. }
            if low.text == "06:00" && high.text == "11:59")
        );
    }

    #[test]
    fn case_insensitive_keywords_fields_and_quotes() {
        let e = parse("PRICE <= 450 AND Origin IN (jfk, 'E''W') Or NOT refundable").unwrap();
        assert_eq!(
            e.to_string(),
            "(price <= 450 and origin in (jfk, 'E''W')) or not refundable"
        );
        let e = parse(r#"offer_id = "say ""hi""" "#).unwrap();
        assert_eq!(e.to_string(), r#"offer_id = 'say "hi"'"#);
        let e = parse("refundable = TRUE and bags IS NOT NULL").unwrap();
        assert_eq!(e.to_string(), "refundable = 'TRUE' and bags is not null");
    }

    #[test]
    fn literals_of_every_shape_are_single_words() {
        for lit in [
            "2026-12-01",
            "2026-12-01T06:00",
            "2026-12-01T06:00:00-05:00",
            "2026-12-01T06:00:00+05:30",
            "2026-12-01T06:00:00Z",
            "06:00",
            "7h30m",
            "250.10",
            "premium_economy",
        ] {
            let e = parse(&format!("departure = {lit}")).unwrap();
            let Expr::Cmp { value, .. } = e else { panic!() };
            assert_eq!(value.text, lit);
            assert!(!value.quoted);
        }
    }

    #[test]
    fn comments_run_to_the_end_of_the_line() {
        let e = parse("carriers has AA -- list contains\n and not via has ORD -- no ORD").unwrap();
        assert_eq!(e.to_string(), "carriers has AA and not via has ORD");
    }

    #[test]
    fn spans_point_at_the_text() {
        let text = "price <= 450 and origin = 'JFK'";
        let Expr::And(parts) = parse(text).unwrap() else {
            panic!()
        };
        let Expr::Cmp { field, value, .. } = &parts[1] else {
            panic!()
        };
        assert_eq!(field.origin, Origin::Text(Span { start: 17, end: 23 }));
        assert_eq!(value.origin, Origin::Text(Span { start: 26, end: 31 }));
    }

    #[test]
    fn errors_name_the_problem_and_the_place() {
        let cases: &[(&str, &str, &str)] = &[
            ("pirce < 3", "unknown field `pirce`; did you mean `price`?", "pirce"),
            ("450 >= price", "expected a field on the left, found `450`; write `price <= 450`", "450"),
            ("(price < 3 and stops = 0", "unclosed `(`: expected `)` before the end of the expression", "("),
            ("price < 3)", "unmatched `)`: no `(` is open here", ")"),
            ("price < 3 stops = 0", "expected `and`, `or` or the end of the expression, found `stops`", "stops"),
            ("price <", "expected a value after `<`, found the end of the expression", ""),
            ("price < and stops = 0", "expected a value after `<`, found `and`", "and"),
            ("price < 3 and", "expected a condition, found the end of the expression", ""),
            ("", "empty expression; write a condition such as `price <= 450`", ""),
            ("  -- nothing", "empty expression; write a condition such as `price <= 450`", ""),
            ("price 450", "expected an operator after `price` (=, !=, <, <=, >, >=, in, not in, between, not between, has, is null), found `450`", "450"),
            ("seats = null", "comparing with null is never true; test unknown values with `is null` or `is not null`", "null"),
            ("bags is nul", "expected `null` or `not null` after `is`, found `nul`", "nul"),
            ("origin in JFK", "expected `(` after `in`, as in `origin in (JFK, EWR)`, found `JFK`", "JFK"),
            ("origin in (JFK EWR)", "expected `,` or `)` in the list, found `EWR`", "EWR"),
            ("origin in (JFK,", "expected a value after `,`, found the end of the expression", ""),
            ("origin in (JFK", "unclosed `(`: expected `)` to end the list", "("),
            ("stops between 1 or 2", "expected `and` in `between ... and ...`, found `or`", "or"),
            ("stops not like 2", "expected `in` or `between` after `not`, found `like`", "like"),
            ("offer_id = 'abc", "unterminated string: no closing '", "'abc"),
            ("price < $3", "unexpected character `$`", "$"),
            ("offer_id = São", "unexpected character `ã`; quote text values, like 'São Paulo'", "ã"),
            ("stops ! 1", "unexpected character `!`; use `!=` or `not`", "!"),
            ("origin == JFK", "`==` is not an operator; use `=`", "=="),
            ("()", "empty parentheses: expected a condition", ")"),
            ("'price' < 3", "expected a field name, found a quoted string (field names are bare, like `price`)", "'price'"),
            ("< 3", "expected a field name before `<`", "<"),
            ("and", "expected a condition, found `and`", "and"),
        ];
        for (text, message, at) in cases {
            assert_eq!(err(text), (message.to_string(), at.to_string()), "{text}");
        }
    }

    #[test]
    fn unknown_field_without_a_suggestion_lists_the_fields() {
        let (msg, at) = err("zzzzzzzz = 1");
        assert!(msg.starts_with("unknown field `zzzzzzzz`; expected one of: provider, offer_id,"));
        assert_eq!(at, "zzzzzzzz");
    }

    #[test]
    fn nesting_and_length_are_bounded() {
        let deep = format!("{}stops = 0{}", "(".repeat(100), ")".repeat(100));
        let (msg, at) = err(&deep);
        assert_eq!(msg, "expression nests deeper than 64 levels");
        assert_eq!(at, "(");
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.span.start, MAX_DEPTH);

        let nots = format!("{}stops = 0", "not ".repeat(100_000 / 4));
        assert!(parse(&nots).is_err());
        let nots = format!("{}stops = 0", "not ".repeat(63));
        Filter::compile(&parse(&nots).unwrap()).unwrap();

        // Alternating and/or inside parentheses grows the tree faster than the parens.
        let mut text = "stops = 0".to_string();
        for _ in 0..40 {
            text = format!("bags = 1 or seats = 1 and ({text})");
        }
        let e = parse(&text).unwrap_err();
        assert_eq!(e.message, "expression nests deeper than 64 levels");

        let long = format!("stops in ({}0)", "0, ".repeat(MAX_LEN / 3));
        let (msg, _) = err(&long);
        assert!(msg.contains("at most 65536 are accepted"), "{msg}");
    }

    #[test]
    fn whatever_parses_within_limits_compiles_without_a_depth_error() {
        let mut text = "stops = 0".to_string();
        for _ in 0..20 {
            text = format!("bags = 1 or seats = 1 and ({text})");
        }
        let e = parse(&text).unwrap();
        assert!(e.nesting() <= MAX_DEPTH);
        Filter::compile(&e).unwrap();
    }

    #[test]
    fn a_root_conjunction_is_not_a_level() {
        // 63 `not`s: 64 levels, the most accepted, alone or beside other conditions.
        let deep = format!("{}stops = 0", "not ".repeat(63));
        for text in [
            deep.clone(),
            format!("bags = 1 and {deep}"),
            format!("{deep} and bags = 1 and seats = 2"),
            format!("(bags = 1 and {deep})"),
        ] {
            let e = parse(&text).unwrap_or_else(|e| panic!("{text}: {}", e.render(&text)));
            assert_eq!(e.nesting(), MAX_DEPTH, "{text}");
            Filter::compile(&e).unwrap();
        }
        // Under an `or`, a `not` or another `and`, the same conjunction is a level.
        for text in [
            format!("bags = 1 or {deep}"),
            format!("bags = 1 or seats = 1 and {deep}"),
            format!("not (bags = 1 and {deep})"),
            format!("bags = 1 and (seats = 1 and {deep})"),
            format!("(bags = 1 and {deep}) and seats = 1"),
        ] {
            let e = parse(&text).unwrap_err();
            assert_eq!(
                e.message, "expression nests deeper than 64 levels",
                "{text}"
            );
        }
    }

    #[test]
    fn issue_examples_round_trip() {
        for text in ISSUE_EXAMPLES {
            round_trips(text);
            Filter::compile(&parse(text).unwrap())
                .unwrap_or_else(|e| panic!("{text}: {}", e.render(Some(text))));
        }
    }

    /// The examples of the issue that introduced the language.
    pub(crate) const ISSUE_EXAMPLES: &[&str] = &[
        "price <= 450 and stops <= 1",
        "origin = JFK and destination in (LAX, SFO, SAN)",
        "cabin = economy or cabin = premium_economy",
        "carriers has AA                 -- list field contains a value",
        "not via has ORD                 -- no connection at ORD",
        "carriers in (AA, DL, B6)        -- list field: every element is in the set",
        "depart_time between 06:00 and 11:59     -- local time of day at the origin",
        "arrive_time < 22:00",
        "departure >= 2026-12-01 and departure < 2026-12-08   -- a date means local midnight",
        "duration <= 7h30m               -- also 450, 90m, 7h",
        "max_layover <= 3h and min_layover >= 45m",
        "refundable and bags >= 1",
        "seats >= 2 and co2_kg < 500",
        "bags is null                    -- unknown values: is null / is not null",
        "(price < 300 or cabin = business) and not (provider = kiwi)",
    ];

    // ---- property tests ----

    fn field() -> impl Strategy<Value = Field> {
        proptest::sample::select(Field::ALL)
    }

    fn literal() -> impl Strategy<Value = Literal> {
        let text = prop_oneof![
            "[A-Za-z0-9_.:+-]{1,12}",
            Just("and".to_string()),
            Just("TRUE".to_string()),
            Just("a--b".to_string()),
            Just(String::new()),
            "[ -~]{0,10}",
            "\\PC{0,6}",
            Just("it's \"x\"".to_string()),
        ];
        (text, any::<bool>()).prop_map(|(text, quoted)| Literal {
            // An unquoted literal that is not a bare word can only be printed quoted.
            quoted: quoted || !is_bare(&text),
            text,
            origin: Origin::Code,
        })
    }

    fn op() -> impl Strategy<Value = CmpOp> {
        proptest::sample::select(vec![
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ])
    }

    fn fref() -> impl Strategy<Value = FieldRef> {
        field().prop_map(|f| FieldRef::new(f, Origin::Code))
    }

    fn leaf() -> impl Strategy<Value = Expr> {
        prop_oneof![
            (fref(), op(), literal()).prop_map(|(field, op, value)| Expr::Cmp { field, op, value }),
            (
                fref(),
                proptest::collection::vec(literal(), 1..4),
                any::<bool>()
            )
                .prop_map(|(field, values, negated)| Expr::In {
                    field,
                    values,
                    negated
                }),
            (fref(), literal(), literal(), any::<bool>()).prop_map(
                |(field, low, high, negated)| Expr::Between {
                    field,
                    low,
                    high,
                    negated
                }
            ),
            (fref(), literal()).prop_map(|(field, value)| Expr::Has { field, value }),
            (fref(), any::<bool>()).prop_map(|(field, negated)| Expr::IsNull { field, negated }),
            fref().prop_map(Expr::Truthy),
            any::<bool>().prop_map(Expr::Const),
        ]
    }

    fn expr() -> impl Strategy<Value = Expr> {
        leaf().prop_recursive(6, 48, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
                inner.prop_map(|e| Expr::Not(Box::new(e))),
            ]
        })
    }

    /// Token soup: mostly the language's own vocabulary, so the parser gets deep.
    fn soup() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            proptest::sample::select(vec![
                "and", "or", "not", "in", "between", "has", "is", "null", "true", "(", ")", ",",
                "=", "!=", "<", "<=", ">", ">=", "<>", "'x'", "\"y\"", "--c\n",
            ])
            .prop_map(str::to_string),
            field().prop_map(|f| f.name().to_string()),
            proptest::sample::select(vec![
                "JFK",
                "AA",
                "450",
                "7h30m",
                "06:00",
                "06:75",
                "2026-12-01",
                "2026-12-01T06:00",
                "2026-12-01T06:00:00Z",
                "economy",
                "1.5",
                "-3",
                "AA100",
            ])
            .prop_map(str::to_string),
        ];
        proptest::collection::vec(word, 0..40).prop_map(|w| w.join(" "))
    }

    fn must_not_panic(text: &str) {
        match parse(text) {
            Ok(e) => {
                if let Err(err) = Filter::compile(&e) {
                    let _ = err.render(Some(text));
                }
            }
            Err(err) => {
                assert!(err.span.start <= err.span.end && err.span.end <= text.len());
                let _ = err.render(text);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn ast_text_ast_round_trips(e in expr()) {
            let text = e.to_string();
            let back = parse(&text).map_err(|err| TestCaseError::fail(err.render(&text)))?;
            prop_assert_eq!(plain(&back), e, "{}", text);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
            must_not_panic(&text);
        }

        #[test]
        fn token_soup_never_panics(text in soup()) {
            must_not_panic(&text);
        }
    }
}
