//! Forms as browsers send them, and their errors shown beside the fields.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::api::json::{control_character_error, is_refused};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::web::i18n::Lang;

/// The largest form the console takes: a description of 20,000 characters, each written with
/// up to four bytes and percent-encoded, fits.
const FORM_LIMIT: usize = 256 * 1024;

/// A form sent as `application/x-www-form-urlencoded`: fields are read as text, and a text
/// holding a control character other than tab and line breaks is refused, as the API does.
pub struct Form<T>(pub T);

impl<T> Form<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let is_form = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        Box::pin(async move {
            let body = body
                .await
                .map_err(|e| AppError::Malformed(format!("the form could not be read: {e}")))?;
            if !is_form && !body.is_empty() {
                return Err(AppError::UnsupportedMediaType);
            }
            if body.len() > FORM_LIMIT {
                return Err(AppError::PayloadTooLarge { limit: FORM_LIMIT });
            }
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|e| AppError::Malformed(format!("the form could not be read: {e}")))?;
            if let Some((name, _)) = pairs.iter().find(|(_, v)| v.chars().any(is_refused)) {
                return Err(control_character_error(name));
            }
            serde_urlencoded::from_bytes(&body)
                .map(Form)
                .map_err(|e| AppError::Malformed(format!("the form could not be read: {e}")))
        })
    }
}

/// The errors of a form, by field, in the reader's language.
#[derive(Debug, Default, Clone)]
pub struct FormErrors {
    by_field: HashMap<String, String>,
    /// Errors of fields the form does not show, or of the whole form.
    pub general: Vec<String>,
}

impl FormErrors {
    pub fn new(lang: Lang, errors: &[FieldError], shown: &[&str]) -> FormErrors {
        let mut out = FormErrors::default();
        for error in errors {
            let message = lang.message(&error.message);
            if shown.contains(&error.field.as_str()) {
                out.by_field
                    .entry(error.field.clone())
                    .and_modify(|m| {
                        m.push_str(" ; ");
                        m.push_str(&message);
                    })
                    .or_insert(message);
            } else {
                out.general.push(format!("{} : {message}", error.field));
            }
        }
        out
    }

    pub fn one(message: String) -> FormErrors {
        FormErrors {
            by_field: HashMap::new(),
            general: vec![message],
        }
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.by_field.get(field)
    }

    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_empty()
    }
}

/// An optional text field: absent and blank are the same.
pub fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A random key written into a form, so that the same form sent twice does its work once.
pub fn random_key() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest of what a form sent, kept with its key: the same key with other fields is not
/// the same form.
pub fn digest_of<T: serde::Serialize>(form: &T) -> String {
    use sha2::{Digest, Sha256};
    let text = serde_urlencoded::to_string(form).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
