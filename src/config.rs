//! Settings: built-in defaults, then `config/default.toml`, then `config/$HELPDESK_ENV.toml`,
//! then `HELPDESK__SECTION__KEY` environment variables.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

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
    pub smtp_url: Option<String>,
    pub from: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Helpdesk <helpdesk@localhost>".into(),
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
                    .try_parsing(true),
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
        if self.database.pool_size == 0 {
            return Err(config::ConfigError::Message(
                "database.pool_size must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Defaults only, as when no file and no variable is set; tests start from this.
    pub fn defaults() -> Settings {
        Settings {
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            auth: AuthSettings::default(),
            service: ServiceSettings::default(),
            mail: MailSettings::default(),
        }
    }
}
