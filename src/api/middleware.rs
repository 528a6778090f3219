//! What every answer goes through: security headers, CORS, refusing bodies that are not JSON,
//! and problem+json bodies for the errors the framework answers by itself.

use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::http::header::{HeaderMap, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::web;

use crate::error::{Problem, PROBLEM_JSON};
use crate::state::AppState;

pub(crate) type RefusalOrCall =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<ServiceResponse, actix_web::Error>>>>;

/// The API serves JSON only: nothing in it may load, run or be framed.
const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Swagger UI runs its own scripts and styles, sets inline styles and draws icons as data:
/// images; it fetches `/openapi.json` from the same origin.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

/// The console's pages load their own CSS, scripts and icons, and post forms to themselves.
const CONSOLE_CSP: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; \
     form-action 'self'; base-uri 'none'";

/// Headers on every response. There is no `Strict-Transport-Security`: the service speaks
/// plain HTTP (TLS, where there is any, ends at the proxy in front of it), browsers ignore HSTS
/// received over HTTP, and the proxy that serves HTTPS is the one to send it.
pub(crate) fn add_security_headers(path: &str, headers: &mut HeaderMap) {
    let console = crate::web::errors::is_console_path(path);
    let csp = if path.starts_with("/docs/") {
        DOCS_CSP
    } else if console || is_html(headers) {
        CONSOLE_CSP
    } else {
        API_CSP
    };
    // The console's language switch returns to the page it was on (same origin only).
    let referrer = if console {
        "same-origin"
    } else {
        "no-referrer"
    };
    let mut wanted = vec![
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, referrer),
        (header::CONTENT_SECURITY_POLICY, csp),
    ];
    // Answers of the API hold personal data and change all the time: no cache keeps them.
    if path == "/api/v1" || path.starts_with("/api/v1/") {
        wanted.push((header::CACHE_CONTROL, "no-store"));
    }
    for (name, value) in wanted {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

const CORS_METHODS: &str = "GET, POST, PATCH, DELETE";
const CORS_REQUEST_HEADERS: &str = "Authorization, Content-Type, If-Match, Idempotency-Key";
const CORS_EXPOSED_HEADERS: &str = "ETag, Location, Retry-After";

/// The request's `Origin` when it is one of `server.cors_origins`: CORS is closed otherwise.
pub(crate) fn allowed_origin(req: &actix_web::dev::ServiceRequest) -> Option<HeaderValue> {
    let origin = req.headers().get(header::ORIGIN)?;
    let state = req.app_data::<web::Data<AppState>>()?;
    state
        .settings
        .allows_origin(origin.to_str().ok()?)
        .then(|| origin.clone())
}

pub(crate) fn is_preflight(req: &actix_web::dev::ServiceRequest) -> bool {
    req.method() == actix_web::http::Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The answer to a browser asking whether an allowed origin may call the API.
pub(crate) fn preflight(origin: HeaderValue) -> actix_web::HttpResponse {
    let mut response = actix_web::HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, CORS_METHODS))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, CORS_REQUEST_HEADERS))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
        .finish();
    add_cors_headers(response.headers_mut(), origin);
    response
}

pub(crate) fn add_cors_headers(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(CORS_EXPOSED_HEADERS),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// A body declared as something other than JSON (no Content-Type is taken as JSON).
pub(crate) fn has_foreign_body(req: &actix_web::dev::ServiceRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(mime) = value.to_str().unwrap_or("").parse::<mime::Mime>() else {
        return true;
    };
    !(mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
}

/// Errors that the framework answers by itself (unknown method, bad path...) get a
/// problem+json body like every other error.
pub(crate) fn problem_for_bare_errors<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // The console's error pages are already what their reader needs.
    if is_problem || is_html(res.headers()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status.as_u16() {
        404 => "route_not_found",
        405 => "method_not_allowed",
        400 => "malformed_request",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        s if s >= 500 => "internal_error",
        _ => "error",
    };
    let detail = status.canonical_reason().unwrap_or("error").to_lowercase();
    let mut response = Problem::new(status, code, detail).response();
    for (name, value) in res.headers() {
        if name == header::ALLOW || name == header::RETRY_AFTER {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body::<B>(),
    ))
}
