//! Counters exposed in Prometheus text format at `GET /metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    requests_by_class: [AtomicU64; 5],
    request_micros_total: AtomicU64,
    tickets_filed: AtomicU64,
    tickets_imported: AtomicU64,
    logins_failed: AtomicU64,
    mail_sent: AtomicU64,
    mail_failed: AtomicU64,
}

impl Metrics {
    pub fn observe_request(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests_by_class[class].fetch_add(1, Ordering::Relaxed);
        self.request_micros_total
            .fetch_add(micros, Ordering::Relaxed);
    }

    pub fn ticket_filed(&self) {
        self.tickets_filed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn tickets_imported(&self, n: u64) {
        self.tickets_imported.fetch_add(n, Ordering::Relaxed);
    }

    pub fn mail_sent(&self) {
        self.mail_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub fn mail_failed(&self) {
        self.mail_failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn login_failed(&self) {
        self.logins_failed.fetch_add(1, Ordering::Relaxed);
    }

    /// The text of `/metrics`, with the pool's state.
    pub fn render(
        &self,
        pool_connections: u32,
        pool_idle: u32,
        outbox: &[(String, i64)],
    ) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        };
        counter(
            &mut out,
            "helpdesk_http_requests_total",
            "HTTP requests answered, by status class.",
        );
        for (i, count) in self.requests_by_class.iter().enumerate() {
            let _ = writeln!(
                out,
                "helpdesk_http_requests_total{{class=\"{}xx\"}} {}",
                i + 1,
                count.load(Ordering::Relaxed)
            );
        }
        counter(
            &mut out,
            "helpdesk_http_request_duration_seconds_total",
            "Time spent answering HTTP requests.",
        );
        let _ = writeln!(
            out,
            "helpdesk_http_request_duration_seconds_total {:.6}",
            self.request_micros_total.load(Ordering::Relaxed) as f64 / 1e6
        );
        for (name, help, value) in [
            (
                "helpdesk_tickets_filed_total",
                "Tickets filed through POST /api/v1/tickets.",
                &self.tickets_filed,
            ),
            (
                "helpdesk_tickets_imported_total",
                "Tickets loaded through the import endpoint.",
                &self.tickets_imported,
            ),
            (
                "helpdesk_logins_failed_total",
                "Log-in attempts refused.",
                &self.logins_failed,
            ),
            (
                "helpdesk_mail_sent_total",
                "Messages delivered to the SMTP server by this process.",
                &self.mail_sent,
            ),
            (
                "helpdesk_mail_attempts_failed_total",
                "Failed delivery attempts of this process.",
                &self.mail_failed,
            ),
        ] {
            counter(&mut out, name, help);
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        for (name, help, value) in [
            (
                "helpdesk_db_pool_connections",
                "Database connections open.",
                pool_connections,
            ),
            (
                "helpdesk_db_pool_idle_connections",
                "Database connections open and idle.",
                pool_idle,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        if !outbox.is_empty() {
            let name = "helpdesk_outbox_messages";
            let _ = writeln!(
                out,
                "# HELP {name} Messages in the outbox, by status.\n# TYPE {name} gauge"
            );
            for (status, count) in outbox {
                let _ = writeln!(out, "{name}{{status=\"{status}\"}} {count}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_status_class() {
        let metrics = Metrics::default();
        metrics.observe_request(201, 10);
        metrics.observe_request(404, 10);
        metrics.observe_request(422, 10);
        let text = metrics.render(2, 1, &[("queued".into(), 3)]);
        assert!(text.contains("helpdesk_outbox_messages{status=\"queued\"} 3"));
        assert!(text.contains("helpdesk_http_requests_total{class=\"2xx\"} 1"));
        assert!(text.contains("helpdesk_http_requests_total{class=\"4xx\"} 2"));
        assert!(text.contains("helpdesk_db_pool_connections 2"));
    }
}
