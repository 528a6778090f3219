//! The audit log, for admins: who logged in, changed rights, exported or anonymized whom.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{paginate, parse_id, Page, PageQuery};
use crate::auth::AuthUser;
use crate::db;
use crate::db::audit::{AuditAction, AuditEntry, AuditFilter, AuditSource};
use crate::domain::time::to_rfc3339;
use crate::domain::Checks;
use crate::error::AppError;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/audit").route(web::get().to(list_audit)));
}

/// The address the request came from: the peer of the connection, never a header a client
/// could write.
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    req.peer_addr().map(|addr| addr.ip())
}

/// The caller and their address, for the audit entries their request writes.
pub fn source(user: &AuthUser, req: &HttpRequest) -> AuditSource {
    AuditSource {
        actor_id: Some(user.actor.id),
        ip: client_ip(req).map(|ip| ip.to_string()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// Who acted; null for a log-in attempt and for the service itself.
    pub actor_id: Option<i64>,
    #[schema(value_type = AuditAction)]
    pub action: String,
    /// The user the action was about, when there is one.
    pub subject_user_id: Option<i64>,
    /// What else is known: for log-ins the e-mail tried (never a password) and, for a failure,
    /// why; for a changed user each changed right `{from, to}`; counts for anonymizations.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The client's address.
    pub ip: Option<String>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(entry: AuditEntry) -> Self {
        AuditEntryView {
            id: entry.id,
            at: to_rfc3339(entry.at),
            actor_id: entry.actor_id,
            details: serde_json::from_str(&entry.details)
                .unwrap_or(serde_json::Value::String(entry.details)),
            action: entry.action,
            subject_user_id: entry.subject_user_id,
            ip: entry.ip,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries of this action.
    #[param(value_type = Option<AuditAction>)]
    pub action: Option<String>,
    /// Only entries where this user acted or was acted upon.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub user_id: Option<String>,
}

/// The audit log, newest first (admin only).
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit",
    params(PageQuery, AuditQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<AuditEntryView>),
        (status = 401, description = "Missing or invalid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let mut checks = Checks::new();
    let limit = checks.take(page.limit()).unwrap_or_default();
    let before = checks.take(page.id_cursor()).flatten();
    let action = checks
        .take_opt(query.action.as_deref(), AuditAction::parse)
        .flatten();
    let user_id = checks
        .take_opt(query.user_id.as_deref(), |raw| parse_id("user_id", raw))
        .flatten();
    checks.finish()?;
    let filter = AuditFilter { action, user_id };
    let rows = state
        .run(move |conn| Ok(db::audit::list(conn, &filter, before, limit + 1)?))
        .await?;
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |e| e.id.to_string(),
        AuditEntryView::from,
    )))
}
