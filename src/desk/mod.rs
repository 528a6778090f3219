//! The use cases, between the fronts (the JSON API, the console, the GLPI import) and storage:
//! each opens its transaction through `db`, reads, applies the rules of `domain`, writes, and
//! turns what the rules say should follow (mails, alerts) into rows of the outbox. A front
//! parses what it was sent, calls one use case and shapes the answer.

pub mod accounts;
pub mod alerts;
pub mod categories;
pub mod comments;
pub mod directory;
pub mod filing_queue;
pub mod history;
pub mod members;
pub mod queue;
pub mod stats;
pub mod tickets;
pub mod work_logs;

use chrono_tz::Tz;

use crate::config::Settings;
use crate::domain::service_level::ServiceClock;
use crate::notify::Composer;

/// What writes to tickets need besides the data: the day's time zone, the service-level
/// clock, and the words of the mail they queue.
#[derive(Debug, Clone)]
pub struct Policy {
    pub zone: Tz,
    pub clock: ServiceClock,
    pub mail: Composer,
}

impl Policy {
    /// The policy the settings describe.
    pub fn of(settings: &Settings) -> Policy {
        Policy {
            zone: settings.service.timezone,
            clock: settings.service_clock(),
            mail: Composer::new(&settings.mail.language),
        }
    }
}
