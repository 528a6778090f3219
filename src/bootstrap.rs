//! The first start: the token-signing secret kept beside an SQLite database, and an admin
//! whose password is written to a private file when nobody can log in yet.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, DatabaseUrl, Pool};
use crate::domain::time::now;
use crate::domain::user::Role;

/// The signing secret: configured, or for SQLite generated once and kept beside the database.
pub(crate) fn jwt_secret(
    settings: &Settings,
    url: &DatabaseUrl,
    data_dir: &Path,
) -> anyhow::Result<String> {
    if let Some(secret) = &settings.auth.jwt_secret {
        anyhow::ensure!(
            secret.len() >= 16,
            "auth.jwt_secret must be at least 16 characters"
        );
        return Ok(secret.clone());
    }
    anyhow::ensure!(
        !url.is_postgres(),
        "auth.jwt_secret is required with PostgreSQL: set HELPDESK__AUTH__JWT_SECRET"
    );
    let path = data_dir.join("jwt-secret");
    if let Ok(secret) = fs::read_to_string(&path) {
        let secret = secret.trim().to_string();
        if secret.len() >= 16 {
            return Ok(secret);
        }
    }
    let secret = password::random_secret(48);
    write_private(&path, &secret)?;
    log::info!("generated a JWT signing secret in {}", path.display());
    Ok(secret)
}

/// Writes a file only its owner may read.
pub(crate) fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{content}")?;
    Ok(())
}

pub const INITIAL_ADMIN_EMAIL: &str = "admin@helpdesk.local";

/// On an empty database, creates an admin whose password is written once to a private file.
pub(crate) fn ensure_someone_can_log_in(pool: &Pool, data_dir: &Path) -> anyhow::Result<()> {
    let mut conn = pool.get().context("cannot reach the database")?;
    if db::users::count(&mut conn)? > 0 {
        return Ok(());
    }
    let secret = password::random_secret(20);
    let path = data_dir.join("initial-admin-password.txt");
    let at = now();
    db::audit::create_user(
        &mut conn,
        &db::users::NewUser {
            email: INITIAL_ADMIN_EMAIL.into(),
            name: "Administrator".into(),
            role: Role::Admin,
            member_id: None,
            password_hash: password::hash(&secret),
            disabled: false,
            created_at: at,
            updated_at: at,
        },
        &db::audit::AuditSource::default(),
    )?;
    write_private(
        &path,
        &format!("email: {INITIAL_ADMIN_EMAIL}\npassword: {secret}"),
    )?;
    log::warn!(
        "no user yet: created the admin {INITIAL_ADMIN_EMAIL}; its password is in {} \
         (readable by this account only): log in, then change it with PATCH /api/v1/users/{{id}}",
        path.display()
    );
    Ok(())
}
