//! Sessions: create (workflow or inline profile, overrides, reference image, retries), read the
//! detail, complete, and fetch audit images.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use livegate_engine::embedding::Embedding;
use livegate_engine::liveness::{ChallengePlan, LivenessConfig};
use livegate_media::{decode_image, ImageLimits};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::{
    authorised_session, is_client_token, random_secret, scopes, ApiJson, ApiKey, OsCsprng, TOKEN_PREFIX,
};
use super::{image_extension, on_worker, on_worker_waiting, parse_stored, to_json};
use crate::error::{ApiError, ErrorBody};
use crate::frame_cache::Snapshot;
use crate::keys::Scope;
use crate::objects::Staged;
use crate::outcome::{outcome, FaceMatchResult, SessionResult};
use crate::profile::Profile;
use crate::store::{hash_secret, Completion, SessionRow};
use crate::{evidence, AppState, POLICY_VERSION};

/// `POST /v1/sessions`.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// Start from this workflow's profile.
    pub workflow_id: Option<String>,
    /// An inline profile (applied over the workflow's, if both are given).
    pub profile: Option<Profile>,
    /// Per-session overrides, applied last.
    pub overrides: Option<Profile>,
    /// Reference photo for face match: base64 of a JPEG or PNG.
    pub reference_image: Option<String>,
    /// Retry this failed or expired session: same profile and reference, next attempt.
    pub retry_of: Option<String>,
    /// Where the hosted capture page's Done button returns the person: an absolute URL on one
    /// of the workflow's `allowed_origins` (a retry keeps its session's).
    pub redirect_url: Option<String>,
    /// Your id of the person (1-128 characters, opaque): after `lockout_failures` declined
    /// sessions of one subject within `lockout_window_s`, new sessions for it are refused
    /// `429 subject_locked` until the window passes. A retry keeps its session's.
    pub subject: Option<String>,
}

/// A created session.
#[derive(Serialize, ToSchema)]
pub struct SessionCreated {
    /// `ses_<uuid>`.
    pub id: String,
    /// `created`.
    pub status: String,
    /// Token for the browser, valid for this session only until `expires_at`.
    pub client_token: String,
    /// Unix ms.
    pub expires_at: i64,
    /// 1 for a first attempt.
    pub attempt: i64,
    /// 1 + the profile's retries.
    pub max_attempts: i64,
    /// The effective profile.
    pub profile: Profile,
    /// Challenges in the order to perform them, with the plan's nonce.
    #[schema(value_type = Object)]
    pub plan: Value,
}

/// Seed 001's `selfie` object.
#[derive(Serialize, ToSchema)]
pub struct Selfie {
    /// `passive` or `active`.
    pub liveness_mode: String,
    /// 0-100.
    pub liveness_score: f64,
    /// Whether the score met the threshold.
    pub liveness_passed: bool,
    /// Threshold used.
    pub liveness_threshold: f64,
    /// Challenges completed.
    pub challenges_completed: Vec<String>,
    /// Frames analysed.
    pub frames_captured: usize,
    /// Head movement score (0-100).
    pub pose_variation_score: f64,
    /// Expression change score (0-100).
    pub expression_variation_score: f64,
}

/// An audit image of a completed session.
#[derive(Serialize, ToSchema)]
pub struct AuditImageRef {
    /// 0-based.
    pub index: i64,
    /// Capture time (s).
    pub t: f64,
    /// sha256 of the image.
    pub sha256: String,
    /// Where to fetch it (same credentials as the session).
    pub url: String,
}

