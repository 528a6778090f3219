//! Users: agents of members and the cooperative's staff.

use actix_web::web::Query;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{created, not_null, nullable, paginate, parse_id, path_id, Page, PageQuery};
use crate::api::{json::Json, problems, Answer, Segment, State};
use crate::auth::AuthUser;
use crate::db;
use crate::db::users::{User, UserFilter};
use crate::desk;
use crate::desk::accounts::{AccountInput, AccountPatch};
use crate::domain::user::Role;
use crate::domain::Checks;
use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/users")
            .route(web::get().to(list_users))
            .route(web::post().to(create_user)),
    )
    .service(
        web::resource("/users/{id}")
            .route(web::get().to(get_user))
            .route(web::patch().to(update_user)),
    );
}

/// A user as the API shows them: never a password or its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub member_id: Option<i64>,
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        let (id, u) = (user.id, user.record);
        UserView {
            id,
            role: u.role,
            email: u.email,
            name: u.name,
            member_id: u.member_id,
            disabled: u.disabled,
            created_at: crate::domain::time::to_rfc3339(u.created_at),
            updated_at: crate::domain::time::to_rfc3339(u.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// Required for agents, absent for staff.
    pub member_id: Option<i64>,
    /// At least 8 characters.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Role)]
    pub role: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, nullable)]
    pub member_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = bool)]
    pub disabled: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String)]
    pub password: Option<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users of this role.
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Only agents of this member.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub member_id: Option<String>,
}

/// Create a user.
///
/// Errors: 403: not a manager or admin, or an account this caller may not manage (only an admin
/// manages admins; a manager, roles below their own); 409: e-mail already taken; 422: invalid
/// field, or agent without member.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        problems::Forbidden, problems::Conflict, problems::Invalid,
    )
)]
pub async fn create_user(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    body: Json<CreateUser>,
) -> Answer {
    user.require_directory_manager()?;
    let body = body.into_inner();
    let input = AccountInput {
        email: body.email,
        name: body.name,
        role: body.role,
        member_id: body.member_id,
        password: body.password,
    };
    let source = crate::api::audit::source(&user, &req);
    let cache = state.user_cache.clone();
    let actor = user.actor;
    let created_user = state
        .run(move |conn| desk::accounts::create(conn, &actor, &input, &source, &cache))
        .await?;
    Ok(created(
        format!("/api/v1/users/{}", created_user.id),
        &UserView::from(created_user),
    ))
}

/// List users (staff only).
///
/// Errors: 403: agents may not list users.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    params(PageQuery, UserQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<UserView>),
        problems::Forbidden,
    )
)]
pub async fn list_users(
    state: State,
    user: AuthUser,
    page: Query<PageQuery>,
    query: Query<UserQuery>,
) -> Answer {
    user.require_staff()?;
    let mut checks = Checks::new();
    let (limit, before) = page.by_id(&mut checks);
    let role = checks
        .take_opt(query.role.as_deref(), Role::parse)
        .flatten();
    let member_id = checks
        .take_opt(query.member_id.as_deref(), |raw| parse_id("member_id", raw))
        .flatten();
    checks.finish()?;
    let filter = UserFilter { role, member_id };
    let rows = state
        .run(move |conn| Ok(db::users::list(conn, &filter, before, limit + 1)?))
        .await?;
    Ok(HttpResponse::Ok().json(paginate(rows, limit, |u| u.id.to_string(), UserView::from)))
}

async fn find_user(state: &AppState, id: i64) -> Result<User, AppError> {
    state
        .run(move |conn| Ok(db::users::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {id}")))
}

/// One user (staff only).
///
/// Errors: 403: agents may not read users; 404: no such user.
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserView),
        problems::Forbidden, problems::NotFound,
    )
)]
pub async fn get_user(state: State, user: AuthUser, id: Segment) -> Answer {
    user.require_staff()?;
    let id = path_id(&id, "user")?;
    Ok(HttpResponse::Ok().json(UserView::from(find_user(&state, id).await?)))
}

/// Change a user's name, role, member, password, or disable them.
///
/// Errors: 403: not a manager or admin, or an account this caller may not manage (only an admin
/// manages admins; a manager, roles below their own); 404: no such user; 422: invalid field.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The changed user", body = UserView),
        problems::Forbidden, problems::NotFound, problems::Invalid,
    )
)]
pub async fn update_user(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    id: Segment,
    body: Json<UpdateUser>,
) -> Answer {
    user.require_directory_manager()?;
    let id = path_id(&id, "user")?;
    let current = find_user(&state, id).await?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    let patch = AccountPatch {
        name: checks.take(not_null("name", body.name)).flatten(),
        role: checks.take(not_null("role", body.role)).flatten(),
        member_id: body.member_id,
        disabled: checks.take(not_null("disabled", body.disabled)).flatten(),
        password: checks.take(not_null("password", body.password)).flatten(),
    };
    let source = crate::api::audit::source(&user, &req);
    let cache = state.user_cache.clone();
    let actor = user.actor;
    let updated = state
        .run(move |conn| {
            desk::accounts::update(conn, &actor, &current, &patch, checks, &source, &cache)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserView::from(updated)))
}
