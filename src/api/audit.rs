//! The audit log, for admins: who logged in, changed rights, exported or anonymized whom.

use actix_web::web::Query;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{paginate, parse_id, Page, PageQuery};
use crate::api::{problems, Answer, State};
use crate::auth::AuthUser;
use crate::db;
use crate::db::audit::{AuditAction, AuditEntry, AuditFilter, AuditSource};
use crate::domain::time::to_rfc3339;
use crate::domain::Checks;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/audit").route(web::get().to(list_audit)));
}

/// The address the request came from: the peer of the connection, or, when that peer is one
/// of `server.trusted_proxies`, the last address of `X-Forwarded-For` that is not a trusted
/// proxy itself. The header of any other peer is ignored: a client cannot choose its address.
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|addr| addr.ip())?;
    let trusted = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|state| state.settings.server.trusted_proxies.as_slice())
        .unwrap_or_default();
    Some(forwarded_client(peer, trusted, req.headers()))
}

/// The client behind `peer` as the trusted proxies say, read from the right of
/// `X-Forwarded-For` (each proxy appends the address it got the request from).
fn forwarded_client(
    peer: std::net::IpAddr,
    trusted: &[std::net::IpAddr],
    headers: &actix_web::http::header::HeaderMap,
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.contains(&canonical(*ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let Ok(ip) = hop.parse::<std::net::IpAddr>() else {
            // A proxy we trust would not write this: stop at the last address we can vouch for.
            break;
        };
        client = canonical(ip);
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// IPv4 addresses written as IPv6 (`::ffff:10.0.0.1`) are the IPv4 address.
fn canonical(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    }
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
        let AuditEntry { id, record } = entry;
        AuditEntryView {
            id,
            at: to_rfc3339(record.at),
            actor_id: record.actor_id,
            details: serde_json::from_str(&record.details)
                .unwrap_or(serde_json::Value::String(record.details)),
            action: record.action,
            subject_user_id: record.subject_user_id,
            ip: record.ip,
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
///
/// Errors: 401: missing or invalid token; 403: not an admin; 422: invalid filter, limit or cursor.
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit",
    params(PageQuery, AuditQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<AuditEntryView>),
        problems::Unauthorized, problems::Forbidden, problems::Invalid,
    )
)]
pub async fn list_audit(
    state: State,
    user: AuthUser,
    page: Query<PageQuery>,
    query: Query<AuditQuery>,
) -> Answer {
    user.require_admin()?;
    let mut checks = Checks::new();
    let (limit, before) = page.by_id(&mut checks);
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

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    fn ip(text: &str) -> std::net::IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let proxy = [ip("10.0.0.1")];
        let headers = forwarded("203.0.113.9, 198.51.100.4");
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &proxy, &headers),
            ip("198.51.100.4")
        );
        // Any other peer's header is ignored.
        assert_eq!(
            forwarded_client(ip("192.0.2.1"), &proxy, &headers),
            ip("192.0.2.1")
        );
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &[], &headers),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_from_the_right() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        let headers = forwarded("6.6.6.6, 198.51.100.4, 10.0.0.2");
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &proxies, &headers),
            ip("198.51.100.4")
        );
        let garbage = forwarded("not-an-address");
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &proxies, &garbage),
            ip("10.0.0.1")
        );
    }
}
