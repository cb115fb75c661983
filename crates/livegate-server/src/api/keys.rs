//! API keys as a resource (`admin` scope): create (the secret is shown once and stored only as
//! its sha256), list without secrets, rotate (a new secret; the old one stops, after
//! `api_key_rotation_grace_s`) and revoke (at once). An admin key of the default tenant (the
//! bootstrap key) manages every tenant's keys; an admin key of another tenant only its own.
//! Scopes and tenants themselves are in [`crate::keys`].

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{random_secret, scopes, ApiJson, ApiKey as KeyHolder};
use crate::error::{ApiError, ErrorBody};
use crate::keys::{key_name, parse_scopes, scopes_from_text, scopes_to_text, tenant_name, Caller, Scope, KEY_PREFIX};
use crate::store::ApiKeyRow;
use crate::AppState;

/// `POST /v1/keys`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// For people (1-100 characters).
    pub name: String,
    /// Any of `sessions`, `workflows`, `esign:admin`, `esign:send`, `webhooks`, `admin`
    /// (`admin` holds every other scope and manages keys).
    pub scopes: Vec<String>,
    /// The tenant whose sessions, documents, workflows and webhooks the key sees (1-64 of
    /// a-z, 0-9, `-`, `_`); default the caller's own. Only the default tenant's admin keys
    /// may name another.
    pub tenant: Option<String>,
}

/// An API key (its secret only in the answer that created it).
#[derive(Serialize, ToSchema)]
pub struct ApiKey {
    /// `key_…`.
    pub id: String,
    /// For people.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// The tenant whose rows it sees.
    pub tenant: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, to the minute.
    pub last_used_at: Option<i64>,
    /// Unix ms from which it stops working (in the future while a rotation's grace runs).
    pub revoked_at: Option<i64>,
    /// The secret (`lgk_…`) for `Authorization: Bearer`: shown here once, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `GET /v1/keys`.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    /// Oldest first, without secrets.
    pub keys: Vec<ApiKey>,
}

/// Which keys to list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KeyQuery {
    /// Only this tenant's (default: every tenant's for the default tenant's admin keys, the
    /// caller's own tenant's for others).
    pub tenant: Option<String>,
}

fn view(k: ApiKeyRow, secret: Option<String>) -> ApiKey {
    ApiKey {
        scopes: scopes_from_text(&k.scopes),
        id: k.id,
        name: k.name,
        tenant: k.tenant_id,
        created_at: k.created_at,
        last_used_at: k.last_used_at,
        revoked_at: k.revoked_at,
        secret,
    }
}

/// Whether `caller` manages the keys of `tenant`.
fn manages(caller: &Caller, tenant: &str) -> bool {
    caller.is_operator() || caller.sees(tenant)
}

/// A key the caller manages (anything else is `api_key_not_found`).
async fn managed(state: &AppState, caller: &Caller, id: &str) -> Result<ApiKeyRow, ApiError> {
    state
        .store
        .api_key(id)
        .await?
        .filter(|k| manages(caller, &k.tenant_id))
        .ok_or(ApiError::ApiKeyNotFound)
}

/// Creates an API key; the answer carries its secret, once.
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = CreateApiKey,
    security(("api_key" = ["admin"])),
    responses((status = 201, body = ApiKey), (status = "4XX", body = ErrorBody)))]
pub async fn create_api_key(
    State(state): State<AppState>,
    KeyHolder(caller, _): KeyHolder<scopes::Admin>,
    ApiJson(req): ApiJson<CreateApiKey>,
) -> Result<impl IntoResponse, ApiError> {
    let name = key_name(&req.name)?;
    let scopes = parse_scopes(&req.scopes)?;
    let tenant = match &req.tenant {
        Some(t) => tenant_name(t)?,
        None => caller.tenant.clone(),
    };
    if !manages(&caller, &tenant) {
        return Err(ApiError::TenantForbidden);
    }
    let secret = random_secret(KEY_PREFIX)?;
    let row = ApiKeyRow {
        id: format!("key_{}", uuid::Uuid::new_v4().simple()),
        name,
        scopes: scopes_to_text(&scopes),
        tenant_id: tenant,
        created_at: state.clock.now_ms(),
        last_used_at: None,
        revoked_at: None,
    };
    state.store.create_api_key(&row, &secret).await?;
    Ok((StatusCode::CREATED, Json(view(row, Some(secret)))))
}

/// Lists API keys, without their secrets.
#[utoipa::path(get, path = "/v1/keys", tag = "keys", params(KeyQuery),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = ApiKeyList), (status = "4XX", body = ErrorBody)))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    KeyHolder(caller, _): KeyHolder<scopes::Admin>,
    Query(q): Query<KeyQuery>,
) -> Result<Json<ApiKeyList>, ApiError> {
    let tenant = match (&q.tenant, caller.is_operator()) {
        (Some(t), _) if manages(&caller, t) => Some(t.as_str()),
        (Some(_), _) => return Err(ApiError::TenantForbidden),
        (None, true) => None,
        (None, false) => Some(caller.tenant.as_str()),
    };
    let keys = state.store.api_keys(tenant).await?;
    Ok(Json(ApiKeyList {
        keys: keys.into_iter().map(|k| view(k, None)).collect(),
    }))
}

/// Replaces a key's secret: a new key with the same name, scopes and tenant (its secret shown
/// once); the old secret stops after `api_key_rotation_grace_s` (default at once).
#[utoipa::path(post, path = "/v1/keys/{id}/rotate", tag = "keys",
    params(("id" = String, Path, description = "API key id")), security(("api_key" = ["admin"])),
    responses((status = 201, body = ApiKey), (status = "4XX", body = ErrorBody)))]
pub async fn rotate_api_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
    KeyHolder(caller, _): KeyHolder<scopes::Admin>,
) -> Result<impl IntoResponse, ApiError> {
    let old = managed(&state, &caller, &id).await?;
    let now = state.clock.now_ms();
    if !old.active(now) {
        return Err(ApiError::ApiKeyRevoked(old.id));
    }
    let secret = random_secret(KEY_PREFIX)?;
    let row = ApiKeyRow {
        id: format!("key_{}", uuid::Uuid::new_v4().simple()),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
        ..old.clone()
    };
    let old_until = now + state.config.api_key_rotation_grace_s as i64 * 1000;
    if !state
        .store
        .rotate_api_key(&old.id, old_until, now, &row, &secret)
        .await?
    {
        return Err(ApiError::ApiKeyRevoked(old.id));
    }
    Ok((StatusCode::CREATED, Json(view(row, Some(secret)))))
}

/// Revokes a key: from this request on, it is `401 invalid_credentials`.
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys",
    params(("id" = String, Path, description = "API key id")), security(("api_key" = ["admin"])),
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
    KeyHolder(caller, _): KeyHolder<scopes::Admin>,
) -> Result<StatusCode, ApiError> {
    let key = managed(&state, &caller, &id).await?;
    if state.store.revoke_api_key(&key.id, state.clock.now_ms()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::ApiKeyNotFound)
    }
}
