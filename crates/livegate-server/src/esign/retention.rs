//! Capture retention of the e-signature journey: a signer's capture images (the frames and the
//! audit images of every attempt) are deleted once their department's `capture_retention_days`
//! have passed since the capture ended, objects first, then their rows, each deletion recorded
//! in the document's audit trail. Any server may run the sweep; it is idempotent.

use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use super::journey::{event, Meta};
use crate::error::ApiError;
use crate::evidence::{orphans_before, purge_frames, Every, ORPHAN_BATCH, ORPHAN_PERIOD};
use crate::store::Owner;
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

/// The owner of an e-signature object: `esign/templates/<id>.pdf` a template, `esign/<id>/…` a
/// document; the install's signing certificate (`esign/signing/…`) has none.
fn owner(key: &str) -> Option<(Owner, String)> {
    let mut parts = key.split('/').skip(1);
    match (parts.next(), parts.next()) {
        (Some("signing"), _) => None,
        (Some("templates"), Some(file)) => file.strip_suffix(".pdf").map(|id| (Owner::Template, id.to_string())),
        (Some(doc), Some(_)) if !doc.is_empty() => Some((Owner::Document, doc.to_string())),
        _ => None,
    }
}

/// Deletes e-signature objects whose document or template row does not exist.
pub async fn orphan_pass(state: &AppState) -> Result<usize, ApiError> {
    let alive =
        |(owner, id): (Owner, String)| async move { Ok::<_, ApiError>(state.store.owner_exists(owner, &id).await?) };
    state
        .objects
        .sweep("esign/", orphans_before(state), ORPHAN_BATCH, owner, alive)
        .await
}

/// Runs [`capture_retention_pass`] every minute, and [`orphan_pass`] every
/// [`crate::evidence::ORPHAN_PERIOD`], until shutdown.
pub async fn run_capture_retention(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let period = PERIOD.max(Duration::from_millis(state.config.poll_interval_ms));
    let mut orphans = Every::new(ORPHAN_PERIOD);
    loop {
        if orphans.due() {
            if let Err(e) = orphan_pass(&state).await {
                eprintln!("orphaned e-signature objects: {e}");
            }
        }
        if let Err(e) = capture_retention_pass(&state).await {
            eprintln!("capture retention: {e}");
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = shutdown.changed() => return,
        }
    }
}
