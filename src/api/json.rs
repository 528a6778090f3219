//! The JSON body of a request, refused when one of its texts holds a control character.
//!
//! A NUL (`\u0000`) cannot be stored by PostgreSQL and would be kept, then written raw into the
//! CSV reports, by SQLite; the other control characters are no more a person's text. Tab and
//! line breaks (`\n`, and `\r` as Windows clients send them) are text; every other character of
//! Unicode's control category (U+0000–U+001F, U+007F–U+009F) is refused with 422 naming the
//! field (`description`, `[3].title` in an import), before any handler sees the body, so that
//! the rule holds for every field of every endpoint alike.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::AppError;

/// Like `web::Json` (same `JsonConfig`: limits, content type, errors), with texts checked.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = web::Json::<Box<RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let raw = raw.await?.into_inner();
            let text = raw.get();
            if may_hold_control_characters(text) {
                if let Ok(value) = serde_json::from_str::<Value>(text) {
                    if let Some(field) = field_with_control_character(&value, String::new()) {
                        return Err(control_character_error(&field).into());
                    }
                }
            }
            serde_json::from_str::<T>(text)
                .map(Json)
                .map_err(|e| crate::api::body_error(&e).into())
        })
    }
}

pub fn control_character_error(field: &str) -> AppError {
    AppError::validation(
        if field.is_empty() { "body" } else { field },
        "must not contain control characters (only tab and line breaks)",
    )
}

/// Whether a character is refused in a text: Unicode's control characters but tab, line feed
/// and carriage return.
pub fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// A quick look at the JSON text: whether some string may hold a refused character, either
/// escaped (`\u0000`, `\b`, `\f`) or written as such (DEL, U+0080–U+009F; the others cannot be
/// written raw in JSON). No false negative; a rare false positive costs a full look.
fn may_hold_control_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                match bytes.get(i + 1) {
                    Some(b'b' | b'f') => return true,
                    Some(b'u') => {
                        let code = bytes
                            .get(i + 2..i + 6)
                            .and_then(|hex| std::str::from_utf8(hex).ok())
                            .and_then(|hex| u32::from_str_radix(hex, 16).ok());
                        if code.and_then(char::from_u32).is_some_and(is_refused) {
                            return true;
                        }
                    }
                    _ => {}
                }
                i += 2;
            }
            0x7f => return true,
            0xc2 if bytes.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)) => return true,
            _ => i += 1,
        }
    }
    false
}

/// The path of the first text (or object key) holding a refused character.
fn field_with_control_character(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(text) => text.chars().any(is_refused).then_some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| field_with_control_character(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.chars().any(is_refused) {
                return Some(path.clone());
            }
            field_with_control_character(item, here)
        }),
        _ => None,
    }
}

/// The query string's parameter whose value holds a refused character, once percent-decoded.
pub fn query_parameter_with_control_character(query: &str) -> Option<String> {
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = percent_decoded(value);
        if decoded.chars().any(is_refused) || percent_decoded(name).chars().any(is_refused) {
            let name = percent_decoded(name);
            let name: String = name.chars().filter(|c| !is_refused(*c)).take(64).collect();
            return Some(if name.is_empty() {
                "query".into()
            } else {
                name
            });
        }
    }
    None
}

/// `+` as a space and `%XX` as its byte, the rest as it is (invalid UTF-8 replaced).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                match byte {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_field(json: &str) -> Option<String> {
        if !may_hold_control_characters(json) {
            return None;
        }
        field_with_control_character(&serde_json::from_str(json).unwrap(), String::new())
    }

    #[test]
    fn texts_with_a_control_character_are_named_by_their_field() {
        assert_eq!(
            refused_field(r#"{"title": "a\u0000b"}"#).as_deref(),
            Some("title")
        );
        assert_eq!(
            refused_field(r#"[{"title": "ok"}, {"title": "ok", "description": "\u001b[31m"}]"#)
                .as_deref(),
            Some("[1].description")
        );
        assert_eq!(
            refused_field(r#"{"a": {"b": "\f"}}"#).as_deref(),
            Some("a.b")
        );
        assert_eq!(
            refused_field("{\"note\": \"del \u{7f}\"}").as_deref(),
            Some("note")
        );
        assert_eq!(
            refused_field("{\"note\": \"c1 \u{85}\"}").as_deref(),
            Some("note")
        );
    }

    #[test]
    fn tabs_line_breaks_and_escaped_backslashes_are_text() {
        assert_eq!(refused_field(r#"{"d": "a\tb\r\nc\n"}"#), None);
        assert_eq!(refused_field(r#"{"d": "C:\\bin\\fichiers"}"#), None);
        assert_eq!(
            refused_field(r#"{"d": "\\u0000 is how NUL is written"}"#),
            None
        );
        assert_eq!(refused_field(r#"{"d": "é, ü, 日本"}"#), None);
    }

    #[test]
    fn query_parameters_are_read_percent_decoded() {
        assert_eq!(
            query_parameter_with_control_character("limit=5&q=abc%00").as_deref(),
            Some("q")
        );
        assert_eq!(query_parameter_with_control_character("q=a%09b+c"), None);
        assert_eq!(query_parameter_with_control_character("q=100%25"), None);
    }
}
