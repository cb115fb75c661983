//! Workflows: CRUD of named liveness profiles that sessions start from.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{scopes, ApiJson, ApiKey};
use super::{parse_stored, to_json};
use crate::error::{ApiError, ErrorBody};
use crate::profile::Profile;
use crate::store::WorkflowRow;
use crate::AppState;

/// Create or replace a workflow.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowInput {
    /// Unique name, 1-100 characters.
    pub name: String,
    /// The profile; omitted fields take the defaults.
    #[serde(default)]
    pub profile: Profile,
    /// Origins (`https://shop.example`, or `http://` on loopback) a session's `redirect_url`
    /// may return to; none by default.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// A stored workflow.
#[derive(Serialize, ToSchema)]
pub struct Workflow {
    /// `wf_<uuid>`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// The effective profile (defaults filled in).
    pub profile: Profile,
    /// Origins a session's `redirect_url` may return to.
    pub allowed_origins: Vec<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// A workflow's checked name, profile (JSON) and allowed origins (JSON).
fn validated(input: WorkflowInput) -> Result<(String, String, Option<String>), ApiError> {
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::InvalidRequest("name must have 1-100 characters".into()));
    }
    let resolved = input.profile.resolve()?;
    if input.allowed_origins.len() > 20 {
        return Err(ApiError::InvalidRequest(
            "allowed_origins lists at most 20 origins".into(),
        ));
    }
    let origins = input
        .allowed_origins
        .iter()
        .map(|o| crate::origins::normalise_origin(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::InvalidRequest)?;
    let origins = (!origins.is_empty()).then(|| to_json(&origins)).transpose()?;
    Ok((name, to_json(&resolved.profile)?, origins))
}

/// The allowed origins stored with a workflow.
pub fn allowed_origins(row: &WorkflowRow) -> Result<Vec<String>, ApiError> {
    row.allowed_origins
        .as_deref()
        .map(parse_stored)
        .transpose()
        .map(Option::unwrap_or_default)
}

fn view(row: WorkflowRow) -> Result<Workflow, ApiError> {
    Ok(Workflow {
        allowed_origins: allowed_origins(&row)?,
        profile: parse_stored(&row.profile)?,
        id: row.id,
        name: row.name,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// A workflow of the caller's tenant (another tenant's is `workflow_not_found`).
async fn own_workflow(state: &AppState, caller: &crate::keys::Caller, id: &str) -> Result<WorkflowRow, ApiError> {
    let row = state.store.workflow(id).await?.ok_or(ApiError::WorkflowNotFound)?;
    caller.own(&row.tenant_id.clone(), row, ApiError::WorkflowNotFound)
}

/// Creates a workflow.
#[utoipa::path(post, path = "/v1/workflows", tag = "workflows", request_body = WorkflowInput,
    security(("api_key" = ["workflows"])),
    responses((status = 201, body = Workflow), (status = "4XX", body = ErrorBody)))]
pub async fn create_workflow(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::Workflows>,
    ApiJson(req): ApiJson<WorkflowInput>,
) -> Result<impl IntoResponse, ApiError> {
    let (name, profile, allowed_origins) = validated(req)?;
    let now = state.clock.now_ms();
    let row = WorkflowRow {
        id: format!("wf_{}", uuid::Uuid::new_v4()),
        name,
        profile,
        allowed_origins,
        created_at: now,
        updated_at: now,
        tenant_id: caller.tenant,
    };
    state.store.create_workflow(&row).await?;
    Ok((StatusCode::CREATED, Json(view(row)?)))
}

/// Lists workflows by name.
#[utoipa::path(get, path = "/v1/workflows", tag = "workflows", security(("api_key" = ["workflows"])),
    responses((status = 200, body = Vec<Workflow>), (status = "4XX", body = ErrorBody)))]
pub async fn list_workflows(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::Workflows>,
) -> Result<Json<Vec<Workflow>>, ApiError> {
    let rows = state.store.workflows(&caller.tenant).await?;
    Ok(Json(rows.into_iter().map(view).collect::<Result<_, _>>()?))
}

/// Reads a workflow.
#[utoipa::path(get, path = "/v1/workflows/{id}", tag = "workflows", security(("api_key" = ["workflows"])),
    params(("id" = String, Path, description = "Workflow id")),
    responses((status = 200, body = Workflow), (status = "4XX", body = ErrorBody)))]
pub async fn get_workflow(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::Workflows>,
) -> Result<Json<Workflow>, ApiError> {
    let row = own_workflow(&state, &caller, &id).await?;
    Ok(Json(view(row)?))
}

/// Replaces a workflow's name and profile (sessions already created keep theirs).
#[utoipa::path(put, path = "/v1/workflows/{id}", tag = "workflows", request_body = WorkflowInput,
    params(("id" = String, Path, description = "Workflow id")), security(("api_key" = ["workflows"])),
    responses((status = 200, body = Workflow), (status = "4XX", body = ErrorBody)))]
pub async fn update_workflow(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::Workflows>,
    ApiJson(req): ApiJson<WorkflowInput>,
) -> Result<Json<Workflow>, ApiError> {
    let (name, profile, allowed_origins) = validated(req)?;
    let mut row = own_workflow(&state, &caller, &id).await?;
    row.name = name;
    row.profile = profile;
    row.allowed_origins = allowed_origins;
    row.updated_at = state.clock.now_ms();
    if !state.store.update_workflow(&row).await? {
        return Err(ApiError::WorkflowNotFound);
    }
    Ok(Json(view(row)?))
}

/// Deletes a workflow.
#[utoipa::path(delete, path = "/v1/workflows/{id}", tag = "workflows",
    params(("id" = String, Path, description = "Workflow id")), security(("api_key" = ["workflows"])),
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
pub async fn delete_workflow(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::Workflows>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_workflow(&caller.tenant, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::WorkflowNotFound)
    }
}
