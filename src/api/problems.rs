//! The error answers of the API as OpenAPI documents them, written once: every one is a
//! problem+json body (`crate::error::Problem`). An operation lists the ones it can give; its
//! own doc comment says when.

use crate::error::Problem;

/// Declares one documented error answer.
macro_rules! problem_response {
    ($(#[$meta:meta])* $name:ident, $status:literal, $description:literal) => {
        $(#[$meta])*
        #[derive(utoipa::IntoResponses)]
        #[response(status = $status, description = $description, content_type = "application/problem+json")]
        pub struct $name(#[allow(dead_code)] Problem);
    };
}

problem_response!(BadRequest, 400, "Malformed JSON, header or parameter");
problem_response!(
    Unauthorized,
    401,
    "Missing, invalid or expired token, or wrong credentials"
);
problem_response!(
    Forbidden,
    403,
    "The caller's role or member does not allow it"
);
problem_response!(
    NotFound,
    404,
    "No such resource, or not visible to the caller"
);
problem_response!(
    Conflict,
    409,
    "It conflicts with what is stored; `code` says how"
);
problem_response!(
    PreconditionFailed,
    412,
    "The resource changed since that version (If-Match)"
);
problem_response!(PayloadTooLarge, 413, "Body too large");
problem_response!(
    Invalid,
    422,
    "Invalid field or parameter; `errors` names each"
);
problem_response!(
    Unavailable,
    503,
    "Database unreachable or busy; try again shortly"
);

/// Too many failed log-ins; `Retry-After` says when to try again.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 429,
    description = "Too many failed log-ins for this e-mail or from this address",
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait"))
)]
pub struct TooManyRequests(#[allow(dead_code)] Problem);
