//! Reading a GLPI database (MariaDB or MySQL): the directory whole, the tickets a page at a time
//! with their actors and timeline.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, Row, Value};

use super::mapping::{self, Category, Entity};

/// The tables an import reads; a database without one of them is not a GLPI this reads.
const TABLES: [&str; 13] = [
    "glpi_entities",
    "glpi_users",
    "glpi_useremails",
    "glpi_profiles",
    "glpi_profiles_users",
    "glpi_itilcategories",
    "glpi_requesttypes",
    "glpi_tickets",
    "glpi_tickets_users",
    "glpi_itilfollowups",
    "glpi_tickettasks",
    "glpi_taskcategories",
    "glpi_itilsolutions",
];

/// Why a GLPI database cannot be read.
#[derive(Debug)]
pub struct SourceError(pub String);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SourceError {}

impl From<mysql::Error> for SourceError {
    fn from(error: mysql::Error) -> Self {
        SourceError(format!("GLPI database: {error}"))
    }
}

pub type Read<T> = Result<T, SourceError>;

/// A GLPI user with what decides their account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub realname: String,
    pub firstname: String,
    pub active: bool,
    pub deleted: bool,
    pub entity: i64,
    /// Their e-mails, the default one first.
    pub emails: Vec<String>,
    /// The names of their profiles (Hotliner, Technician, …).
    pub profiles: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub user: i64,
    /// 1 requester, 2 assigned, 3 observer.
    pub kind: i64,
    pub alternative_email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Followup {
    pub id: i64,
    pub at: Option<NaiveDateTime>,
    pub user: i64,
    pub content: String,
    pub private: bool,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: i64,
    pub at: Option<NaiveDateTime>,
    pub begin: Option<NaiveDateTime>,
    pub user: i64,
    pub technician: i64,
    pub content: String,
    pub private: bool,
    /// Seconds.
    pub action_time: i64,
    pub category: i64,
}

#[derive(Debug, Clone)]
pub struct Solution {
    pub id: i64,
    pub at: Option<NaiveDateTime>,
    pub user: i64,
    pub content: String,
}

#[derive(Debug, Clone)]
pub struct Satisfaction {
    pub answered_at: Option<NaiveDateTime>,
    pub rating: Option<i64>,
    pub comment: String,
}

/// A ticket as GLPI holds it, wall-clock times as written.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: i64,
    pub entity: i64,
    pub name: String,
    pub content: String,
    pub date: Option<NaiveDateTime>,
    pub take_into_account: Option<NaiveDateTime>,
    pub solved: Option<NaiveDateTime>,
    pub closed: Option<NaiveDateTime>,
    pub modified: Option<NaiveDateTime>,
    pub begin_waiting: Option<NaiveDateTime>,
    pub status: i64,
    pub kind: i64,
    pub priority: i64,
    pub category: i64,
    pub request_type: i64,
    pub deleted: bool,
    pub actors: Vec<Actor>,
    pub followups: Vec<Followup>,
    pub tasks: Vec<Task>,
    pub solutions: Vec<Solution>,
    pub satisfaction: Option<Satisfaction>,
}

/// An open connection to a GLPI database, its session in UTC so that GLPI's wall-clock
/// timestamps come back as written.
pub struct Source {
    conn: Conn,
    /// GLPI's version as it records it, when it does.
    pub version: Option<String>,
    /// Whether it keeps satisfaction surveys (a table an import reads when it is there).
    has_satisfactions: bool,
}

