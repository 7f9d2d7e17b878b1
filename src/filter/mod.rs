//! Filters: a typed expression tree ([`Expr`]), built from flags ([`FilterFlags`]) or
//! text, compiled once into a [`Filter`] that every worker evaluates.

pub mod ast;
mod compile;
pub mod field;
mod flags;

pub use ast::{CmpOp, Expr, FieldRef, Literal, Origin, Span};
pub use compile::{render_caret, CompileError, Filter, Truth, MAX_DEPTH};
pub use field::{Field, FieldType};
pub use flags::FilterFlags;
