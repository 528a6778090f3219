//! Members.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::domain::member::MemberKind;

use super::schema::members;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = members)]
pub struct Member {
    pub id: i64,
    /// Everything else of the member; its fields read through the member (`member.code`).
    #[diesel(embed)]
    pub record: NewMember,
}

crate::db::reads_through!(Member => record: NewMember);

impl Member {
    /// The name reports and charts write: the short one when there is one.
    pub fn report_name(&self) -> &str {
        self.short_name.as_deref().unwrap_or(&self.name)
    }

    pub fn membership(&self) -> crate::domain::member::Membership {
        crate::domain::member::Membership {
            joined_on: self.joined_on,
            left_on: self.left_on,
        }
    }
}

/// A member as written: all but its id.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = members)]
pub struct NewMember {
    pub code: String,
    pub name: String,
    /// The name the reports write when the official one is long ("SMBVB").
    pub short_name: Option<String>,
    pub kind: MemberKind,
    pub uses_hotline: bool,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = members)]
pub struct MemberChanges {
    pub name: Option<String>,
    pub short_name: Option<Option<String>>,
    pub kind: Option<MemberKind>,
    pub uses_hotline: Option<bool>,
    pub joined_on: Option<Option<NaiveDate>>,
    pub left_on: Option<Option<NaiveDate>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Member>> {
    members::table
        .find(id)
        .select(Member::as_select())
        .first(conn)
        .optional()
}

/// The members of these ids that exist.
pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Member>> {
    members::table
        .filter(members::id.eq_any(ids))
        .select(Member::as_select())
        .load(conn)
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Member>> {
    members::table
        .filter(members::code.eq(code))
        .select(Member::as_select())
        .first(conn)
        .optional()
}

/// Newest first; `only` restricts to one member (an agent's own).
pub fn list(
    conn: &mut DbConn,
    only: Option<i64>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    let mut query = members::table.select(Member::as_select()).into_boxed();
    if let Some(id) = only {
        query = query.filter(members::id.eq(id));
    }
    if let Some(id) = before_id {
        query = query.filter(members::id.lt(id));
    }
    query.order(members::id.desc()).limit(limit).load(conn)
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Member>> {
    members::table
        .select(Member::as_select())
        .order(members::code.asc())
        .load(conn)
}

/// Inserts a member, or returns `None` when its code is taken.
pub fn insert(conn: &mut DbConn, new: &NewMember) -> QueryResult<Option<Member>> {
    super::write(conn, |conn| {
        if find_by_code(conn, &new.code)?.is_some() {
            return Ok(None);
        }
        diesel::insert_into(members::table)
            .values(new)
            .execute(conn)?;
        find_by_code(conn, &new.code)
    })
}

pub fn update(conn: &mut DbConn, id: i64, changes: &MemberChanges) -> QueryResult<Option<Member>> {
    super::write(conn, |conn| {
        let updated = diesel::update(members::table.find(id))
            .set(changes)
            .execute(conn)?;
        if updated == 0 {
            return Ok(None);
        }
        find(conn, id)
    })
}
