//! Frame upload: a JPEG or PNG with its capture time, decoded once and analysed on the bounded
//! worker pool with the session's earlier frames as history (`Analyzer::analyze_next`), its
//! image stored first and its signals committed second (so a committed frame always has its
//! image). The gate and progress of the answer are read from the session's frames in
//! [`crate::frame_cache`], not from the database: no upload re-reads or re-parses the
//! session's earlier frames.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use livegate_engine::light::ScreenColor;
use livegate_engine::liveness::challenges::{live_progress, Phase};
use livegate_engine::liveness::gate::read_session;
use livegate_engine::liveness::{Challenge, ChallengePlan};
use livegate_engine::FrameSignals;
use livegate_media::{decode_image, ImageLimits};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::auth::authorised_session;
use super::sessions::require_open;
use super::{image_extension, on_worker, to_json};
use crate::error::{ApiError, ErrorBody};
use crate::frame_cache::Snapshot;
use crate::keys::Scope;
use crate::metrics::stage;
use crate::store::{AddFrame, FrameLimits, FrameRefusal, FrameRow, StoreError};
use crate::AppState;

/// An accepted frame.
#[derive(Serialize, ToSchema)]
pub struct FrameAccepted {
    /// Order of arrival, from 0.
    pub seq: i64,
    /// Capture time (s).
    pub t: f64,
    /// Faces found.
    pub face_count: usize,
    /// Capture quality of this frame (live hints for the capture page).
    pub quality: FrameQuality,
    /// True when this answers a retried upload (same `Idempotency-Key`): nothing new was stored.
    pub duplicate: bool,
    /// The subject's face on this frame (`null` without one).
    pub face: Option<FaceBox>,
    /// The region the gate judges on this frame, as fractions of its width and height.
    pub oval: OvalAnswer,
    /// The pre-capture gate over the frames received so far (docs/CAPTURE.md).
    pub gate: GateAnswer,
    /// Active sessions: the challenges completed so far, for live guidance.
    pub progress: Option<Progress>,
}

/// A face box as fractions of the frame.
#[derive(Serialize, ToSchema)]
pub struct FaceBox {
    /// Left, top, width, height as fractions of the frame's width and height.
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
}

/// An oval as fractions of the frame: `cx`, `rx` of its width, `cy`, `ry` of its height.
#[derive(Serialize, ToSchema)]
pub struct OvalAnswer {
    /// Centre x.
    pub cx: f32,
    /// Centre y.
    pub cy: f32,
    /// Half-width.
    pub rx: f32,
    /// Half-height.
    pub ry: f32,
}

/// The pre-capture gate's state.
#[derive(Serialize, ToSchema, Default)]
pub struct GateAnswer {
    /// The conditions held long enough: the challenge clock runs.
    pub passed: bool,
    /// Capture time at which it passed.
    pub t: Option<f64>,
    /// This frame meets every gate condition (the oval may turn green).
    pub ok: bool,
    /// The first condition this frame fails, as a text-table code (`quality_too_dark`, ...).
    pub hint: Option<String>,
    /// How long the conditions have held without a break (s).
    pub held_s: f64,
}

/// Challenges done so far, measured on the frames received.
#[derive(Serialize, ToSchema)]
pub struct Progress {
    /// Completed, in plan order.
    pub challenges_completed: Vec<String>,
    /// The next one to perform (`None` when all are done).
    pub next: Option<String>,
    /// The challenge under way (`None` before the gate passes and once all are done).
    pub current: Option<CurrentChallenge>,
}

/// The movement of the challenge under way.
#[derive(Serialize, ToSchema)]
pub struct CurrentChallenge {
    /// Its name.
    pub challenge: String,
    /// Movement so far relative to what completes it (≥ 1 reached).
    pub fraction: f32,
    /// `move` (keep going) or `return` (reached: come back to neutral).
    pub phase: String,
}

