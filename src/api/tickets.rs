//! Tickets: filing, importing, listing, triage, comments and history.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::api::{
    created, invalid_cursor, json_config, not_null, nullable, paginate, parse_date, parse_id,
    path_id, Page, PageQuery, PageWriter,
};
use crate::auth::AuthUser;
use crate::config::Settings;
use crate::db;
use crate::db::comments::Comment;
use crate::db::tickets::{
    Filed, IdempotencyKey, ImportedTicket, Ticket, TicketChanges, TicketDraft, TicketEvent,
    TicketFilter,
};
use crate::domain::service_level::ServiceClock;
use crate::domain::ticket::{
    parse_comment_body, parse_description, parse_priority, parse_title, Channel, Origin, Status,
    TicketType, REQUESTER_NAME_MAX_CHARS,
};
use crate::domain::time::{parse_rfc3339, to_rfc3339};
use crate::domain::user::{Actor, Role};
use crate::domain::{text, Checks, FieldError};
use crate::error::AppError;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig, settings: &Settings) {
    cfg.service(
        web::resource("/tickets")
            .route(web::get().to(list_tickets))
            .route(web::post().to(file_ticket)),
    )
    // Before `/tickets/{id}`, which would otherwise take "import" for an id.
    .service(
        web::resource("/tickets/import")
            .app_data(json_config(settings.server.max_import_bytes))
            .route(web::post().to(import_tickets)),
    )
    .service(
        web::resource("/tickets/{id}")
            .route(web::get().to(get_ticket))
            .route(web::patch().to(update_ticket)),
    )
    .service(web::resource("/tickets/{id}/assign").route(web::post().to(assign_ticket)))
    .service(
        web::resource("/tickets/{id}/comments")
            .route(web::get().to(list_comments))
            .route(web::post().to(add_comment)),
    )
    .service(web::resource("/tickets/{id}/history").route(web::get().to(ticket_history)));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    pub member_id: i64,
    /// The agent who filed it, when an agent did.
    pub requester_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub category_id: Option<i64>,
    /// 1 = critical ... 4 = low.
    pub priority: i32,
    pub status: Status,
    pub origin: Origin,
    pub channel: Channel,
    pub assignee_id: Option<i64>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Taken in charge: first assignment, first public staff answer, or first move to
    /// `in_progress` or `resolved`.
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub updated_at: String,
    /// Send it back in `If-Match` when changing the ticket.
    pub version: i32,
    pub service_level: ServiceLevelView,
}

/// One service-level clock of a ticket, in business minutes of the calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    /// The target for the ticket's priority.
    pub target_minutes: i64,
    /// When the target falls due, the time spent waiting so far not counted (null when the
    /// calendar is never open).
    pub due_at: Option<String>,
    /// Business minutes taken (when done) or elapsed so far, time spent waiting not counted.
    pub elapsed_minutes: i64,
    /// Whether it was done within its target: null while it is not done and not yet late.
    pub met: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceLevelView {
    /// Taking in charge (`acknowledged_at`).
    pub acknowledge: ClockView,
    /// Resolution (`resolved_at`).
    pub resolve: ClockView,
    /// The ticket is `waiting`: its clocks are paused.
    pub paused: bool,
}

fn clock_view(
    clock: &ServiceClock,
    ticket: &Ticket,
    target: i64,
    done: Option<i32>,
    now: NaiveDateTime,
) -> ClockView {
    let state = ticket.clock();
    let due_at = clock.due(&state, target, now);
    let (elapsed, met) = match done {
        Some(minutes) => (i64::from(minutes), Some(i64::from(minutes) <= target)),
        None => {
            let late = due_at.is_some_and(|due| due < now);
            (clock.elapsed(&state, now), late.then_some(false))
        }
    };
    ClockView {
        target_minutes: target,
        due_at: due_at.map(to_rfc3339),
        elapsed_minutes: elapsed,
        met,
    }
}

