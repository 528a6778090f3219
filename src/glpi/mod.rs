//! Bringing a GLPI history over: `helpdesk import-glpi`. The directory (entities, categories,
//! people) first, in one transaction; then the tickets a page at a time, each page with the
//! tickets' timelines in one transaction, so that a run stopped midway leaves whole pages and
//! the next run completes it. Running it again changes nothing; a ticket changed in GLPI is
//! brought up to date.

pub mod directory;
pub mod mapping;
pub mod plan;
pub mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::db::work_logs::WorkLogFields;
use crate::db::DbConn;
use crate::desk::history::{self, HistoryComment, HistoryTicket, HistoryWork, Outcome};
use crate::desk::tickets::import::{External, ImportedTicket};
use crate::desk::tickets::TicketDraft;
use crate::desk::Policy;
use crate::domain::ticket::Origin;
use crate::domain::user::{Actor, Role};
use crate::error::AppError;

use directory::{Ids, MemberCodes, Person};
use mapping::EntityTree;
use plan::{Lookup, Notes, PlannedTicket, Requester, Rules, Skip};
use source::Source;

/// Tickets read and written together.
const PAGE: usize = 500;

/// What `import-glpi` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// `mysql://USER:PASS@HOST:PORT/DB`.
    pub from: String,
    pub mapping: Option<PathBuf>,
    pub dry_run: bool,
    /// GLPI's wall-clock zone; by default the service's.
    pub timezone: Option<Tz>,
    /// A line a second on standard error.
    pub progress: bool,
}

/// Why a run could not be made.
#[derive(Debug)]
pub enum Failure {
    /// The GLPI database or the mapping cannot be read: nothing was written.
    Unreadable(String),
    /// Writing failed; what was committed before stays (whole pages).
    Failed(anyhow::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreadable(why) => f.write_str(why),
            Failure::Failed(error) => write!(f, "{error:#}"),
        }
    }
}

impl From<source::SourceError> for Failure {
    fn from(error: source::SourceError) -> Self {
        Failure::Unreadable(error.0)
    }
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::Failed(anyhow::Error::new(error))
    }
}

/// Per member and year: tickets, comments, work minutes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub tickets: u64,
    pub comments: u64,
    pub work_minutes: i64,
}

/// What a run did, or would do.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub dry_run: bool,
    pub version: Option<String>,
    /// (member code, year) → figures.
    pub rows: BTreeMap<(String, i32), Figures>,
    /// Why tickets were left out → how many.
    pub skipped: BTreeMap<String, u64>,
    /// Why → the first few of those tickets (the trash's are not named).
    pub skipped_examples: BTreeMap<String, Vec<String>>,
    pub notes: Notes,
    /// Tickets that could not be written, and why.
    pub failed: Vec<(String, String)>,
    pub outcomes: BTreeMap<&'static str, u64>,
    pub members: usize,
    pub categories: usize,
    pub staff: usize,
    pub agents: usize,
    pub without_email: usize,
    pub created: directory::Created,
}

