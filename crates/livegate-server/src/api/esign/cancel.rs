//! Cancelling a document out for signature: its links stop working (`document_cancelled`) and
//! the cancellation is recorded in the audit trail.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::json;

use super::documents::{document_detail, DocumentDetail};
use super::{own_document, ClientMeta};
use crate::api::auth::{scopes, ApiKey};
use crate::error::{ApiError, ErrorBody};
use crate::esign::domain::{document_status, DocumentStatus};
use crate::esign::journey::event;
use crate::AppState;

/// Cancels a document that is still out for signature; a completed one cannot be cancelled.
#[utoipa::path(post, path = "/v1/documents/{id}/cancel", tag = "esign",
    params(("id" = String, Path, description = "Document id")), security(("api_key" = ["esign:send"])),
    responses((status = 200, body = DocumentDetail), (status = "4XX", body = ErrorBody)))]
pub async fn cancel_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::EsignSend>,
    ClientMeta(meta): ClientMeta,
) -> Result<Json<DocumentDetail>, ApiError> {
    let doc = own_document(&state, &caller, &id).await?;
    let ev = event(&state, &doc.id, None, "document.cancelled", json!({}), &meta);
    if !state.store.cancel_document(&doc.id, &ev).await? && document_status(&doc)? != DocumentStatus::Cancelled {
        return Err(ApiError::JourneyClosed(format!(
            "the document is {} and can no longer be cancelled",
            doc.status
        )));
    }
    Ok(Json(document_detail(&state, &doc.id).await?))
}