impl TicketView {
    pub fn new(t: Ticket, clock: &ServiceClock, now: NaiveDateTime) -> Self {
        let closed_unresolved = t.status == Status::Closed.as_str() && t.resolve_minutes.is_none();
        let acknowledge = clock_view(
            clock,
            &t,
            clock.targets.acknowledge_for(t.priority),
            t.acknowledge_minutes,
            t.acknowledged_at.unwrap_or(now),
        );
        let mut resolve = clock_view(
            clock,
            &t,
            clock.targets.resolve_for(t.priority),
            t.resolve_minutes,
            t.resolved_at.unwrap_or(now),
        );
        if closed_unresolved {
            resolve.met = None;
        }
        let service_level = ServiceLevelView {
            acknowledge,
            resolve,
            paused: t.waiting_since.is_some(),
        };
        TicketView {
            service_level,
            id: t.id,
            member_id: t.member_id,
            requester_id: t.requester_id,
            requester_name: t.requester_name,
            requester_email: t.requester_email,
            requester_phone: t.requester_phone,
            title: t.title,
            description: t.description,
            ticket_type: TicketType::from_stored(&t.ticket_type),
            category_id: t.category_id,
            priority: t.priority,
            status: Status::from_stored(&t.status),
            origin: Origin::from_stored(&t.origin),
            channel: Channel::from_stored(&t.channel),
            assignee_id: t.assignee_id,
            created_at: to_rfc3339(t.created_at),
            acknowledged_at: t.acknowledged_at.map(to_rfc3339),
            resolved_at: t.resolved_at.map(to_rfc3339),
            closed_at: t.closed_at.map(to_rfc3339),
            updated_at: to_rfc3339(t.updated_at),
            version: t.version,
        }
    }
}

fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

fn ticket_response(
    mut response: actix_web::HttpResponseBuilder,
    ticket: Ticket,
    clock: &ServiceClock,
) -> HttpResponse {
    response
        .insert_header((header::ETAG, etag(ticket.version)))
        .json(TicketView::new(ticket, clock, crate::domain::time::now()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FileTicket {
    /// 1 to 200 characters after trimming.
    pub title: String,
    /// Up to 20,000 characters.
    pub description: String,
    /// Required for staff; an agent's ticket always belongs to the agent's member.
    pub member_id: Option<i64>,
    /// Default `incident`.
    #[serde(rename = "type")]
    #[schema(value_type = Option<TicketType>)]
    pub ticket_type: Option<String>,
    pub category_id: Option<i64>,
    /// 1 = critical ... 4 = low; default 3.
    #[schema(minimum = 1, maximum = 4)]
    pub priority: Option<i64>,
    /// Default `hotline`.
    #[schema(value_type = Option<Origin>)]
    pub origin: Option<String>,
    /// Default `api`.
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
    /// The caller, when staff file a call for someone; an agent files as themself and may not
    /// give it (422).
    pub requester_name: Option<String>,
    /// Where the requester's mails go, when staff file a call; an agent's go to their own
    /// account's address and they may not give another (422).
    pub requester_email: Option<String>,
    /// A call-back number.
    pub requester_phone: Option<String>,
}

/// The fields shared by filing and importing, parsed.
struct ParsedTicket {
    title: Option<String>,
    description: Option<String>,
    ticket_type: Option<TicketType>,
    priority: Option<i32>,
    origin: Option<Origin>,
    channel: Option<Channel>,
    requester_name: Option<Option<String>>,
    requester_email: Option<Option<String>>,
    requester_phone: Option<Option<String>>,
}

#[allow(clippy::too_many_arguments)]
fn parse_ticket_fields(
    checks: &mut Checks,
    title: &str,
    description: &str,
    ticket_type: Option<&str>,
    priority: Option<i64>,
    origin: Option<&str>,
    channel: Option<&str>,
    requester: [Option<&str>; 3],
) -> ParsedTicket {
    let [name, email, phone] = requester;
    ParsedTicket {
        title: checks.take(parse_title(title)),
        description: checks.take(parse_description(description)),
        ticket_type: checks.take(ticket_type.map_or(Ok(TicketType::Incident), TicketType::parse)),
        priority: checks.take(priority.map_or(Ok(3), parse_priority)),
        origin: checks.take(origin.map_or(Ok(Origin::Hotline), Origin::parse)),
        channel: checks.take(channel.map_or(Ok(Channel::Api), Channel::parse)),
        requester_name: checks.take(name.map_or(Ok(None), |n| {
            text::optional("requester_name", n, REQUESTER_NAME_MAX_CHARS)
        })),
        requester_email: checks.take(email.map_or(Ok(None), |e| {
            if e.trim().is_empty() {
                Ok(None)
            } else {
                text::email("requester_email", e).map(Some)
            }
        })),
        requester_phone: checks.take(phone.map_or(Ok(None), |p| text::phone("requester_phone", p))),
    }
}

impl ParsedTicket {
    fn into_draft(
        self,
        member_id: i64,
        requester_id: Option<i64>,
        category_id: Option<i64>,
    ) -> TicketDraft {
        TicketDraft {
            member_id,
            requester_id,
            requester_name: self.requester_name.flatten(),
            requester_email: self.requester_email.flatten(),
            requester_phone: self.requester_phone.flatten(),
            title: self.title.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            ticket_type: self
                .ticket_type
                .unwrap_or(TicketType::Incident)
                .as_str()
                .into(),
            category_id,
            priority: self.priority.unwrap_or(3),
            origin: self.origin.unwrap_or(Origin::Hotline).as_str().into(),
            channel: self.channel.unwrap_or(Channel::Api).as_str().into(),
        }
    }
}

/// The `Idempotency-Key` header, 1 to 255 visible characters.
fn idempotency_key(
    req: &HttpRequest,
    body: &serde_json::Value,
) -> Result<Option<IdempotencyKey>, AppError> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()))
        .ok_or_else(|| {
            AppError::validation(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
        })?;
    // serde_json orders object keys, so the digest does not depend on key order or spacing.
    let digest = Sha256::digest(body.to_string().as_bytes());
    let request_hash = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Some(IdempotencyKey {
        key: key.to_string(),
        request_hash,
    }))
}

