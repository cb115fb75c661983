//! Evidence and retention: when a session completes, up to N of its frames are copied to audit
//! images (with their hashes); frame images are deleted at completion (retention 0) or after the
//! configured period, by a sweeper that any server may run. Frame *signals* stay in the database
//! so a verdict can be re-evaluated.

use std::time::Duration;

use livegate_engine::FrameSignals;
use tokio::sync::watch;

use crate::error::ApiError;
use crate::outcome::audit_frames;
use crate::store::{AuditImage, Owner, SessionRow};
use crate::AppState;

/// Keeps the audit images of a completed session, then deletes its frame images if the
/// retention period is zero. `signals` are the session's frames' signals when the caller has
/// them (completion just evaluated them); otherwise they are read from the store.
pub async fn finalize(
    state: &AppState,
    session: &SessionRow,
    signals: Option<&[FrameSignals]>,
) -> Result<(), ApiError> {
    if session.result.is_none() || session.frames_purged_at.is_some() {
        return Ok(());
    }
    keep_audit_images(state, session, signals).await?;
    if state.config.frame_retention_s == 0 {
        purge_frames(state, &session.id).await?;
    }
    Ok(())
}

/// Copies the chosen frames to audit images, once (idempotent: nothing happens when the session
/// already has them). The images are copied as stored, never decoded.
async fn keep_audit_images(
    state: &AppState,
    session: &SessionRow,
    signals: Option<&[FrameSignals]>,
) -> Result<(), ApiError> {
    if !state.store.audit_images(&session.id).await?.is_empty() {
        return Ok(());
    }
    let frames = state.store.frame_objects(&session.id).await?;
    let read;
    let signals = match signals {
        Some(s) if s.len() == frames.len() => s,
        _ => {
            read = state
                .frame_cache
                .at_least(&state.store, &session.id, frames.len())
                .await?;
            state.frame_cache.forget(&session.id);
            &read.frames[..frames.len()]
        }
    };
    for (idx, &i) in audit_frames(signals, state.config.audit_images).iter().enumerate() {
        let frame = &frames[i];
        let ext = frame.object_key.rsplit('.').next().unwrap_or("jpg");
        let key = format!("sessions/{}/audit/{idx}.{ext}", session.id);
        state.objects.copy(&frame.object_key, &key).await?;
        let image = AuditImage {
            idx: idx as i64,
            t: frame.t,
            sha256: frame.sha256.clone(),
            object_key: key,
        };
        state.store.add_audit_image(&session.id, &image).await?;
    }
    Ok(())
}

/// Deletes a session's frame images and records it.
pub async fn purge_frames(state: &AppState, id: &str) -> Result<(), ApiError> {
    for frame in state.store.frame_objects(id).await? {
        state.objects.delete(&frame.object_key).await?;
    }
    state.store.mark_frames_purged(id, state.clock.now_ms()).await?;
    Ok(())
}

/// One retention pass: sessions closed longer ago than the retention period (plus a grace of
/// ten poll intervals, so a completion in flight finishes its own evidence first) get their
/// audit images if missing, then lose their frame images. Returns how many were purged.
pub async fn retention_pass(state: &AppState) -> Result<usize, ApiError> {
    let grace = 10 * state.config.poll_interval_ms as i64;
    let before = state.clock.now_ms() - state.config.frame_retention_s as i64 * 1000 - grace;
    let due = state.store.sessions_to_purge(before, 100).await?;
    for id in &due {
        if let Some(session) = state.store.session(id).await? {
            if session.result.is_some() {
                // A completion cut short (crash) still leaves its audit images.
                keep_audit_images(state, &session, None).await?;
            }
        }
        purge_frames(state, id).await?;
        state.frame_cache.forget(id);
    }
    Ok(due.len())
}

/// How often the orphan sweeps run.
pub const ORPHAN_PERIOD: Duration = Duration::from_secs(3600);
/// Most objects one orphan sweep deletes; the next takes the rest.
pub const ORPHAN_BATCH: usize = 1000;

/// A job of a sweep loop that runs at most once per period, the first time at once.
pub struct Every {
    period: Duration,
    last: Option<tokio::time::Instant>,
}

impl Every {
    /// Due at once, then every `period`.
    pub fn new(period: Duration) -> Self {
        Self { period, last: None }
    }

    /// Whether the job is due now; if so, its period starts again.
    pub fn due(&mut self) -> bool {
        let due = self.last.is_none_or(|t| t.elapsed() >= self.period);
        if due {
            self.last = Some(tokio::time::Instant::now());
        }
        due
    }
}

/// Objects changed before this time (Unix ms) with no owning row are orphans: left by a crash
/// between an object's write and its row's (a failed write deletes its own at once, see
/// [`crate::objects::Staged`]). An hour, or twice the longest request, whichever is longer.
pub fn orphans_before(state: &AppState) -> i64 {
    let grace_s = (2 * state.config.request_timeout_s).max(3600);
    state.clock.now_ms() - grace_s as i64 * 1000
}

/// Deletes the objects of sessions whose row does not exist (`sessions/<id>/…`).
pub async fn orphan_pass(state: &AppState) -> Result<usize, ApiError> {
    let owner = |key: &str| key.split('/').nth(1).filter(|id| !id.is_empty()).map(String::from);
    let alive = |id: String| async move { Ok::<_, ApiError>(state.store.owner_exists(Owner::Session, &id).await?) };
    state
        .objects
        .sweep("sessions/", orphans_before(state), ORPHAN_BATCH, owner, alive)
        .await
}

/// Runs [`retention_pass`] and the session expiry pass ([`crate::hooks::expiry_pass`]) every
/// poll interval, and [`orphan_pass`] every [`ORPHAN_PERIOD`], until shutdown.
pub async fn run_retention(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let period = Duration::from_millis(state.config.poll_interval_ms.max(1000));
    let mut orphans = Every::new(ORPHAN_PERIOD);
    loop {
        if orphans.due() {
            if let Err(e) = orphan_pass(&state).await {
                eprintln!("orphaned session objects: {e}");
            }
        }
        if let Err(e) = retention_pass(&state).await {
            eprintln!("retention: {e}");
        }
        if let Err(e) = crate::hooks::expiry_pass(&state).await {
            eprintln!("session expiry: {e}");
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = shutdown.changed() => return,
        }
    }
}
