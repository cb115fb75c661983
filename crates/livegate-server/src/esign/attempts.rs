//! Capture attempts recorded when their session finishes, not when someone looks: the
//! [`SessionListener`] that, for a session in an invitee's capture chain, records the attempt
//! in the audit trail and, when no attempts are left, fails the invitee and notifies the sender
//! ([`super::journey::sync`]). The status and journey reads only show it ([`super::journey::look`]).

use futures::future::BoxFuture;

use super::journey::{sync, Meta};
use crate::error::ApiError;
use crate::hooks::SessionListener;
use crate::AppState;

/// Times a record is retried when a concurrent change of the invitee won.
const RETRIES: usize = 3;

/// The e-signature journey's [`SessionListener`].
pub struct RecordAttempts;

impl SessionListener for RecordAttempts {
    fn finished(&self, state: AppState, session_id: String) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            if let Err(e) = record(&state, &session_id).await {
                eprintln!("esign: recording the capture attempt of session {session_id}: {e}");
            }
        })
    }
}

/// Records the finished attempts of the invitee whose chain holds `session_id`, if any.
pub async fn record(state: &AppState, session_id: &str) -> Result<(), ApiError> {
    for _ in 0..RETRIES {
        let Some(invitee) = state.store.capture_owner(session_id).await? else {
            return Ok(());
        };
        let doc = state
            .store
            .document(&invitee.document_id)
            .await?
            .ok_or(ApiError::DocumentNotFound)?;
        match sync(state, &doc, invitee, &Meta::default()).await {
            Err(ApiError::Conflict(_)) => continue,
            done => return done.map(drop),
        }
    }
    Err(ApiError::Conflict(
        "the signer kept changing while its attempt was recorded".into(),
    ))
}
