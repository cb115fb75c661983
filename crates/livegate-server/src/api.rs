//! The `/v1` HTTP API: create a session, upload frames, complete, read the result.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use livegate_engine::liveness::{evaluate, ChallengePlan, Decision, LivenessConfig, Verdict};
use livegate_engine::FrameSignals;
use livegate_media::{decode_image, ImageLimits};
use rand_core::{OsRng, TryRngCore};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{hash_secret, SessionRow};
use crate::{AppState, POLICY_VERSION};

/// The router with every route and the shared state.
pub fn router(state: AppState) -> Router {
    // Uploads are bounded by our own check (JSON error); the framework's limit sits just above.
    let limit = state.config.max_frame_bytes + 1;
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/v1/sessions", post(create_session))
        .route("/v1/sessions/{id}", get(session_detail))
        .route("/v1/sessions/{id}/frames", post(add_frame))
        .route("/v1/sessions/{id}/complete", post(complete))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(ApiError::MissingCredentials)
}

async fn require_api_key(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.store.api_key_valid(bearer(headers)?).await? {
        Ok(())
    } else {
        Err(ApiError::InvalidCredentials)
    }
}

/// Loads a session the caller may act on: an API key, or the session's own client token.
async fn authorised_session(state: &AppState, headers: &HeaderMap, id: &str) -> Result<SessionRow, ApiError> {
    let secret = bearer(headers)?;
    let session = state.store.session(id).await?;
    if state.store.api_key_valid(secret).await? {
        return session.ok_or(ApiError::SessionNotFound);
    }
    let hash = hash_secret(secret);
    match session {
        Some(s) if s.token_hash == hash => Ok(s),
        // A token that is some other session's: say so; anything else is just invalid.
        _ if secret.starts_with("lgt_") => Err(ApiError::ForeignToken),
        _ => Err(ApiError::InvalidCredentials),
    }
}

/// Refuses changes to completed or expired sessions (marking expiry when the deadline passed).
async fn require_open(state: &AppState, s: &SessionRow) -> Result<(), ApiError> {
    if s.verdict.is_some() {
        return Err(ApiError::SessionCompleted);
    }
    if s.status == "expired" || state.clock.now_ms() > s.expires_at {
        state.store.expire(&s.id).await?;
        return Err(ApiError::SessionExpired);
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSession {
    profile: Profile,
    #[serde(default)]
    fixed_order: bool,
}

/// Seed 001's profile fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    #[serde(default)]
    steps: Vec<String>,
    #[serde(default = "default_mode")]
    liveness_mode: String,
    #[serde(default = "default_threshold")]
    liveness_threshold: f64,
    #[serde(default)]
    liveness_challenges: Option<Vec<String>>,
    #[serde(default)]
    frames: Option<u32>,
    #[serde(default)]
    challenge_time_frame_s: Option<f64>,
}

fn default_mode() -> String {
    "passive".into()
}

fn default_threshold() -> f64 {
    livegate_engine::liveness::config::DEFAULT_THRESHOLD
}

fn random_secret(prefix: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 24];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("OS random generator: {e}")))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

struct OsCsprng;

impl rand_core::RngCore for OsCsprng {
    fn next_u32(&mut self) -> u32 {
        OsRng.try_next_u32().expect("the OS random generator is available")
    }
    fn next_u64(&mut self) -> u64 {
        OsRng.try_next_u64().expect("the OS random generator is available")
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        OsRng.try_fill_bytes(dst).expect("the OS random generator is available")
    }
}

impl rand_core::CryptoRng for OsCsprng {}

async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<CreateSession>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    require_api_key(&state, &headers).await?;
    let Json(request) = body.map_err(json_error)?;
    let p = request.profile;
    let _ = p.steps;
    let all = ["head_left", "head_right", "smile", "blink"].map(String::from).to_vec();
    let names = p.liveness_challenges.unwrap_or(all);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let config = LivenessConfig::new(
        &p.liveness_mode,
        p.liveness_threshold,
        &names,
        p.frames,
        p.challenge_time_frame_s,
    )?;
    let plan = ChallengePlan::draw(&config, request.fixed_order, &mut OsCsprng);
    let token = random_secret("lgt_")?;
    let now = state.clock.now_ms();
    let row = SessionRow {
        id: format!("ses_{}", uuid::Uuid::new_v4()),
        status: "created".into(),
        config: serde_json::to_string(&config).map_err(|e| ApiError::Internal(e.to_string()))?,
        plan: serde_json::to_string(&plan).map_err(|e| ApiError::Internal(e.to_string()))?,
        token_hash: hash_secret(&token),
        created_at: now,
        expires_at: now + state.config.session_ttl_s as i64 * 1000,
        verdict: None,
        model_version: None,
        policy_version: None,
    };
    state.store.create_session(&row).await?;
    let body = json!({
        "id": row.id,
        "status": row.status,
        "client_token": token,
        "expires_at": row.expires_at,
        "plan": plan,
        "profile": {
            "liveness_mode": config.mode,
            "liveness_threshold": config.threshold,
            "liveness_challenges": config.challenges,
            "frames": config.min_frames,
            "challenge_time_frame_s": config.challenge_time_frame_s,
        },
    });
    Ok((StatusCode::CREATED, Json(body)))
}

