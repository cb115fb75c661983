//! What other parts of the product learn about sessions without the sessions API knowing them:
//! a [`SessionListener`] hears when a session got its verdict or expired. The verdict is heard
//! from the completion request; expiry from [`expiry_pass`], which marks open sessions past
//! their deadline as expired (reads never write it) and runs with the retention sweep.

use futures::future::BoxFuture;

use crate::error::ApiError;
use crate::AppState;

/// Most sessions one expiry pass marks; the next pass takes the rest.
const EXPIRY_BATCH: i64 = 200;

/// Hears that a session finished.
pub trait SessionListener: Send + Sync {
    /// `session_id` got its verdict or expired. Failures are the listener's to report: the
    /// session's own outcome stands either way.
    fn finished(&self, state: AppState, session_id: String) -> BoxFuture<'static, ()>;
}

/// Tells every listener of `state` that `session_id` finished.
pub async fn finished(state: &AppState, session_id: &str) {
    for listener in state.session_listeners.iter() {
        listener.finished(state.clone(), session_id.to_string()).await;
    }
}

/// Marks open sessions past their deadline expired, and tells the listeners. Returns how many.
pub async fn expiry_pass(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now_ms();
    let overdue = state.store.overdue_sessions(now, EXPIRY_BATCH).await?;
    for id in &overdue {
        state.store.expire(id, now).await?;
        state.frame_cache.forget(id);
        finished(state, id).await;
    }
    Ok(overdue.len())
}
