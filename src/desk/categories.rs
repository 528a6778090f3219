//! Categories: the two-level tree tickets and work logs are classed in.

use crate::db::categories::{self, Category, CategoryChanges, Changed, Inserted, NewCategory};
use crate::db::DbConn;
use crate::domain::text;
use crate::error::AppError;

const NAME_MAX_CHARS: usize = 100;

/// Adds a category, at the top or under a top one; 422 for an empty name, an unknown parent
/// or a third level, 409 when its parent has one of that name already.
pub fn create(conn: &mut DbConn, name: &str, parent_id: Option<i64>) -> Result<Category, AppError> {
    let name = text::required("name", name, NAME_MAX_CHARS)?;
    let new = NewCategory {
        name,
        parent_id,
        created_at: crate::domain::time::now(),
    };
    match categories::insert(conn, &new)? {
        Inserted::Created(category) => Ok(category),
        Inserted::Duplicate => Err(AppError::Conflict {
            code: "duplicate",
            message: "a category of that name already exists there".into(),
        }),
        Inserted::UnknownParent => Err(AppError::validation(
            "parent_id",
            format!("category {} does not exist", parent_id.unwrap_or_default()),
        )),
        Inserted::TooDeep => Err(AppError::validation(
            "parent_id",
            "must be a top-level category: the tree has two levels",
        )),
    }
}

/// What changes of a category: `parent_id: Some(None)` brings it to the top; `retired`
/// retires it (with its sub-categories) or brings it back.
#[derive(Debug, Clone, Default)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub parent_id: Option<Option<i64>>,
    pub retired: Option<bool>,
}

/// Renames, moves, retires or brings back a category; what it classed keeps it.
pub fn update(conn: &mut DbConn, id: i64, patch: &CategoryPatch) -> Result<Category, AppError> {
    let name = match &patch.name {
        Some(name) => Some(text::required("name", name, NAME_MAX_CHARS)?),
        None => None,
    };
    let current =
        categories::find(conn, id)?.ok_or_else(|| AppError::not_found(format!("category {id}")))?;
    let retired_at = match (patch.retired, current.retired_at) {
        (Some(true), None) => Some(Some(crate::domain::time::now())),
        (Some(false), Some(_)) => Some(None),
        _ => None,
    };
    let changes = CategoryChanges {
        name,
        parent_id: patch.parent_id,
        retired_at,
    };
    match categories::update(conn, id, &changes)? {
        Changed::Done(category) => Ok(category),
        Changed::NotFound => Err(AppError::not_found(format!("category {id}"))),
        Changed::Duplicate => Err(AppError::Conflict {
            code: "duplicate",
            message: "a category of that name already exists there".into(),
        }),
        Changed::UnknownParent => Err(AppError::validation(
            "parent_id",
            format!(
                "category {} does not exist",
                patch.parent_id.flatten().unwrap_or_default()
            ),
        )),
        Changed::TooDeep => Err(AppError::validation(
            "parent_id",
            "must be a top-level category: the tree has two levels",
        )),
        Changed::HasChildren => Err(AppError::validation(
            "parent_id",
            "a category with sub-categories stays at the top level",
        )),
    }
}