impl Source {
    /// Connects and checks that the database is a GLPI 9.5 or 10 this can read.
    pub fn open(url: &str) -> Read<Source> {
        if !url.starts_with("mysql://") {
            return Err(SourceError(format!(
                "--from must be a mysql://USER:PASS@HOST:PORT/DB address, not {url:?}"
            )));
        }
        let opts = Opts::from_url(url).map_err(|e| SourceError(format!("--from: {e}")))?;
        if opts.get_db_name().is_none_or(str::is_empty) {
            return Err(SourceError("--from names no database".into()));
        }
        let mut conn = Conn::new(opts).map_err(|e| SourceError(format!("cannot connect: {e}")))?;
        conn.query_drop("SET time_zone = '+00:00', NAMES utf8mb4")?;
        let present: HashSet<String> = conn
            .query::<String, _>(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
            )?
            .into_iter()
            .collect();
        let missing: Vec<&str> = TABLES
            .iter()
            .copied()
            .filter(|t| !present.contains(*t))
            .collect();
        if !missing.is_empty() {
            return Err(SourceError(format!(
                "not a GLPI database: no table {}",
                missing.join(", ")
            )));
        }
        let version = if present.contains("glpi_configs") {
            conn.query_first::<String, _>(
                "SELECT value FROM glpi_configs WHERE context = 'core' AND name = 'version'",
            )?
        } else {
            None
        };
        if let Some(version) = &version {
            let supported = version.starts_with("9.5") || version.starts_with("10.");
            if !supported {
                return Err(SourceError(format!(
                    "GLPI {version} is not supported: 9.5 and 10 are"
                )));
            }
        }
        Ok(Source {
            conn,
            version,
            has_satisfactions: present.contains("glpi_ticketsatisfactions"),
        })
    }

