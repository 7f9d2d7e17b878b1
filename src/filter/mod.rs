//! Filters: a typed expression tree ([`Expr`]), built from flags ([`FilterFlags`]) or
//! `--where` text ([`parse`]), compiled once into a [`Filter`] that every worker
//! evaluates (and that [`crate::sql`] translates).

pub mod ast;
mod build;
mod compile;
pub mod doc;
pub mod field;
mod flags;
mod literal;
mod parse;
pub(crate) mod raw;

pub use ast::{CmpOp, Expr, FieldRef, Literal, Origin, Span};
pub use build::{build, parse_and_compile, FilterError};
pub use compile::{render_caret, CompileError, Filter, Truth, MAX_DEPTH};
pub(crate) use compile::{Key, ListKey, Node, TextKey};
pub use field::{Field, FieldType};
pub use flags::FilterFlags;
pub use parse::{parse, ParseError, MAX_LEN};
pub(crate) use raw::RawFilter;
