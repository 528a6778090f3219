//! Filing a ticket: its fields, parsed as importing parses them too, and idempotency keys.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::desk::tickets::{Filed, IdempotencyKey, TicketDraft};
use crate::domain::ticket::{
    parse_description, parse_priority, parse_title, Channel, Origin, Priority, TicketType,
    REQUESTER_NAME_MAX_CHARS,
};
use crate::domain::user::Role;
use crate::domain::{text, Checks, FieldError};
use crate::error::AppError;
use crate::state::AppState;

use super::views::*;
use crate::api::{json::Json, problems, Answer, State};

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
pub(crate) struct ParsedTicket {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) ticket_type: Option<TicketType>,
    pub(crate) priority: Option<Priority>,
    pub(crate) origin: Option<Origin>,
    pub(crate) channel: Option<Channel>,
    pub(crate) requester_name: Option<Option<String>>,
    pub(crate) requester_email: Option<Option<String>>,
    pub(crate) requester_phone: Option<Option<String>>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn parse_ticket_fields(
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
        priority: checks.take(priority.map_or(Ok(Priority::NORMAL), parse_priority)),
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
    pub(crate) fn into_draft(
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
            ticket_type: self.ticket_type.unwrap_or(TicketType::Incident),
            category_id,
            priority: self.priority.unwrap_or(Priority::NORMAL),
            origin: self.origin.unwrap_or(Origin::Hotline),
            channel: self.channel.unwrap_or(Channel::Api),
        }
    }
}

/// The `Idempotency-Key` header, 1 to 255 visible characters.
pub(in crate::api) fn idempotency_key(
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
///
/// Errors: 400: malformed JSON; 403: an agent filing for another member; 409: idempotency-Key
/// reused with another body; 413: body too large; 422: invalid field, unknown member or member that
/// has left.
#[utoipa::path(
    post, path = "/api/v1/tickets", tag = "tickets",
    request_body = FileTicket,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, pattern = "^[!-~]([\\t -~]*[!-~])?$", description = "1-255 characters: the same key and body within 24 hours return the first ticket with 200")),
    responses(
        (status = 201, description = "Filed", body = TicketView, headers(("Location" = String), ("ETag" = String))),
        (status = 200, description = "Replay of an earlier call with the same Idempotency-Key and body", body = TicketView),
        problems::BadRequest, problems::Forbidden, problems::Conflict, problems::PayloadTooLarge, problems::Invalid,
    )
)]
pub async fn file_ticket(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    body: Json<serde_json::Value>,
) -> Answer {
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