/// `GET /v1/sessions/{id}`.
#[derive(Serialize, ToSchema)]
pub struct SessionDetail {
    /// `ses_<uuid>`.
    pub id: String,
    /// created, in_progress, approved, declined, review, expired.
    pub status: String,
    /// Workflow it came from.
    pub workflow_id: Option<String>,
    /// This attempt (1-based).
    pub attempt: i64,
    /// 1 + retries.
    pub max_attempts: i64,
    /// Retries left after this attempt.
    pub attempts_remaining: i64,
    /// The session this one retries.
    pub retry_of: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub expires_at: i64,
    /// Unix ms.
    pub completed_at: Option<i64>,
    /// Frames accepted.
    pub frames_received: i64,
    /// Effective profile.
    pub profile: Profile,
    /// Challenge plan.
    #[schema(value_type = Object)]
    pub plan: Value,
    /// Liveness result (seed 001), once completed.
    pub selfie: Option<Selfie>,
    /// approved / review / declined, from liveness alone.
    pub decision: Option<String>,
    /// Stable reason codes.
    pub reasons: Vec<String>,
    /// Quality codes seen on the frames.
    pub quality_codes: Vec<String>,
    /// Face match, when the session has a reference.
    pub face_match: Option<FaceMatchResult>,
    /// Per-challenge timing.
    #[schema(value_type = Object)]
    pub challenges: Option<Value>,
    /// Attack evidence measured.
    #[schema(value_type = Object)]
    pub evidence: Option<Value>,
    /// Frames kept as evidence.
    pub audit_images: Vec<AuditImageRef>,
    /// Whether the frame images were deleted (retention).
    pub frames_purged: bool,
    /// Model set version of the verdict.
    pub model_version: Option<String>,
    /// Scoring policy version of the verdict.
    pub policy_version: Option<String>,
    /// Where the hosted capture page's Done button returns the person.
    pub redirect_url: Option<String>,
    /// Accessible alternatives the person asked for (X5), with why and the risk flags each
    /// raises; empty when none.
    pub accessibility: Vec<crate::accessibility::AlternativeUsed>,
}

fn profile_of(s: &SessionRow) -> Result<Profile, ApiError> {
    parse_stored(&s.profile)
}

fn max_attempts(profile: &Profile) -> i64 {
    1 + i64::from(profile.retries.unwrap_or(0))
}

/// The base profile and reference of a new session: a retry's predecessor, or the workflow,
/// either of `tenant` (another tenant's is not found).
pub async fn base_of(
    state: &AppState,
    tenant: &str,
    req: &CreateSession,
) -> Result<(Profile, Option<SessionRow>), ApiError> {
    if let Some(prev_id) = &req.retry_of {
        if req.workflow_id.is_some() || req.profile.is_some() || req.overrides.is_some() {
            return Err(ApiError::InvalidRequest(
                "a retry keeps its session's profile; send only retry_of".into(),
            ));
        }
        let prev = state
            .store
            .session(prev_id)
            .await?
            .filter(|p| p.tenant_id == tenant)
            .ok_or(ApiError::SessionNotFound)?;
        let expired = prev.result.is_none() && state.clock.now_ms() > prev.expires_at;
        // An approved attempt may be retried too (seed 000: "Retry if unhappy") while attempts
        // remain.
        match prev.status.as_str() {
            "created" | "in_progress" if !expired => {
                return Err(ApiError::RetryNotAllowed(prev.id, "it is still open"))
            }
            _ => {}
        }
        let profile = profile_of(&prev)?;
        if prev.attempt >= max_attempts(&profile) {
            return Err(ApiError::AttemptsExhausted(max_attempts(&profile)));
        }
        return Ok((profile, Some(prev)));
    }
    let mut profile = match &req.workflow_id {
        Some(id) => parse_stored(&tenant_workflow(state, tenant, id).await?.profile)?,
        None => Profile::default(),
    };
    for layer in [&req.profile, &req.overrides].into_iter().flatten() {
        profile = profile.merged(layer);
    }
    Ok((profile, None))
}

/// A workflow of `tenant` (another tenant's is `workflow_not_found`).
async fn tenant_workflow(state: &AppState, tenant: &str, id: &str) -> Result<crate::store::WorkflowRow, ApiError> {
    state
        .store
        .workflow(id)
        .await?
        .filter(|w| w.tenant_id == tenant)
        .ok_or(ApiError::WorkflowNotFound)
}

/// Decodes a base64 reference photo, checks it with the engine's reference gate and computes its
/// descriptor; a photo the gate refuses is answered with its code and nothing is stored.
pub async fn reference_embedding(state: &AppState, b64: &str) -> Result<(Vec<u8>, Embedding), ApiError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| ApiError::InvalidRequest(format!("reference_image is not valid base64: {e}")))?;
    if bytes.len() > state.config.max_frame_bytes {
        return Err(ApiError::PayloadTooLarge(bytes.len(), state.config.max_frame_bytes));
    }
    let analyzer = state.analyzer.clone();
    let input = bytes.clone();
    let embedding = on_worker(state, move || {
        let image = decode_image(&input, ImageLimits::default())?;
        let check = analyzer
            .reference(&image)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok::<_, ApiError>(check?)
    })
    .await?;
    Ok((bytes, embedding))
}

