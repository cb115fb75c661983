//! Capture retention of the e-signature journey: a signer's capture images (the frames and the
//! audit images of every attempt) are deleted once their department's `capture_retention_days`
//! have passed since the capture ended, objects first, then their rows, each deletion recorded
//! in the document's audit trail. Any server may run the sweep; it is idempotent.

use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use super::journey::{event, Meta};
use crate::error::ApiError;
use crate::evidence::purge_frames;
use crate::AppState;

/// How often the sweep runs (at least; it follows `poll_interval_ms` when that is longer).
const PERIOD: Duration = Duration::from_secs(60);

/// One sweep: deletes the images of capture sessions past their department's retention.
/// Returns how many sessions lost their images.
pub async fn capture_retention_pass(state: &AppState) -> Result<usize, ApiError> {
    let due = state.store.expired_captures(state.clock.now_ms(), 100).await?;
    for c in &due {
        let images = state.store.audit_images(&c.session_id).await?;
        for img in &images {
            state.objects.delete(&img.object_key).await?;
        }
        purge_frames(state, &c.session_id).await?;
        state.frame_cache.forget(&c.session_id);
        let ev = event(
            state,
            &c.document_id,
            Some(&c.invitee_id),
            "capture.deleted",
            json!({"session_id": c.session_id, "audit_images": images.len(), "retention_days": c.retention_days}),
            &Meta::default(),
        );
        state.store.delete_audit_images(&c.session_id, &ev).await?;
    }
    Ok(due.len())
}

/// Runs [`capture_retention_pass`] every minute until shutdown.
pub async fn run_capture_retention(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let period = PERIOD.max(Duration::from_millis(state.config.poll_interval_ms));
    loop {
        if let Err(e) = capture_retention_pass(&state).await {
            eprintln!("capture retention: {e}");
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = shutdown.changed() => return,
        }
    }
}
