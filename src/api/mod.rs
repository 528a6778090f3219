//! The HTTP API: one module per resource, and what they share (routes, paging, JSON errors).

pub mod audit;
pub mod auth;
pub mod categories;
pub mod json;
pub mod members;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod outbox;
pub mod privacy;
pub mod problems;
pub mod reports;
pub mod stats;
pub mod tickets;
pub mod users;
pub mod work_logs;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::Settings;
use crate::domain::FieldError;
use crate::error::AppError;

/// The application's state, as a handler receives it.
pub type State = web::Data<crate::state::AppState>;
/// What a handler answers: a response, or an error as problem+json.
pub type Answer = Result<HttpResponse, AppError>;
/// A path segment as sent: the handler parses it, so that a malformed id is a 404 like a
/// missing record.
pub type Segment = web::Path<String>;

pub fn configure(cfg: &mut web::ServiceConfig, settings: &Settings) {
    cfg.app_data(json_config(settings.server.max_body_bytes))
        .app_data(
            web::PathConfig::default().error_handler(|error: PathError, _| {
                AppError::NotFound(format!("no record at this path ({error})")).into()
            }),
        )
        .app_data(
            web::QueryConfig::default().error_handler(|error: QueryPayloadError, _| {
                AppError::validation("query", error.to_string()).into()
            }),
        );
    ops::configure(cfg);
    openapi::configure(cfg);
    // Paths are tried in this order, those with a parameter each by a regular expression: the
    // tickets, asked for most, come first.
    cfg.service(
        web::scope("/api/v1")
            .configure(|cfg| tickets::configure(cfg, settings))
            .configure(auth::configure)
            .configure(members::configure)
            .configure(users::configure)
            .configure(categories::configure)
            .configure(|cfg| work_logs::configure(cfg, settings))
            .configure(stats::configure)
            .configure(outbox::configure)
            .configure(reports::configure)
            .configure(privacy::configure)
            .configure(audit::configure),
    );
}

/// JSON bodies: a syntax error is a malformed request (400); a well-formed body whose values
/// do not fit (wrong type, missing field) is invalid input (422).
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(false)
        .content_type(|mime| mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
        .error_handler(move |error, _| json_error(error, limit).into())
}

fn json_error(error: JsonPayloadError, limit: usize) -> AppError {
    match error {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(error) => body_error(&error),
        other => AppError::Malformed(other.to_string()),
    }
}

/// Maps a serde_json error on a request body to 400 or 422.
pub fn body_error(error: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => AppError::validation("body", error.to_string()),
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::Malformed(format!("invalid JSON: {error}"))
        }
    }
}

pub async fn route_not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    log::debug!("no route for {} {}", req.method(), req.path());
    Err(AppError::RouteNotFound)
}

/// A list page as every list of the API returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// `limit` and `cursor` as given in the query string.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 500 (default 50). A page of tickets may hold fewer when its items
    /// pass `server.max_page_bytes` (1 MiB by default): its `next_cursor` leads to the rest.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, FieldError> {
        match &self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err(FieldError::new(
                    "limit",
                    format!("must be an integer from 1 to {MAX_LIMIT}"),
                )),
            },
        }
    }

    /// The size of a page and the id it starts after (lists ordered by id, newest first), each
    /// taken into `checks`.
    pub fn by_id(&self, checks: &mut crate::domain::Checks) -> (i64, Option<i64>) {
        let limit = checks.take(self.limit()).unwrap_or_default();
        (limit, checks.take(self.id_cursor()).flatten())
    }

    /// As `by_id`, for a list with no other parameter: 422 if either is invalid.
    pub fn id_page(&self) -> Result<(i64, Option<i64>), AppError> {
        let mut checks = crate::domain::Checks::new();
        let page = self.by_id(&mut checks);
        checks.finish()?;
        Ok(page)
    }

    /// A cursor of one id (lists ordered by id).
    pub fn id_cursor(&self) -> Result<Option<i64>, FieldError> {
        self.cursor
            .as_deref()
            .map(|raw| {
                raw.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .ok_or_else(invalid_cursor)
            })
            .transpose()
    }
}

pub fn invalid_cursor() -> FieldError {
    FieldError::new("cursor", "is not a cursor returned by this list")
}

/// Turns rows fetched with `limit + 1` into a page: the extra row only says there is more.
pub fn paginate<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    cursor_of: impl Fn(&R) -> String,
    view: impl Fn(R) -> T,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(&cursor_of)
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }
}

/// A page written item by item that ends early once its items pass a budget of bytes
/// (`server.max_page_bytes`): its `next_cursor` then points after the last item written, so
/// that a client following the cursors gets every item once, however long they are.
pub struct PageWriter {
    json: Vec<u8>,
    budget: usize,
    items: usize,
}

impl PageWriter {
    pub fn new(budget: usize) -> PageWriter {
        let mut json = Vec::with_capacity(budget.min(64 * 1024));
        json.extend_from_slice(b"{\"items\":[");
        PageWriter {
            json,
            budget,
            items: 0,
        }
    }

    pub fn push<T: Serialize>(&mut self, item: &T) -> Result<(), AppError> {
        if self.items > 0 {
            self.json.push(b',');
        }
        serde_json::to_writer(&mut self.json, item).map_err(AppError::internal)?;
        self.items += 1;
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.json.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items == 0
    }

    /// Whether the items written have passed the budget: the page ends here. A page holds at
    /// least one item, however long.
    pub fn is_full(&self) -> bool {
        self.items > 0 && self.json.len() >= self.budget
    }

    /// The page, with the cursor of the next one when there is more.
    pub fn finish(mut self, next_cursor: Option<String>) -> Result<HttpResponse, AppError> {
        self.json.extend_from_slice(b"],\"next_cursor\":");
        serde_json::to_writer(&mut self.json, &next_cursor).map_err(AppError::internal)?;
        self.json.push(b'}');
        Ok(HttpResponse::Ok()
            .content_type(mime::APPLICATION_JSON)
            .body(self.json))
    }
}

/// For `PATCH` bodies: absent stays `None`, `null` becomes `Some(None)`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A field that may be absent but not null.
pub fn not_null<T>(field: &str, value: Option<Option<T>>) -> Result<Option<T>, FieldError> {
    match value {
        None => Ok(None),
        Some(Some(value)) => Ok(Some(value)),
        Some(None) => Err(FieldError::new(field, "must not be null")),
    }
}

pub fn parse_id(field: &str, raw: &str) -> Result<i64, FieldError> {
    digits_id(raw.trim()).ok_or_else(|| FieldError::new(field, "must be a positive integer id"))
}

/// An id written as digits alone (no sign, no space), greater than zero.
fn digits_id(raw: &str) -> Option<i64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    crate::domain::time::parse_day(field, raw)
}

/// A record id from the path: anything that is not an id names no record.
pub fn path_id(raw: &str, what: &str) -> Result<i64, AppError> {
    digits_id(raw).ok_or_else(|| AppError::not_found(format!("{what} {raw}")))
}

pub fn created<T: Serialize>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(body)
}
