//! Members of the cooperative.

use actix_web::web::Query;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{created, not_null, nullable, paginate, path_id, Page, PageQuery};
use crate::api::{json::Json, problems, Answer, Segment, State};
use crate::auth::AuthUser;
use crate::db;
use crate::db::members::Member;
use crate::desk;
use crate::desk::members::{MemberInput, MemberPatch};
use crate::domain::member::MemberKind;
use crate::domain::Checks;
use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/members")
            .route(web::get().to(list_members))
            .route(web::post().to(create_member)),
    )
    .service(
        web::resource("/members/{id}")
            .route(web::get().to(get_member))
            .route(web::patch().to(update_member)),
    );
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub id: i64,
    #[schema(example = "OPH-VILLEJUIF")]
    pub code: String,
    pub name: String,
    /// The name reports and charts write when the official one is long; null: the name.
    #[schema(example = "SMBVB")]
    pub short_name: Option<String>,
    pub kind: MemberKind,
    pub uses_hotline: bool,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Member> for MemberView {
    fn from(member: Member) -> Self {
        let Member { id, record: m } = member;
        MemberView {
            id,
            kind: m.kind,
            code: m.code,
            name: m.name,
            short_name: m.short_name,
            uses_hotline: m.uses_hotline,
            joined_on: m.joined_on,
            left_on: m.left_on,
            created_at: crate::domain::time::to_rfc3339(m.created_at),
            updated_at: crate::domain::time::to_rfc3339(m.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateMember {
    pub code: String,
    pub name: String,
    /// The name reports write (at most 30 characters); absent or blank: none.
    pub short_name: Option<String>,
    #[schema(value_type = MemberKind)]
    pub kind: String,
    /// Default true.
    pub uses_hotline: Option<bool>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMember {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String)]
    pub name: Option<Option<String>>,
    /// null or blank clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub short_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = MemberKind)]
    pub kind: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = bool)]
    pub uses_hotline: Option<Option<bool>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub joined_on: Option<Option<NaiveDate>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub left_on: Option<Option<NaiveDate>>,
}

/// Create a member.
///
/// Errors: 403: not a manager or admin; 409: code already taken; 422: invalid field.
#[utoipa::path(
    post, path = "/api/v1/members", tag = "members",
    request_body = CreateMember,
    responses(
        (status = 201, description = "Created", body = MemberView),
        problems::Forbidden, problems::Conflict, problems::Invalid,
    )
)]
pub async fn create_member(state: State, user: AuthUser, body: Json<CreateMember>) -> Answer {
    user.require_directory_manager()?;
    let body = body.into_inner();
    let input = MemberInput {
        code: body.code,
        name: body.name,
        short_name: body.short_name,
        kind: body.kind,
        uses_hotline: body.uses_hotline,
        joined_on: body.joined_on,
        left_on: body.left_on,
    };
    let member = state
        .run(move |conn| desk::members::create(conn, &input))
        .await?;
    Ok(created(
        format!("/api/v1/members/{}", member.id),
        &MemberView::from(member),
    ))
}

/// List members (an agent sees only their own).
#[utoipa::path(
    get, path = "/api/v1/members", tag = "members",
    params(PageQuery),
    responses((status = 200, description = "Newest first", body = Page<MemberView>))
)]
pub async fn list_members(state: State, user: AuthUser, query: Query<PageQuery>) -> Answer {
    let mut checks = Checks::new();
    let limit = checks.take(query.limit());
    let before = checks.take(query.id_cursor());
    checks.finish()?;
    let (limit, before) = (limit.unwrap_or_default(), before.flatten());
    let only = user.actor.member_scope();
    let rows = state
        .run(move |conn| Ok(db::members::list(conn, only, before, limit + 1)?))
        .await?;
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |m| m.id.to_string(),
        MemberView::from,
    )))
}

async fn visible_member(state: &AppState, user: &AuthUser, id: i64) -> Result<Member, AppError> {
    let scope = user.actor.member_scope();
    state
        .run(move |conn| Ok(db::members::find(conn, id)?))
        .await?
        .filter(|m| scope.is_none_or(|own| own == m.id))
        .ok_or_else(|| AppError::not_found(format!("member {id}")))
}

/// One member.
///
/// Errors: 404: no such member, or not visible to the caller.
#[utoipa::path(
    get, path = "/api/v1/members/{id}", tag = "members",
    params(("id" = i64, Path, description = "Member id")),
    responses(
        (status = 200, description = "The member", body = MemberView),
        problems::NotFound,
    )
)]
pub async fn get_member(state: State, user: AuthUser, id: Segment) -> Answer {
    let id = path_id(&id, "member")?;
    let member = visible_member(&state, &user, id).await?;
    Ok(HttpResponse::Ok().json(MemberView::from(member)))
}

/// Change a member (its code is stable and cannot change).
///
/// Errors: 403: not a manager or admin; 404: no such member; 422: invalid field.
#[utoipa::path(
    patch, path = "/api/v1/members/{id}", tag = "members",
    params(("id" = i64, Path, description = "Member id")),
    request_body = UpdateMember,
    responses(
        (status = 200, description = "The changed member", body = MemberView),
        problems::Forbidden, problems::NotFound, problems::Invalid,
    )
)]
pub async fn update_member(
    state: State,
    user: AuthUser,
    id: Segment,
    body: Json<UpdateMember>,
) -> Answer {
    let id = path_id(&id, "member")?;
    let current = visible_member(&state, &user, id).await?;
    user.require_directory_manager()?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    let name = checks.take(not_null("name", body.name)).flatten();
    let kind = checks.take(not_null("kind", body.kind)).flatten();
    let uses_hotline = checks
        .take(not_null("uses_hotline", body.uses_hotline))
        .flatten();
    let patch = MemberPatch {
        name,
        short_name: body.short_name,
        kind,
        uses_hotline,
        joined_on: body.joined_on,
        left_on: body.left_on,
    };
    let member = state
        .run(move |conn| desk::members::update(conn, &current, &patch, checks))
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::from(member)))
}