/// The lockout: `lockout_failures` declined sessions of `subject` within `lockout_window_s`
/// refuse new ones until the oldest of them leaves the window.
async fn refuse_locked(state: &AppState, tenant: &str, subject: &str, now: i64) -> Result<(), ApiError> {
    let limit = state.config.lockout_failures as usize;
    if limit == 0 {
        return Ok(());
    }
    let window = state.config.lockout_window_s as i64 * 1000;
    let failures = state.store.failures_since(tenant, subject, now - window).await?;
    if failures.len() < limit {
        return Ok(());
    }
    let free_at = failures[failures.len() - limit] + window;
    Err(ApiError::SubjectLocked(
        ((free_at - now).max(1000) as u64).div_ceil(1000),
    ))
}

/// A redirect URL the session's workflow allows.
async fn checked_redirect(
    state: &AppState,
    tenant: &str,
    workflow_id: Option<&str>,
    url: &str,
) -> Result<String, ApiError> {
    let refuse = |why| ApiError::RedirectNotAllowed(url.chars().take(200).collect(), why);
    let id = workflow_id
        .ok_or_else(|| refuse("a redirect_url needs a workflow_id whose allowed_origins list its origin"))?;
    let workflow = tenant_workflow(state, tenant, id).await?;
    let allowed = super::workflows::allowed_origins(&workflow)?;
    crate::origins::check_redirect(url, &allowed).map_err(refuse)?;
    Ok(url.to_string())
}

/// A reference photo already stored and measured (an e-signature invitee's), which a new session
/// takes without decoding it again.
#[derive(Clone, Debug)]
pub struct MeasuredReference {
    /// Where the photo is stored.
    pub object_key: String,
    /// Its descriptor (JSON).
    pub embedding: String,
}

/// Stores a new session of `tenant` from a profile (a retry passes its predecessor, whose
/// tenant it keeps) and returns what the caller hands to the browser.
pub async fn new_session(
    state: &AppState,
    tenant: &str,
    profile: Profile,
    prev: Option<&SessionRow>,
    req: &CreateSession,
) -> Result<SessionCreated, ApiError> {
    new_session_with(state, tenant, profile, prev, req, None).await
}

