//! Sending: templates and "Save and send" of one document (bulk CSV sending is in `bulk`, on the
//! same checks).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use base64::Engine;
use livegate_pdf::PdfInfo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::documents::{document_detail, DocumentDetail};
use super::own_department;
use super::ClientMeta;
use crate::api::auth::{random_secret, scopes, ApiJson, ApiKey};
use crate::api::sessions::reference_embedding;
use crate::api::{image_extension, on_worker_waiting, to_json};
use crate::error::{ApiError, ErrorBody};
use crate::esign::domain::{DocumentStatus, InviteeState, SignerType};
use crate::esign::journey::{advance, event, Meta};
use crate::esign::rules::{Security, SecurityRequest};
use crate::objects::Staged;
use crate::origins::check_url;
use crate::store::{hash_secret, DepartmentRow, DocumentRow, InviteeRow, TemplateRow};
use crate::AppState;

/// An invitee as sent.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteeRequest {
    /// Name.
    pub name: String,
    /// E-mail address (invitation and OTP go here when given).
    pub email: Option<String>,
    /// Phone number (SMS when there is no e-mail).
    pub phone: Option<String>,
    /// Signing order, 1 first (default: position in the list).
    pub signing_order: Option<i64>,
    /// `person` (default), `virtual_signer` or `doc_signer` (automated).
    pub signer_type: Option<String>,
    /// "Enable security features"; omitted = none.
    pub security: Option<SecurityRequest>,
}

/// `POST /v1/documents` ("Save and send").
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocument {
    /// Department whose settings apply.
    pub department_id: String,
    /// Title shown to signers.
    pub title: String,
    /// The PDF, base64 (or `template_id`).
    pub pdf: Option<String>,
    /// A stored template (or `pdf`).
    pub template_id: Option<String>,
    /// Who is told when a signer fails.
    pub sender_email: Option<String>,
    /// Where the Done page sends signers on: `https://…` (or `http://` on loopback).
    pub redirect_url: Option<String>,
    /// Invitees.
    pub invitees: Vec<InviteeRequest>,
}

/// A stored template.
#[derive(Serialize, ToSchema)]
pub struct Template {
    /// `tpl_<uuid>`.
    pub id: String,
    /// Name.
    pub name: String,
    /// sha256 of the PDF.
    pub sha256: String,
    /// Pages.
    pub pages: i64,
    /// Size.
    pub bytes: i64,
    /// Unix ms.
    pub created_at: i64,
}

/// Templates.
#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    /// Newest first.
    pub templates: Vec<Template>,
}

/// `?name=` of a template upload.
#[derive(Deserialize, IntoParams)]
pub struct TemplateQuery {
    /// Display name.
    pub name: String,
}

pub(super) fn require_content_type(headers: &HeaderMap, wanted: &str, hint: &'static str) -> Result<(), ApiError> {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.split(';').next().map(str::trim) == Some(wanted) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(ct.into(), hint))
    }
}

async fn inspect_pdf(state: &AppState, bytes: Bytes) -> Result<(Bytes, PdfInfo), ApiError> {
    let max = state.config.max_pdf_bytes;
    if bytes.len() > max {
        return Err(ApiError::PayloadTooLarge(bytes.len(), max));
    }
    let input = bytes.clone();
    let info = on_worker_waiting(state, move || {
        livegate_pdf::inspect(&input, max).map_err(ApiError::from)
    })
    .await?;
    Ok((bytes, info))
}

/// Stores a PDF template.
#[utoipa::path(post, path = "/v1/templates", tag = "esign", params(TemplateQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf"), security(("api_key" = ["esign:admin"])),
    responses((status = 201, body = Template), (status = "4XX", body = ErrorBody)))]
pub async fn create_template(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
    headers: HeaderMap,
    Query(q): Query<TemplateQuery>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    require_content_type(&headers, "application/pdf", "send the PDF as application/pdf")?;
    if q.name.trim().is_empty() {
        return Err(ApiError::InvalidRequest("name is required".into()));
    }
    let (bytes, info) = inspect_pdf(&state, body).await?;
    let id = format!("tpl_{}", uuid::Uuid::new_v4());
    let t = TemplateRow {
        object_key: format!("esign/templates/{id}.pdf"),
        id,
        name: q.name.trim().into(),
        sha256: info.sha256,
        pages: i64::from(info.pages),
        bytes: info.bytes as i64,
        created_at: state.clock.now_ms(),
        tenant_id: caller.tenant,
    };
    let mut staged = Staged::new();
    staged.put(&state.objects, &t.object_key, bytes).await?;
    let created = state.store.create_template(&t).await;
    staged.settle(&state.objects, created, |_| true).await?;
    Ok((StatusCode::CREATED, Json(template_view(t))))
}

