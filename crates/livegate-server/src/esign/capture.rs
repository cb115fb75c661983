//! The capture step of an invitee, read from their liveness session retry chain: attempts used
//! and left (the lower of liveness and face match), the latest result, its captures.

use serde::Serialize;
use utoipa::ToSchema;

use super::journey::security_of;
use crate::api::parse_stored;
use crate::api::sessions::overdue;
use crate::error::ApiError;
use crate::outcome::SessionResult;
use crate::store::{InviteeRow, SessionRow};
use crate::AppState;

/// The capture sessions of an invitee, first attempt first; one past its deadline reads as
/// expired (nothing is written: the expiry sweep and the session's own requests record it).
pub async fn chain(state: &AppState, i: &InviteeRow) -> Result<Vec<SessionRow>, ApiError> {
    let mut out = Vec::new();
    let Some(first) = &i.first_session_id else {
        return Ok(out);
    };
    let mut next = state.store.session(first).await?;
    while let Some(mut s) = next {
        if overdue(state, &s) {
            s.status = "expired".into();
        }
        next = state.store.retry_of(&s.id).await?;
        out.push(s);
    }
    Ok(out)
}

/// Whether an attempt is over (a verdict, or expired without one).
pub fn finished(s: &SessionRow) -> bool {
    s.result.is_some() || s.status == "expired"
}

/// Whether an attempt passed: approved (liveness at the acceptance percentage and, when
/// configured, the face matched).
pub fn passed(s: &SessionRow) -> bool {
    s.status == "approved"
}

/// Smart User Liveliness of the capture.
#[derive(Serialize, ToSchema)]
pub struct CheckState {
    /// Whether the invitee has Smart User Liveliness.
    pub enabled: bool,
    /// Captures used.
    pub attempts_used: i64,
    /// Captures left for liveness.
    pub attempts_left: i64,
    /// The acceptance percentage the latest finished attempt was scored against.
    pub threshold: Option<f64>,
    /// Liveness score (0-100) of the latest finished attempt.
    pub score: Option<f64>,
    /// Whether the latest finished attempt passed liveness.
    pub passed: Option<bool>,
}

/// Face match of the capture.
#[derive(Serialize, ToSchema)]
pub struct FaceMatchState {
    /// Whether the invitee has face match.
    pub enabled: bool,
    /// Whether the latest finished attempt compared faces (not after a liveness failure).
    pub attempted: bool,
    /// Its outcome (none when not attempted).
    pub matched: Option<bool>,
    /// Descriptor similarity 0-1.
    pub similarity: Option<f64>,
    /// Similarity at the match threshold.
    pub threshold: Option<f64>,
    /// Captures used.
    pub attempts_used: i64,
    /// Captures left for face match.
    pub attempts_left: i64,
}

/// A capture image of the latest finished attempt.
#[derive(Serialize, ToSchema)]
pub struct CaptureImage {
    /// Fetch with the API key (or the session's client token).
    pub url: String,
    /// sha256 of the image.
    pub sha256: String,
}

/// The capture step of an invitee.
#[derive(Serialize, ToSchema)]
pub struct CaptureState {
    /// Whether the invitee has a capture step.
    pub required: bool,
    /// Captures finished.
    pub attempts_used: i64,
    /// Captures left: the lower of liveness and face match.
    pub attempts_left: i64,
    /// Captures allowed.
    pub max_attempts: i64,
    /// Session ids, first attempt first.
    pub sessions: Vec<String>,
    /// Smart User Liveliness.
    pub liveness: CheckState,
    /// Face match.
    pub face_match: FaceMatchState,
    /// Whether the latest finished attempt passed everything.
    pub passed: bool,
    /// Reason codes of the latest finished attempt.
    pub reasons: Vec<String>,
    /// The 3 captures of the latest finished attempt.
    pub captures: Vec<CaptureImage>,
}

impl CaptureState {
    /// What the signer is shown: reasons as person-facing codes ([`crate::person`]).
    pub fn for_person(mut self) -> Self {
        self.reasons = crate::person::person_reasons(self.reasons.iter().map(String::as_str));
        self
    }
}

/// Reads the capture step from the chain.
pub async fn capture_state(
    state: &AppState,
    i: &InviteeRow,
    sessions: &[SessionRow],
) -> Result<CaptureState, ApiError> {
    let security = security_of(i)?;
    let used = sessions.iter().filter(|s| finished(s)).count() as i64;
    let (liveness_left, face_left, shown) = security.attempts_left(used);
    let latest = sessions.iter().rev().find(|s| finished(s));
    let result: Option<SessionResult> = latest.and_then(|s| s.result.as_deref()).map(parse_stored).transpose()?;
    let mut captures = Vec::new();
    if let Some(s) = latest {
        for img in state.store.audit_images(&s.id).await? {
            captures.push(CaptureImage {
                url: format!("/v1/sessions/{}/audit/{}", s.id, img.idx),
                sha256: img.sha256,
            });
        }
    }
    let fm = result.as_ref().and_then(|r| r.face_match.as_ref());
    Ok(CaptureState {
        required: security.capture_photo,
        attempts_used: used,
        attempts_left: shown,
        max_attempts: security.max_attempts(),
        sessions: sessions.iter().map(|s| s.id.clone()).collect(),
        liveness: CheckState {
            enabled: security.smart_liveliness,
            attempts_used: used,
            attempts_left: liveness_left,
            threshold: result.as_ref().map(|r| r.verdict.liveness_threshold),
            score: result.as_ref().map(|r| r.verdict.liveness_score),
            passed: result.as_ref().map(|r| r.verdict.liveness_passed),
        },
        face_match: FaceMatchState {
            enabled: security.face_match,
            attempted: fm.is_some_and(|m| m.attempted),
            matched: fm.and_then(|m| m.matched),
            similarity: fm.and_then(|m| m.similarity).map(f64::from),
            threshold: fm.map(|m| f64::from(m.threshold)),
            attempts_used: if security.face_match { used } else { 0 },
            attempts_left: face_left.unwrap_or(0),
        },
        passed: latest.is_some_and(passed),
        reasons: result
            .as_ref()
            .map(|r| r.verdict.reasons.iter().map(|c| c.code().to_string()).collect())
            .unwrap_or_default(),
        captures,
    })
}
