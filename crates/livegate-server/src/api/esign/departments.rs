//! Departments and their Invitee Configurations → Face Match Verification settings: Smart User
//! Liveliness and the Acceptance Percentage, with every change recorded (who, when, old → new).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::own_department;
use crate::api::auth::{json_error, require};
use crate::error::{ApiError, ErrorBody};
use crate::esign::rules::{check_acceptance, DEFAULT_ACCEPTANCE_PERCENTAGE};
use crate::keys::Scope;
use crate::store::{ChangeRow, DepartmentRow};
use crate::AppState;

/// `POST /v1/departments`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDepartment {
    /// Unique name.
    pub name: String,
    /// Enable Smart User Liveliness (default false).
    #[serde(default)]
    pub smart_liveliness: bool,
    /// Liveness threshold of the department's signers, 0-100 (default and recommended 65).
    pub acceptance_percentage: Option<i64>,
}

/// `PATCH /v1/departments/{id}` ("Update"): the fields to change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDepartment {
    /// New name.
    pub name: Option<String>,
    /// Smart User Liveliness on or off.
    pub smart_liveliness: Option<bool>,
    /// 0-100.
    pub acceptance_percentage: Option<i64>,
}

/// A department.
#[derive(Serialize, ToSchema)]
pub struct Department {
    /// `dep_<uuid>`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Smart User Liveliness enabled.
    pub smart_liveliness: bool,
    /// Liveness threshold of the department's signers.
    pub acceptance_percentage: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

impl From<DepartmentRow> for Department {
    fn from(d: DepartmentRow) -> Self {
        Self {
            id: d.id,
            name: d.name,
            smart_liveliness: d.smart_liveliness,
            acceptance_percentage: d.acceptance_percentage,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// Departments.
#[derive(Serialize, ToSchema)]
pub struct DepartmentList {
    /// By name.
    pub departments: Vec<Department>,
}

/// One recorded change.
#[derive(Serialize, ToSchema)]
pub struct Change {
    /// Unix ms.
    pub at: i64,
    /// Who (`X-Livegate-Actor`, default `api-key`).
    pub actor: String,
    /// Setting.
    pub field: String,
    /// Before (none at creation).
    pub old: Option<String>,
    /// After.
    pub new: String,
}

/// A department's change history.
#[derive(Serialize, ToSchema)]
pub struct ChangeList {
    /// Newest first.
    pub changes: Vec<Change>,
}

fn actor(headers: &HeaderMap) -> String {
    headers
        .get("x-livegate-actor")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().chars().take(120).collect::<String>())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "api-key".into())
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ApiError::InvalidRequest("name must be 1-120 characters".into()));
    }
    Ok(name.to_string())
}

/// The settings as (field, value) pairs, for the change history.
fn settings(d: &DepartmentRow) -> [(&'static str, String); 3] {
    [
        ("name", d.name.clone()),
        ("smart_liveliness", d.smart_liveliness.to_string()),
        ("acceptance_percentage", d.acceptance_percentage.to_string()),
    ]
}

/// Creates a department.
#[utoipa::path(post, path = "/v1/departments", tag = "esign", request_body = CreateDepartment,
    security(("api_key" = ["esign:admin"])),
    responses((status = 201, body = Department), (status = "4XX", body = ErrorBody)))]
pub async fn create_department(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<CreateDepartment>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let caller = require(&state, &headers, Scope::EsignAdmin).await?;
    let Json(req) = body.map_err(json_error)?;
    let now = state.clock.now_ms();
    let d = DepartmentRow {
        id: format!("dep_{}", uuid::Uuid::new_v4()),
        name: check_name(&req.name)?,
        smart_liveliness: req.smart_liveliness,
        acceptance_percentage: check_acceptance(req.acceptance_percentage.unwrap_or(DEFAULT_ACCEPTANCE_PERCENTAGE))?,
        created_at: now,
        updated_at: now,
        tenant_id: caller.tenant,
    };
    let who = actor(&headers);
    let changes: Vec<ChangeRow> = settings(&d)
        .into_iter()
        .map(|(field, new)| ChangeRow {
            at: now,
            actor: who.clone(),
            field: field.into(),
            old: None,
            new,
        })
        .collect();
    state.store.create_department(&d, &changes).await?;
    Ok((StatusCode::CREATED, Json(Department::from(d))))
}

