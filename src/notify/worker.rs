//! The background workers: one delivers the outbox over SMTP, the other raises
//! taken-in-charge alerts, so that a slow or silent mail server never delays an alert.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{SmtpTransport, Transport};

use crate::config::MailSettings;
use crate::db::{self, outbox::OutboxRow, Pool};
use crate::desk::Policy;
use crate::domain::time::now;
use crate::error::AppError;
use crate::metrics::Metrics;

/// What the mail and alert threads use.
#[derive(Clone)]
pub struct Workers {
    pub pool: Pool,
    pub mail: MailSettings,
    pub policy: Policy,
    pub metrics: Arc<Metrics>,
}

/// Messages delivered one after the other before the worker looks whether the service is
/// still there.
const BATCH: usize = 20;
/// How long the SMTP client waits for each step of an exchange.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);
/// Tickets older than this raise no alert any more (imported or forgotten history).
const OVERDUE_LOOKBACK_DAYS: i64 = 30;

/// Starts the mail and alert threads. They stop by themselves once `alive` is gone (the
/// application that started them).
pub fn spawn(workers: Workers, alive: Weak<()>) -> std::io::Result<()> {
    let worker_id = format!(
        "{}-{}",
        std::process::id(),
        crate::auth::password::random_secret(8)
    );
    let (alerts, alerts_alive) = (workers.clone(), alive.clone());
    std::thread::Builder::new()
        .name("helpdesk-alerts".into())
        .spawn(move || run_alerts(&alerts, &alerts_alive))?;
    std::thread::Builder::new()
        .name("helpdesk-mail".into())
        .spawn(move || run_mail(&workers, &alive, worker_id))?;
    Ok(())
}

fn run_alerts(app: &Workers, alive: &Weak<()>) {
    let mut last_scan: Option<Instant> = None;
    while alive.strong_count() > 0 {
        let scan_every = Duration::from_secs(app.mail.overdue_scan_seconds.max(1));
        if last_scan.is_none_or(|t| t.elapsed() >= scan_every) {
            last_scan = Some(Instant::now());
            if let Err(error) = raise_overdue_alerts(app) {
                log::warn!(
                    "taken-in-charge alerts: {}",
                    crate::error::error_chain(&error)
                );
            }
        }
        // Awake at least every second, so that the thread ends soon after the application.
        let next = last_scan.map_or(Duration::ZERO, |t| scan_every.saturating_sub(t.elapsed()));
        std::thread::sleep(next.clamp(Duration::from_millis(10), Duration::from_secs(1)));
    }
}

fn run_mail(app: &Workers, alive: &Weak<()>, worker_id: String) {
    let mut transport: Option<(String, SmtpTransport)> = None;
    while alive.strong_count() > 0 {
        let mut busy = false;
        if let Some(url) = app.mail.smtp_url.clone() {
            if transport.as_ref().is_none_or(|(known, _)| *known != url) {
                transport = match SmtpTransport::from_url(&url) {
                    Ok(builder) => Some((url, builder.timeout(Some(SMTP_TIMEOUT)).build())),
                    Err(error) => {
                        log::error!("mail.smtp_url is not usable: {error}");
                        None
                    }
                };
            }
            if let Some((_, smtp)) = &transport {
                for _ in 0..BATCH {
                    match deliver_one(app, smtp, &worker_id) {
                        Ok(true) => busy = true,
                        Ok(false) => break,
                        Err(error) => {
                            log::warn!("mail delivery: {}", crate::error::error_chain(&error));
                            break;
                        }
                    }
                }
            }
        }
        let pause = Duration::from_millis(app.mail.poll_interval_ms.max(10));
        if !busy {
            std::thread::sleep(pause);
        }
    }
}

/// Claims the oldest message due, delivers it while keeping its lease, and records the
/// outcome. False when nothing was due.
fn deliver_one(app: &Workers, smtp: &SmtpTransport, worker_id: &str) -> Result<bool, AppError> {
    let lease = Duration::from_secs(app.mail.lease_seconds.max(1));
    let claimed = {
        let mut conn = app.pool.get()?;
        db::outbox::claim_one(&mut conn, worker_id, now(), lease_span(lease))?
    };
    let Some(row) = claimed else {
        return Ok(false);
    };
    let outcome = build(&app.mail.from, &row)
        .map_err(|e| (e, true))
        .and_then(|email| send_keeping_lease(app, smtp, &email, row.id, worker_id, lease));
    let at = now();
    let mut conn = app.pool.get()?;
    match outcome {
        Ok(()) => {
            db::outbox::mark_sent(&mut conn, row.id, worker_id, at)?;
            app.metrics.mail_sent();
        }
        Err((error, permanent)) => {
            // `attempts` counts this attempt already.
            let retry_at =
                (!permanent).then(|| at + backoff(row.attempts - 1, app.mail.max_backoff_seconds));
            log::warn!(
                "mail {} to {} failed (attempt {}): {error}",
                row.id,
                row.recipient,
                row.attempts
            );
            db::outbox::mark_failed(&mut conn, row.id, worker_id, &error, at, retry_at)?;
            app.metrics.mail_failed();
        }
    }
    Ok(true)
}

fn lease_span(lease: Duration) -> chrono::Duration {
    chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60))
}

/// Sends on a thread of its own and, while the SMTP exchange goes on, renews the message's
/// lease every third of it: however slow the server, no other sender takes the message.
fn send_keeping_lease(
    app: &Workers,
    smtp: &SmtpTransport,
    email: &lettre::Message,
    id: i64,
    worker_id: &str,
    lease: Duration,
) -> Result<(), (String, bool)> {
    std::thread::scope(|scope| {
        let (done, finished) = mpsc::channel::<()>();
        let sender = scope.spawn(move || {
            let result = smtp.send(email);
            let _ = done.send(());
            result
        });
        loop {
            match finished.recv_timeout(lease / 3) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => renew(app, id, worker_id, lease),
            }
        }
        match sender.join() {
            Ok(result) => result
                .map(|_| ())
                .map_err(|e| (e.to_string(), e.is_permanent())),
            Err(_) => Err(("the SMTP client panicked".into(), false)),
        }
    })
}

fn renew(app: &Workers, id: i64, worker_id: &str, lease: Duration) {
    let renewed = app.pool.get().map_err(AppError::from).and_then(|mut conn| {
        Ok(db::outbox::renew(
            &mut conn,
            id,
            worker_id,
            now() + lease_span(lease),
        )?)
    });
    match renewed {
        Ok(true) => {}
        Ok(false) => log::error!("mail {id}: lost its lease while being delivered"),
        Err(error) => log::warn!(
            "mail {id}: lease not renewed: {}",
            crate::error::error_chain(&error)
        ),
    }
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

fn raise_overdue_alerts(app: &Workers) -> Result<(), AppError> {
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
        if overdue && crate::desk::alerts::alert_overdue(&mut conn, &ticket, target, &app.policy)? {
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
