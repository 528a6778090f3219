//! Members of the cooperative: adding one and changing one, with the rules both fronts share.

use chrono::NaiveDate;

use crate::db::members::{self, Member, MemberChanges, NewMember};
use crate::db::DbConn;
use crate::domain::member::{parse_code, MemberKind, Membership};
use crate::domain::time::now;
use crate::domain::{text, Checks};
use crate::error::AppError;

const NAME_MAX_CHARS: usize = 200;
/// A short name fits a chart's label.
const SHORT_NAME_MAX_CHARS: usize = 30;

/// A member to add, as sent.
#[derive(Debug, Clone, Default)]
pub struct MemberInput {
    pub code: String,
    pub name: String,
    /// The name reports write; empty: none.
    pub short_name: Option<String>,
    pub kind: String,
    /// Default true.
    pub uses_hotline: Option<bool>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

/// What changes of a member: `None` leaves a field as it is; for the dates, `Some(None)`
/// clears it. The code is stable.
#[derive(Debug, Clone, Default)]
pub struct MemberPatch {
    pub name: Option<String>,
    /// `Some(None)` or an empty text clears it.
    pub short_name: Option<Option<String>>,
    pub kind: Option<String>,
    pub uses_hotline: Option<bool>,
    pub joined_on: Option<Option<NaiveDate>>,
    pub left_on: Option<Option<NaiveDate>>,
}

/// Adds a member; 422 naming each invalid field, 409 when its code is taken.
pub fn create(conn: &mut DbConn, input: &MemberInput) -> Result<Member, AppError> {
    let mut checks = Checks::new();
    let code = checks.take(parse_code(&input.code));
    let name = checks.take(text::required("name", &input.name, NAME_MAX_CHARS));
    let short_name = checks
        .take(short_name_of(input.short_name.as_deref()))
        .flatten();
    let kind = checks.take(MemberKind::parse(&input.kind));
    let membership = checks.take(Membership::parse(input.joined_on, input.left_on));
    checks.finish()?;
    let (Some(code), Some(name), Some(kind), Some(membership)) = (code, name, kind, membership)
    else {
        unreachable!("checks passed");
    };
    let at = now();
    let new = NewMember {
        code: code.clone(),
        name,
        short_name,
        kind,
        uses_hotline: input.uses_hotline.unwrap_or(true),
        joined_on: membership.joined_on,
        left_on: membership.left_on,
        created_at: at,
        updated_at: at,
    };
    members::insert(conn, &new)?.ok_or_else(|| AppError::Conflict {
        code: "duplicate",
        message: format!("a member with code {code} already exists"),
    })
}

/// Changes a member as it is now (`current`); 422 naming each invalid field, with those the
/// front found already in `checks` (a field sent null that cannot be), and nothing written.
pub fn update(
    conn: &mut DbConn,
    current: &Member,
    patch: &MemberPatch,
    mut checks: Checks,
) -> Result<Member, AppError> {
    let name = patch
        .name
        .as_deref()
        .and_then(|n| checks.take(text::required("name", n, NAME_MAX_CHARS)));
    let short_name = patch
        .short_name
        .as_ref()
        .and_then(|s| checks.take(short_name_of(s.as_deref())));
    let kind = patch
        .kind
        .as_deref()
        .and_then(|k| checks.take(MemberKind::parse(k)));
    let joined_on = patch.joined_on.unwrap_or(current.record.joined_on);
    let left_on = patch.left_on.unwrap_or(current.record.left_on);
    checks.take(Membership::parse(joined_on, left_on));
    checks.finish()?;
    let changes = MemberChanges {
        name,
        short_name,
        kind,
        uses_hotline: patch.uses_hotline,
        joined_on: patch.joined_on,
        left_on: patch.left_on,
        updated_at: Some(now()),
    };
    let id = current.id;
    members::update(conn, id, &changes)?.ok_or_else(|| AppError::not_found(format!("member {id}")))
}

/// A short name as sent: blank is none.
fn short_name_of(value: Option<&str>) -> Result<Option<String>, crate::domain::FieldError> {
    match value {
        None => Ok(None),
        Some(v) => text::optional("short_name", v, SHORT_NAME_MAX_CHARS),
    }
}