/// [`new_session`] with a reference photo measured before (`req.reference_image` and `prev`
/// take precedence).
pub async fn new_session_with(
    state: &AppState,
    tenant: &str,
    mut profile: Profile,
    prev: Option<&SessionRow>,
    req: &CreateSession,
    measured: Option<MeasuredReference>,
) -> Result<SessionCreated, ApiError> {
    let tenant = prev.map_or(tenant, |p| p.tenant_id.as_str());
    let has_reference =
        req.reference_image.is_some() || prev.is_some_and(|p| p.reference_key.is_some()) || measured.is_some();
    if has_reference {
        let mut steps = profile.steps.clone().unwrap_or_else(|| vec!["selfie".into()]);
        if !steps.iter().any(|s| s == "face_match" || s == "document") {
            steps.push("face_match".into());
        }
        profile.steps = Some(steps);
    }
    let resolved = profile.resolve()?;
    let id = format!("ses_{}", uuid::Uuid::new_v4());
    // The reference is written first; anything refused after it deletes it again.
    let mut staged = Staged::new();
    let (reference_key, reference_embedding) = match (&req.reference_image, prev, measured) {
        (Some(b64), _, _) => {
            let (bytes, embedding) = reference_embedding(state, b64).await?;
            let key = format!("sessions/{id}/reference.{}", image_extension(&bytes));
            staged.put(&state.objects, &key, bytes.into()).await?;
            (Some(key), Some(to_json(&embedding)?))
        }
        (None, Some(p), _) => (p.reference_key.clone(), p.reference_embedding.clone()),
        (None, None, Some(m)) => {
            // Copied in the object store, not decoded: its descriptor comes with it.
            let ext = m.object_key.rsplit('.').next().unwrap_or("jpg");
            let key = format!("sessions/{id}/reference.{ext}");
            staged.copy(&state.objects, &m.object_key, &key).await?;
            (Some(key), Some(m.embedding))
        }
        (None, None, None) if resolved.face_match => {
            return Err(ApiError::ReferenceRequired(resolved.profile.steps.unwrap_or_default()))
        }
        (None, None, None) => (None, None),
    };
    let result = async {
        let redirect_url = match (prev, &req.redirect_url) {
            (Some(p), _) => p.redirect_url.clone(),
            (None, Some(url)) => Some(checked_redirect(state, tenant, req.workflow_id.as_deref(), url).await?),
            (None, None) => None,
        };
        let subject = match (prev, &req.subject) {
            (Some(p), _) => p.subject.clone(),
            (None, Some(s)) if (1..=128).contains(&s.chars().count()) && !s.chars().any(char::is_control) => {
                Some(s.clone())
            }
            (None, Some(_)) => return Err(ApiError::InvalidRequest("subject must be 1-128 characters".into())),
            (None, None) => None,
        };
        let now = state.clock.now_ms();
        if let Some(subject) = &subject {
            refuse_locked(state, tenant, subject, now).await?;
        }
        let mut plan = ChallengePlan::draw(&resolved.config, resolved.fixed_order, &mut OsCsprng);
        crate::accessibility::mark(&mut plan, &resolved.alternatives);
        let token = random_secret(TOKEN_PREFIX)?;
        let row = SessionRow {
            id,
            status: "created".into(),
            workflow_id: prev.map_or(req.workflow_id.clone(), |p| p.workflow_id.clone()),
            profile: to_json(&resolved.profile)?,
            config: to_json(&resolved.config)?,
            plan: to_json(&plan)?,
            token_hash: hash_secret(&token),
            attempt: prev.map_or(1, |p| p.attempt + 1),
            retry_of: prev.map(|p| p.id.clone()),
            reference_key,
            reference_embedding,
            created_at: now,
            expires_at: now + state.config.session_ttl_s as i64 * 1000,
            redirect_url,
            subject,
            tenant_id: tenant.to_string(),
            ..SessionRow::default()
        };
        state.store.create_session(&row).await?;
        metrics::counter!("livegate_sessions_created_total").increment(1);
        let created = SessionCreated {
            id: row.id,
            status: row.status,
            client_token: token,
            expires_at: row.expires_at,
            attempt: row.attempt,
            max_attempts: max_attempts(&resolved.profile),
            profile: resolved.profile,
            plan: serde_json::to_value(&plan).map_err(|e| ApiError::Internal(e.to_string()))?,
        };
        Ok(created)
    }
    .await;
    staged.settle(&state.objects, result, |_| true).await
}