/// Lists departments.
#[utoipa::path(get, path = "/v1/departments", tag = "esign", security(("api_key" = ["esign:admin"])),
    responses((status = 200, body = DepartmentList), (status = "4XX", body = ErrorBody)))]
pub async fn list_departments(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<DepartmentList>, ApiError> {
    let caller = require(&state, &headers, Scope::EsignAdmin).await?;
    let departments = state
        .store
        .departments(&caller.tenant)
        .await?
        .into_iter()
        .map(Department::from)
        .collect();
    Ok(Json(DepartmentList { departments }))
}

/// Reads a department.
#[utoipa::path(get, path = "/v1/departments/{id}", tag = "esign",
    params(("id" = String, Path, description = "Department id")), security(("api_key" = ["esign:admin"])),
    responses((status = 200, body = Department), (status = "4XX", body = ErrorBody)))]
pub async fn get_department(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Department>, ApiError> {
    let caller = require(&state, &headers, Scope::EsignAdmin).await?;
    let d = own_department(&state, &caller, &id).await?;
    Ok(Json(d.into()))
}

/// Updates a department's settings ("Update"); each changed field is recorded.
#[utoipa::path(patch, path = "/v1/departments/{id}", tag = "esign", request_body = UpdateDepartment,
    params(("id" = String, Path, description = "Department id"),
           ("X-Livegate-Actor" = Option<String>, Header, description = "Who makes the change (recorded)")),
    security(("api_key" = ["esign:admin"])),
    responses((status = 200, body = Department), (status = "4XX", body = ErrorBody)))]
pub async fn update_department(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<UpdateDepartment>, JsonRejection>,
) -> Result<Json<Department>, ApiError> {
    let caller = require(&state, &headers, Scope::EsignAdmin).await?;
    let Json(req) = body.map_err(json_error)?;
    let name = req.name.as_deref().map(check_name).transpose()?;
    let acceptance = req.acceptance_percentage.map(check_acceptance).transpose()?;
    for _ in 0..3 {
        let before = own_department(&state, &caller, &id).await?;
        let mut after = before.clone();
        after.name = name.clone().unwrap_or(after.name);
        after.smart_liveliness = req.smart_liveliness.unwrap_or(after.smart_liveliness);
        after.acceptance_percentage = acceptance.unwrap_or(after.acceptance_percentage);
        after.updated_at = state.clock.now_ms().max(before.updated_at + 1);
        let who = actor(&headers);
        let changes: Vec<ChangeRow> = settings(&before)
            .into_iter()
            .zip(settings(&after))
            .filter(|((_, old), (_, new))| old != new)
            .map(|((field, old), (_, new))| ChangeRow {
                at: after.updated_at,
                actor: who.clone(),
                field: field.into(),
                old: Some(old),
                new,
            })
            .collect();
        if changes.is_empty() {
            return Ok(Json(before.into()));
        }
        if state
            .store
            .update_department(&after, before.updated_at, &changes)
            .await?
        {
            return Ok(Json(after.into()));
        }
    }
    Err(ApiError::Conflict(
        "a concurrent update of this department (retry)".into(),
    ))
}

/// A department's change history.
#[utoipa::path(get, path = "/v1/departments/{id}/changes", tag = "esign",
    params(("id" = String, Path, description = "Department id")), security(("api_key" = ["esign:admin"])),
    responses((status = 200, body = ChangeList), (status = "4XX", body = ErrorBody)))]
pub async fn department_changes(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ChangeList>, ApiError> {
    let caller = require(&state, &headers, Scope::EsignAdmin).await?;
    own_department(&state, &caller, &id).await?;
    let changes = state
        .store
        .department_changes(&id)
        .await?
        .into_iter()
        .map(|c| Change {
            at: c.at,
            actor: c.actor,
            field: c.field,
            old: c.old,
            new: c.new,
        })
        .collect();
    Ok(Json(ChangeList { changes }))
}
