//! The two-level category tree.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::categories;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
    /// When it stopped being offered for new tickets and work logs.
    pub retired_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory {
    pub name: String,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Category>> {
    categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)
        .optional()
}

/// Which of these category ids exist.
pub fn existing(conn: &mut DbConn, ids: &[i64]) -> QueryResult<std::collections::HashSet<i64>> {
    categories::table
        .filter(categories::id.eq_any(ids))
        .select(categories::id)
        .load::<i64>(conn)
        .map(|found| found.into_iter().collect())
}

pub fn list(conn: &mut DbConn, before_id: Option<i64>, limit: i64) -> QueryResult<Vec<Category>> {
    let mut query = categories::table.select(Category::as_select()).into_boxed();
    if let Some(id) = before_id {
        query = query.filter(categories::id.lt(id));
    }
    query.order(categories::id.desc()).limit(limit).load(conn)
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Category>> {
    categories::table
        .select(Category::as_select())
        .order(categories::id.asc())
        .load(conn)
}

pub fn find_sibling(
    conn: &mut DbConn,
    name: &str,
    parent_id: Option<i64>,
) -> QueryResult<Option<Category>> {
    let query = categories::table
        .filter(categories::name.eq(name))
        .select(Category::as_select())
        .into_boxed();
    let query = match parent_id {
        Some(parent) => query.filter(categories::parent_id.eq(parent)),
        None => query.filter(categories::parent_id.is_null()),
    };
    query.order(categories::id.desc()).first(conn).optional()
}

pub enum Inserted {
    Created(Category),
    /// A category of that name already exists under that parent.
    Duplicate,
    /// The parent does not exist.
    UnknownParent,
    /// The parent is itself a sub-category: the tree has two levels.
    TooDeep,
}

pub fn insert(conn: &mut DbConn, new: &NewCategory) -> QueryResult<Inserted> {
    super::write(conn, |conn| {
        if let Some(parent_id) = new.parent_id {
            match find(conn, parent_id)? {
                None => return Ok(Inserted::UnknownParent),
                Some(parent) if parent.parent_id.is_some() => return Ok(Inserted::TooDeep),
                Some(_) => {}
            }
        }
        if find_sibling(conn, &new.name, new.parent_id)?.is_some() {
            return Ok(Inserted::Duplicate);
        }
        diesel::insert_into(categories::table)
            .values(new)
            .execute(conn)?;
        Ok(find_sibling(conn, &new.name, new.parent_id)?
            .map(Inserted::Created)
            .unwrap_or(Inserted::Duplicate))
    })
}

/// Which of these category ids are retired.
pub fn retired_among(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashSet<i64>> {
    categories::table
        .filter(categories::id.eq_any(ids))
        .filter(categories::retired_at.is_not_null())
        .select(categories::id)
        .load::<i64>(conn)
        .map(|found| found.into_iter().collect())
}

/// What changes of a category.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = categories)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub parent_id: Option<Option<i64>>,
    pub retired_at: Option<Option<NaiveDateTime>>,
}

pub enum Changed {
    Done(Category),
    NotFound,
    /// Another category of that name is there already.
    Duplicate,
    UnknownParent,
    /// The new parent is itself a sub-category, or the category itself.
    TooDeep,
    /// It has sub-categories: it stays at the top.
    HasChildren,
}

/// Renames, moves or retires (or brings back) a category, keeping the tree of two levels and
/// names unique among siblings. Retiring a top-level category retires its sub-categories.
pub fn update(conn: &mut DbConn, id: i64, changes: &CategoryChanges) -> QueryResult<Changed> {
    super::write(conn, |conn| {
        let Some(current) = find(conn, id)? else {
            return Ok(Changed::NotFound);
        };
        let parent = changes.parent_id.unwrap_or(current.parent_id);
        if let Some(parent_id) = changes.parent_id.flatten() {
            match find(conn, parent_id)? {
                None => return Ok(Changed::UnknownParent),
                Some(p) if p.parent_id.is_some() || p.id == id => return Ok(Changed::TooDeep),
                Some(_) => {}
            }
            let children: i64 = categories::table
                .filter(categories::parent_id.eq(id))
                .count()
                .get_result(conn)?;
            if children > 0 {
                return Ok(Changed::HasChildren);
            }
        }
        let name = changes.name.as_deref().unwrap_or(&current.name);
        if find_sibling(conn, name, parent)?.is_some_and(|other| other.id != id) {
            return Ok(Changed::Duplicate);
        }
        diesel::update(categories::table.find(id))
            .set(changes)
            .execute(conn)?;
        if let Some(Some(at)) = changes.retired_at {
            diesel::update(
                categories::table
                    .filter(categories::parent_id.eq(id))
                    .filter(categories::retired_at.is_null()),
            )
            .set(categories::retired_at.eq(Some(at)))
            .execute(conn)?;
        }
        Ok(find(conn, id)?.map_or(Changed::NotFound, Changed::Done))
    })
}

/// Gives an empty category table the default tree; a table with any category is left alone.
pub fn seed_default_tree(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<usize> {
    super::write(conn, |conn| {
        let existing: i64 = categories::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(0);
        }
        let mut inserted = 0;
        for (domain, children) in crate::domain::category::DEFAULT_TREE {
            diesel::insert_into(categories::table)
                .values(&NewCategory {
                    name: domain.to_string(),
                    parent_id: None,
                    created_at: at,
                })
                .execute(conn)?;
            let parent = find_sibling(conn, domain, None)?.map(|c| c.id);
            for child in *children {
                diesel::insert_into(categories::table)
                    .values(&NewCategory {
                        name: child.to_string(),
                        parent_id: parent,
                        created_at: at,
                    })
                    .execute(conn)?;
            }
            inserted += 1 + children.len();
        }
        Ok(inserted)
    })
}

/// Categories brought from another system: reference → category.
pub fn by_external_ref(
    conn: &mut DbConn,
) -> QueryResult<std::collections::HashMap<String, Category>> {
    let rows: Vec<(Option<String>, Category)> = categories::table
        .filter(categories::external_ref.is_not_null())
        .select((categories::external_ref, Category::as_select()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(reference, category)| reference.map(|r| (r, category)))
        .collect())
}

/// Names a category and places it, under its reference in the system it was brought from.
pub fn set_external(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    parent_id: Option<i64>,
    reference: &str,
) -> QueryResult<()> {
    diesel::update(categories::table.find(id))
        .set((
            categories::name.eq(name),
            categories::parent_id.eq(parent_id),
            categories::external_ref.eq(reference),
        ))
        .execute(conn)
        .map(|_| ())
}
