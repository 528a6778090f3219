//! The background worker: delivers the outbox over SMTP and raises taken-in-charge alerts.

use std::sync::Weak;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{SmtpTransport, Transport};

use crate::db::{self, outbox::OutboxRow};
use crate::domain::time::now;
use crate::error::AppError;
use crate::startup::AppState;

/// Messages taken at a time.
const BATCH: i64 = 20;
/// Tickets older than this raise no alert any more (imported or forgotten history).
const OVERDUE_LOOKBACK_DAYS: i64 = 30;

/// Starts the worker on its own thread. It stops by itself once the application is gone.
pub fn spawn(state: Weak<AppState>) -> std::io::Result<std::thread::JoinHandle<()>> {
    let worker_id = format!(
        "{}-{}",
        std::process::id(),
        crate::auth::password::random_secret(8)
    );
    std::thread::Builder::new()
        .name("helpdesk-mail".into())
        .spawn(move || run(state, worker_id))
}

fn run(state: Weak<AppState>, worker_id: String) {
    let mut last_scan: Option<Instant> = None;
    let mut transport: Option<(String, SmtpTransport)> = None;
    loop {
        let Some(app) = state.upgrade() else {
            return;
        };
        let scan_every = Duration::from_secs(app.settings.mail.overdue_scan_seconds.max(1));
        if last_scan.is_none_or(|t| t.elapsed() >= scan_every) {
            last_scan = Some(Instant::now());
            if let Err(error) = raise_overdue_alerts(&app) {
                log::warn!(
                    "taken-in-charge alerts: {}",
                    crate::error::error_chain(&error)
                );
            }
        }
        if let Some(url) = app.settings.mail.smtp_url.clone() {
            if transport.as_ref().is_none_or(|(known, _)| *known != url) {
                transport = match SmtpTransport::from_url(&url) {
                    Ok(builder) => {
                        Some((url, builder.timeout(Some(Duration::from_secs(15))).build()))
                    }
                    Err(error) => {
                        log::error!("mail.smtp_url is not usable: {error}");
                        None
                    }
                };
            }
            if let Some((_, smtp)) = &transport {
                if let Err(error) = deliver(&app, smtp, &worker_id) {
                    log::warn!("mail delivery: {}", crate::error::error_chain(&error));
                }
            }
        }
        let pause = Duration::from_millis(app.settings.mail.poll_interval_ms.max(10));
        drop(app);
        std::thread::sleep(pause);
    }
}

fn deliver(app: &AppState, smtp: &SmtpTransport, worker_id: &str) -> Result<(), AppError> {
    let mut conn = app.pool.get()?;
    let claimed = db::outbox::claim(
        &mut conn,
        worker_id,
        now(),
        chrono::Duration::seconds(app.settings.mail.lease_seconds.min(i64::MAX as u64) as i64),
        BATCH,
    )?;
    for row in claimed {
        let outcome = build(&app.settings.mail.from, &row)
            .map_err(|e| (e, true))
            .and_then(|email| {
                smtp.send(&email)
                    .map(|_| ())
                    .map_err(|e| (e.to_string(), e.is_permanent()))
            });
        let at = now();
        match outcome {
            Ok(()) => {
                db::outbox::mark_sent(&mut conn, row.id, worker_id, at)?;
                app.metrics.mail_sent();
            }
            Err((error, permanent)) => {
                let retry_at = (!permanent)
                    .then(|| at + backoff(row.attempts, app.settings.mail.max_backoff_seconds));
                log::warn!(
                    "mail {} to {} failed (attempt {}): {error}",
                    row.id,
                    row.recipient,
                    row.attempts + 1
                );
                db::outbox::mark_failed(&mut conn, row.id, worker_id, &error, at, retry_at)?;
                app.metrics.mail_failed();
            }
        }
    }
    Ok(())
}

/// 2 s, 4 s, 8 s... up to `max_seconds` between attempts.
pub fn backoff(attempts_so_far: i32, max_seconds: u64) -> chrono::Duration {
    let exponent = attempts_so_far.clamp(0, 20) as u32;
    let seconds = 2u64.saturating_pow(exponent + 1).min(max_seconds.max(1));
    chrono::Duration::seconds(seconds as i64)
}

fn build(from: &str, row: &OutboxRow) -> Result<lettre::Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("mail.from: {e}"))?;
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| format!("recipient {}: {e}", row.recipient))?;
    let domain = from.email.domain().to_string();
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(row.subject.clone())
        // The same id on every attempt, so that a receiver can drop a duplicate delivery.
        .message_id(Some(format!("<outbox-{}@{domain}>", row.id)))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(row.body_text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(row.body_html.clone()),
                ),
        )
        .map_err(|e| e.to_string())
}

fn raise_overdue_alerts(app: &AppState) -> Result<(), AppError> {
    let mut conn = app.pool.get()?;
    let at = now();
    let since: NaiveDateTime = at - chrono::Duration::days(OVERDUE_LOOKBACK_DAYS);
    let waiting = db::tickets::awaiting_acknowledgement(&mut conn, since, 1000)?;
    let clock = &app.policy.clock;
    for ticket in waiting {
        let target = clock.targets.acknowledge_for(ticket.priority);
        let overdue = clock
            .due(&ticket.clock(), target, at)
            .is_some_and(|due| due <= at);
        if overdue && db::tickets::alert_overdue(&mut conn, &ticket, target, &app.policy)? {
            log::info!("ticket {} passed its taken-in-charge target", ticket.id);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        assert_eq!(backoff(0, 600).num_seconds(), 2);
        assert_eq!(backoff(1, 600).num_seconds(), 4);
        assert_eq!(backoff(5, 600).num_seconds(), 64);
        assert_eq!(backoff(30, 600).num_seconds(), 600);
        assert_eq!(backoff(3, 1).num_seconds(), 1);
    }
}