fn template_view(t: TemplateRow) -> Template {
    Template {
        id: t.id,
        name: t.name,
        sha256: t.sha256,
        pages: t.pages,
        bytes: t.bytes,
        created_at: t.created_at,
    }
}

/// Lists templates.
#[utoipa::path(get, path = "/v1/templates", tag = "esign", security(("api_key" = ["esign:admin"])),
    responses((status = 200, body = TemplateList), (status = "4XX", body = ErrorBody)))]
pub async fn list_templates(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::EsignAdmin>,
) -> Result<Json<TemplateList>, ApiError> {
    let templates = state
        .store
        .templates(&caller.tenant, None)
        .await?
        .into_iter()
        .map(template_view)
        .collect();
    Ok(Json(TemplateList { templates }))
}

/// An invitee checked and ready to store, with its reference photo.
pub(super) struct Prepared {
    row: InviteeRow,
    reference: Option<Vec<u8>>,
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Checks one invitee against the department's settings.
pub(super) async fn prepare(
    state: &AppState,
    department: &DepartmentRow,
    document_id: &str,
    position: usize,
    req: &InviteeRequest,
) -> Result<Prepared, ApiError> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ApiError::InvalidRequest("invitee name must be 1-120 characters".into()));
    }
    let (email, phone) = (clean(&req.email), clean(&req.phone));
    if let Some(e) = &email {
        address(e, "invitee email")?;
    }
    if let Some(p) = &phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) || !p.chars().all(|c| c.is_ascii_digit() || "+ -()".contains(c)) {
            return Err(ApiError::InvalidRequest(format!("{p:?} is not a phone number")));
        }
    }
    let signer_type = req
        .signer_type
        .clone()
        .unwrap_or_else(|| SignerType::Person.as_str().into());
    if email.is_none() && phone.is_none() && signer_type == SignerType::Person.as_str() {
        return Err(ApiError::InvalidRequest(format!(
            "invitee {name:?} needs an email or a phone"
        )));
    }
    let order = req.signing_order.unwrap_or(position as i64 + 1);
    if !(1..=100).contains(&order) {
        return Err(ApiError::InvalidRequest(format!(
            "signing_order must be 1-100, got {order}"
        )));
    }
    let security_req = req.security.clone().unwrap_or_default();
    let security = Security::check(&security_req, &signer_type, department)?;
    // Decoded and measured once, here: the signer's capture session reuses the descriptor.
    let (reference, reference_embedding) = match &security_req.face_match {
        Some(f) => {
            let (bytes, embedding) = reference_embedding(state, &f.reference_image).await?;
            (Some(bytes), Some(to_json(&embedding)?))
        }
        None => (None, None),
    };
    let id = format!("inv_{}", uuid::Uuid::new_v4());
    let reference_key = reference
        .as_ref()
        .map(|b| format!("esign/{document_id}/{id}/reference.{}", image_extension(b)));
    Ok(Prepared {
        row: InviteeRow {
            id,
            document_id: document_id.into(),
            position: position as i64,
            name: name.into(),
            email,
            phone,
            signing_order: order,
            signer_type,
            security: serde_json::to_string(&security).map_err(|e| ApiError::Internal(e.to_string()))?,
            reference_key,
            reference_embedding,
            state: InviteeState::Waiting.as_str().into(),
            version: 0,
            // Unusable until the invitation is sent (a hash no token has).
            invitation_hash: hash_secret(&random_secret("unsent_")?),
            ..InviteeRow::default()
        },
        reference,
    })
}

/// A document ready to store.
pub(super) struct PreparedDocument {
    pub(super) doc: DocumentRow,
    pub(super) invitees: Vec<Prepared>,
    pub(super) pdf: Bytes,
}

/// Writes a document's PDF and its invitees' reference photos.
async fn stage_document(state: &AppState, staged: &mut Staged, d: &PreparedDocument) -> Result<(), ApiError> {
    staged.put(&state.objects, &d.doc.object_key, d.pdf.clone()).await?;
    for i in &d.invitees {
        if let (Some(key), Some(bytes)) = (&i.row.reference_key, &i.reference) {
            staged.put(&state.objects, key, bytes.clone().into()).await?;
        }
    }
    Ok(())
}

