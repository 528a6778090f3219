//! The subcommands of the `helpdesk` binary.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, DatabaseUrl};
use crate::domain::user::{parse_password, Role};
use crate::domain::{text, time::now};
use crate::startup::{open_database, Application};
use crate::stats::lang::Lang;
use crate::stats::report::Period;

#[derive(Debug, Parser)]
#[command(
    name = "helpdesk",
    version,
    about = "Helpdesk of a shared public IT service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Create an admin account (or reset the password of an existing admin).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Fill an empty database with the members, categories, accounts, tickets and work logs
    /// of the 2016-2018 activity reports.
    SeedDemo,
    /// Write the report of a year or a month into a folder: JSON, XLSX, CSV files and SVG charts.
    Report {
        #[arg(long, value_parser = clap::value_parser!(i32).range(1970..=9999))]
        year: i32,
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=12))]
        month: Option<u32>,
        /// The folder to write into (created if needed).
        #[arg(long)]
        out: PathBuf,
        /// Language of the headings and file names.
        #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
        lang: String,
        /// The hotline presence to share among the members, in days (default: the hotline
        /// duty days logged in the period).
        #[arg(long)]
        presence_days: Option<String>,
    },
    /// Bring a GLPI 9.5 or 10 history over (members, categories, people, tickets with their
    /// timeline); run again, it changes nothing but what changed in GLPI.
    ImportGlpi {
        /// The GLPI database: mysql://USER:PASS@HOST:PORT/DB.
        #[arg(long)]
        from: String,
        /// A TOML file: members_parent, internal_member, [request_types], [task_categories].
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Read GLPI and print what would be imported; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The zone of GLPI's wall-clock dates (default: the service's, Europe/Paris).
        #[arg(long)]
        timezone: Option<chrono_tz::Tz>,
    },
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let url = DatabaseUrl::parse(&settings.database.url).map_err(anyhow::Error::msg)?;
            open_database(&settings, &url)?;
            println!("migrations applied");
            Ok(())
        }
        Command::CreateAdmin {
            email,
            password,
            name,
        } => {
            let created = create_admin(&settings, &email, &name, &password)?;
            println!(
                "{} admin {}",
                if created { "created" } else { "updated" },
                email.trim().to_lowercase()
            );
            Ok(())
        }
        Command::SeedDemo => seed_demo(&settings),
        Command::Report {
            year,
            month,
            out,
            lang,
            presence_days,
        } => {
            let lang = Lang::parse(Some(&lang)).map_err(|e| anyhow::anyhow!("{e}"))?;
            let presence_hundredths = presence_days
                .map(|raw| crate::api::stats::parse_typed_presence_days(&raw))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--presence-days {}", e.message))?;
            let options = crate::stats::report::ReportOptions {
                presence_hundredths,
                ..Default::default()
            };
            for path in write_report(&settings, Period { year, month }, lang, options, &out)? {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        Command::ImportGlpi {
            from,
            mapping,
            dry_run,
            timezone,
        } => {
            let options = crate::glpi::Options {
                from,
                mapping,
                dry_run,
                timezone,
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            };
            import_glpi(&settings, &options)
        }
    }
}

/// Runs `import-glpi`: its table on standard output; on a failure the reason on standard
/// error and exit code 2 when GLPI could not be read (nothing written), 1 otherwise.
fn import_glpi(settings: &Settings, options: &crate::glpi::Options) -> anyhow::Result<()> {
    // GLPI and the mapping are read before the service's database is opened: a GLPI that
    // cannot be read leaves it untouched.
    let outcome = match crate::glpi::prepare(options) {
        Err(failure) => Err(failure),
        Ok(prepared) if options.dry_run => crate::glpi::import(prepared, settings, None, options),
        Ok(prepared) => {
            let url = DatabaseUrl::parse(&settings.database.url).map_err(anyhow::Error::msg)?;
            let pool = open_database(settings, &url)?;
            let mut conn = pool.get().context("cannot reach the database")?;
            crate::glpi::import(prepared, settings, Some(&mut conn), options)
        }
    };
    match outcome {
        Ok(summary) => {
            summary.print(
                &mut std::io::stdout().lock(),
                settings.service.workday_minutes,
            )?;
            Ok(())
        }
        Err(failure) => {
            eprintln!("import-glpi: {failure}");
            std::process::exit(crate::glpi::exit_code(&failure));
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let host = settings.server.host.clone();
    let app = Application::build(settings)?;
    log::info!("listening on http://{host}:{}", app.port());
    app.run_until_stopped().await?;
    Ok(())
}

/// Creates an admin, or makes an existing account with that e-mail an enabled admin with
/// that password. Returns whether the account is new.
pub fn create_admin(
    settings: &Settings,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<bool> {
    let email = text::email("email", email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = text::required("name", name, 200).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = parse_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let url = DatabaseUrl::parse(&settings.database.url).map_err(anyhow::Error::msg)?;
    let pool = open_database(settings, &url)?;
    let mut conn = pool.get().context("cannot reach the database")?;
    let at = now();
    let hash = password::hash(&password);
    if let Some(existing) = db::users::find_by_email(&mut conn, &email)? {
        db::users::update(
            &mut conn,
            existing.id,
            &db::users::UserChanges {
                role: Some(Role::Admin),
                member_id: Some(None),
                password_hash: Some(hash),
                disabled: Some(false),
                updated_at: Some(at),
                ..Default::default()
            },
        )?;
        return Ok(false);
    }
    db::users::insert(
        &mut conn,
        &db::users::NewUser {
            email,
            name,
            role: Role::Admin,
            member_id: None,
            password_hash: hash,
            disabled: false,
            created_at: at,
            updated_at: at,
        },
    )?;
    Ok(true)
}

fn seed_demo(settings: &Settings) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&settings.database.url).map_err(anyhow::Error::msg)?;
    let pool = open_database(settings, &url)?;
    let mut conn = pool.get().context("cannot reach the database")?;
    let summary = crate::demo::seed(
        &mut conn,
        &crate::desk::Policy::of(settings),
        settings.service.workday_minutes,
    )?;
    println!(
        "demo data: {} members, {} users, {} categories, {} tickets, {} work logs",
        summary.members, summary.users, summary.categories, summary.tickets, summary.work_logs
    );
    println!("demo accounts (e-mail / password):");
    for (email, password, role, _) in crate::demo::DEMO_USERS {
        println!("  {role:<10} {email} / {password}");
    }
    Ok(())
}

/// Writes every file of the report of `period` into `out` and returns their paths.
pub fn write_report(
    settings: &Settings,
    period: Period,
    lang: Lang,
    options: crate::stats::report::ReportOptions,
    out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let url = DatabaseUrl::parse(&settings.database.url).map_err(anyhow::Error::msg)?;
    let pool = open_database(settings, &url)?;
    let mut conn = pool.get().context("cannot reach the database")?;
    let report = crate::desk::stats::report(
        &mut conn,
        period,
        options,
        settings.service.workday_minutes,
        &settings.service_levels_targets(),
    )?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    crate::stats::export::files(&report, lang)?
        .into_iter()
        .map(|file| {
            let path = out.join(&file.name);
            write_whole(&path, &file.bytes)?;
            Ok(path)
        })
        .collect()
}

/// Writes a file beside its final place, synced, then renames it there: a run stopped midway
/// leaves the earlier file whole, or none, never a truncated one.
fn write_whole(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let written = std::fs::File::create(&partial).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(error) = written.and_then(|()| std::fs::rename(&partial, path)) {
        let _ = std::fs::remove_file(&partial);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}