    pub fn entities(&mut self) -> Read<Vec<Entity>> {
        let rows: Vec<Row> = self
            .conn
            .query("SELECT id, entities_id, name, tag FROM glpi_entities ORDER BY id")?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = int(&row, 0);
                // The root has no parent: NULL in GLPI 10, -1 in 9.x; GLPI 10's root is also
                // its own id 0 in some upgraded databases.
                let parent = opt_int(&row, 1).filter(|p| *p >= 0 && *p != id);
                Entity {
                    id,
                    parent,
                    name: mapping::name_text(&text(&row, 2)),
                    tag: opt_text(&row, 3)
                        .map(|t| mapping::name_text(&t))
                        .filter(|t| !t.is_empty()),
                }
            })
            .collect())
    }

    pub fn categories(&mut self) -> Read<Vec<Category>> {
        let rows: Vec<Row> = self
            .conn
            .query("SELECT id, itilcategories_id, name FROM glpi_itilcategories ORDER BY id")?;
        Ok(rows
            .into_iter()
            .map(|row| Category {
                id: int(&row, 0),
                parent: int(&row, 1),
                name: mapping::name_text(&text(&row, 2)),
            })
            .collect())
    }

    /// Request types by id: their names.
    pub fn request_types(&mut self) -> Read<HashMap<i64, String>> {
        let rows: Vec<Row> = self.conn.query("SELECT id, name FROM glpi_requesttypes")?;
        Ok(rows
            .into_iter()
            .map(|row| (int(&row, 0), mapping::name_text(&text(&row, 1))))
            .collect())
    }

    /// Task categories by id: their path of names.
    pub fn task_categories(&mut self) -> Read<HashMap<i64, String>> {
        let rows: Vec<Row> = self.conn.query(
            "SELECT id, COALESCE(NULLIF(completename, ''), name) FROM glpi_taskcategories",
        )?;
        Ok(rows
            .into_iter()
            .map(|row| (int(&row, 0), mapping::name_text(&text(&row, 1))))
            .collect())
    }

    /// Every user, with e-mails and profile names.
    pub fn users(&mut self) -> Read<Vec<User>> {
        let mut emails: HashMap<i64, Vec<(bool, i64, String)>> = HashMap::new();
        let rows: Vec<Row> = self
            .conn
            .query("SELECT users_id, is_default, id, email FROM glpi_useremails")?;
        for row in rows {
            let email = text(&row, 3).trim().to_string();
            if !email.is_empty() {
                emails.entry(int(&row, 0)).or_default().push((
                    int(&row, 1) != 0,
                    int(&row, 2),
                    email,
                ));
            }
        }
        let mut profiles: HashMap<i64, Vec<String>> = HashMap::new();
        let rows: Vec<Row> = self.conn.query(
            "SELECT pu.users_id, p.name FROM glpi_profiles_users pu \
             JOIN glpi_profiles p ON p.id = pu.profiles_id",
        )?;
        for row in rows {
            profiles
                .entry(int(&row, 0))
                .or_default()
                .push(mapping::name_text(&text(&row, 1)));
        }
        let rows: Vec<Row> = self.conn.query(
            "SELECT id, name, realname, firstname, is_active, is_deleted, entities_id \
             FROM glpi_users ORDER BY id",
        )?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = int(&row, 0);
                let mut addresses = emails.remove(&id).unwrap_or_default();
                // The default first, then in the order they were added.
                addresses.sort_by_key(|(default, email_id, _)| (!*default, *email_id));
                User {
                    id,
                    login: mapping::name_text(&text(&row, 1)),
                    realname: mapping::name_text(&text(&row, 2)),
                    firstname: mapping::name_text(&text(&row, 3)),
                    active: int(&row, 4) != 0,
                    deleted: int(&row, 5) != 0,
                    entity: opt_int(&row, 6).unwrap_or(0),
                    emails: addresses.into_iter().map(|(_, _, e)| e).collect(),
                    profiles: profiles.remove(&id).unwrap_or_default(),
                }
            })
            .collect())
    }

    /// Users assigned to at least one ticket.
    pub fn assigned_users(&mut self) -> Read<HashSet<i64>> {
        let ids: Vec<i64> = self.conn.query(
            "SELECT DISTINCT users_id FROM glpi_tickets_users WHERE type = 2 AND users_id > 0",
        )?;
        Ok(ids.into_iter().collect())
    }

    /// How many tickets there are, trash included.
    pub fn ticket_count(&mut self) -> Read<u64> {
        Ok(self
            .conn
            .query_first::<u64, _>("SELECT COUNT(*) FROM glpi_tickets")?
            .unwrap_or(0))
    }

    /// The tickets after `after` in id order, at most `limit`, each with its actors and
    /// timeline.
    pub fn tickets_after(&mut self, after: i64, limit: usize) -> Read<Vec<Ticket>> {
        let rows: Vec<Row> = self.conn.exec(
            "SELECT id, entities_id, name, content, COALESCE(date, date_creation), \
             takeintoaccountdate, solvedate, \
             closedate, date_mod, begin_waiting_date, status, type, priority, itilcategories_id, \
             requesttypes_id, is_deleted FROM glpi_tickets WHERE id > ? ORDER BY id LIMIT ?",
            (after, limit as u64),
        )?;
        let mut tickets: BTreeMap<i64, Ticket> = rows
            .into_iter()
            .map(|row| {
                let ticket = Ticket {
                    id: int(&row, 0),
                    entity: int(&row, 1),
                    name: text(&row, 2),
                    content: text(&row, 3),
                    date: date(&row, 4),
                    take_into_account: date(&row, 5),
                    solved: date(&row, 6),
                    closed: date(&row, 7),
                    modified: date(&row, 8),
                    begin_waiting: date(&row, 9),
                    status: int(&row, 10),
                    kind: int(&row, 11),
                    priority: int(&row, 12),
                    category: int(&row, 13),
                    request_type: int(&row, 14),
                    deleted: int(&row, 15) != 0,
                    actors: Vec::new(),
                    followups: Vec::new(),
                    tasks: Vec::new(),
                    solutions: Vec::new(),
                    satisfaction: None,
                };
                (ticket.id, ticket)
            })
            .collect();
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = tickets.keys().map(i64::to_string).collect();
        let ids = ids.join(",");

        let rows: Vec<Row> = self.conn.query(format!(
            "SELECT tickets_id, users_id, type, alternative_email FROM glpi_tickets_users \
             WHERE tickets_id IN ({ids}) ORDER BY id"
        ))?;
        for row in rows {
            if let Some(ticket) = tickets.get_mut(&int(&row, 0)) {
                ticket.actors.push(Actor {
                    user: int(&row, 1),
                    kind: int(&row, 2),
                    alternative_email: opt_text(&row, 3)
                        .map(|e| e.trim().to_string())
                        .filter(|e| !e.is_empty()),
                });
            }
        }
        let rows: Vec<Row> = self.conn.query(format!(
            "SELECT items_id, id, date, users_id, content, is_private FROM glpi_itilfollowups \
             WHERE itemtype = 'Ticket' AND items_id IN ({ids}) ORDER BY id"
        ))?;
        for row in rows {
            if let Some(ticket) = tickets.get_mut(&int(&row, 0)) {
                ticket.followups.push(Followup {
                    id: int(&row, 1),
                    at: date(&row, 2),
                    user: int(&row, 3),
                    content: text(&row, 4),
                    private: int(&row, 5) != 0,
                });
            }
        }
        let rows: Vec<Row> = self.conn.query(format!(
            "SELECT tickets_id, id, date, begin, users_id, users_id_tech, content, is_private, \
             actiontime, taskcategories_id FROM glpi_tickettasks \
             WHERE tickets_id IN ({ids}) ORDER BY id"
        ))?;
        for row in rows {
            if let Some(ticket) = tickets.get_mut(&int(&row, 0)) {
                ticket.tasks.push(Task {
                    id: int(&row, 1),
                    at: date(&row, 2),
                    begin: date(&row, 3),
                    user: int(&row, 4),
                    technician: int(&row, 5),
                    content: text(&row, 6),
                    private: int(&row, 7) != 0,
                    action_time: int(&row, 8),
                    category: int(&row, 9),
                });
            }
        }
        let rows: Vec<Row> = self.conn.query(format!(
            "SELECT items_id, id, COALESCE(date_creation, date_mod), users_id, content \
             FROM glpi_itilsolutions WHERE itemtype = 'Ticket' AND items_id IN ({ids}) \
             AND status <> 4 ORDER BY id"
        ))?;
        for row in rows {
            if let Some(ticket) = tickets.get_mut(&int(&row, 0)) {
                ticket.solutions.push(Solution {
                    id: int(&row, 1),
                    at: date(&row, 2),
                    user: int(&row, 3),
                    content: text(&row, 4),
                });
            }
        }
        if self.has_satisfactions {
            let rows: Vec<Row> = self.conn.query(format!(
                "SELECT tickets_id, date_answered, satisfaction, comment \
                 FROM glpi_ticketsatisfactions WHERE tickets_id IN ({ids}) \
                 AND date_answered IS NOT NULL ORDER BY id"
            ))?;
            for row in rows {
                if let Some(ticket) = tickets.get_mut(&int(&row, 0)) {
                    ticket.satisfaction = Some(Satisfaction {
                        answered_at: date(&row, 1),
                        rating: opt_int(&row, 2),
                        comment: opt_text(&row, 3).unwrap_or_default(),
                    });
                }
            }
        }
        Ok(tickets.into_values().collect())
    }
}