/// The gate and the progress of `plan` (the session's stored plan, JSON) over `frames`: the
/// session's frames up to the one answered, in arrival order.
pub fn live_answer(plan: &str, frames: &[FrameSignals]) -> Result<(GateAnswer, Option<Progress>), ApiError> {
    let plan: ChallengePlan = super::parse_stored(plan)?;
    let reading = read_session(frames);
    let g = &reading.gate;
    let gate = GateAnswer {
        passed: g.passed,
        t: g.t,
        ok: g.ok,
        hint: g.hint.map(|h| h.code().to_string()),
        held_s: (g.held_s * 100.0).round() / 100.0,
    };
    if plan.challenges.is_empty() {
        return Ok((gate, None));
    }
    let live = live_progress(&plan, frames, &reading.events, &reading.baseline, g.t);
    let progress = Progress {
        challenges_completed: live.completed.iter().map(|c| c.name().to_string()).collect(),
        next: live.next.map(|c| c.name().to_string()),
        current: live.current.map(|c| CurrentChallenge {
            challenge: c.challenge.name().to_string(),
            fraction: c.fraction,
            phase: match c.phase {
                Phase::Move => "move",
                Phase::Return => "return",
            }
            .to_string(),
        }),
    };
    Ok((gate, Some(progress)))
}

/// Quality verdict of one frame.
#[derive(Serialize, ToSchema)]
pub struct FrameQuality {
    /// No blocking problem.
    pub ok: bool,
    /// Stable codes (`quality_*`).
    pub codes: Vec<String>,
    /// A sentence per code.
    pub messages: Vec<String>,
}

/// The optional `Idempotency-Key`: 1-64 characters of `A-Z a-z 0-9 - _ . :`.
fn client_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    let valid = (1..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    if !valid {
        return Err(ApiError::InvalidRequest(
            "Idempotency-Key must be 1-64 characters of A-Z, a-z, 0-9, '-', '_', '.', ':'".into(),
        ));
    }
    Ok(Some(key.to_string()))
}

/// The answer for a frame already stored (gate and progress filled in by the caller).
fn accepted(seq: i64, t: f64, signals: &FrameSignals, duplicate: bool) -> FrameAccepted {
    use livegate_engine::liveness::gate::Oval;
    let [w, h] = signals.size.map(|v| v.max(1) as f32);
    let oval = Oval::of(signals.content()).fractions(signals.size);
    FrameAccepted {
        seq,
        t,
        face_count: signals.face_count,
        quality: FrameQuality {
            ok: signals.quality.ok,
            codes: signals.quality.codes.iter().map(|c| c.code().to_string()).collect(),
            messages: signals.quality.messages.clone(),
        },
        duplicate,
        face: signals.subject().map(|f| FaceBox {
            bbox: [f.bbox[0] / w, f.bbox[1] / h, f.bbox[2] / w, f.bbox[3] / h].map(|v| (v * 1000.0).round() / 1000.0),
        }),
        oval: OvalAnswer {
            cx: oval.cx,
            cy: oval.cy,
            rx: oval.rx,
            ry: oval.ry,
        },
        gate: GateAnswer::default(),
        progress: None,
    }
}

/// Fills in the session-wide part of an answer from the session's frames up to the answered
/// one (a retried upload gets the answer its original got).
fn with_live_state(
    session: &crate::store::SessionRow,
    frames: &Snapshot,
    mut answer: FrameAccepted,
) -> Result<FrameAccepted, ApiError> {
    let upto = usize::try_from(answer.seq + 1).unwrap_or(0).min(frames.frames.len());
    let (gate, progress) = live_answer(&session.plan, &frames.frames[..upto])?;
    answer.gate = gate;
    answer.progress = progress;
    Ok(answer)
}

/// A retried upload's answer: the original's, with the session state it had.
async fn replay(
    state: &AppState,
    session: &crate::store::SessionRow,
    done: FrameAccepted,
) -> Result<FrameAccepted, ApiError> {
    let upto = usize::try_from(done.seq + 1).unwrap_or(0);
    let frames = state.frame_cache.at_least(&state.store, &session.id, upto).await?;
    with_live_state(session, &frames, done)
}

/// A retried upload's original, answered without analysing or storing anything again.
async fn earlier(state: &AppState, id: &str, key: &str) -> Result<Option<FrameAccepted>, ApiError> {
    let Some(row) = state.store.frame_by_client_key(id, key).await? else {
        return Ok(None);
    };
    let signals: FrameSignals = super::parse_stored(&row.signals)?;
    Ok(Some(accepted(row.seq, row.t, &signals, true)))
}

