//! Documents as the sender sees them: the status page's data (each invitee's steps, attempts
//! used and left, results and evidence), the original and completed PDFs, the audit trail
//! (JSON or CSV), and the development outbox.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::own_document;
use crate::api::auth::{scopes, ApiKey};
use crate::api::parse_stored;
use crate::csv_cell::csv_cell;
use crate::error::{ApiError, ErrorBody};
use crate::esign::capture::{capture_state, CaptureState};
use crate::esign::completion::format_utc;
use crate::esign::domain::{document_status, DocumentStatus, InviteeState};
use crate::esign::journey::{channel_of, look, security_of};
use crate::esign::rules::Security;
use crate::store::{AuditEventRow, InviteeRow, SessionRow};
use crate::AppState;

/// The invitation step.
#[derive(Serialize, ToSchema)]
pub struct InvitationStep {
    /// Unix ms.
    pub sent_at: Option<i64>,
    /// Unix ms.
    pub opened_at: Option<i64>,
    /// Unix ms.
    pub expires_at: Option<i64>,
}

/// The OTP step.
#[derive(Serialize, ToSchema)]
pub struct OtpStep {
    /// `email` or `sms`.
    pub channel: String,
    /// Unix ms.
    pub verified_at: Option<i64>,
    /// OTPs sent.
    pub sends: i64,
    /// Wrong codes still allowed for the current OTP.
    pub tries_left: i64,
}

/// The signature step.
#[derive(Serialize, ToSchema)]
pub struct SignatureStep {
    /// `typed`, `drawn` or `automated`.
    pub kind: Option<String>,
    /// Unix ms.
    pub signed_at: Option<i64>,
}

/// Every step of an invitee.
#[derive(Serialize, ToSchema)]
pub struct Steps {
    /// Invitation.
    pub invitation: InvitationStep,
    /// One-time password.
    pub otp: OtpStep,
    /// Face capture (Smart User Liveliness, face match).
    pub capture: CaptureState,
    /// Signature.
    pub signature: SignatureStep,
}

/// An invitee on the status page.
#[derive(Serialize, ToSchema)]
pub struct InviteeView {
    /// `inv_<uuid>`.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// 1 first.
    pub signing_order: i64,
    /// `person`, `virtual_signer`, `doc_signer`.
    pub signer_type: String,
    /// waiting, invited, otp_verified, verified, signed, failed.
    pub state: String,
    /// Security options.
    pub security: Security,
    /// Steps.
    pub steps: Steps,
    /// Why the journey failed (`{code, message}`).
    #[schema(value_type = Object)]
    pub failure: Option<Value>,
    /// The signing link: only in the answer that sent the invitation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_url: Option<String>,
}

/// A document and its invitees.
#[derive(Serialize, ToSchema)]
pub struct DocumentDetail {
    /// `doc_<uuid>`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Department.
    pub department_id: String,
    /// `sent`, `completed` or `failed` (a signer failed).
    pub status: String,
    /// sha256 of the original PDF.
    pub sha256: String,
    /// Pages of the original.
    pub pages: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub completed_at: Option<i64>,
    /// sha256 of the completed PDF.
    pub signed_sha256: Option<String>,
    /// Where the Done page sends signers on.
    pub redirect_url: Option<String>,
    /// Invitees in list order.
    pub invitees: Vec<InviteeView>,
}

/// A document in the list.
#[derive(Serialize, ToSchema)]
pub struct DocumentSummary {
    /// `doc_<uuid>`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub completed_at: Option<i64>,
}

/// Documents.
#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    /// Newest first (at most 200).
    pub documents: Vec<DocumentSummary>,
}

/// An audit trail entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEvent {
    /// Unix ms.
    pub at: i64,
    /// Document.
    pub document_id: String,
    /// Invitee, if theirs.
    pub invitee_id: Option<String>,
    /// Step (`otp.verified`, `capture.completed`, …).
    pub step: String,
    /// Details.
    #[schema(value_type = Object)]
    pub detail: Value,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

/// The audit trail.
#[derive(Serialize, ToSchema)]
pub struct AuditTrail {
    /// Oldest first.
    pub events: Vec<AuditEvent>,
}

/// `?format=csv` for a download.
#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// An outbox message.
#[derive(Serialize, ToSchema)]
pub struct OutboxMessage {
    /// Id.
    pub id: String,
    /// Unix ms.
    pub at: i64,
    /// `email` or `sms`.
    pub channel: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Text (holds the OTP or the link).
    pub body: String,
    /// `invitation`, `otp` or `sender_notice`.
    pub kind: String,
}

