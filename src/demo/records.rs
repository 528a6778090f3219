//! Writing the demo records: members, accounts, categories, then the planned tickets and work
//! logs.

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDateTime;

use crate::auth::password;
use crate::db::categories::{self, Inserted, NewCategory};
use crate::db::members::{self, NewMember};
use crate::db::users::{self, NewUser};
use crate::db::DbConn;
use crate::domain::time::{local_date, now};
use crate::domain::user::{Actor, Role};
use crate::error::AppError;

use super::accounts::*;
use super::directory::*;
use super::figures::*;
use super::plan::*;
use super::rng::*;

/// What `seed` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    pub members: usize,
    pub users: usize,
    pub categories: usize,
    pub tickets: usize,
    pub work_logs: usize,
}

/// The import endpoint's limit, kept here too so that one call stays one bounded transaction.
pub(in crate::demo) const IMPORT_BATCH: usize = 10_000;

pub(in crate::demo) const RNG_SEED: u64 = 0x5111_4d94_2018_0001;

/// Fills an empty database with demo data: members, one account per role, the category tree,
/// the hotline and posted tickets of 2016 to 2018 and the team's work logs of those years.
///
/// The data is the same on every run. The steps are separate transactions: a failure leaves
/// what was written before it, and the next run then refuses to start.
pub fn seed(
    conn: &mut DbConn,
    policy: &crate::desk::Policy,
    workday_minutes: u32,
) -> anyhow::Result<DemoSummary> {
    let zone = policy.zone;
    if workday_minutes == 0 {
        bail!("workday_minutes must be positive");
    }
    if !members::all(conn)?.is_empty() {
        bail!("the database already has members: demo data goes only into an empty database");
    }
    let at = now();
    let member_ids = insert_members(conn, at)?;
    let users = insert_users(conn, &member_ids, at)?;
    let (category_count, leaf_ids) = insert_categories(conn, at)?;

    let id_of = |role: Role| {
        users
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, id)| *id)
    };
    let admin_id = id_of(Role::Admin).next().context("no demo admin")?;
    let agent_id = id_of(Role::Agent).next().context("no demo agent")?;
    let directory = Directory::new(
        &member_ids,
        &leaf_ids,
        id_of(Role::Technician).collect(),
        agent_id,
    )?;
    let admin = Actor {
        id: admin_id,
        role: Role::Admin,
        member_id: None,
    };

    let mut rng = Rng::new(RNG_SEED);
    let planned = plan_tickets(&directory, zone, &mut rng)?;
    let mut ids = Vec::with_capacity(planned.len());
    for batch in planned.chunks(IMPORT_BATCH) {
        ids.extend(crate::desk::tickets::import(conn, batch, &admin, policy).map_err(app_error)?);
    }
    if ids.len() != planned.len() {
        bail!("imported {} tickets of {}", ids.len(), planned.len());
    }
    let imported: Vec<TicketRef> = planned
        .iter()
        .zip(&ids)
        .map(|(ticket, &id)| TicketRef {
            id,
            member_id: ticket.draft.member_id,
            day: local_date(ticket.created_at, zone),
            category_id: ticket.draft.category_id,
        })
        .collect();

    let logs = plan_work_logs(&directory, &imported, workday_minutes, &mut rng)?;
    let work_log_count = crate::desk::work_logs::import(conn, &logs).map_err(app_error)?;

    Ok(DemoSummary {
        members: member_ids.len(),
        users: users.len(),
        categories: category_count,
        tickets: ids.len(),
        work_logs: work_log_count,
    })
}

/// Member ids in the order of `MEMBERS`.
pub(in crate::demo) fn insert_members(
    conn: &mut DbConn,
    at: NaiveDateTime,
) -> anyhow::Result<Vec<i64>> {
    MEMBERS
        .iter()
        .map(|spec| {
            let new = NewMember {
                code: spec.code.to_string(),
                name: spec.name.to_string(),
                short_name: spec.short_name.map(str::to_string),
                kind: spec.kind,
                uses_hotline: spec.uses_hotline,
                joined_on: spec.joined_on.map(ymd),
                left_on: spec.left_on.map(ymd),
                created_at: at,
                updated_at: at,
            };
            members::insert(conn, &new)?
                .map(|row| row.id)
                .ok_or_else(|| anyhow!("member {} already exists", spec.code))
        })
        .collect()
}

/// The role and id of each of `DEMO_USERS`, in order.
pub(in crate::demo) fn insert_users(
    conn: &mut DbConn,
    member_ids: &[i64],
    at: NaiveDateTime,
) -> anyhow::Result<Vec<(Role, i64)>> {
    DEMO_USERS
        .iter()
        .zip(DEMO_USER_NAMES)
        .map(|(&(email, secret, role, member_code), name)| {
            let member_id = member_code
                .map(|code| {
                    member_index(code)
                        .map(|index| member_ids[index])
                        .ok_or_else(|| anyhow!("demo user {email}: unknown member {code}"))
                })
                .transpose()?;
            let new = NewUser {
                email: email.to_string(),
                name: name.to_string(),
                role,
                member_id,
                password_hash: password::hash(secret),
                disabled: false,
                created_at: at,
                updated_at: at,
            };
            let user =
                users::insert(conn, &new)?.ok_or_else(|| anyhow!("user {email} already exists"))?;
            Ok((role, user.id))
        })
        .collect()
}

/// Writes the tree; returns how many categories it holds and the ids of the sub-categories,
/// in the order of `CATEGORIES`.
pub(in crate::demo) fn insert_categories(
    conn: &mut DbConn,
    at: NaiveDateTime,
) -> anyhow::Result<(usize, Vec<i64>)> {
    let mut count = 0;
    let mut leaf_ids = Vec::new();
    for domain in CATEGORIES {
        let parent_id = insert_category(conn, domain.name, None, at)?;
        count += 1;
        for (name, _) in domain.children {
            leaf_ids.push(insert_category(conn, name, Some(parent_id), at)?);
            count += 1;
        }
    }
    Ok((count, leaf_ids))
}

pub(in crate::demo) fn insert_category(
    conn: &mut DbConn,
    name: &str,
    parent_id: Option<i64>,
    at: NaiveDateTime,
) -> anyhow::Result<i64> {
    let new = NewCategory {
        name: name.to_string(),
        parent_id,
        created_at: at,
    };
    match categories::insert(conn, &new)? {
        Inserted::Created(category) => Ok(category.id),
        // A new database starts with the default tree, which the demo uses as it is.
        Inserted::Duplicate => categories::find_sibling(conn, name, parent_id)?
            .map(|c| c.id)
            .with_context(|| format!("category {name} vanished")),
        Inserted::UnknownParent | Inserted::TooDeep => {
            bail!("category {name}: its parent cannot hold it")
        }
    }
}

/// Field errors are the useful part of a refused import: keep them in the message.
pub(in crate::demo) fn app_error(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation(fields) => {
            let details: Vec<String> = fields.iter().map(ToString::to_string).collect();
            anyhow!("demo data refused: {}", details.join("; "))
        }
        other => anyhow::Error::new(other),
    }
}
