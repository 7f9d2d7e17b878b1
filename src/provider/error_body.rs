//! Error bodies: a provider's error response recorded in place of a page of offers,
//! read by detection and by the decoders.
//!
//! The common spellings (`{"errors": [...]}`, `{"error": ...}`, Sabre's REST
//! gateway `errorCode`, a bare `message`) are read here into one message; which
//! provider wrote one is told by each provider's [`Format::claims_error`] from the
//! [`ErrorSigns`] the body shows. A provider whose errors hide inside its own
//! envelope (Sabre's OTA `Errors`) reads them itself ([`Format::error_body`]).
//!
//! [`Format::claims_error`]: super::format::Format::claims_error
//! [`Format::error_body`]: super::format::Format::error_body

use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::json::{is_string, scalar_text, OneOrMany};
use super::{Provider, ResponseError};

/// A provider's error response recorded in place of a page of offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorBody {
    /// The provider whose error format it is, when that can be told.
    pub provider: Option<Provider>,
    /// The provider's own message(s): status, title, detail, code.
    pub message: String,
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.provider {
            Some(p) => write!(f, "{p} error response: {}", self.message),
            None => write!(f, "error response: {}", self.message),
        }
    }
}

/// Top-level members that can make a response an error body in a common spelling
/// (detection reads error bodies only when one of these, or a provider's own
/// error marker, is present).
pub(crate) const COMMON_ERROR_MEMBERS: [&str; 4] = ["errors", "error", "errorCode", "message"];

/// What an error body in a common spelling shows, for telling whose it is. Only
/// the signs of the spelling that was read are set.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ErrorSigns {
    /// An `errors` list with at least one item.
    pub errors: bool,
    /// `meta.request_id` beside the list.
    pub request_id: bool,
    /// An item with a `documentation_url`.
    pub documentation_url: bool,
    /// An item with both `type` and `message`.
    pub type_and_message: bool,
    /// An item with a `detail`.
    pub detail: bool,
    /// An item whose `code` or `status` is a number.
    pub numeric_code: bool,
    /// A top-level `errorCode`.
    pub error_code: bool,
    /// A top-level `error` member.
    pub error: bool,
    /// `error_description` beside `error`.
    pub error_description: bool,
    /// `code` beside `error`.
    pub code: bool,
    /// A string `status` beside `error`.
    pub string_status: bool,
}

/// Reads `response` as a provider error body, in any provider's spelling: `None`
/// if it holds offers or no error.
pub(crate) fn error_body(response: &[u8]) -> Option<ErrorBody> {
    Provider::ALL
        .into_iter()
        .find_map(|p| p.error_body(response))
        .or_else(|| common(response))
}

/// The response-level error when a response has no offers container: its error
/// body if it is one, else a shape error naming what was expected.
pub(crate) fn no_offers(provider: Provider, response: &[u8], expected: &str) -> ResponseError {
    match error_body(response) {
        Some(mut body) => {
            if body.provider.is_none() {
                body.provider = Some(provider);
            }
            ResponseError::ErrorBody(body)
        }
        None => ResponseError::Shape {
            provider,
            message: format!("not a {provider} search response: no {expected}"),
        },
    }
}

/// One entry of an error list, in any provider's spelling.
#[derive(Deserialize, Default)]
pub(crate) struct ErrorItem<'a> {
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    detail: Option<&'a RawValue>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow, rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow)]
    documentation_url: Option<&'a RawValue>,
    #[serde(borrow, rename = "Type")]
    ota_type: Option<&'a RawValue>,
    #[serde(borrow, rename = "Code")]
    ota_code: Option<&'a RawValue>,
    #[serde(borrow, rename = "ShortText")]
    ota_text: Option<&'a RawValue>,
    #[serde(borrow, rename = "content")]
    ota_content: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ErrorMeta<'a> {
    #[serde(borrow)]
    request_id: Option<&'a RawValue>,
}

/// The members of a response that can make it an error body.
#[derive(Deserialize)]
struct ErrorProbe<'a> {
    #[serde(borrow)]
    errors: Option<&'a RawValue>,
    #[serde(borrow)]
    error: Option<&'a RawValue>,
    #[serde(borrow)]
    error_description: Option<&'a RawValue>,
    #[serde(borrow, rename = "errorCode")]
    error_code: Option<&'a RawValue>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    meta: Option<ErrorMeta<'a>>,
    data: Option<serde::de::IgnoredAny>,
    slices: Option<serde::de::IgnoredAny>,
}

