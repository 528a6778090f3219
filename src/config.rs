//! Settings: built-in defaults, then `config/default.toml`, then `config/$HELPDESK_ENV.toml`,
//! then `HELPDESK__SECTION__KEY` environment variables.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::calendar::{parse_hours, BusinessCalendar};
use crate::domain::service_level::{ServiceClock, Targets};

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(default)]
    pub server: ServerSettings,
    #[serde(default)]
    pub database: DatabaseSettings,
    #[serde(default)]
    pub auth: AuthSettings,
    #[serde(default)]
    pub service: ServiceSettings,
    #[serde(default)]
    pub mail: MailSettings,
    #[serde(default)]
    pub calendar: CalendarSettings,
    #[serde(default)]
    pub service_levels: ServiceLevelSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Largest JSON body accepted, except for the import endpoint.
    pub max_body_bytes: usize,
    /// Largest body of `POST /api/v1/tickets/import`.
    pub max_import_bytes: usize,
    /// Worker threads of the HTTP server; 0 means one per core.
    pub workers: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            max_body_bytes: 256 * 1024,
            max_import_bytes: 64 * 1024 * 1024,
            workers: 0,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    /// How long a request waits for a connection before answering 503.
    pub connect_timeout_seconds: u64,
    /// Where the generated JWT secret and the initial admin password are kept.
    /// Defaults to the SQLite file's folder, or `data` for PostgreSQL.
    pub data_dir: Option<PathBuf>,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/helpdesk.db".into(),
            pool_size: 8,
            connect_timeout_seconds: 5,
            data_dir: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    pub jwt_secret: Option<String>,
    pub token_ttl_minutes: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            token_ttl_minutes: 480,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServiceSettings {
    pub timezone: Tz,
    pub workday_minutes: u32,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            timezone: chrono_tz::Europe::Paris,
            workday_minutes: 420,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// `smtp://host:port` or `smtps://user:password@host`; unset, mail waits in the outbox.
    pub smtp_url: Option<String>,
    pub from: String,
    /// Language of the messages: `fr` or `en`.
    pub language: String,
    /// How often the outbox is looked at, in milliseconds.
    pub poll_interval_ms: u64,
    /// Longest wait between two attempts at a message that fails, in seconds.
    pub max_backoff_seconds: u64,
    /// How often tickets are checked against their taken-in-charge target, in seconds.
    pub overdue_scan_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Helpdesk <helpdesk@localhost>".into(),
            language: "fr".into(),
            poll_interval_ms: 1000,
            max_backoff_seconds: 600,
            overdue_scan_seconds: 20,
        }
    }
}

/// Opening hours per weekday (`HH:MM-HH:MM`, empty when closed), in the service's time zone,
/// and days closed besides the French public holidays.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CalendarSettings {
    pub monday: String,
    pub tuesday: String,
    pub wednesday: String,
    pub thursday: String,
    pub friday: String,
    pub saturday: String,
    pub sunday: String,
    pub closed_days: Vec<chrono::NaiveDate>,
}

impl Default for CalendarSettings {
    fn default() -> Self {
        let open = "08:00-18:00".to_string();
        Self {
            monday: open.clone(),
            tuesday: open.clone(),
            wednesday: open.clone(),
            thursday: open.clone(),
            friday: open,
            saturday: String::new(),
            sunday: String::new(),
            closed_days: Vec::new(),
        }
    }
}

/// Targets in business minutes for priorities 1 to 4.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServiceLevelSettings {
    pub acknowledge_minutes: [i64; 4],
    pub resolve_minutes: [i64; 4],
}

impl Default for ServiceLevelSettings {
    fn default() -> Self {
        Self {
            acknowledge_minutes: [30, 60, 240, 480],
            resolve_minutes: [240, 600, 1800, 3000],
        }
    }
}

impl Settings {
    /// Reads the settings as the service does at start, from the current directory.
    pub fn load() -> Result<Settings, config::ConfigError> {
        Self::load_from(Path::new("config"))
    }

    pub fn load_from(dir: &Path) -> Result<Settings, config::ConfigError> {
        let environment = std::env::var("HELPDESK_ENV").unwrap_or_else(|_| "local".into());
        let settings: Settings = config::Config::builder()
            .add_source(config::File::from(dir.join("default.toml")).required(false))
            .add_source(config::File::from(dir.join(format!("{environment}.toml"))).required(false))
            .add_source(
                config::Environment::with_prefix("HELPDESK")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("calendar.closed_days")
                    .with_list_parse_key("service_levels.acknowledge_minutes")
                    .with_list_parse_key("service_levels.resolve_minutes"),
            )
            .build()?
            .try_deserialize()?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), config::ConfigError> {
        if !(60..=1440).contains(&self.service.workday_minutes) {
            return Err(config::ConfigError::Message(
                "service.workday_minutes must be between 60 and 1440".into(),
            ));
        }
        if self.auth.token_ttl_minutes == 0 {
            return Err(config::ConfigError::Message(
                "auth.token_ttl_minutes must be at least 1".into(),
            ));
        }
        if !["fr", "en"].contains(&self.mail.language.as_str()) {
            return Err(config::ConfigError::Message(
                "mail.language must be fr or en".into(),
            ));
        }
        self.calendar()
            .map_err(|e| config::ConfigError::Message(format!("calendar.{e}")))?;
        let targets = self
            .service_levels
            .acknowledge_minutes
            .iter()
            .chain(&self.service_levels.resolve_minutes);
        if targets.clone().any(|m| *m <= 0) {
            return Err(config::ConfigError::Message(
                "service_levels targets must be positive minutes".into(),
            ));
        }
        if self.database.pool_size == 0 {
            return Err(config::ConfigError::Message(
                "database.pool_size must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The business calendar the settings describe.
    pub fn calendar(&self) -> Result<BusinessCalendar, crate::domain::FieldError> {
        let c = &self.calendar;
        let days = [
            ("monday", &c.monday),
            ("tuesday", &c.tuesday),
            ("wednesday", &c.wednesday),
            ("thursday", &c.thursday),
            ("friday", &c.friday),
            ("saturday", &c.saturday),
            ("sunday", &c.sunday),
        ];
        let mut hours = [None; 7];
        for (slot, (name, text)) in hours.iter_mut().zip(days) {
            *slot = parse_hours(name, text)?;
        }
        Ok(BusinessCalendar::new(
            self.service.timezone,
            hours,
            c.closed_days.iter().copied(),
        ))
    }

    /// The service-level clock: calendar and targets.
    pub fn service_clock(&self) -> ServiceClock {
        ServiceClock {
            calendar: self.calendar().unwrap_or_else(|_| {
                BusinessCalendar::office_hours(self.service.timezone)
            }),
            targets: Targets {
                acknowledge: self.service_levels.acknowledge_minutes,
                resolve: self.service_levels.resolve_minutes,
            },
        }
    }

    /// What ticket writes need of the settings.
    pub fn policy(&self) -> crate::db::tickets::Policy {
        crate::db::tickets::Policy {
            zone: self.service.timezone,
            clock: self.service_clock(),
            mail: crate::notify::Composer::new(&self.mail.language),
        }
    }

    /// Defaults only, as when no file and no variable is set; tests start from this.
    pub fn defaults() -> Settings {
        Settings {
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            auth: AuthSettings::default(),
            service: ServiceSettings::default(),
            mail: MailSettings::default(),
            calendar: CalendarSettings::default(),
            service_levels: ServiceLevelSettings::default(),
        }
    }
}
