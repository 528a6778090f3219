//! Categories: the two-level tree tickets and work logs are classed in.

use crate::db::categories::{self, Category, Inserted, NewCategory};
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