/// The session's frame cap (its profile's `max_frames`; sessions stored before the field existed
/// get the default for their plan) and the server's byte budget.
fn frame_limits(state: &AppState, session: &crate::store::SessionRow) -> Result<FrameLimits, ApiError> {
    let profile: crate::profile::Profile = super::parse_stored(&session.profile)?;
    let max_frames = match profile.max_frames {
        Some(n) => n,
        None => crate::profile::default_max_frames(&super::parse_stored(&session.config)?),
    };
    Ok(FrameLimits {
        max_frames: i64::from(max_frames),
        max_bytes: i64::try_from(state.config.max_session_bytes).unwrap_or(i64::MAX),
    })
}

/// Capture times must increase: a repeat of the latest (a replayed upload without its
/// Idempotency-Key) or an earlier time is refused.
fn refuse_time(t: f64, last: f64) -> Result<(), ApiError> {
    if t == last {
        Err(ApiError::FrameTimeRepeated(t))
    } else if t < last {
        Err(ApiError::FrameTimeBackwards(t, last))
    } else {
        Ok(())
    }
}

fn capture_time(headers: &HeaderMap) -> Result<f64, ApiError> {
    headers
        .get("x-capture-time")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .filter(|t: &f64| t.is_finite() && (0.0..=86_400.0).contains(t))
        .ok_or_else(|| {
            ApiError::InvalidRequest(
                "header X-Capture-Time (seconds since the capture started, 0-86400) is required".into(),
            )
        })
}

/// The colour-flash step on screen at capture time (`X-Flash-Step` with `X-Flash-Since`), if the
/// client was showing one; checked against the session's stored `plan` (JSON), which is only
/// parsed when the headers are there.
fn screen_color(headers: &HeaderMap, plan: &str) -> Result<Option<ScreenColor>, ApiError> {
    let value = |name: &str| headers.get(name).map(|v| v.to_str().map(str::trim).unwrap_or(""));
    let (step, since) = match (value("x-flash-step"), value("x-flash-since")) {
        (None, None) => return Ok(None),
        (Some(step), Some(since)) => (step, since),
        _ => {
            return Err(ApiError::InvalidFlashHeader(
                "X-Flash-Step and X-Flash-Since go together".into(),
            ))
        }
    };
    let plan: ChallengePlan = super::parse_stored(plan)?;
    let steps = match plan.flash {
        Some(seq) if plan.challenges.iter().any(|c| c.challenge == Challenge::ColorFlash) => seq.steps.len(),
        _ => return Err(ApiError::FlashNotInPlan),
    };
    let step = step.parse::<usize>().ok().filter(|s| *s < steps).ok_or_else(|| {
        ApiError::InvalidFlashHeader(format!(
            "X-Flash-Step must be a step of the plan's flash, 0-{}",
            steps - 1
        ))
    })?;
    let since_s = since
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && (0.0..=MAX_FLASH_SINCE_S).contains(t))
        .ok_or_else(|| {
            ApiError::InvalidFlashHeader(format!(
                "X-Flash-Since must be the seconds the step's colour had been shown, 0-{MAX_FLASH_SINCE_S}"
            ))
        })?;
    Ok(Some(ScreenColor { step, since_s }))
}

/// Longest a flash step can have been on screen (s): well above the longest step, so a
/// throttled page is not refused, but bounded.
const MAX_FLASH_SINCE_S: f64 = 10.0;

