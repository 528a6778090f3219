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
    /// Addresses of the reverse proxies in front of the service: for a connection from one of
    /// them, the client's address is the last one of `X-Forwarded-For` that is not itself a
    /// trusted proxy. From any other peer the header is ignored. None by default.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest JSON body accepted, except for the import endpoint.
    pub max_body_bytes: usize,
    /// Largest body of `POST /api/v1/tickets/import`.
    pub max_import_bytes: usize,
    /// Worker threads of the HTTP server; 0 means one per core.
    pub workers: usize,
    /// Web origins (`https://app.example.org`) whose pages may call the API from a browser;
    /// none by default, and then no CORS header is sent.
    pub cors_origins: Vec<String>,
    /// Requests of one user (counted by the authenticated user id) served at once, each until
    /// its response is sent or dropped; 0 for no limit.
    pub max_concurrent_requests_per_user: usize,
    /// Requests of one user waiting for one of those places, in arrival order; past them,
    /// 429 with `Retry-After`.
    pub max_waiting_requests_per_user: usize,
    /// Time a request's body has to arrive, counted from its head; then 408 and the
    /// connection is closed.
    pub body_timeout_seconds: u64,
    /// Bytes of items past which a page of tickets ends early, its `next_cursor` leading on.
    pub max_page_bytes: usize,
    /// Time a client may take nothing of a large answer before its connection is shut.
    pub write_timeout_seconds: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            trusted_proxies: Vec::new(),
            max_body_bytes: 256 * 1024,
            max_import_bytes: 64 * 1024 * 1024,
            workers: 0,
            cors_origins: Vec::new(),
            max_concurrent_requests_per_user: 4,
            max_waiting_requests_per_user: 64,
            body_timeout_seconds: 20,
            max_page_bytes: 1024 * 1024,
            write_timeout_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    /// How long a request waits for a connection (its checkout from the pool, or a new one's
    /// connection to the server) before answering 503.
    pub connect_timeout_seconds: u64,
    /// How long one statement may run: PostgreSQL cancels it then (`statement_timeout`), and
    /// SQLite waits this long for another writer's lock. A request whose database work has not
    /// answered within the connection's and the statement's time together (a frozen server)
    /// answers 503, whatever the database does.
    pub statement_timeout_seconds: u64,
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
            statement_timeout_seconds: 10,
            data_dir: None,
        }
    }
}

impl DatabaseSettings {
    /// The limits of one connection.
    pub fn limits(&self) -> crate::db::Limits {
        crate::db::Limits {
            connect: std::time::Duration::from_secs(self.connect_timeout_seconds),
            statement: std::time::Duration::from_secs(self.statement_timeout_seconds),
        }
    }

    /// How long a request waits for its database work before it answers 503: a connection's
    /// and a statement's time, and a second for the rest.
    pub fn work_deadline(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.connect_timeout_seconds + self.statement_timeout_seconds + 1,
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    pub jwt_secret: Option<String>,
    pub token_ttl_minutes: u32,
    /// How long failed log-ins are remembered, in seconds.
    pub login_window_seconds: u64,
    /// Failed log-ins for one e-mail from one client address within the window before that
    /// address must wait to try that e-mail again (429); the owner elsewhere is not concerned.
    pub max_failed_logins_per_account: u32,
    /// Failed log-ins for one e-mail from every address together within the window before
    /// the e-mail must wait, except from the addresses it logged in from before.
    pub max_failed_logins_per_account_all_addresses: u32,
    /// Failed log-ins from one client address within the window before it must wait (429).
    pub max_failed_logins_per_address: u32,
    /// How long a caller's role, member and disabled flag are remembered between requests,
    /// in seconds; 0 reads them on every request. A change through this process applies at
    /// once; one made elsewhere (another instance, SQL) within this time. See `auth::cache`.
    pub user_cache_seconds: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            token_ttl_minutes: 480,
            login_window_seconds: 900,
            max_failed_logins_per_account: 5,
            max_failed_logins_per_account_all_addresses: 50,
            max_failed_logins_per_address: 20,
            user_cache_seconds: 2,
        }
    }
}