/// The development outbox.
#[derive(Serialize, ToSchema)]
pub struct Outbox {
    /// Newest first (at most 200).
    pub messages: Vec<OutboxMessage>,
}

/// `?to=` filter.
#[derive(Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// Only messages to this address or number.
    pub to: Option<String>,
}

/// The view of one invitee (after recording any finished capture attempts).
pub async fn invitee_view(state: &AppState, i: &InviteeRow, sessions: &[SessionRow]) -> Result<InviteeView, ApiError> {
    let signature: Option<Value> = i.signature.as_deref().map(parse_stored).transpose()?;
    Ok(InviteeView {
        id: i.id.clone(),
        name: i.name.clone(),
        email: i.email.clone(),
        phone: i.phone.clone(),
        signing_order: i.signing_order,
        signer_type: i.signer_type.clone(),
        state: i.state.clone(),
        security: security_of(i)?,
        steps: Steps {
            invitation: InvitationStep {
                sent_at: i.invitation_sent_at,
                opened_at: i.invitation_opened_at,
                expires_at: i.invitation_expires_at,
            },
            otp: OtpStep {
                channel: channel_of(i).0.into(),
                verified_at: i.otp_verified_at,
                sends: i.otp_sends,
                tries_left: (crate::api::esign::otp::OTP_MAX_FAILURES - i.otp_failures).max(0),
            },
            capture: capture_state(state, i, sessions).await?,
            signature: SignatureStep {
                kind: signature.and_then(|s| s["kind"].as_str().map(String::from)),
                signed_at: i.signed_at,
            },
        },
        failure: i.failure.as_deref().map(parse_stored).transpose()?,
        invitation_url: None,
    })
}

/// The status of a document, with every invitee's finished attempts (shown, not recorded:
/// reads write nothing).
pub async fn document_detail(state: &AppState, id: &str) -> Result<DocumentDetail, ApiError> {
    let doc = state.store.document(id).await?.ok_or(ApiError::DocumentNotFound)?;
    let mut invitees = Vec::new();
    for i in state.store.invitees(id).await? {
        let (i, sessions) = look(state, &doc, i).await?;
        invitees.push(invitee_view(state, &i, &sessions).await?);
    }
    let failed = InviteeState::Failed.as_str();
    let status = if document_status(&doc)? == DocumentStatus::Sent && invitees.iter().any(|i| i.state == failed) {
        "failed".to_string()
    } else {
        doc.status.clone()
    };
    Ok(DocumentDetail {
        id: doc.id,
        title: doc.title,
        department_id: doc.department_id,
        status,
        sha256: doc.sha256,
        pages: doc.pages,
        created_at: doc.created_at,
        completed_at: doc.completed_at,
        signed_sha256: doc.signed_sha256,
        redirect_url: doc.redirect_url,
        invitees,
    })
}

/// Lists documents.
#[utoipa::path(get, path = "/v1/documents", tag = "esign", security(("api_key" = ["esign:admin"])),
    responses((status = 200, body = DocumentList), (status = "4XX", body = ErrorBody)))]
pub async fn list_documents(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
) -> Result<Json<DocumentList>, ApiError> {
    let documents = state
        .store
        .documents(&caller.tenant, 200)
        .await?
        .into_iter()
        .map(|d| DocumentSummary {
            id: d.id,
            title: d.title,
            status: d.status,
            created_at: d.created_at,
            completed_at: d.completed_at,
        })
        .collect();
    Ok(Json(DocumentList { documents }))
}

/// A document's status: per invitee the state of each step, attempts used and left, results
/// and evidence.
#[utoipa::path(get, path = "/v1/documents/{id}", tag = "esign",
    params(("id" = String, Path, description = "Document id")), security(("api_key" = ["esign:send"])),
    responses((status = 200, body = DocumentDetail), (status = "4XX", body = ErrorBody)))]
pub async fn get_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::EsignSend>,
) -> Result<Json<DocumentDetail>, ApiError> {
    own_document(&state, &caller, &id).await?;
    Ok(Json(document_detail(&state, &id).await?))
}

/// A PDF download.
pub fn pdf_response(bytes: bytes::Bytes, filename: &str) -> Response {
    (
        [
            ("content-type", "application/pdf".to_string()),
            ("content-disposition", format!("attachment; filename=\"{filename}\"")),
        ],
        Body::from(bytes),
    )
        .into_response()
}

/// The uploaded PDF.
#[utoipa::path(get, path = "/v1/documents/{id}/original.pdf", tag = "esign",
    params(("id" = String, Path, description = "Document id")), security(("api_key" = ["esign:send"])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = "4XX", body = ErrorBody)))]