/// Creates a session.
#[utoipa::path(post, path = "/v1/sessions", tag = "sessions", request_body = CreateSession,
    security(("api_key" = ["sessions"])),
    responses((status = 201, body = SessionCreated), (status = "4XX", body = ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::Sessions>,
    ApiJson(req): ApiJson<CreateSession>,
) -> Result<impl IntoResponse, ApiError> {
    let (profile, prev) = base_of(&state, &caller.tenant, &req).await?;
    let created = new_session(&state, &caller.tenant, profile, prev.as_ref(), &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Whether a session is past its deadline without a verdict and not yet marked expired.
pub fn overdue(state: &AppState, s: &SessionRow) -> bool {
    s.result.is_none() && s.status != "expired" && state.clock.now_ms() > s.expires_at
}

/// Marks an open session past its deadline as expired; returns whether it is (now) expired.
pub async fn check_expiry(state: &AppState, s: &mut SessionRow) -> Result<bool, ApiError> {
    if overdue(state, s) {
        state.store.expire(&s.id, state.clock.now_ms()).await?;
        s.status = "expired".into();
        state.frame_cache.forget(&s.id);
        crate::hooks::finished(state, &s.id).await;
    }
    Ok(s.status == "expired")
}

/// Refuses changes to completed or expired sessions.
pub async fn require_open(state: &AppState, s: &mut SessionRow) -> Result<(), ApiError> {
    if s.result.is_some() {
        return Err(ApiError::SessionCompleted);
    }
    if check_expiry(state, s).await? {
        return Err(ApiError::SessionExpired);
    }
    Ok(())
}

/// Reads a session.
#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "sessions",
    params(("id" = String, Path, description = "Session id")),
    security(("api_key" = ["sessions"]), ("client_token" = [])),
    responses((status = 200, body = SessionDetail), (status = "4XX", body = ErrorBody)))]
pub async fn session_detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SessionDetail>, ApiError> {
    let mut session = authorised_session(&state, &headers, &id, Scope::Sessions).await?;
    check_expiry(&state, &mut session).await?;
    Ok(Json(detail_for(&state, &headers, &session).await?))
}

/// Evaluates the session's frames (again if a frame raced in) on the worker pool, waiting for a
/// slot ([`on_worker_waiting`]), and stores the result once. Returns the completed session and
/// the frames it was computed from.
async fn evaluate_and_store(state: &AppState, mut session: SessionRow) -> Result<(SessionRow, Snapshot), ApiError> {
    let config: Arc<LivenessConfig> = Arc::new(parse_stored(&session.config)?);
    let plan: Arc<ChallengePlan> = Arc::new(parse_stored(&session.plan)?);
    let reference: Arc<Option<Embedding>> =
        Arc::new(session.reference_embedding.as_deref().map(parse_stored).transpose()?);
    for _ in 0..5 {
        let known = usize::try_from(session.frame_count).unwrap_or(0);
        let frames = state.frame_cache.at_least(&state.store, &session.id, known).await?;
        // Every frame the cache holds is committed; the store refuses the result if more came.
        let n = frames.frames.len();
        let (config, plan, reference, input) = (config.clone(), plan.clone(), reference.clone(), frames.clone());
        let result = on_worker_waiting(state, move || {
            let start = std::time::Instant::now();
            let result = outcome(&config, &plan, &input.frames[..n], reference.as_ref().as_ref());
            crate::metrics::stage("evaluate", start);
            Ok(result)
        })
        .await?;
        let result_json = to_json(&result)?;
        let mut done = session.clone();
        done.status = result.status.clone();
        done.result = Some(result_json.clone());
        done.frame_count = n as i64;
        done.completed_at = Some(state.clock.now_ms());
        done.model_version = Some(state.analyzer.models().version.clone());
        done.policy_version = Some(POLICY_VERSION.into());
        let payload = serde_json::json!({
            "event": "session.completed",
            "session": detail_without_images(&done)?,
        });
        let completion = Completion {
            id: &session.id,
            status: &result.status,
            result: &result_json,
            model_version: &state.analyzer.models().version,
            policy_version: POLICY_VERSION,
            frames: n as i64,
            now: state.clock.now_ms(),
            webhook_payload: &to_json(&payload)?,
        };
        if state.store.complete(&completion).await? {
            metrics::counter!("livegate_verdicts_total", "status" => result.status.clone()).increment(1);
            return Ok((done, frames));
        }
        session = state
            .store
            .session(&session.id)
            .await?
            .ok_or(ApiError::SessionNotFound)?;
        require_open(state, &mut session).await?;
    }
    Err(ApiError::Internal("frames kept arriving during completion".into()))
}

/// Completes a session: evaluates it, stores the verdict once, keeps audit images.
#[utoipa::path(post, path = "/v1/sessions/{id}/complete", tag = "sessions",
    params(("id" = String, Path, description = "Session id")),
    security(("api_key" = ["sessions"]), ("client_token" = [])),
    responses((status = 200, body = SessionDetail), (status = "4XX", body = ErrorBody),
               (status = 503, description = "No worker slot within `worker_wait_ms`: retry", body = ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SessionDetail>, ApiError> {
    let mut session = authorised_session(&state, &headers, &id, Scope::Sessions).await?;
    if let Err(e) = require_open(&state, &mut session).await {
        state.frame_cache.forget(&id);
        return Err(e);
    }
    let (done, frames) = evaluate_and_store(&state, session).await?;
    // No frame can join a completed session: its signals are not needed in memory any more.
    state.frame_cache.forget(&id);
    crate::hooks::finished(&state, &id).await;
    let n = usize::try_from(done.frame_count).unwrap_or(0).min(frames.frames.len());
    if let Err(e) = evidence::finalize(&state, &done, Some(&frames.frames[..n])).await {
        // The verdict is committed; the retention sweeper finishes the evidence later.
        eprintln!("evidence for {}: {e}", done.id);
    }
    let session = state.store.session(&id).await?.ok_or(ApiError::SessionNotFound)?;
    Ok(Json(detail_for(&state, &headers, &session).await?))
}

/// One audit image's bytes.
#[utoipa::path(get, path = "/v1/sessions/{id}/audit/{index}", tag = "sessions",
    params(("id" = String, Path, description = "Session id"), ("index" = i64, Path, description = "0-based")),
    security(("api_key" = ["sessions"]), ("client_token" = [])),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = "4XX", body = ErrorBody)))]
