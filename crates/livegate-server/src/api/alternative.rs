//! `POST /v1/client/alternative` (X5): the person cannot do the challenge under way and asks
//! for the workflow's alternative. The server checks the policy and the phase, swaps the
//! challenge in the stored plan ([`ChallengePlan::swap`], fresh randomness from the OS CSPRNG)
//! and answers with the person's view of the session. Only the replacement drawn is revealed.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use livegate_engine::liveness::challenges::live_progress;
use livegate_engine::liveness::gate::read_session;
use livegate_engine::liveness::plan::SwapError;
use livegate_engine::liveness::{Challenge, ChallengePlan};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{json_error, token_session, OsCsprng};
use super::sessions::{detail, require_open, SessionDetail};
use super::{parse_stored, to_json};
use crate::error::{ApiError, ErrorBody};
use crate::profile::Profile;
use crate::AppState;

/// The challenge the person cannot do.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlternativeRequest {
    /// The challenge under way (`color_flash`, `smile`, ...).
    pub challenge: String,
}

/// Swaps the challenge under way for an alternative the workflow allows (its
/// `accessible_alternatives`): refused `unknown_challenge`, `alternative_not_allowed` (the policy
/// has none for it), `challenge_already_swapped` (each challenge once; a replacement never) or
/// `challenge_not_current` (done, still to come, or not in the plan). The replacement gets the
/// time already spent on the challenge it replaces (at most one window) on top of its own.
#[utoipa::path(post, path = "/v1/client/alternative", tag = "client", request_body = AlternativeRequest,
    security(("client_token" = [])),
    responses((status = 200, description = "The session with its new plan", body = SessionDetail),
              (status = "4XX", body = ErrorBody)))]
pub async fn request_alternative(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<AlternativeRequest>, JsonRejection>,
) -> Result<Json<SessionDetail>, ApiError> {
    let Json(req) = body.map_err(json_error)?;
    let asked: Challenge = req
        .challenge
        .parse()
        .map_err(|_| ApiError::UnknownChallenge(req.challenge.chars().take(64).collect()))?;
    let mut session = token_session(&state, &headers).await?;
    require_open(&state, &mut session).await?;
    let mut plan: ChallengePlan = parse_stored(&session.plan)?;
    if plan.challenges.iter().any(|c| c.replaces == Some(asked)) {
        return Err(ApiError::ChallengeAlreadySwapped(asked.name().into()));
    }
    // The challenge under way, measured on the frames received (before the gate: the first).
    let known = usize::try_from(session.frame_count).unwrap_or(0);
    let frames = state.frame_cache.at_least(&state.store, &session.id, known).await?;
    let reading = read_session(&frames.frames);
    let live = live_progress(
        &plan,
        &frames.frames,
        &reading.events,
        &reading.baseline,
        reading.gate.t,
    );
    let index = live.completed.len();
    let Some(current) = plan.challenges.get(index).copied() else {
        return Err(ApiError::ChallengeNotCurrent(format!(
            "{} is not the challenge under way: none is left",
            asked.name()
        )));
    };
    if current.challenge != asked {
        return Err(ApiError::ChallengeNotCurrent(format!(
            "{} is not the challenge under way ({} is)",
            asked.name(),
            current.challenge.name()
        )));
    }
    if current.replaces.is_some() {
        return Err(ApiError::ChallengeAlreadySwapped(asked.name().into()));
    }
    let profile: Profile = parse_stored(&session.profile)?;
    let policy = crate::accessibility::validate(&profile.accessible_alternatives.unwrap_or_default())?;
    let candidates = policy
        .get(&asked)
        .ok_or_else(|| ApiError::AlternativeNotAllowed(asked.name().into()))?;
    let last_t = frames.frames.last().map(|f| f.t);
    let spent = match (live.window_start, last_t) {
        (Some(start), Some(t)) => (t - start).clamp(0.0, current.time_frame_s),
        _ => 0.0,
    };
    plan.swap(index, candidates, spent, &mut OsCsprng)
        .map_err(|e| match e {
            SwapError::AlreadySwapped(c) => ApiError::ChallengeAlreadySwapped(c.name().into()),
            SwapError::NoCandidate => ApiError::AlternativeNotAllowed(asked.name().into()),
            SwapError::NoSuchChallenge(_) => ApiError::ChallengeNotCurrent(asked.name().into()),
        })?;
    crate::accessibility::mark(&mut plan, &policy);
    let new_plan = to_json(&plan)?;
    if !state.store.replace_plan(&session.id, &session.plan, &new_plan).await? {
        return Err(ApiError::Conflict(
            "the session changed meanwhile; read it and ask again".into(),
        ));
    }
    metrics::counter!("livegate_alternatives_total", "reason" => crate::accessibility::reason_of(asked)).increment(1);
    session.plan = new_plan;
    Ok(Json(detail(&state, &session).await?.for_person()))
}