/// File a ticket.
#[utoipa::path(
    post, path = "/api/v1/tickets", tag = "tickets",
    request_body = FileTicket,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, pattern = "^[!-~]([\\t -~]*[!-~])?$", description = "1-255 characters: the same key and body within 24 hours return the first ticket with 200")),
    responses(
        (status = 201, description = "Filed", body = TicketView, headers(("Location" = String), ("ETag" = String))),
        (status = 200, description = "Replay of an earlier call with the same Idempotency-Key and body", body = TicketView),
        (status = 400, description = "Malformed JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "An agent filing for another member", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key reused with another body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, unknown member or member that has left", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn file_ticket(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    body: crate::api::json::Json<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let raw = body.into_inner();
    let key = idempotency_key(&req, &raw)?;
    let input: FileTicket = serde_json::from_value(raw).map_err(|e| crate::api::body_error(&e))?;
    let actor = user.actor;
    let mut checks = Checks::new();
    let parsed = parse_ticket_fields(
        &mut checks,
        &input.title,
        &input.description,
        input.ticket_type.as_deref(),
        input.priority,
        input.origin.as_deref(),
        input.channel.as_deref(),
        [
            input.requester_name.as_deref(),
            input.requester_email.as_deref(),
            input.requester_phone.as_deref(),
        ],
    );
    let member_id = match (actor.role, input.member_id) {
        (Role::Agent, Some(given)) if Some(given) != actor.member_id => {
            return Err(AppError::forbidden(
                "an agent files tickets for their own member only",
            ));
        }
        (Role::Agent, _) => actor.member_id,
        (_, None) => {
            checks.push(FieldError::new(
                "member_id",
                "is required when staff file a ticket",
            ));
            None
        }
        (_, given) => given,
    };
    if actor.role == Role::Agent {
        // An agent files as themself, and the service mails them at their account's address:
        // a free-text requester is for staff taking a call (a call-back phone is welcome).
        let free_text = [
            ("requester_name", &input.requester_name),
            ("requester_email", &input.requester_email),
        ];
        for (field, value) in free_text {
            if value.as_deref().is_some_and(|v| !v.trim().is_empty()) {
                checks.push(FieldError::new(
                    field,
                    "an agent files as themself: a requester's name or e-mail is for staff \
                     taking a call",
                ));
            }
        }
    }
    if actor.role == Role::Agent && parsed.origin == Some(Origin::Posted) {
        return Err(AppError::forbidden(
            "posted tickets are logged by technicians, not agents",
        ));
    }
    checks.finish()?;
    let member_id = member_id.unwrap_or_default();
    let requester_id = (actor.role == Role::Agent).then_some(actor.id);
    let draft = parsed.into_draft(member_id, requester_id, input.category_id);
    let filed = AppState::file_ticket(&state, draft, actor, key).await?;
    match filed {
        Filed::Created(ticket) => {
            state.metrics.ticket_filed();
            let location = format!("/api/v1/tickets/{}", ticket.id);
            Ok(ticket_response(
                {
                    let mut builder = HttpResponse::Created();
                    builder.insert_header((header::LOCATION, location));
                    builder
                },
                ticket,
                &state.policy.clock,
            ))
        }
        Filed::Replayed(ticket) => {
            let location = format!("/api/v1/tickets/{}", ticket.id);
            Ok(ticket_response(
                {
                    let mut builder = HttpResponse::Ok();
                    builder.insert_header((header::LOCATION, location));
                    builder
                },
                ticket,
                &state.policy.clock,
            ))
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportTicket {
    pub title: String,
    pub description: String,
    /// The member must have been a member on the day of `created_at`.
    pub member_id: i64,
    #[serde(rename = "type")]
    #[schema(value_type = Option<TicketType>)]
    pub ticket_type: Option<String>,
    pub category_id: Option<i64>,
    pub priority: Option<i64>,
    #[schema(value_type = Option<Origin>)]
    pub origin: Option<String>,
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    /// Default: `closed` if `closed_at` is given, else `resolved` if `resolved_at` is, else
    /// `assigned` if `assignee_id` is, else `new`.
    #[schema(value_type = Option<Status>)]
    pub status: Option<String>,
    pub assignee_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub created: usize,
    /// The new tickets' ids, in the order of the request.
    pub ids: Vec<i64>,
}

pub const MAX_IMPORT: usize = 10_000;

pub fn parse_import(
    index: usize,
    row: &ImportTicket,
    checks: &mut Checks,
) -> Option<ImportedTicket> {
    let mut local = Checks::new();
    let parsed = parse_ticket_fields(
        &mut local,
        &row.title,
        &row.description,
        row.ticket_type.as_deref(),
        row.priority,
        row.origin.as_deref(),
        row.channel.as_deref(),
        [
            row.requester_name.as_deref(),
            row.requester_email.as_deref(),
            row.requester_phone.as_deref(),
        ],
    );
    let stamp = |local: &mut Checks, field: &str, raw: Option<&str>| -> Option<NaiveDateTime> {
        raw.and_then(|raw| {
            local.take(
                parse_rfc3339(raw)
                    .ok_or_else(|| FieldError::new(field, "must be an RFC 3339 timestamp"))
                    .and_then(|at| crate::domain::time::check_instant(field, at)),
            )
        })
    };
    let created_at = stamp(&mut local, "created_at", Some(&row.created_at));
    let acknowledged_at = stamp(
        &mut local,
        "acknowledged_at",
        row.acknowledged_at.as_deref(),
    );
    let resolved_at = stamp(&mut local, "resolved_at", row.resolved_at.as_deref());
    let closed_at = stamp(&mut local, "closed_at", row.closed_at.as_deref());
    if let Some(created_at) = created_at {
        for (field, value) in [
            ("acknowledged_at", acknowledged_at),
            ("resolved_at", resolved_at),
            ("closed_at", closed_at),
        ] {
            if value.is_some_and(|v| v < created_at) {
                local.push(FieldError::new(field, "must not be before created_at"));
            }
        }
    }
    let status = match row.status.as_deref() {
        Some(raw) => local.take(Status::parse(raw)),
        None => Some(if closed_at.is_some() {
            Status::Closed
        } else if resolved_at.is_some() {
            Status::Resolved
        } else if row.assignee_id.is_some() {
            Status::Assigned
        } else {
            Status::New
        }),
    };
    if status == Some(Status::Closed) && row.closed_at.is_none() {
        local.push(FieldError::new(
            "closed_at",
            "is required for a closed ticket",
        ));
    }
    if status == Some(Status::Assigned) && row.assignee_id.is_none() {
        local.push(FieldError::new(
            "assignee_id",
            "is required for an assigned ticket",
        ));
    }
    if let Err(errors) = local.finish() {
        for error in errors {
            checks.push(FieldError::new(
                format!("[{index}].{}", error.field),
                error.message,
            ));
        }
        return None;
    }
    Some(ImportedTicket {
        draft: parsed.into_draft(row.member_id, None, row.category_id),
        status: status.unwrap_or(Status::New),
        assignee_id: row.assignee_id,
        created_at: created_at.unwrap_or_default(),
        acknowledged_at,
        resolved_at,
        closed_at,
    })
}

/// Import past tickets (admin), all or nothing.
#[utoipa::path(
    post, path = "/api/v1/tickets/import", tag = "tickets",
    request_body = Vec<ImportTicket>,
    responses(
        (status = 201, description = "All imported", body = ImportResult),
        (status = 403, description = "Not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "More than 10,000 tickets, or an invalid one (nothing imported); field names are prefixed with the index, e.g. [3].member_id", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import_tickets(
    state: web::Data<AppState>,
    user: AuthUser,
    body: crate::api::json::Json<Vec<ImportTicket>>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let rows = body.into_inner();
    if rows.len() > MAX_IMPORT {
        return Err(AppError::validation(
            "body",
            format!(
                "at most {MAX_IMPORT} tickets per import, got {}",
                rows.len()
            ),
        ));
    }
    let mut checks = Checks::new();
    let batch: Vec<ImportedTicket> = rows
        .iter()
        .enumerate()
        .filter_map(|(index, row)| parse_import(index, row, &mut checks))
        .collect();
    checks.finish()?;
    let actor = user.actor;
    let app = state.clone();
    let ids = state
        .run_unbounded(move |conn| db::tickets::import(conn, &batch, &actor, &app.policy))
        .await?;
    if state.is_postgres() {
        db::vacuum_after_import(&state.pool);
    }
    state.metrics.tickets_imported(ids.len() as u64);
    Ok(HttpResponse::Created().json(ImportResult {
        created: ids.len(),
        ids,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// One status, or several separated by commas.
    pub status: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub member_id: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub assignee_id: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub category_id: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 4)]
    pub priority: Option<String>,
    #[param(value_type = Option<Origin>)]
    pub origin: Option<String>,
    /// First day of creation, inclusive, in the service's time zone.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub created_from: Option<String>,
    /// Last day of creation, inclusive, in the service's time zone.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub created_to: Option<String>,
    /// Words to find in the title or description, case-insensitive.
    pub q: Option<String>,
}

/// Rows of the first read of a ticket page longer than this.
const FIRST_SLICE: i64 = 50;

fn ticket_cursor(ticket: &Ticket) -> String {
    format!("{}_{}", ticket.created_at.and_utc().timestamp(), ticket.id)
}

fn parse_ticket_cursor(raw: &str) -> Result<(NaiveDateTime, i64), FieldError> {
    let (seconds, id) = raw.split_once('_').ok_or_else(invalid_cursor)?;
    let seconds: i64 = seconds.parse().map_err(|_| invalid_cursor())?;
    let id: i64 = id.parse().map_err(|_| invalid_cursor())?;
    let at = chrono::DateTime::from_timestamp(seconds, 0).ok_or_else(invalid_cursor)?;
    Ok((at.naive_utc(), id))
}

/// Where a page of tickets starts: after this `created_at` and id.
pub type TicketCursor = (NaiveDateTime, i64);

/// The list's query string, parsed: the filter, where the page starts and its size. Pure, so
/// that it can be fuzzed.
pub fn parse_ticket_query(
    page: &PageQuery,
    query: &TicketQuery,
    member_scope: Option<i64>,
) -> Result<(TicketFilter, Option<TicketCursor>, i64), AppError> {
    let mut checks = Checks::new();
    let limit = checks.take(page.limit()).unwrap_or_default();
    let after = checks
        .take_opt(page.cursor.as_deref(), parse_ticket_cursor)
        .flatten();
    let statuses = match query.status.as_deref() {
        None => Vec::new(),
        Some(raw) => raw
            .split(',')
            .filter_map(|s| checks.take(Status::parse(s.trim())))
            .map(|s| s.as_str().to_string())
            .collect(),
    };
    let id = |checks: &mut Checks, field: &str, raw: &Option<String>| {
        checks
            .take_opt(raw.as_deref(), |r| parse_id(field, r))
            .flatten()
    };
    let member_id = id(&mut checks, "member_id", &query.member_id);
    let assignee_id = id(&mut checks, "assignee_id", &query.assignee_id);
    let category_id = id(&mut checks, "category_id", &query.category_id);
    let priority = checks
        .take_opt(query.priority.as_deref(), |raw| {
            raw.trim()
                .parse::<i64>()
                .map_err(|_| FieldError::new("priority", "must be 1, 2, 3 or 4"))
                .and_then(parse_priority)
        })
        .flatten();
    let origin = checks
        .take_opt(query.origin.as_deref(), Origin::parse)
        .flatten();
    let created_from = checks
        .take_opt(query.created_from.as_deref(), |r| {
            parse_date("created_from", r)
        })
        .flatten();
    let created_to = checks
        .take_opt(query.created_to.as_deref(), |r| parse_date("created_to", r))
        .flatten();
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string);
    if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        checks.push(FieldError::new("q", "must be at most 200 characters"));
    }
    checks.finish()?;
    let filter = TicketFilter {
        member_scope,
        statuses,
        member_id,
        assignee_id,
        category_id,
        priority,
        origin: origin.map(|o| o.as_str().to_string()),
        created_from,
        created_to,
        q,
    };
    Ok((filter, after, limit))
}

/// List tickets, newest first (agents: their member's only).
#[utoipa::path(
    get, path = "/api/v1/tickets", tag = "tickets",
    params(PageQuery, TicketQuery),
    responses(
        (status = 200, description = "Newest first; a page ends early, with its next_cursor, once its items pass server.max_page_bytes", body = Page<TicketView>),
        (status = 422, description = "Invalid filter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_tickets(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, mut after, limit) = parse_ticket_query(&page, &query, user.actor.member_scope())?;
    let now = crate::domain::time::now();
    let clock = &state.policy.clock;
    let budget = state.settings.server.max_page_bytes;
    let mut written = PageWriter::new(budget);
    let mut left = limit;
    // Rows are read a slice at a time, the next slice sized by the bytes the first took: a
    // page of long tickets reads few more rows than it sends.
    let mut slice = limit.min(FIRST_SLICE);
    loop {
        let filter = filter.clone();
        let rows = state
            .run(move |conn| Ok(db::tickets::list(conn, &filter, after, slice + 1)?))
            .await?;
        let more = rows.len() as i64 > slice;
        if rows.is_empty() {
            // Only when the list is empty, or its next rows went away since the last slice.
            return written.finish(None);
        }
        let mut rows = rows.into_iter().take(slice as usize).peekable();
        while let Some(ticket) = rows.next() {
            let cursor = (ticket.created_at, ticket.id);
            let next = ticket_cursor(&ticket);
            written.push(&TicketView::new(ticket, clock, now))?;
            left -= 1;
            after = Some(cursor);
            let rest = rows.peek().is_some() || more;
            if written.is_full() || left == 0 || !rest {
                return written.finish(rest.then_some(next));
            }
        }
        let per_item = (written.len() / (limit - left) as usize).max(1);
        let room = (budget.saturating_sub(written.len()) / per_item) as i64 + 1;
        slice = room.clamp(1, left);
    }
}

async fn visible_ticket(state: &AppState, actor: Actor, id: i64) -> Result<Ticket, AppError> {
    state
        .run_point_read(move |conn| db::tickets::find_visible(conn, id, &actor))
        .await
}

/// One ticket, with its version as `ETag`.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String, description = "The ticket's version, quoted"))),
        (status = 404, description = "No such ticket, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_ticket(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&id, "ticket")?;
    let ticket = visible_ticket(&state, user.actor, id).await?;
    Ok(ticket_response(
        HttpResponse::Ok(),
        ticket,
        &state.policy.clock,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTicket {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String)]
    pub description: Option<Option<String>>,
    #[serde(default, rename = "type", deserialize_with = "nullable")]
    #[schema(value_type = TicketType)]
    pub ticket_type: Option<Option<String>>,
    /// null removes the category.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, nullable)]
    pub category_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64, minimum = 1, maximum = 4)]
    pub priority: Option<Option<i64>>,
    /// A move the status table allows; `assigned` only together with `assignee_id`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Status)]
    pub status: Option<Option<String>>,
    /// Setting it on a `new` ticket assigns it; null unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, nullable)]
    pub assignee_id: Option<Option<i64>>,
    /// Corrects the member (statistics follow).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64)]
    pub member_id: Option<Option<i64>>,
    /// Corrects the origin (statistics follow).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Origin)]
    pub origin: Option<Option<String>>,
}

/// `If-Match: "3"` (or `3`, `W/"3"`); `*` or no header matches any version.
fn expected_version(req: &HttpRequest) -> Result<Option<i32>, AppError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let raw = value.to_str().unwrap_or("").trim();
    if raw == "*" {
        return Ok(None);
    }
    let bare = raw.trim_start_matches("W/").trim_matches('"');
    bare.parse::<i32>()
        .map(Some)
        .map_err(|_| AppError::Malformed("If-Match must be the ticket's ETag, e.g. \"3\"".into()))
}

/// Staff-only ticket actions: an agent gets 404 for a ticket they cannot see, 403 otherwise.
async fn require_staff_on_ticket(
    state: &AppState,
    user: &AuthUser,
    id: i64,
) -> Result<(), AppError> {
    if !user.role().is_staff() {
        visible_ticket(state, user.actor, id).await?;
        return Err(AppError::forbidden("this needs a member of staff"));
    }
    Ok(())
}

/// Change a ticket: qualify it, move its status, assign it.
#[utoipa::path(
    patch, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"?[0-9]{1,9}"?)$"#, description = "The ETag read before (`\"3\"`), or `*`; a stale one gives 412"),
    ),
    request_body = UpdateTicket,
    responses(
        (status = 200, description = "The changed ticket", body = TicketView, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON or If-Match", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Agents may not change tickets", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The ticket changed since that version", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, or a status change the table refuses (code invalid_transition)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_ticket(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<String>,
    body: crate::api::json::Json<UpdateTicket>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&id, "ticket")?;
    require_staff_on_ticket(&state, &user, id).await?;
    let expected = expected_version(&req)?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    let field = |checks: &mut Checks, name: &str, value: Option<Option<String>>| {
        checks.take(not_null(name, value)).flatten()
    };
    let title = field(&mut checks, "title", body.title).and_then(|t| checks.take(parse_title(&t)));
    let description = field(&mut checks, "description", body.description)
        .and_then(|d| checks.take(parse_description(&d)));
    let ticket_type = field(&mut checks, "type", body.ticket_type)
        .and_then(|t| checks.take(TicketType::parse(&t)));
    let status =
        field(&mut checks, "status", body.status).and_then(|s| checks.take(Status::parse(&s)));
    let origin =
        field(&mut checks, "origin", body.origin).and_then(|o| checks.take(Origin::parse(&o)));
    let priority = checks
        .take(not_null("priority", body.priority))
        .flatten()
        .and_then(|p| checks.take(parse_priority(p)));
    let member_id = checks.take(not_null("member_id", body.member_id)).flatten();
    checks.finish()?;
    let changes = TicketChanges {
        title,
        description,
        ticket_type: ticket_type.map(|t| t.as_str().to_string()),
        category_id: body.category_id,
        priority,
        status,
        assignee_id: body.assignee_id,
        member_id,
        origin,
    };
    let actor = user.actor;
    let app = state.clone();
    let ticket = state
        .run(move |conn| db::tickets::change(conn, id, &changes, expected, &actor, &app.policy))
        .await?;
    Ok(ticket_response(
        HttpResponse::Ok(),
        ticket,
        &state.policy.clock,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// The member of staff who takes the ticket.
    pub technician_id: Option<i64>,
    /// `true` picks the technician posted today at the ticket's member, else the technician
    /// with the fewest open tickets (ties to the smaller id).
    pub auto: Option<bool>,
}

/// Assign a ticket to a technician, or automatically.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/assign", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = AssignRequest,
    responses(
        (status = 200, description = "The assigned ticket", body = TicketView, headers(("ETag" = String))),
        (status = 403, description = "Agents may not assign", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of technician_id and auto, unknown or inactive technician, no technician at all (code no_technician), or a resolved/closed ticket (code invalid_transition)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn assign_ticket(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: crate::api::json::Json<AssignRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&id, "ticket")?;
    require_staff_on_ticket(&state, &user, id).await?;
    let auto = body.auto.unwrap_or(false);
    let technician_id = match (body.technician_id, auto) {
        (Some(id), false) => Some(id),
        (None, true) => None,
        _ => {
            return Err(AppError::validation(
                "technician_id",
                "give either technician_id or \"auto\": true",
            ))
        }
    };
    let actor = user.actor;
    let app = state.clone();
    let ticket = state
        .run(move |conn| {
            let technician_id = match technician_id {
                Some(id) => id,
                None => {
                    let ticket = db::tickets::find_visible(conn, id, &actor)?;
                    let today = crate::domain::time::today(app.policy.zone);
                    db::tickets::pick_technician(conn, ticket.member_id, today)?.ok_or(
                        AppError::Conflict {
                            code: "no_technician",
                            message: "no active technician to assign".into(),
                        },
                    )?
                }
            };
            let changes = TicketChanges {
                assignee_id: Some(Some(technician_id)),
                ..TicketChanges::default()
            };
            db::tickets::change(conn, id, &changes, None, &actor, &app.policy)
        })
        .await?;
    Ok(ticket_response(
        HttpResponse::Ok(),
        ticket,
        &state.policy.clock,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: i64,
    pub ticket_id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub body: String,
    pub internal: bool,
    pub created_at: String,
}

fn comment_view(comment: Comment, names: &HashMap<i64, String>) -> CommentView {
    CommentView {
        id: comment.id,
        ticket_id: comment.ticket_id,
        author_name: comment.author_id.and_then(|id| names.get(&id).cloned()),
        author_id: comment.author_id,
        body: comment.body,
        internal: comment.internal,
        created_at: to_rfc3339(comment.created_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddComment {
    pub body: String,
    /// Internal notes are for staff only; default false.
    pub internal: Option<bool>,
}

/// Comment on a ticket (agents: public comments on their member's tickets).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/comments", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = AddComment,
    responses(
        (status = 201, description = "Added", body = CommentView),
        (status = 403, description = "An agent writing an internal comment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Blank or too long body", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_comment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: crate::api::json::Json<AddComment>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&id, "ticket")?;
    let internal = body.internal.unwrap_or(false);
    if internal && !user.role().is_staff() {
        visible_ticket(&state, user.actor, id).await?;
        return Err(AppError::forbidden("internal comments are for staff"));
    }
    let text = parse_comment_body(&body.body)?;
    let actor = user.actor;
    let app = state.clone();
    let (comment, names) = state
        .run(move |conn| {
            let comment = db::comments::add(conn, id, &text, internal, &actor, &app.policy)?;
            let names = db::users::names(conn, &[actor.id])?;
            Ok((comment, names))
        })
        .await?;
    let names = names.into_iter().collect();
    Ok(created(
        format!("/api/v1/tickets/{id}/comments/{}", comment.id),
        &comment_view(comment, &names),
    ))
}

/// A ticket's comments, newest first (agents: public ones only).
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/comments", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<CommentView>),
        (status = 404, description = "No such ticket, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_comments(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&id, "ticket")?;
    let mut checks = Checks::new();
    let limit = checks.take(page.limit()).unwrap_or_default();
    let before = checks.take(page.id_cursor()).flatten();
    checks.finish()?;
    let actor = user.actor;
    let (rows, names) = state
        .run(move |conn| {
            db::tickets::find_visible(conn, id, &actor)?;
            let rows = db::comments::list(conn, id, !actor.role.is_staff(), before, limit + 1)?;
            let authors: Vec<i64> = rows.iter().filter_map(|c| c.author_id).collect();
            Ok((rows, db::users::names(conn, &authors)?))
        })
        .await?;
    let names: HashMap<i64, String> = names.into_iter().collect();
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |c| c.id.to_string(),
        |c| comment_view(c, &names),
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// Who made the change.
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    /// The field that changed, or `created`, `imported`, `comment`.
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn history_entry(event: TicketEvent, names: &HashMap<i64, String>) -> HistoryEntry {
    HistoryEntry {
        id: event.id,
        at: to_rfc3339(event.at),
        actor_name: event.actor_id.and_then(|id| names.get(&id).cloned()),
        actor_id: event.actor_id,
        field: event.field,
        from: event.from_value,
        to: event.to_value,
    }
}

/// Every change of a ticket, newest first: who, when, what, from and to.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/history", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<HistoryEntry>),
        (status = 403, description = "Agents may not read history", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ticket_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&id, "ticket")?;
    require_staff_on_ticket(&state, &user, id).await?;
    let mut checks = Checks::new();
    let limit = checks.take(page.limit()).unwrap_or_default();
    let before = checks.take(page.id_cursor()).flatten();
    checks.finish()?;
    let actor = user.actor;
    let (rows, names) = state
        .run(move |conn| {
            db::tickets::find_visible(conn, id, &actor)?;
            let rows = db::tickets::history(conn, id, before, limit + 1)?;
            let actors: Vec<i64> = rows.iter().filter_map(|e| e.actor_id).collect();
            Ok((rows, db::users::names(conn, &actors)?))
        })
        .await?;
    let names: HashMap<i64, String> = names.into_iter().collect();
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |e| e.id.to_string(),
        |e| history_entry(e, &names),
    )))
}