fn json_error(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::UnsupportedMediaType("(not application/json)".into(), "send application/json")
        }
        other => ApiError::InvalidJson(other.body_text()),
    }
}

async fn add_frame(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let session = authorised_session(&state, &headers, &id).await?;
    require_open(&state, &session).await?;
    let limit = state.config.max_frame_bytes;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(limit + 1, limit),
        _ => ApiError::InvalidRequest(e.body_text()),
    })?;
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !matches!(content_type, "image/jpeg" | "image/png") {
        return Err(ApiError::UnsupportedMediaType(
            content_type.into(),
            "send image/jpeg or image/png",
        ));
    }
    if body.len() > limit {
        return Err(ApiError::PayloadTooLarge(body.len(), limit));
    }
    let t: f64 = headers
        .get("x-capture-time")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .filter(|t: &f64| t.is_finite() && *t >= 0.0)
        .ok_or_else(|| {
            ApiError::InvalidRequest("header X-Capture-Time (seconds since the session start) is required".into())
        })?;
    let permit = state.workers.clone().try_acquire_owned().map_err(|_| ApiError::Busy)?;
    let analyzer = Arc::clone(&state.analyzer);
    let sha = hex::encode(Sha256::digest(&body));
    let len = body.len();
    let signals = tokio::task::spawn_blocking(move || -> Result<FrameSignals, ApiError> {
        let _permit = permit;
        let frame = decode_image(&body, ImageLimits::default())?;
        if frame.check_min_resolution().is_err() {
            return Err(ApiError::FrameTooSmall(frame.width(), frame.height()));
        }
        analyzer
            .analyze(&frame, t)
            .map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("analysis task: {e}")))??;
    let json = serde_json::to_string(&signals).map_err(|e| ApiError::Internal(e.to_string()))?;
    let seq = state.store.add_frame(&id, t, &json, &sha, len).await?;
    let codes: Vec<&str> = signals.quality.codes.iter().map(|c| c.code()).collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "seq": seq,
            "t": t,
            "face_count": signals.face_count,
            "quality": {"ok": signals.quality.ok, "codes": codes, "messages": signals.quality.messages},
        })),
    ))
}

fn decision_status(d: Decision) -> &'static str {
    match d {
        Decision::Approved => "approved",
        Decision::Review => "review",
        Decision::Declined => "declined",
    }
}

async fn complete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let session = authorised_session(&state, &headers, &id).await?;
    require_open(&state, &session).await?;
    let config: LivenessConfig = parse_stored(&session.config)?;
    let plan: ChallengePlan = parse_stored(&session.plan)?;
    let frames = state
        .store
        .frame_signals(&id)
        .await?
        .iter()
        .map(|s| parse_stored::<FrameSignals>(s))
        .collect::<Result<Vec<_>, _>>()?;
    let verdict = evaluate(&config, &plan, &frames);
    let json = serde_json::to_string(&verdict).map_err(|e| ApiError::Internal(e.to_string()))?;
    let versions = (state.analyzer.models().version.as_str(), POLICY_VERSION);
    let status = decision_status(verdict.decision);
    if !state
        .store
        .complete(&id, status, &json, versions, state.clock.now_ms())
        .await?
    {
        return Err(ApiError::SessionCompleted);
    }
    let session = state.store.session(&id).await?.ok_or(ApiError::SessionNotFound)?;
    Ok(Json(detail(&session)?))
}

fn parse_stored<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    serde_json::from_str(s).map_err(|e| ApiError::Internal(format!("stored record: {e}")))
}

async fn session_detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let mut session = authorised_session(&state, &headers, &id).await?;
    if session.verdict.is_none() && state.clock.now_ms() > session.expires_at && session.status != "expired" {
        state.store.expire(&id).await?;
        session.status = "expired".into();
    }
    Ok(Json(detail(&session)?))
}

/// The session detail: status and seed 001's `selfie` object verbatim once there is a verdict.
fn detail(s: &SessionRow) -> Result<Value, ApiError> {
    let plan: ChallengePlan = parse_stored(&s.plan)?;
    let mut body = json!({
        "id": s.id,
        "status": s.status,
        "created_at": s.created_at,
        "expires_at": s.expires_at,
        "plan": plan,
    });
    if let Some(v) = &s.verdict {
        let v: Verdict = parse_stored(v)?;
        body["selfie"] = json!({
            "liveness_mode": v.liveness_mode,
            "liveness_score": v.liveness_score,
            "liveness_passed": v.liveness_passed,
            "liveness_threshold": v.liveness_threshold,
            "challenges_completed": v.challenges_completed,
            "frames_captured": v.frames_captured,
            "pose_variation_score": v.pose_variation_score,
            "expression_variation_score": v.expression_variation_score,
        });
        body["decision"] = json!(v.decision);
        body["reasons"] = json!(v.reasons);
        body["challenges"] = json!(v.challenges);
        body["evidence"] = json!(v.evidence);
        body["model_version"] = json!(s.model_version);
        body["policy_version"] = json!(s.policy_version);
    }
    Ok(body)
}