fn value(row: &Row, index: usize) -> &Value {
    row.as_ref(index).unwrap_or(&Value::NULL)
}

fn opt_int(row: &Row, index: usize) -> Option<i64> {
    match value(row, index) {
        Value::Int(n) => Some(*n),
        Value::UInt(n) => i64::try_from(*n).ok(),
        Value::Bytes(bytes) => std::str::from_utf8(bytes).ok()?.trim().parse().ok(),
        Value::Float(f) => Some(*f as i64),
        Value::Double(f) => Some(*f as i64),
        _ => None,
    }
}

fn int(row: &Row, index: usize) -> i64 {
    opt_int(row, index).unwrap_or(0)
}

fn opt_text(row: &Row, index: usize) -> Option<String> {
    match value(row, index) {
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::NULL => None,
        other => Some(other.as_sql(true)),
    }
}

fn text(row: &Row, index: usize) -> String {
    opt_text(row, index).unwrap_or_default()
}

/// A TIMESTAMP as GLPI wrote it; NULL and zero dates are none.
fn date(row: &Row, index: usize) -> Option<NaiveDateTime> {
    match value(row, index) {
        Value::Date(year, month, day, hour, minute, second, _) => {
            NaiveDate::from_ymd_opt(i32::from(*year), u32::from(*month), u32::from(*day))?
                .and_hms_opt(u32::from(*hour), u32::from(*minute), u32::from(*second))
        }
        Value::Bytes(bytes) => {
            mapping::wall_clock(std::str::from_utf8(bytes).ok()?).unwrap_or_default()
        }
        _ => None,
    }
}
