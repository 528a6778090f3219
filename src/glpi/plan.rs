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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glpi::mapping::Entity;
    use crate::glpi::source::{Actor, Followup, Task, Ticket};

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn tree() -> EntityTree {
        let entity = |id, parent, name: &str| Entity {
            id,
            parent,
            name: name.into(),
            tag: None,
        };
        EntityTree::new(
            vec![
                entity(0, None, "Entité racine"),
                entity(2, Some(0), "SIIM94"),
                entity(3, Some(2), "Ivry"),
            ],
            None,
        )
        .unwrap()
    }

    fn glpi_ticket() -> Ticket {
        Ticket {
            id: 7,
            entity: 3,
            name: "Imprimante &#38; scanner".into(),
            content: "&#60;p&#62;Bonjour&#60;/p&#62;".into(),
            date: Some(at("2017-01-01 00:10:00")),
            take_into_account: Some(at("2017-01-01 00:20:00")),
            solved: None,
            closed: Some(at("2017-01-03 09:00:00")),
            modified: Some(at("2017-01-04 09:00:00")),
            begin_waiting: None,
            status: 6,
            kind: 2,
            priority: 5,
            category: 4,
            request_type: 3,
            deleted: false,
            actors: vec![
                Actor {
                    user: 0,
                    kind: 1,
                    alternative_email: Some("a@mairie.fr".into()),
                },
                Actor {
                    user: 50,
                    kind: 2,
                    alternative_email: None,
                },
                Actor {
                    user: 11,
                    kind: 2,
                    alternative_email: None,
                },
            ],
            followups: vec![
                Followup {
                    id: 1,
                    at: Some(at("2017-01-02 10:00:00")),
                    user: 11,
                    content: "Vu".into(),
                    private: true,
                },
                Followup {
                    id: 2,
                    at: None,
                    user: 11,
                    content: "&#60;p&#62; &#60;/p&#62;".into(),
                    private: false,
                },
            ],
            tasks: vec![Task {
                id: 9,
                at: Some(at("2017-01-02 23:30:00")),
                begin: Some(at("2017-01-02 23:30:00")),
                user: 11,
                technician: 0,
                content: String::new(),
                private: true,
                action_time: 5400,
                category: 1,
            }],
            solutions: Vec::new(),
            satisfaction: None,
        }
    }

    fn plan(glpi: &Ticket, notes: &mut Notes) -> Result<PlannedTicket, Skip> {
        let tree = tree();
        let mut rules = Rules::default();
        rules
            .work_kinds
            .insert("intervention sur site".into(), WorkKind::OnSite);
        let request_types = HashMap::from([(3, "Phone".to_string())]);
        let task_categories = HashMap::from([(1, "Interventions > Intervention sur site".into())]);
        let staff = |user: i64| user == 11;
        let lookup = Lookup {
            zone: chrono_tz::Europe::Paris,
            tree: &tree,
            rules: &rules,
            request_types: &request_types,
            task_categories: &task_categories,
            staff: &staff,
        };
        ticket(glpi, &lookup, notes)
    }

    #[test]
    fn a_closed_ticket_keeps_its_people_dates_and_timeline() {
        let mut notes = Notes::default();
        let planned = plan(&glpi_ticket(), &mut notes).unwrap();
        assert_eq!(planned.external_ref, "glpi:7");
        assert_eq!(planned.owner, Owner::Member(3));
        assert_eq!(planned.title, "Imprimante & scanner");
        assert_eq!(planned.description, "Bonjour");
        assert_eq!(planned.priority.number(), 1);
        assert_eq!(planned.ticket_type, TicketType::Request);
        assert_eq!(planned.channel, Channel::Phone);
        assert_eq!(planned.status, Status::Closed);
        assert_eq!(planned.requester, Requester::Email("a@mairie.fr".into()));
        // The first assigned who is staff.
        assert_eq!(planned.assignee, Some(11));
        assert_eq!(planned.created_at, at("2016-12-31 23:10:00"));
        assert_eq!(planned.year(chrono_tz::Europe::Paris), 2017);
        // No solve date: the close date stands for it.
        assert_eq!(planned.resolved_at, Some(at("2017-01-03 08:00:00")));
        assert_eq!(planned.closed_at, Some(at("2017-01-03 08:00:00")));
        // The empty followup is left out; the task carries its time.
        let bodies: Vec<(&str, bool)> = planned
            .comments
            .iter()
            .map(|c| (c.body.as_str(), c.internal))
            .collect();
        assert_eq!(bodies, [("Vu", true), ("Temps passé : 1 h 30", true)]);
        assert_eq!(notes.counts.get("empty followup left out"), Some(&1));
        // The task's category is mapped by its own name: on-site work on its local day.
        assert_eq!(
            planned.work,
            [PlannedWork {
                external_ref: "glpi:task:9".into(),
                technician: 11,
                date: NaiveDate::from_ymd_opt(2017, 1, 2).unwrap(),
                kind: WorkKind::OnSite,
                minutes: 90,
            }]
        );
    }

    #[test]
    fn the_trash_unknown_entities_and_statuses_are_skipped_with_their_reason() {
        let mut notes = Notes::default();
        let mut trashed = glpi_ticket();
        trashed.deleted = true;
        assert_eq!(plan(&trashed, &mut notes), Err(Skip::Trash));
        let mut lost = glpi_ticket();
        lost.entity = 99;
        assert_eq!(plan(&lost, &mut notes), Err(Skip::UnknownEntity(99)));
        let mut undated = glpi_ticket();
        undated.date = None;
        assert_eq!(plan(&undated, &mut notes), Err(Skip::NoDate));
        let mut odd = glpi_ticket();
        odd.status = 12;
        assert_eq!(plan(&odd, &mut notes), Err(Skip::UnknownStatus(12)));
    }

    #[test]
    fn a_pending_ticket_waits_from_its_glpi_wait_and_an_open_one_has_no_resolution() {
        let mut notes = Notes::default();
        let mut pending = glpi_ticket();
        pending.status = 4;
        pending.begin_waiting = Some(at("2017-01-02 08:00:00"));
        let planned = plan(&pending, &mut notes).unwrap();
        assert_eq!(planned.status, Status::Waiting);
        assert_eq!(planned.waiting_since, Some(at("2017-01-02 07:00:00")));
        assert_eq!(planned.resolved_at, None);
        assert_eq!(planned.closed_at, None);
        let mut untitled = glpi_ticket();
        untitled.name = String::new();
        untitled.content = "Première ligne\nseconde".into();
        untitled.kind = 9;
        let planned = plan(&untitled, &mut notes).unwrap();
        assert_eq!(planned.title, "Première ligne");
        assert_eq!(planned.ticket_type, TicketType::Incident);
        assert_eq!(notes.counts.get("type 9 read as incident"), Some(&1));
    }
}
