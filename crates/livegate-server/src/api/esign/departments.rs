//! Departments and their Invitee Configurations → Face Match Verification settings: Smart User
//! Liveliness and the Acceptance Percentage, with every change recorded (who, when, old → new).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::own_department;
use crate::api::auth::{scopes, ApiJson, ApiKey};
use crate::error::{ApiError, ErrorBody};
use crate::esign::privacy::{check_colour, check_retention, check_text, DEFAULT_RETENTION_DAYS, MAX_NOTICE_CHARS};
use crate::esign::rules::{check_acceptance, DEFAULT_ACCEPTANCE_PERCENTAGE};
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
    /// Days signers' capture images are kept, 1-3650 (default 90).
    pub capture_retention_days: Option<i64>,
    /// Privacy notice shown before the camera (what is captured and why; default: built-in).
    pub privacy_notice: Option<String>,
    /// Whom signers contact about their data (default: the document's sender).
    pub privacy_contact: Option<String>,
    /// Name on the journey pages and in messages (default: the department name).
    pub brand_name: Option<String>,
    /// Accent colour of the journey pages, `#rrggbb`.
    pub brand_colour: Option<String>,
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
    /// 1-3650.
    pub capture_retention_days: Option<i64>,
    /// New privacy notice (`""` restores the built-in one).
    pub privacy_notice: Option<String>,
    /// New contact (`""` clears it).
    pub privacy_contact: Option<String>,
    /// New brand name (`""` clears it).
    pub brand_name: Option<String>,
    /// New colour `#rrggbb` (`""` clears it).
    pub brand_colour: Option<String>,
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
    /// Days signers' capture images are kept.
    pub capture_retention_days: i64,
    /// The department's privacy notice (none: the built-in one).
    pub privacy_notice: Option<String>,
    /// Whom signers contact about their data.
    pub privacy_contact: Option<String>,
    /// Name on the journey pages and in messages.
    pub brand_name: Option<String>,
    /// Accent colour `#rrggbb`.
    pub brand_colour: Option<String>,
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
            capture_retention_days: d.capture_retention_days,
            privacy_notice: d.privacy_notice,
            privacy_contact: d.privacy_contact,
            brand_name: d.brand_name,
            brand_colour: d.brand_colour,
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
fn settings(d: &DepartmentRow) -> [(&'static str, String); 8] {
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    [
        ("name", d.name.clone()),
        ("smart_liveliness", d.smart_liveliness.to_string()),
        ("acceptance_percentage", d.acceptance_percentage.to_string()),
        ("capture_retention_days", d.capture_retention_days.to_string()),
        ("privacy_notice", text(&d.privacy_notice)),
        ("privacy_contact", text(&d.privacy_contact)),
        ("brand_name", text(&d.brand_name)),
        ("brand_colour", text(&d.brand_colour)),
    ]
}

/// The privacy and branding settings of a request, checked; `None` where not given.
struct Texts {
    retention: Option<i64>,
    notice: Option<Option<String>>,
    contact: Option<Option<String>>,
    brand_name: Option<Option<String>>,
    brand_colour: Option<Option<String>>,
}

impl Texts {
    fn check(
        retention: Option<i64>,
        notice: Option<&str>,
        contact: Option<&str>,
        brand_name: Option<&str>,
        brand_colour: Option<&str>,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            retention: retention.map(check_retention).transpose()?,
            notice: notice
                .map(|t| check_text("privacy_notice", t, MAX_NOTICE_CHARS))
                .transpose()?,
            contact: contact.map(|t| check_text("privacy_contact", t, 200)).transpose()?,
            brand_name: brand_name.map(|t| check_text("brand_name", t, 120)).transpose()?,
            brand_colour: brand_colour.map(check_colour).transpose()?,
        })
    }

    fn apply(&self, d: &mut DepartmentRow) {
        d.capture_retention_days = self.retention.unwrap_or(d.capture_retention_days);
        for (given, field) in [
            (&self.notice, &mut d.privacy_notice),
            (&self.contact, &mut d.privacy_contact),
            (&self.brand_name, &mut d.brand_name),
            (&self.brand_colour, &mut d.brand_colour),
        ] {
            if let Some(v) = given {
                field.clone_from(v);
            }
        }
    }
}

/// Creates a department.
#[utoipa::path(post, path = "/v1/departments", tag = "esign", request_body = CreateDepartment,
    security(("api_key" = ["esign:admin"])),
    responses((status = 201, body = Department), (status = "4XX", body = ErrorBody)))]
pub async fn create_department(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateDepartment>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock.now_ms();
    let texts = Texts::check(
        req.capture_retention_days,
        req.privacy_notice.as_deref(),
        req.privacy_contact.as_deref(),
        req.brand_name.as_deref(),
        req.brand_colour.as_deref(),
    )?;
    let mut d = DepartmentRow {
        id: format!("dep_{}", uuid::Uuid::new_v4()),
        name: check_name(&req.name)?,
        smart_liveliness: req.smart_liveliness,
        acceptance_percentage: check_acceptance(req.acceptance_percentage.unwrap_or(DEFAULT_ACCEPTANCE_PERCENTAGE))?,
        created_at: now,
        updated_at: now,
        tenant_id: caller.tenant,
        capture_retention_days: DEFAULT_RETENTION_DAYS,
        ..DepartmentRow::default()
    };
    texts.apply(&mut d);
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
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
) -> Result<Json<DepartmentList>, ApiError> {
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
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
) -> Result<Json<Department>, ApiError> {
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
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<UpdateDepartment>,
) -> Result<Json<Department>, ApiError> {
    let name = req.name.as_deref().map(check_name).transpose()?;
    let acceptance = req.acceptance_percentage.map(check_acceptance).transpose()?;
    let texts = Texts::check(
        req.capture_retention_days,
        req.privacy_notice.as_deref(),
        req.privacy_contact.as_deref(),
        req.brand_name.as_deref(),
        req.brand_colour.as_deref(),
    )?;
    for _ in 0..3 {
        let before = own_department(&state, &caller, &id).await?;
        let mut after = before.clone();
        after.name = name.clone().unwrap_or(after.name);
        after.smart_liveliness = req.smart_liveliness.unwrap_or(after.smart_liveliness);
        after.acceptance_percentage = acceptance.unwrap_or(after.acceptance_percentage);
        texts.apply(&mut after);
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
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
) -> Result<Json<ChangeList>, ApiError> {
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
