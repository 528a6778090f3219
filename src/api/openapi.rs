//! The OpenAPI document, generated from the handlers and types, and the page that renders it.

use actix_web::{web, HttpResponse};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "helpdesk",
        description = "Tickets, triage, work logs and statistics of a shared public IT service. \
            Errors are RFC 9457 problem details (application/problem+json) with a stable `code`. \
            Lists are `{items, next_cursor}`, newest first, with `limit` (1-500, default 50) and \
            `cursor`. A record the caller may not see answers 404 like one that does not exist.",
        version = "1.0.0"
    ),
    paths(
        api::auth::login,
        api::auth::me,
        api::members::create_member,
        api::members::list_members,
        api::members::get_member,
        api::members::update_member,
        api::users::create_user,
        api::users::list_users,
        api::users::get_user,
        api::users::update_user,
        api::categories::list_categories,
        api::categories::get_category,
        api::categories::create_category,
        api::tickets::file_ticket,
        api::tickets::import_tickets,
        api::tickets::list_tickets,
        api::tickets::get_ticket,
        api::tickets::update_ticket,
        api::tickets::assign_ticket,
        api::tickets::add_comment,
        api::tickets::list_comments,
        api::tickets::ticket_history,
        api::work_logs::create_work_log,
        api::work_logs::import_work_logs,
        api::work_logs::list_work_logs,
        api::work_logs::get_work_log,
        api::work_logs::update_work_log,
        api::work_logs::delete_work_log,
        api::stats::tickets_by_member,
        api::stats::seasonality,
        api::stats::work_days,
        api::stats::hotline_allocation,
        api::stats::service_levels,
        api::stats::by_category,
        api::stats::by_technician,
        api::outbox::list_outbox,
        api::reports::download_report,
        api::reports::member_statement,
        api::ops::health,
        api::ops::ready,
        api::ops::metrics,
        api::privacy::export_user,
        api::privacy::anonymize_user,
        api::privacy::anonymize_requester,
        api::audit::list_audit,
    ),
    components(schemas(crate::error::Problem, crate::domain::FieldError)),
    modifiers(&BearerAuth, &CommonResponses),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Log in and identify the caller"),
        (name = "members", description = "Members of the cooperative"),
        (name = "users", description = "Agents and staff"),
        (name = "categories", description = "The two-level category tree"),
        (name = "tickets", description = "Filing, triage, comments, history"),
        (name = "work-logs", description = "The team's days of work"),
        (name = "statistics", description = "Figures of the activity report"),
        (name = "operations", description = "Liveness, readiness, metrics"),
        (name = "privacy", description = "Export and anonymization of personal data (RGPD)"),
        (name = "audit", description = "The append-only log of log-ins, rights changes, exports and anonymizations"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The answers any operation can give besides its own, documented once here rather than on
/// every handler: 401 without a valid token, 429 with `Retry-After` for a user with too many
/// requests at once, 400, 413 and 415 for a body that is not acceptable JSON, 408 for one that
/// does not arrive in time, 422 for an invalid query parameter, and 503 with `Retry-After` while
/// the database is unreachable.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let public = SecurityRequirement::default();
        for (path, item) in openapi.paths.paths.iter_mut() {
            // The process's own liveness and counters answer without the database.
            let uses_database = !matches!(path.as_str(), "/health" | "/metrics");
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let authenticated = operation
                    .security
                    .as_ref()
                    .is_none_or(|requirements| !requirements.contains(&public));
                let has_query = operation
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.parameter_in == ParameterIn::Query);
                let has_body = operation.request_body.is_some();
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str, retry_after: bool| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem_response(description, retry_after).into());
                };
                if authenticated {
                    add("401", "Missing, invalid or expired token", false);
                    add(
                        "429",
                        "Too many requests of this user at once: try again after Retry-After",
                        true,
                    );
                }
                if has_body {
                    add("400", "Malformed JSON", false);
                    add(
                        "408",
                        "Body not received in time (server.body_timeout_seconds); the connection is closed",
                        false,
                    );
                    add("413", "Body too large", false);
                    add("415", "Body not sent as application/json", false);
                }
                if has_query {
                    add("422", "Invalid query parameter", false);
                }
                if uses_database {
                    add("503", "Database unreachable: try again later", true);
                }
            }
        }
    }
}

fn problem_response(description: &str, retry_after: bool) -> Response {
    let mut response = ResponseBuilder::new().description(description).content(
        crate::error::PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    if retry_after {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Seconds to wait before trying again"))
                .build(),
        );
    }
    response.build()
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/docs").route(web::get().to(|| async {
        HttpResponse::Found()
            .insert_header((actix_web::http::header::LOCATION, "/docs/"))
            .finish()
    })))
    // Serves `/openapi.json` too. Swagger UI's files are inside the binary: the page works
    // without any network.
    .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", document()));
}