pub async fn audit_image(
    State(state): State<AppState>,
    Path((id, index)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorised_session(&state, &headers, &id, Scope::Sessions).await?;
    let images = state.store.audit_images(&id).await?;
    let image = images
        .iter()
        .find(|i| i.idx == index)
        .ok_or(ApiError::AuditImageNotFound)?;
    let bytes = state.objects.get(&image.object_key).await?;
    let content_type = if image.object_key.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok(([("content-type", content_type)], Body::from(bytes)).into_response())
}

fn detail_without_images(s: &SessionRow) -> Result<SessionDetail, ApiError> {
    let profile = profile_of(s)?;
    let mut d = SessionDetail {
        id: s.id.clone(),
        status: s.status.clone(),
        workflow_id: s.workflow_id.clone(),
        attempt: s.attempt,
        max_attempts: max_attempts(&profile),
        attempts_remaining: (max_attempts(&profile) - s.attempt).max(0),
        retry_of: s.retry_of.clone(),
        created_at: s.created_at,
        expires_at: s.expires_at,
        completed_at: s.completed_at,
        frames_received: s.frame_count,
        profile,
        plan: parse_stored(&s.plan)?,
        selfie: None,
        decision: None,
        reasons: Vec::new(),
        quality_codes: Vec::new(),
        face_match: None,
        challenges: None,
        evidence: None,
        audit_images: Vec::new(),
        frames_purged: s.frames_purged_at.is_some(),
        model_version: s.model_version.clone(),
        policy_version: s.policy_version.clone(),
        redirect_url: s.redirect_url.clone(),
        accessibility: crate::accessibility::used(&parse_stored(&s.plan)?),
    };
    if let Some(result) = &s.result {
        let r: SessionResult = parse_stored(result)?;
        let v = &r.verdict;
        let names = |cs: &[livegate_engine::liveness::Challenge]| cs.iter().map(|c| c.name().to_string()).collect();
        d.selfie = Some(Selfie {
            liveness_mode: serde_json::to_value(v.liveness_mode)
                .ok()
                .and_then(|m| m.as_str().map(String::from))
                .unwrap_or_default(),
            liveness_score: v.liveness_score,
            liveness_passed: v.liveness_passed,
            liveness_threshold: v.liveness_threshold,
            challenges_completed: names(&v.challenges_completed),
            frames_captured: v.frames_captured,
            pose_variation_score: v.pose_variation_score,
            expression_variation_score: v.expression_variation_score,
        });
        d.decision = serde_json::to_value(v.decision)
            .ok()
            .and_then(|m| m.as_str().map(String::from));
        d.reasons = v.reasons.iter().map(|r| r.code().to_string()).collect();
        d.quality_codes = r.quality_codes.clone();
        d.face_match = r.face_match.clone();
        d.challenges = serde_json::to_value(&v.challenges).ok();
        d.evidence = serde_json::to_value(&v.evidence).ok();
    }
    Ok(d)
}

/// The session detail: status, seed 001's `selfie` object once there is a verdict, reasons,
/// quality codes, face match and audit images.
/// The detail as the caller may see it: whole for an API key, the person's view
/// ([`SessionDetail::for_person`]) for a client token.
pub async fn detail_for(state: &AppState, headers: &HeaderMap, s: &SessionRow) -> Result<SessionDetail, ApiError> {
    let d = detail(state, s).await?;
    Ok(if is_client_token(headers) { d.for_person() } else { d })
}

impl SessionDetail {
    /// What the browser is shown: reasons as person-facing codes ([`crate::person`]), no
    /// evidence, no per-challenge timing and no accessible alternatives of the profile.
    pub fn for_person(mut self) -> Self {
        self.reasons = crate::person::person_reasons(self.reasons.iter().map(String::as_str));
        // The plan's flags say which challenges have an alternative, never which one.
        self.profile.accessible_alternatives = None;
        self.evidence = None;
        self.challenges = None;
        self
    }
}

/// The full detail (API-key callers and the server's own use).
pub async fn detail(state: &AppState, s: &SessionRow) -> Result<SessionDetail, ApiError> {
    let mut d = detail_without_images(s)?;
    d.audit_images = state
        .store
        .audit_images(&s.id)
        .await?
        .into_iter()
        .map(|i| AuditImageRef {
            index: i.idx,
            t: i.t,
            sha256: i.sha256,
            url: format!("/v1/sessions/{}/audit/{}", s.id, i.idx),
        })
        .collect();
    Ok(d)
}