impl Summary {
    /// The run's table: per member and year, then what was skipped and approximated.
    pub fn print(&self, out: &mut dyn Write, workday_minutes: u32) -> std::io::Result<()> {
        let version = self.version.as_deref().unwrap_or("9.5/10");
        if self.dry_run {
            writeln!(out, "GLPI {version}: dry run, nothing written")?;
        } else {
            writeln!(out, "GLPI {version}: imported")?;
        }
        let people = format!(
            "{} staff, {} agents, {} without e-mail",
            self.staff, self.agents, self.without_email
        );
        if self.dry_run {
            writeln!(
                out,
                "members: {}; categories: {}; people: {people}",
                self.members, self.categories
            )?;
        } else {
            writeln!(
                out,
                "members: {} ({} new); categories: {} ({} new); people: {people} ({} new accounts)",
                self.members,
                self.created.members,
                self.categories,
                self.created.categories,
                self.created.accounts,
            )?;
        }
        writeln!(out)?;
        let width = self
            .rows
            .keys()
            .map(|(code, _)| code.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        writeln!(
            out,
            "{:<width$}  {:>4}  {:>8}  {:>8}  {:>9}",
            "member", "year", "tickets", "comments", "work days"
        )?;
        let mut total = Figures::default();
        for ((code, year), figures) in &self.rows {
            writeln!(
                out,
                "{code:<width$}  {year:>4}  {:>8}  {:>8}  {:>9.2}",
                figures.tickets,
                figures.comments,
                figures.work_minutes as f64 / f64::from(workday_minutes)
            )?;
            total.tickets += figures.tickets;
            total.comments += figures.comments;
            total.work_minutes += figures.work_minutes;
        }
        writeln!(
            out,
            "{:<width$}  {:>4}  {:>8}  {:>8}  {:>9.2}",
            "total",
            "",
            total.tickets,
            total.comments,
            total.work_minutes as f64 / f64::from(workday_minutes)
        )?;
        if !self.outcomes.is_empty() {
            let parts: Vec<String> = self
                .outcomes
                .iter()
                .map(|(what, n)| format!("{n} {what}"))
                .collect();
            writeln!(out, "\ntickets: {}", parts.join(", "))?;
        }
        if !self.skipped.is_empty() {
            writeln!(out, "\nskipped:")?;
            for (why, n) in &self.skipped {
                match self.skipped_examples.get(why).filter(|e| !e.is_empty()) {
                    Some(examples) => {
                        let more = if (*n as usize) > examples.len() {
                            ", …"
                        } else {
                            ""
                        };
                        writeln!(out, "  {n} {why} ({}{more})", examples.join(", "))?;
                    }
                    None => writeln!(out, "  {n} {why}")?,
                }
            }
        }
        if !self.notes.counts.is_empty() {
            writeln!(out, "\nnot mapped exactly:")?;
            for (what, n) in &self.notes.counts {
                writeln!(out, "  {n} × {what}")?;
            }
        }
        if !self.failed.is_empty() {
            writeln!(out, "\nnot imported:")?;
            for (reference, why) in &self.failed {
                writeln!(out, "  {reference}: {why}")?;
            }
        }
        Ok(())
    }
}

/// Reads the mapping file, when there is one.
fn read_rules(path: Option<&PathBuf>) -> Result<Rules, Failure> {
    let Some(path) = path else {
        return Ok(Rules::default());
    };
    let file: plan::MappingFile = config::Config::builder()
        .add_source(config::File::from(path.as_path()).format(config::FileFormat::Toml))
        .build()
        .and_then(|c| c.try_deserialize())
        .map_err(|e| Failure::Unreadable(format!("--mapping {}: {e}", path.display())))?;
    Rules::of(file).map_err(|e| Failure::Unreadable(format!("--mapping {}: {e}", path.display())))
}

/// Everything read of GLPI's directory.
struct Directory {
    tree: EntityTree,
    codes: MemberCodes,
    categories: Vec<mapping::Category>,
    request_types: HashMap<i64, String>,
    task_categories: HashMap<i64, String>,
    persons: Vec<Person>,
    staff: HashSet<i64>,
}

fn read_directory(source: &mut Source, rules: &Rules) -> Result<Directory, Failure> {
    let tree = EntityTree::new(source.entities()?, rules.members_parent.as_deref())
        .map_err(Failure::Unreadable)?;
    let codes = directory::member_codes(&tree, rules.internal_member.as_deref());
    let users = source.users()?;
    let assigned = source.assigned_users()?;
    let persons = directory::people(&users, &assigned, &tree, &codes);
    let staff = persons
        .iter()
        .filter(|p| p.role.is_staff())
        .map(|p| p.glpi_id)
        .collect();
    Ok(Directory {
        tree,
        codes,
        categories: source.categories()?,
        request_types: source.request_types()?,
        task_categories: source.task_categories()?,
        persons,
        staff,
    })
}

/// Checks, before anything is written, that the mapping and the GLPI database can be read.
/// Opens GLPI and reads the mapping and the directory, before anything is written: every
/// reason GLPI cannot be read comes out here.
pub fn prepare(options: &Options) -> Result<Prepared, Failure> {
    let rules = read_rules(options.mapping.as_ref())?;
    let mut source = Source::open(&options.from)?;
    let directory = read_directory(&mut source, &rules)?;
    Ok(Prepared {
        rules,
        source,
        directory,
    })
}

/// A GLPI database opened and its directory read, its tickets not yet.
pub struct Prepared {
    rules: Rules,
    source: Source,
    directory: Directory,
}

/// Runs an import (or a dry run) and returns its summary.
pub fn run(
    settings: &Settings,
    conn: Option<&mut DbConn>,
    options: &Options,
) -> Result<Summary, Failure> {
    import(prepare(options)?, settings, conn, options)
}

/// Imports (or, for a dry run, reads) the tickets of a prepared GLPI.
pub fn import(
    prepared: Prepared,
    settings: &Settings,
    conn: Option<&mut DbConn>,
    options: &Options,
) -> Result<Summary, Failure> {
    let Prepared {
        rules,
        mut source,
        directory,
    } = prepared;
    let zone = options.timezone.unwrap_or(settings.service.timezone);
    let mut policy = Policy::of(settings);
    policy.zone = zone;

    let mut summary = Summary {
        dry_run: options.dry_run,
        version: source.version.clone(),
        members: directory.codes.names.len(),
        categories: directory.categories.len(),
        staff: directory.staff.len(),
        agents: directory.persons.len() - directory.staff.len(),
        without_email: directory
            .persons
            .iter()
            .filter(|p| p.email.is_none())
            .count(),
        ..Summary::default()
    };

    let mut target = match (options.dry_run, conn) {
        (true, _) => None,
        (false, None) => {
            return Err(Failure::Failed(anyhow::anyhow!(
                "no database to write into"
            )))
        }
        (false, Some(conn)) => {
            let actor = importing_actor(conn)?;
            let ids = directory::write(
                conn,
                &directory.codes,
                &directory.categories,
                &directory.persons,
            )?;
            summary.created = ids.created;
            Some((conn, ids, actor))
        }
    };

    let staff = |user: i64| directory.staff.contains(&user);
    let lookup = Lookup {
        zone,
        tree: &directory.tree,
        rules: &rules,
        request_types: &directory.request_types,
        task_categories: &directory.task_categories,
        staff: &staff,
    };
    let total = source.ticket_count()?;
    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut read = 0u64;
    let mut after = 0i64;
    loop {
        let page = source.tickets_after(after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        read += page.len() as u64;
        let mut planned = Vec::with_capacity(page.len());
        for glpi in &page {
            match plan::ticket(glpi, &lookup, &mut summary.notes) {
                Ok(ticket) => planned.push(ticket),
                Err(skip) => {
                    let key = skip.to_string();
                    *summary.skipped.entry(key.clone()).or_default() += 1;
                    let examples = summary.skipped_examples.entry(key).or_default();
                    if skip != Skip::Trash && examples.len() < 5 {
                        examples.push(format!("glpi:{}", glpi.id));
                    }
                }
            }
        }
        let written: Vec<&PlannedTicket> = match &mut target {
            None => planned.iter().collect(),
            Some((conn, ids, actor)) => write_page(
                conn,
                &planned,
                &directory,
                ids,
                actor,
                &policy,
                &mut summary,
            )?,
        };
        for ticket in written {
            let code = directory.codes.by_owner[&ticket.owner].clone();
            let figures = summary.rows.entry((code, ticket.year(zone))).or_default();
            figures.tickets += 1;
            figures.comments += ticket.comments.len() as u64;
            figures.work_minutes += ticket
                .work
                .iter()
                .map(|w| i64::from(w.minutes))
                .sum::<i64>();
        }
        if options.progress && last_report.elapsed() >= Duration::from_secs(1) {
            last_report = Instant::now();
            let rate = read as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprintln!("tickets: {read} / {total} read ({rate:.0} a second)");
        }
    }
    Ok(summary)
}

/// The account imported history is recorded as done by: the first active admin.
fn importing_actor(conn: &mut DbConn) -> Result<Actor, Failure> {
    let admin = crate::db::users::all_staff(conn)
        .map_err(|e| Failure::Failed(e.into()))?
        .into_iter()
        .filter(|u| u.role == Role::Admin && !u.disabled)
        .min_by_key(|u| u.id);
    let admin = admin.ok_or_else(|| {
        Failure::Failed(anyhow::anyhow!(
            "no admin account to record the import as: run `helpdesk create-admin` first"
        ))
    })?;
    Ok(Actor {
        id: admin.id,
        role: Role::Admin,
        member_id: None,
    })
}

/// Writes a page in one transaction; when that fails, ticket by ticket, to name those that
/// cannot be written. Returns the tickets written (or found unchanged).
fn write_page<'p>(
    conn: &mut DbConn,
    planned: &'p [PlannedTicket],
    directory: &Directory,
    ids: &Ids,
    actor: &Actor,
    policy: &Policy,
    summary: &mut Summary,
) -> Result<Vec<&'p PlannedTicket>, Failure> {
    let batch: Vec<HistoryTicket> = planned
        .iter()
        .map(|t| history_ticket(t, directory, ids))
        .collect();
    match history::bring(conn, &batch, actor, policy) {
        Ok(outcomes) => {
            count_outcomes(summary, &outcomes);
            Ok(planned.iter().collect())
        }
        Err(AppError::Validation(_)) | Err(AppError::Conflict { .. }) => {
            let mut written = Vec::new();
            for (ticket, row) in planned.iter().zip(batch) {
                match history::bring(conn, std::slice::from_ref(&row), actor, policy) {
                    Ok(outcomes) => {
                        count_outcomes(summary, &outcomes);
                        written.push(ticket);
                    }
                    Err(error @ (AppError::Validation(_) | AppError::Conflict { .. })) => {
                        summary
                            .failed
                            .push((ticket.external_ref.clone(), error.detail()));
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            Ok(written)
        }
        Err(other) => Err(other.into()),
    }
}

fn count_outcomes(summary: &mut Summary, outcomes: &[Outcome]) {
    for outcome in outcomes {
        let word = match outcome {
            Outcome::Added => "added",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
        };
        *summary.outcomes.entry(word).or_default() += 1;
    }
}

/// A planned ticket with the service's ids, and the digest of what it is in GLPI.
fn history_ticket(ticket: &PlannedTicket, directory: &Directory, ids: &Ids) -> HistoryTicket {
    let member_id = ids.members[&directory.codes.by_owner[&ticket.owner]];
    let account = |user: i64| ids.accounts.get(&user).copied();
    let (requester_id, requester_name, requester_email) = match &ticket.requester {
        Requester::User(user) => match account(*user) {
            Some(id) => {
                let (name, email) = ids.contacts.get(&id).cloned().unwrap_or_default();
                (Some(id), Some(name), email)
            }
            None => (None, None, None),
        },
        Requester::Email(email) => (None, Some(email.clone()), Some(email.clone())),
        Requester::Nobody => (None, None, None),
    };
    let category_id = ticket
        .category
        .and_then(|c| ids.categories.get(&c).copied());
    let comments = ticket
        .comments
        .iter()
        .map(|c| HistoryComment {
            reference: c.external_ref.clone(),
            author_id: c.author.and_then(account),
            body: c.body.clone(),
            internal: c.internal,
            created_at: c.created_at,
        })
        .collect();
    let work = ticket
        .work
        .iter()
        .filter_map(|w| {
            Some(HistoryWork {
                reference: w.external_ref.clone(),
                fields: WorkLogFields {
                    technician_id: account(w.technician)?,
                    member_id: w.kind.needs_member().then_some(member_id),
                    work_date: w.date,
                    kind: w.kind,
                    minutes: w.minutes,
                    ticket_id: None,
                    category_id,
                    note: Some(format!(
                        "GLPI {}",
                        w.external_ref.trim_start_matches("glpi:")
                    )),
                },
            })
        })
        .collect();
    let mut row = HistoryTicket {
        ticket: ImportedTicket {
            draft: TicketDraft {
                member_id,
                requester_id,
                requester_name,
                requester_email,
                requester_phone: None,
                title: ticket.title.clone(),
                description: ticket.description.clone(),
                ticket_type: ticket.ticket_type,
                category_id,
                priority: ticket.priority,
                origin: Origin::Hotline,
                channel: ticket.channel,
            },
            status: ticket.status,
            assignee_id: ticket.assignee.and_then(account),
            created_at: ticket.created_at,
            acknowledged_at: ticket.acknowledged_at,
            resolved_at: ticket.resolved_at,
            closed_at: ticket.closed_at,
            waiting_since: ticket.waiting_since,
            external: None,
        },
        comments,
        work,
        satisfaction: ticket
            .satisfaction
            .as_ref()
            .map(|s| (s.rating, s.comment.clone(), s.answered_at)),
    };
    let digest = Sha256::digest(format!("{row:?}").as_bytes());
    let digest: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    row.ticket.external = Some(External {
        reference: ticket.external_ref.clone(),
        digest,
    });
    row
}

/// The exit code of a failure: 2 when nothing could be read (and nothing was written).
pub fn exit_code(failure: &Failure) -> i32 {
    match failure {
        Failure::Unreadable(_) => 2,
        Failure::Failed(_) => 1,
    }
}
