//! A GLPI ticket as the service would hold it: the mapping of one ticket and its timeline, with
//! the reason when it cannot be brought over. No database here.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::ticket::{Channel, Priority, Status, TicketType, TITLE_MAX_CHARS};
use crate::domain::time::local_date;
use crate::domain::work_log::WorkKind;

use super::mapping::{self, EntityTree, Owner};
use super::source;

/// What `--mapping FILE` (TOML) may say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// The entity whose children become members: its id, name or path ("Entité racine >
    /// SIIM94"); by default the first entity below the root that has children.
    pub members_parent: Option<String>,
    /// The code of the member the cooperative's own entities' tickets count for; by default the
    /// members' parent entity's tag or name, as an internal member.
    pub internal_member: Option<String>,
    /// GLPI request type (its name) → channel: phone, email, web or api.
    #[serde(default)]
    pub request_types: HashMap<String, String>,
    /// GLPI task category (its name or path) → the kind of work its tasks' time is: posted,
    /// on_site, project or hotline_duty.
    #[serde(default)]
    pub task_categories: HashMap<String, String>,
}

/// The mapping file read and checked.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub members_parent: Option<String>,
    pub internal_member: Option<String>,
    pub channels: HashMap<String, Channel>,
    pub work_kinds: HashMap<String, WorkKind>,
}

impl Rules {
    pub fn of(file: MappingFile) -> Result<Rules, String> {
        let mut channels = HashMap::new();
        for (name, channel) in file.request_types {
            let channel = Channel::parse(&channel)
                .map_err(|e| format!("request_types.{name:?}: {}", e.message))?;
            channels.insert(name.trim().to_lowercase(), channel);
        }
        let mut work_kinds = HashMap::new();
        for (name, kind) in file.task_categories {
            let kind = WorkKind::parse(&kind)
                .map_err(|e| format!("task_categories.{name:?}: {}", e.message))?;
            work_kinds.insert(name.trim().to_lowercase(), kind);
        }
        if let Some(code) = &file.internal_member {
            crate::domain::member::parse_code(code)
                .map_err(|e| format!("internal_member: {}", e.message))?;
        }
        Ok(Rules {
            members_parent: file.members_parent,
            internal_member: file.internal_member.map(|c| c.trim().to_uppercase()),
            channels,
            work_kinds,
        })
    }
}

/// Who asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Requester {
    /// A GLPI user, by id.
    User(i64),
    /// Known only by an address.
    Email(String),
    Nobody,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedComment {
    /// `glpi:followup:12`, `glpi:solution:3`, `glpi:task:7`.
    pub external_ref: String,
    /// A GLPI user, by id.
    pub author: Option<i64>,
    pub body: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedWork {
    /// `glpi:task:7`.
    pub external_ref: String,
    /// A GLPI user, by id.
    pub technician: i64,
    pub date: NaiveDate,
    pub kind: WorkKind,
    pub minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedSatisfaction {
    pub rating: Option<i32>,
    pub comment: String,
    pub answered_at: Option<NaiveDateTime>,
}

/// A ticket ready to write: instants in UTC, people and categories by their GLPI ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedTicket {
    /// `glpi:1234`.
    pub external_ref: String,
    pub owner: Owner,
    pub requester: Requester,
    pub title: String,
    pub description: String,
    pub ticket_type: TicketType,
    /// A GLPI category, by id.
    pub category: Option<i64>,
    pub priority: Priority,
    pub status: Status,
    pub channel: Channel,
    /// A GLPI user, by id.
    pub assignee: Option<i64>,
    pub created_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub waiting_since: Option<NaiveDateTime>,
    pub comments: Vec<PlannedComment>,
    pub work: Vec<PlannedWork>,
    pub satisfaction: Option<PlannedSatisfaction>,
}

impl PlannedTicket {
    /// The year its statistics count it in.
    pub fn year(&self, zone: Tz) -> i32 {
        local_date(self.created_at, zone).year()
    }
}

/// Why a GLPI ticket is not brought over.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    Trash,
    UnknownEntity(i64),
    NoDate,
    UnknownStatus(i64),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Trash => f.write_str("in the trash"),
            Skip::UnknownEntity(id) => write!(f, "unknown entity {id}"),
            Skip::NoDate => f.write_str("no opening date"),
            Skip::UnknownStatus(n) => write!(f, "unknown status {n}"),
        }
    }
}

