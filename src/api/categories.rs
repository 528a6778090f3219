//! The two-level category tree.

use actix_web::web::Query;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{created, paginate, path_id, Page, PageQuery};
use crate::api::{json::Json, problems, Answer, Segment, State};
use crate::auth::AuthUser;
use crate::db;
use crate::db::categories::Category;
use crate::desk;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/categories")
            .route(web::get().to(list_categories))
            .route(web::post().to(create_category)),
    )
    .service(web::resource("/categories/{id}").route(web::get().to(get_category)));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: i64,
    #[schema(example = "Imprimante réseau")]
    pub name: String,
    /// The top-level category this one belongs to; null for a top-level category.
    pub parent_id: Option<i64>,
    pub created_at: String,
    /// When it stopped being offered for new tickets (which are then refused it, 422); null
    /// while it is offered. What it classed keeps it.
    pub retired_at: Option<String>,
}

impl From<Category> for CategoryView {
    fn from(c: Category) -> Self {
        CategoryView {
            id: c.id,
            name: c.name,
            parent_id: c.parent_id,
            created_at: crate::domain::time::to_rfc3339(c.created_at),
            retired_at: c.retired_at.map(crate::domain::time::to_rfc3339),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCategory {
    pub name: String,
    /// A top-level category; omit to create a top-level one.
    pub parent_id: Option<i64>,
}

/// List categories.
#[utoipa::path(
    get, path = "/api/v1/categories", tag = "categories",
    params(PageQuery),
    responses((status = 200, description = "Newest first", body = Page<CategoryView>))
)]
pub async fn list_categories(state: State, _user: AuthUser, page: Query<PageQuery>) -> Answer {
    let (limit, before) = page.id_page()?;
    let rows = state
        .run(move |conn| Ok(db::categories::list(conn, before, limit + 1)?))
        .await?;
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |c| c.id.to_string(),
        CategoryView::from,
    )))
}

/// One category.
///
/// Errors: 404: no such category.
#[utoipa::path(
    get, path = "/api/v1/categories/{id}", tag = "categories",
    params(("id" = i64, Path, description = "Category id")),
    responses(
        (status = 200, description = "The category", body = CategoryView),
        problems::NotFound,
    )
)]
pub async fn get_category(state: State, _user: AuthUser, id: Segment) -> Answer {
    let id = path_id(&id, "category")?;
    let category = state
        .run(move |conn| Ok(db::categories::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found(format!("category {id}")))?;
    Ok(HttpResponse::Ok().json(CategoryView::from(category)))
}

/// Create a category, at the top or under a top-level category.
///
/// Errors: 403: not a manager or admin; 409: same name under the same parent; 422: invalid name,
/// unknown parent, or a third level.
#[utoipa::path(
    post, path = "/api/v1/categories", tag = "categories",
    request_body = CreateCategory,
    responses(
        (status = 201, description = "Created", body = CategoryView),
        problems::Forbidden, problems::Conflict, problems::Invalid,
    )
)]
pub async fn create_category(state: State, user: AuthUser, body: Json<CreateCategory>) -> Answer {
    user.require_directory_manager()?;
    let body = body.into_inner();
    let category = state
        .run(move |conn| desk::categories::create(conn, &body.name, body.parent_id))
        .await?;
    Ok(created(
        format!("/api/v1/categories/{}", category.id),
        &CategoryView::from(category),
    ))
}