/// Reads `response` as an error body in a common spelling, attributed to the one
/// provider that claims its signs.
fn common(response: &[u8]) -> Option<ErrorBody> {
    let p: ErrorProbe = serde_json::from_slice(response).ok()?;
    if p.data.is_some() || p.slices.is_some() {
        return None;
    }
    let mut signs = ErrorSigns::default();
    let message = if let Some(errors) = p.errors {
        let items: OneOrMany<ErrorItem> = serde_json::from_str(errors.get()).unwrap_or_default();
        if items.is_empty() {
            let text = scalar_text(errors);
            if text == "[]" || text == "{}" || text == "null" {
                return None;
            }
            // A bare text: nothing to tell the provider by.
            return Some(ErrorBody {
                provider: None,
                message: text.into_owned(),
            });
        }
        signs.errors = true;
        signs.request_id = p.meta.as_ref().is_some_and(|m| m.request_id.is_some());
        for i in items.iter() {
            signs.documentation_url |= i.documentation_url.is_some();
            signs.type_and_message |= i.kind.is_some() && i.message.is_some();
            signs.detail |= i.detail.is_some();
            signs.numeric_code |=
                i.code.is_some_and(|c| !is_string(c)) || i.status.is_some_and(|c| !is_string(c));
        }
        join_items(&items)
    } else if let Some(code) = p.error_code {
        // Sabre's REST gateway: {"status","type","errorCode","timeStamp","message"}.
        signs.error_code = true;
        let mut m = String::new();
        push_part(&mut m, p.status, "");
        push_part(&mut m, p.message, ": ");
        m.push_str(&format!(" (code {})", scalar_text(code)));
        m.trim_start_matches(": ").to_string()
    } else if let Some(error) = p.error {
        signs.error = true;
        signs.error_description = p.error_description.is_some();
        signs.code = p.code.is_some();
        signs.string_status = p.status.is_some_and(is_string);
        let mut m = String::new();
        push_part(&mut m, p.status, "");
        push_part(&mut m, p.title, " ");
        push_part(&mut m, Some(error), ": ");
        push_part(&mut m, p.error_description, ": ");
        if let Some(code) = p.code {
            m.push_str(&format!(" (code {})", scalar_text(code)));
        }
        m.trim_start_matches(": ").to_string()
    } else {
        let message = p.message.filter(|m| is_string(m))?;
        let mut m = String::new();
        push_part(&mut m, p.status, "");
        push_part(&mut m, Some(message), ": ");
        m.trim_start_matches(": ").to_string()
    };
    let mut claims = Provider::ALL.into_iter().filter(|p| p.claims_error(&signs));
    let provider = match (claims.next(), claims.next()) {
        (Some(p), None) => Some(p),
        _ => None,
    };
    Some(ErrorBody { provider, message })
}

fn push_part(out: &mut String, part: Option<&RawValue>, sep: &str) {
    if let Some(p) = part {
        let t = scalar_text(p);
        if !t.is_empty() && t != "null" {
            if !out.is_empty() {
                out.push_str(sep);
            }
            out.push_str(&t);
        }
    }
}

/// The first few items' messages, joined (`...; and 4 more`).
pub(crate) fn join_items(items: &[ErrorItem]) -> String {
    const SHOWN: usize = 3;
    let mut parts = Vec::new();
    for i in items.iter().take(SHOWN) {
        let mut m = String::new();
        push_part(&mut m, i.status, "");
        push_part(&mut m, i.title.or(i.kind).or(i.ota_type), " ");
        push_part(&mut m, i.detail.or(i.message), ": ");
        push_part(&mut m, i.ota_text, ": ");
        push_part(&mut m, i.ota_content, ": ");
        if let Some(code) = i.code.or(i.ota_code) {
            m.push_str(&format!(" (code {})", scalar_text(code)));
        }
        parts.push(m.trim().to_string());
    }
    let mut s = parts.join("; ");
    if items.len() > SHOWN {
        s.push_str(&format!("; and {} more", items.len() - SHOWN));
    }
    s
}