impl AuthSettings {
    pub fn login_limits(&self) -> crate::auth::LoginLimits {
        crate::auth::LoginLimits {
            window: std::time::Duration::from_secs(self.login_window_seconds),
            per_account: self.max_failed_logins_per_account,
            per_address: self.max_failed_logins_per_address,
            per_account_all_addresses: self.max_failed_logins_per_account_all_addresses,
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
    /// How long a message being delivered stays reserved to its sender, in seconds. The sender
    /// renews it every third of this while the SMTP exchange goes on, however slow the server;
    /// should the sender's process die, another sender takes the message after this.
    pub lease_seconds: u64,
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
            lease_seconds: 60,
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
                    .with_list_parse_key("server.cors_origins")
                    .with_list_parse_key("server.trusted_proxies")
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
        if self.auth.login_window_seconds == 0
            || self.auth.max_failed_logins_per_account == 0
            || self.auth.max_failed_logins_per_address == 0
        {
            return Err(config::ConfigError::Message(
                "auth.login_window_seconds and auth.max_failed_logins_* must be at least 1".into(),
            ));
        }
        if let Some(origin) = self
            .server
            .cors_origins
            .iter()
            .find(|o| !o.is_empty() && !is_web_origin(o))
        {
            return Err(config::ConfigError::Message(format!(
                "server.cors_origins: {origin:?} is not an origin such as https://app.example.org"
            )));
        }
        if self.mail.lease_seconds == 0 {
            return Err(config::ConfigError::Message(
                "mail.lease_seconds must be at least 1".into(),
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
        if self.database.connect_timeout_seconds == 0
            || self.database.statement_timeout_seconds == 0
        {
            return Err(config::ConfigError::Message(
                "database.connect_timeout_seconds and database.statement_timeout_seconds must be at least 1"
                    .into(),
            ));
        }
        if self.server.body_timeout_seconds == 0 || self.server.write_timeout_seconds == 0 {
            return Err(config::ConfigError::Message(
                "server.body_timeout_seconds and server.write_timeout_seconds must be at least 1"
                    .into(),
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

    pub fn service_levels_targets(&self) -> Targets {
        Targets {
            acknowledge: self.service_levels.acknowledge_minutes,
            resolve: self.service_levels.resolve_minutes,
        }
    }

    /// The service-level clock: calendar and targets.
    pub fn service_clock(&self) -> ServiceClock {
        ServiceClock {
            calendar: self
                .calendar()
                .unwrap_or_else(|_| BusinessCalendar::office_hours(self.service.timezone)),
            targets: self.service_levels_targets(),
        }
    }

    /// Whether a browser `Origin` is one of `server.cors_origins`.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        self.server
            .cors_origins
            .iter()
            .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
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

/// `scheme://host[:port]`, as browsers send in `Origin`: no path, query or wildcard.
fn is_web_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.trim_end_matches('/').split_once("://") else {
        return false;
    };
    ["http", "https"].contains(&scheme.to_ascii_lowercase().as_str())
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '*', '@', ' '])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_origins_are_bare_origins() {
        assert!(is_web_origin("https://app.example.org"));
        assert!(is_web_origin("http://localhost:5173/"));
        assert!(!is_web_origin("*"));
        assert!(!is_web_origin("https://*.example.org"));
        assert!(!is_web_origin("https://app.example.org/path"));
        assert!(!is_web_origin("app.example.org"));
    }

    #[test]
    fn an_origin_is_allowed_only_when_listed() {
        let mut settings = Settings::defaults();
        assert!(!settings.allows_origin("https://app.example.org"));
        settings.server.cors_origins = vec!["https://App.example.org/".into()];
        assert!(settings.allows_origin("https://app.example.org"));
        assert!(!settings.allows_origin("https://app.example.org.evil.test"));
        assert!(!settings.allows_origin("http://app.example.org"));
    }

    #[test]
    fn the_login_limits_and_cors_origins_are_read_from_the_files() {
        let dir = std::env::temp_dir().join(format!("helpdesk-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("default.toml"),
            "[server]\ncors_origins = [\"https://app.example.org\"]\n\
             [auth]\nlogin_window_seconds = 60\nmax_failed_logins_per_account = 3\n",
        )
        .unwrap();
        let settings = Settings::load_from(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(settings.server.cors_origins, ["https://app.example.org"]);
        assert_eq!(settings.auth.login_window_seconds, 60);
        assert_eq!(settings.auth.max_failed_logins_per_account, 3);
        assert_eq!(settings.auth.max_failed_logins_per_address, 20);
    }
}
