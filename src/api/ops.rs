//! Liveness, readiness and metrics.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{problems, Answer, State};
use crate::db;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health").route(web::get().to(health)))
        .service(web::resource("/ready").route(web::get().to(ready)))
        .service(web::resource("/metrics").route(web::get().to(metrics)));
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HealthStatus)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process answers.
#[utoipa::path(get, path = "/health", tag = "operations", security(()),
    responses((status = 200, description = "Alive", body = Status)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status {
        status: "ok".into(),
    })
}

/// How long `/ready` waits for the database before it says not ready.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(500);

/// The database answers, within half a second whatever it does.
///
/// Errors: 503: database unreachable.
#[utoipa::path(get, path = "/ready", tag = "operations", security(()),
    responses(
        (status = 200, description = "Ready", body = Status),
        problems::Unavailable,
    ))]
pub async fn ready(state: State) -> Answer {
    if state.failed_recently() {
        return Err(AppError::Unavailable(
            "database work failed a moment ago (a full disk, a read-only database?)".into(),
        ));
    }
    tokio::time::timeout(READY_WITHIN, state.run(|conn| Ok(db::ping(conn)?)))
        .await
        .map_err(|_| {
            AppError::Unavailable(
                format!("the database did not answer within {READY_WITHIN:?}").into(),
            )
        })??;
    Ok(HttpResponse::Ok().json(Status {
        status: "ready".into(),
    }))
}

/// Counters in Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses((status = 200, description = "Prometheus text", body = String, content_type = "text/plain")))]
pub async fn metrics(state: State) -> HttpResponse {
    // Without the database the counters of this process are still worth showing.
    let outbox = state
        .run(|conn| Ok(db::outbox::counts(conn)?))
        .await
        .unwrap_or_default();
    let pool = state.pool.state();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(
            state
                .metrics
                .render(pool.connections, pool.idle_connections, &outbox),
        )
}