/// Uploads one frame.
#[utoipa::path(post, path = "/v1/sessions/{id}/frames", tag = "sessions",
    params(("id" = String, Path, description = "Session id"),
           ("X-Capture-Time" = f64, Header, description = "Seconds since the capture started"),
           ("X-Flash-Step" = Option<usize>, Header, description = "Index of the color_flash step on screen at capture time"),
           ("X-Flash-Since" = Option<f64>, Header, description = "Seconds that step's colour had been on screen (with X-Flash-Step)"),
           ("Idempotency-Key" = Option<String>, Header, description = "Client key of this frame; a retried upload with the same key is answered 200 with the original, storing nothing twice")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "JPEG or PNG (image/png), at least 320x240"),
    security(("api_key" = ["sessions"]), ("client_token" = [])),
    responses((status = 201, body = FrameAccepted), (status = 200, description = "A retried upload", body = FrameAccepted),
               (status = "4XX", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn add_frame(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let mut session = authorised_session(&state, &headers, &id, Scope::Sessions).await?;
    require_open(&state, &mut session).await?;
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
    let t = capture_time(&headers)?;
    let screen = screen_color(&headers, &session.plan)?;
    let key = client_key(&headers)?;
    if let Some(k) = &key {
        if let Some(done) = earlier(&state, &id, k).await? {
            return Ok((StatusCode::OK, Json(replay(&state, &session, done).await?)));
        }
    }
    let limits = frame_limits(&state, &session)?;
    if session.frame_count >= limits.max_frames {
        return Err(ApiError::FrameLimitReached(limits.max_frames));
    }
    // The frames committed when the session was read: the history of this one. Frames a
    // parallel upload commits meanwhile are not in it (they were not there to be seen).
    let known = usize::try_from(session.frame_count).unwrap_or(0);
    let history = state.frame_cache.at_least(&state.store, &id, known).await?;
    // Refused before any analysis; the store checks again in the frame's transaction.
    if let Some(last) = history.frames.iter().map(|f| f.t).reduce(f64::max) {
        refuse_time(t, last)?;
    }
    let analyzer = state.analyzer.clone();
    let input = body.clone();
    let signals = on_worker(&state, move || -> Result<FrameSignals, ApiError> {
        let start = std::time::Instant::now();
        let frame = decode_image(&input, ImageLimits::default())?;
        stage("decode", start);
        if frame.check_min_resolution().is_err() {
            return Err(ApiError::FrameTooSmall(frame.width(), frame.height()));
        }
        let start = std::time::Instant::now();
        let mut signals = analyzer
            .analyze_next(&frame, t, &history.history_before(t))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        signals.screen = screen;
        stage("analyze", start);
        Ok(signals)
    })
    .await?;
    let start = std::time::Instant::now();
    let json = to_json(&signals)?;
    // The cache holds what the store holds (what another server or a re-evaluation reads).
    let stored: FrameSignals = super::parse_stored(&json)?;
    let row = FrameRow {
        seq: 0,
        t,
        signals: json,
        sha256: hex::encode(Sha256::digest(&body)),
        object_key: format!(
            "sessions/{id}/frames/{}.{}",
            uuid::Uuid::new_v4(),
            image_extension(&body)
        ),
        client_key: key.clone(),
    };
    let len = body.len();
    state.objects.put(&row.object_key, body).await?;
    let added = match state
        .store
        .add_frame(&id, &row, len, state.clock.now_ms(), limits)
        .await
    {
        Err(StoreError::Conflict(_)) => {
            // The same key raced in from a parallel retry: keep the first, drop this image.
            state.objects.delete(&row.object_key).await?;
            let k = key.as_deref().unwrap_or_default();
            let done = earlier(&state, &id, k)
                .await?
                .ok_or(ApiError::Internal("idempotent frame vanished".into()))?;
            return Ok((StatusCode::OK, Json(replay(&state, &session, done).await?)));
        }
        Err(e) => {
            // Not recorded: the image goes too.
            state.objects.delete(&row.object_key).await?;
            return Err(e.into());
        }
        Ok(added) => added,
    };
    let seq = match added {
        AddFrame::Added(seq) => seq,
        AddFrame::Refused(refusal) => {
            state.objects.delete(&row.object_key).await?;
            return Err(match refusal {
                FrameRefusal::TooMany(n) => ApiError::FrameLimitReached(n),
                FrameRefusal::OverBudget(b) => ApiError::SessionBytesExceeded(b),
                FrameRefusal::TimeRepeated(last) | FrameRefusal::TimeBackwards(last) => {
                    refuse_time(t, last).err().unwrap_or(ApiError::FrameTimeRepeated(t))
                }
            });
        }
        AddFrame::Closed => {
            // Closed while we analysed: drop the image, report why.
            state.objects.delete(&row.object_key).await?;
            state.frame_cache.forget(&id);
            let mut now = state.store.session(&id).await?.ok_or(ApiError::SessionNotFound)?;
            require_open(&state, &mut now).await?;
            return Err(ApiError::SessionCompleted);
        }
    };
    stage("store_frame", start);
    let frames = state.frame_cache.committed(&state.store, &id, seq, stored).await?;
    let answer = with_live_state(&session, &frames, accepted(seq, t, &signals, false))?;
    Ok((StatusCode::CREATED, Json(answer)))
}
