//! Endpoints for the browser, which holds only a session's client token: its session, and a
//! retry when the profile allows one.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;

use super::auth::token_session;
use super::sessions::{base_of, check_expiry, detail, new_session, CreateSession, SessionCreated, SessionDetail};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;

/// The session of this client token.
#[utoipa::path(get, path = "/v1/client/session", tag = "client", security(("client_token" = [])),
    responses((status = 200, body = SessionDetail), (status = "4XX", body = ErrorBody)))]
pub async fn client_session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SessionDetail>, ApiError> {
    let mut session = token_session(&state, &headers).await?;
    check_expiry(&state, &mut session).await?;
    Ok(Json(detail(&state, &session).await?.for_person()))
}

/// Starts the next attempt of this token's declined, reviewed or expired session (same profile
/// and reference); refused when it was approved, is still open, or its retries are used up.
#[utoipa::path(post, path = "/v1/client/retry", tag = "client", security(("client_token" = [])),
    responses((status = 201, body = SessionCreated), (status = "4XX", body = ErrorBody)))]
pub async fn client_retry(State(state): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    let mut session = token_session(&state, &headers).await?;
    check_expiry(&state, &mut session).await?;
    let req = CreateSession {
        retry_of: Some(session.id.clone()),
        ..CreateSession::default()
    };
    let tenant = session.tenant_id.clone();
    let (profile, prev) = base_of(&state, &tenant, &req).await?;
    let mut created = new_session(&state, &tenant, profile, prev.as_ref(), &req).await?;
    // The browser learns the alternatives only by asking for one (X5).
    created.profile.accessible_alternatives = None;
    Ok((StatusCode::CREATED, Json(created)))
}