pub(super) async fn store_documents(
    state: &AppState,
    docs: Vec<PreparedDocument>,
    meta: &Meta,
) -> Result<Vec<DocumentDetail>, ApiError> {
    let mut rows = Vec::new();
    let mut events = Vec::new();
    let mut staged = Staged::new();
    for d in &docs {
        if let Err(e) = stage_document(state, &mut staged, d).await {
            staged.discard(&state.objects).await;
            return Err(e);
        }
        events.push(event(
            state,
            &d.doc.id,
            None,
            "document.sent",
            serde_json::json!({"title": d.doc.title, "sha256": d.doc.sha256, "invitees": d.invitees.len()}),
            meta,
        ));
        rows.push((
            d.doc.clone(),
            d.invitees.iter().map(|i| i.row.clone()).collect::<Vec<_>>(),
        ));
    }
    let created = state.store.create_documents(&rows, &events).await;
    staged.settle(&state.objects, created, |_| true).await?;
    let mut out = Vec::new();
    for d in &docs {
        let links = advance(state, &d.doc.id, meta).await?;
        let mut detail = document_detail(state, &d.doc.id).await?;
        for inv in &mut detail.invitees {
            inv.invitation_url = links.iter().find(|(id, _)| *id == inv.id).map(|(_, url)| url.clone());
        }
        out.push(detail);
    }
    Ok(out)
}

/// Checks that `text` is one plain e-mail address (see [`crate::mail::parse_address`]).
fn address(text: &str, what: &str) -> Result<(), ApiError> {
    crate::mail::parse_address(text)
        .map(drop)
        .map_err(|e| ApiError::InvalidRequest(format!("{what}: {e}")))
}

pub(super) fn new_document(
    department: &DepartmentRow,
    title: &str,
    info: &PdfInfo,
    sender: Option<String>,
    now: i64,
) -> Result<DocumentRow, ApiError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ApiError::InvalidRequest("title must be 1-200 characters".into()));
    }
    let sender_email = sender.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(e) = &sender_email {
        address(e, "sender_email")?;
    }
    let id = format!("doc_{}", uuid::Uuid::new_v4());
    Ok(DocumentRow {
        object_key: format!("esign/{id}/original.pdf"),
        id,
        department_id: department.id.clone(),
        title: title.into(),
        sha256: info.sha256.clone(),
        pages: i64::from(info.pages),
        status: DocumentStatus::Sent.as_str().into(),
        sender_email,
        created_at: now,
        tenant_id: department.tenant_id.clone(),
        ..DocumentRow::default()
    })
}

/// A template's PDF, of `tenant` (another tenant's is `template_not_found`).
pub(super) async fn template_pdf(state: &AppState, tenant: &str, id: &str) -> Result<(Bytes, PdfInfo), ApiError> {
    let t = state
        .store
        .templates(tenant, Some(id))
        .await?
        .pop()
        .ok_or(ApiError::TemplateNotFound)?;
    let bytes = state.objects.get(&t.object_key).await?;
    Ok((
        bytes,
        PdfInfo {
            pages: t.pages as u32,
            sha256: t.sha256,
            bytes: t.bytes as usize,
        },
    ))
}

/// Sends a document for signature ("Save and send").
#[utoipa::path(post, path = "/v1/documents", tag = "esign", request_body = CreateDocument,
    security(("api_key" = ["esign:send"])),
    responses((status = 201, body = DocumentDetail), (status = "4XX", body = ErrorBody)))]
pub async fn create_document(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::EsignSend>,
    ClientMeta(meta): ClientMeta,
    ApiJson(req): ApiJson<CreateDocument>,
) -> Result<impl IntoResponse, ApiError> {
    let department = own_department(&state, &caller, &req.department_id).await?;
    let (pdf, info) = match (&req.pdf, &req.template_id) {
        (Some(b64), None) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| ApiError::InvalidRequest(format!("pdf is not valid base64: {e}")))?;
            inspect_pdf(&state, bytes.into()).await?
        }
        (None, Some(id)) => template_pdf(&state, &caller.tenant, id).await?,
        _ => {
            return Err(ApiError::InvalidRequest(
                "send exactly one of pdf and template_id".into(),
            ))
        }
    };
    if req.invitees.is_empty() || req.invitees.len() > 50 {
        return Err(ApiError::InvalidRequest("a document needs 1-50 invitees".into()));
    }
    let mut doc = new_document(
        &department,
        &req.title,
        &info,
        req.sender_email.clone(),
        state.clock.now_ms(),
    )?;
    doc.redirect_url = req
        .redirect_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| check_url(u).map(|()| u.to_string()))
        .transpose()
        .map_err(ApiError::InvalidRedirectUrl)?;
    let mut invitees = Vec::new();
    for (n, i) in req.invitees.iter().enumerate() {
        invitees.push(prepare(&state, &department, &doc.id, n, i).await?);
    }
    let mut created = store_documents(&state, vec![PreparedDocument { doc, invitees, pdf }], &meta).await?;
    Ok((StatusCode::CREATED, Json(created.remove(0))))
}
