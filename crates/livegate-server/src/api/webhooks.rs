//! Webhook endpoints and their delivery log.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{random_secret, scopes, ApiJson, ApiKey};
use crate::error::{ApiError, ErrorBody};
use crate::outbound::OutboundError;
use crate::store::EndpointRow;
use crate::AppState;

/// Register an endpoint.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// `http://` or `https://` URL that receives `session.completed` events. Its host must
    /// resolve to public addresses only (or to a network in `outbound_allow`).
    pub url: String,
}

/// A registered endpoint.
#[derive(Serialize, ToSchema)]
pub struct Endpoint {
    /// `whk_<uuid>`.
    pub id: String,
    /// Receiver URL.
    pub url: String,
    /// HMAC key (`whsec_…`), shown only when the endpoint is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Unix ms.
    pub created_at: i64,
}

/// One delivery with its attempts.
#[derive(Serialize, ToSchema)]
pub struct Delivery {
    /// Delivery id.
    pub id: String,
    /// Event name.
    pub event: String,
    /// Session reported.
    pub session_id: String,
    /// pending / delivered / failed.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// Unix ms of the next attempt (pending only).
    pub next_attempt_at: Option<i64>,
    /// Every attempt.
    pub log: Vec<Attempt>,
}

/// One attempt.
#[derive(Serialize, ToSchema)]
pub struct Attempt {
    /// 1-based.
    pub attempt: i64,
    /// Unix ms.
    pub at: i64,
    /// HTTP status received.
    pub status_code: Option<i64>,
    /// Our code when the attempt failed (`target_forbidden`, `connect_failed`, `timeout`,
    /// `redirect_refused`, `http_status`, `response_too_large`, ...), never the receiver's body.
    pub error: Option<String>,
    /// Round trip in ms.
    pub duration_ms: i64,
}

fn view(e: EndpointRow, with_secret: bool) -> Endpoint {
    Endpoint {
        id: e.id,
        url: e.url,
        secret: with_secret.then_some(e.secret),
        created_at: e.created_at,
    }
}

/// Registers a webhook endpoint; the response carries its signing secret, once.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = EndpointInput,
    security(("api_key" = ["webhooks"])), responses((status = 201, body = Endpoint), (status = "4XX", body = ErrorBody)))]
pub async fn create_endpoint(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::Webhooks>,
    ApiJson(input): ApiJson<EndpointInput>,
) -> Result<impl IntoResponse, ApiError> {
    let url = input.url.trim();
    state.outbound.check_url(url).await.map_err(|e| match e {
        OutboundError::InvalidUrl => {
            ApiError::InvalidRequest(format!("url must be an absolute http(s) URL, got {url:?}"))
        }
        other => ApiError::TargetRefused(other),
    })?;
    let row = EndpointRow {
        id: format!("whk_{}", uuid::Uuid::new_v4()),
        url: url.to_string(),
        secret: random_secret("whsec_")?,
        created_at: state.clock.now_ms(),
        tenant_id: caller.tenant,
    };
    state.store.create_endpoint(&row).await?;
    Ok((StatusCode::CREATED, Json(view(row, true))))
}

/// Lists endpoints (without secrets).
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks", security(("api_key" = ["webhooks"])),
    responses((status = 200, body = Vec<Endpoint>), (status = "4XX", body = ErrorBody)))]
pub async fn list_endpoints(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::Webhooks>,
) -> Result<Json<Vec<Endpoint>>, ApiError> {
    let rows = state.store.endpoints(&caller.tenant).await?;
    Ok(Json(rows.into_iter().map(|e| view(e, false)).collect()))
}

/// Removes an endpoint and its delivery log.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "webhooks", security(("api_key" = ["webhooks"])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::Webhooks>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_endpoint(&caller.tenant, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::WebhookNotFound)
    }
}

/// The delivery log of an endpoint, newest first (last 100).
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("api_key" = ["webhooks"])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, body = Vec<Delivery>), (status = "4XX", body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::Webhooks>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    state
        .store
        .endpoint(&id)
        .await?
        .filter(|e| caller.sees(&e.tenant_id))
        .ok_or(ApiError::WebhookNotFound)?;
    let mut out = Vec::new();
    for d in state.store.deliveries(&id, 100).await? {
        let log = state
            .store
            .attempts(&d.id)
            .await?
            .into_iter()
            .map(|a| Attempt {
                attempt: a.attempt,
                at: a.at,
                status_code: a.status_code,
                error: a.error,
                duration_ms: a.duration_ms,
            })
            .collect();
        out.push(Delivery {
            next_attempt_at: (d.status == "pending").then_some(d.next_attempt_at),
            id: d.id,
            event: d.event,
            session_id: d.session_id,
            status: d.status,
            attempts: d.attempts,
            log,
        });
    }
    Ok(Json(out))
}