pub async fn original_pdf(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::EsignSend>,
) -> Result<Response, ApiError> {
    let doc = own_document(&state, &caller, &id).await?;
    Ok(pdf_response(
        state.objects.get(&doc.object_key).await?,
        &format!("{id}.pdf"),
    ))
}

/// The completed PDF: the original plus one signature-and-evidence page per signer.
#[utoipa::path(get, path = "/v1/documents/{id}/signed.pdf", tag = "esign",
    params(("id" = String, Path, description = "Document id")), security(("api_key" = ["esign:send"])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = "4XX", body = ErrorBody)))]
pub async fn signed_pdf(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::EsignSend>,
) -> Result<Response, ApiError> {
    own_document(&state, &caller, &id).await?;
    signed_pdf_of(&state, &id).await
}

/// The completed PDF of a document, or `document_not_completed`.
pub async fn signed_pdf_of(state: &AppState, id: &str) -> Result<Response, ApiError> {
    let doc = state.store.document(id).await?.ok_or(ApiError::DocumentNotFound)?;
    let key = doc.signed_key.ok_or(ApiError::DocumentNotCompleted)?;
    Ok(pdf_response(
        state.objects.get(&key).await?,
        &format!("{id}-signed.pdf"),
    ))
}

fn audit_event(e: AuditEventRow) -> Result<AuditEvent, ApiError> {
    Ok(AuditEvent {
        at: e.at,
        document_id: e.document_id,
        invitee_id: e.invitee_id,
        step: e.step,
        detail: parse_stored(&e.detail)?,
        ip: e.ip,
        user_agent: e.user_agent,
    })
}

/// The audit trail: every step with time, IP and user agent (`?format=csv` to download).
#[utoipa::path(get, path = "/v1/documents/{id}/audit", tag = "esign",
    params(("id" = String, Path, description = "Document id"), AuditQuery), security(("api_key" = ["esign:admin"])),
    responses((status = 200, body = AuditTrail), (status = "4XX", body = ErrorBody)))]
pub async fn audit_trail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    own_document(&state, &caller, &id).await?;
    let events = state
        .store
        .audit_events(&id)
        .await?
        .into_iter()
        .map(audit_event)
        .collect::<Result<Vec<_>, _>>()?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(AuditTrail { events }).into_response()),
        Some("csv") => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let header = [
                "time_utc",
                "unix_ms",
                "document_id",
                "invitee_id",
                "step",
                "ip",
                "user_agent",
                "detail",
            ];
            let csv_error = |e: csv::Error| ApiError::Internal(format!("audit CSV: {e}"));
            out.write_record(header).map_err(csv_error)?;
            for e in &events {
                let (time, unix, detail) = (format_utc(e.at), e.at.to_string(), e.detail.to_string());
                let cells = [
                    time.as_str(),
                    &unix,
                    &e.document_id,
                    e.invitee_id.as_deref().unwrap_or_default(),
                    &e.step,
                    e.ip.as_deref().unwrap_or_default(),
                    e.user_agent.as_deref().unwrap_or_default(),
                    &detail,
                ];
                out.write_record(cells.map(|c| csv_cell(c).into_owned()))
                    .map_err(csv_error)?;
            }
            let out = out
                .into_inner()
                .map_err(|e| ApiError::Internal(format!("audit CSV: {e}")))?;
            Ok((
                [
                    ("content-type", "text/csv; charset=utf-8".to_string()),
                    (
                        "content-disposition",
                        format!("attachment; filename=\"{id}-audit.csv\""),
                    ),
                ],
                out,
            )
                .into_response())
        }
        Some(other) => Err(ApiError::InvalidRequest(format!(
            "format must be json or csv, got {other:?}"
        ))),
    }
}

/// The development outbox: invitations, OTPs and sender notices not sent by SMTP.
#[utoipa::path(get, path = "/v1/outbox", tag = "esign", params(OutboxQuery), security(("api_key" = ["esign:admin"])),
    responses((status = 200, body = Outbox), (status = "4XX", body = ErrorBody)))]
pub async fn outbox(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Outbox>, ApiError> {
    let messages = state
        .store
        .outbox(&caller.tenant, q.to.as_deref(), 200)
        .await?
        .into_iter()
        .map(|m| OutboxMessage {
            id: m.id,
            at: m.at,
            channel: m.channel,
            to: m.to,
            subject: m.subject,
            body: m.body,
            kind: m.kind,
        })
        .collect();
    Ok(Json(Outbox { messages }))
}