/// What GLPI holds that the mapping could only approximate, counted for the run's summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notes {
    /// `what` → how many times.
    pub counts: BTreeMap<String, u64>,
}

impl Notes {
    pub fn note(&mut self, what: impl Into<String>) {
        *self.counts.entry(what.into()).or_default() += 1;
    }
}

/// Everything a ticket's mapping needs to know of GLPI's directory.
pub struct Lookup<'a> {
    pub zone: Tz,
    pub tree: &'a EntityTree,
    pub rules: &'a Rules,
    pub request_types: &'a HashMap<i64, String>,
    pub task_categories: &'a HashMap<i64, String>,
    /// Users who become staff, by GLPI id.
    pub staff: &'a dyn Fn(i64) -> bool,
}

/// One GLPI ticket as the service would hold it, or why it is not brought over.
pub fn ticket(
    glpi: &source::Ticket,
    lookup: &Lookup<'_>,
    notes: &mut Notes,
) -> Result<PlannedTicket, Skip> {
    if glpi.deleted {
        return Err(Skip::Trash);
    }
    let owner = lookup
        .tree
        .owner(glpi.entity)
        .ok_or(Skip::UnknownEntity(glpi.entity))?;
    let zone = lookup.zone;
    let at = |wall: Option<NaiveDateTime>| wall.map(|w| mapping::instant(w, zone));
    let created_at = at(glpi.date).ok_or(Skip::NoDate)?;
    let status = mapping::status(glpi.status).ok_or(Skip::UnknownStatus(glpi.status))?;
    let ticket_type = mapping::ticket_type(glpi.kind).unwrap_or_else(|| {
        notes.note(format!("type {} read as incident", glpi.kind));
        TicketType::Incident
    });
    let priority = mapping::priority(glpi.priority).unwrap_or_else(|| {
        notes.note(format!("priority {} read as 3", glpi.priority));
        Priority::NORMAL
    });
    let channel = match lookup.request_types.get(&glpi.request_type) {
        Some(name) => {
            let channel = mapping::channel(name, &lookup.rules.channels);
            if channel == Channel::Api && !lookup.rules.channels.contains_key(&name.to_lowercase())
            {
                notes.note(format!("request type {name:?} read as api"));
            }
            channel
        }
        None => Channel::Api,
    };

    let mut title = mapping::name_text(&glpi.name);
    let description = mapping::content_text(&glpi.content);
    if title.is_empty() {
        title = description
            .lines()
            .next()
            .map(str::to_string)
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| format!("Ticket GLPI {}", glpi.id));
    }
    if title.chars().count() > TITLE_MAX_CHARS {
        title = title.chars().take(TITLE_MAX_CHARS - 1).collect::<String>() + "…";
        notes.note("title longer than 200 characters shortened");
    }

    let requester = glpi
        .actors
        .iter()
        .filter(|a| a.kind == 1)
        .find_map(|a| {
            if a.user > 0 {
                Some(Requester::User(a.user))
            } else {
                a.alternative_email.clone().map(Requester::Email)
            }
        })
        .unwrap_or(Requester::Nobody);
    let assignee = glpi
        .actors
        .iter()
        .filter(|a| a.kind == 2 && a.user > 0)
        .map(|a| a.user)
        .find(|user| (lookup.staff)(*user));

    let done = matches!(status, Status::Resolved | Status::Closed);
    let resolved_at = done.then(|| {
        at(glpi.solved)
            .or(at(glpi.closed))
            .or(at(glpi.modified))
            .unwrap_or(created_at)
    });
    let closed_at =
        (status == Status::Closed).then(|| at(glpi.closed).or(resolved_at).unwrap_or(created_at));
    let acknowledged_at = at(glpi.take_into_account).filter(|a| *a >= created_at);
    let waiting_since = (status == Status::Waiting).then(|| {
        at(glpi.begin_waiting)
            .or(at(glpi.modified))
            .unwrap_or(created_at)
    });

    let mut comments = Vec::new();
    let mut work = Vec::new();
    for followup in &glpi.followups {
        let body = mapping::content_text(&followup.content);
        if body.is_empty() {
            notes.note("empty followup left out");
            continue;
        }
        comments.push(PlannedComment {
            external_ref: format!("glpi:followup:{}", followup.id),
            author: (followup.user > 0).then_some(followup.user),
            body,
            internal: followup.private,
            created_at: at(followup.at).unwrap_or(created_at),
        });
    }
    for solution in &glpi.solutions {
        let body = mapping::content_text(&solution.content);
        if body.is_empty() {
            notes.note("empty solution left out");
            continue;
        }
        comments.push(PlannedComment {
            external_ref: format!("glpi:solution:{}", solution.id),
            author: (solution.user > 0).then_some(solution.user),
            body,
            internal: false,
            created_at: at(solution.at).or(resolved_at).unwrap_or(created_at),
        });
    }
    for task in &glpi.tasks {
        let minutes = ((task.action_time + 30) / 60) as i32;
        let content = mapping::content_text(&task.content);
        let body = match (content.is_empty(), minutes > 0) {
            (_, true) => {
                let time = duration_text(minutes);
                if content.is_empty() {
                    format!("Temps passé : {time}")
                } else {
                    format!("{content}\n\nTemps passé : {time}")
                }
            }
            (false, false) => content,
            (true, false) => {
                notes.note("empty task without time left out");
                continue;
            }
        };
        let task_at = at(task.at).unwrap_or(created_at);
        comments.push(PlannedComment {
            external_ref: format!("glpi:task:{}", task.id),
            author: (task.user > 0).then_some(task.user),
            body,
            internal: true,
            created_at: task_at,
        });
        let kind = lookup
            .task_categories
            .get(&task.category)
            .and_then(|name| work_kind(name, &lookup.rules.work_kinds));
        if let Some(kind) = kind {
            let technician = if task.technician > 0 {
                task.technician
            } else {
                task.user
            };
            if minutes <= 0 {
                notes.note("task of a work category without time: no work log");
            } else if technician <= 0 || !(lookup.staff)(technician) {
                notes.note("task of a work category without a technician: no work log");
            } else {
                work.push(PlannedWork {
                    external_ref: format!("glpi:task:{}", task.id),
                    technician,
                    date: local_date(at(task.begin).unwrap_or(task_at), zone),
                    kind,
                    minutes,
                });
            }
        }
    }
    comments.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.external_ref.cmp(&b.external_ref))
    });
    let satisfaction = glpi.satisfaction.as_ref().map(|s| PlannedSatisfaction {
        rating: s.rating.and_then(|r| i32::try_from(r).ok()),
        comment: mapping::content_text(&s.comment),
        answered_at: at(s.answered_at),
    });

    Ok(PlannedTicket {
        external_ref: format!("glpi:{}", glpi.id),
        owner,
        requester,
        title,
        description,
        ticket_type,
        category: (glpi.category > 0).then_some(glpi.category),
        priority,
        status,
        channel,
        assignee,
        created_at,
        acknowledged_at,
        resolved_at,
        closed_at,
        waiting_since,
        comments,
        work,
        satisfaction,
    })
}

/// A task category's kind of work: by its path, or else by its own name.
fn work_kind(path: &str, kinds: &HashMap<String, WorkKind>) -> Option<WorkKind> {
    let path = path.trim().to_lowercase();
    kinds.get(&path).copied().or_else(|| {
        path.rsplit(" > ")
            .next()
            .and_then(|name| kinds.get(name.trim()).copied())
    })
}

/// `1 h 30`, `45 min`, `2 h`.
fn duration_text(minutes: i32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}
