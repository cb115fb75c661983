//! The signing journey behind the hosted pages: open the invitation → verify the one-time
//! password → consent to the privacy notice → face capture (a liveness session the SDK drives;
//! its retries chain) → proceed → sign → done. The browser holds a journey token after opening
//! the link; reopening the link (`link`) resumes the journey with a new token and a new code.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use base64::Engine;
use livegate_media::{decode_image, ImageLimits};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::documents::{pdf_response, signed_pdf_of};
use super::otp::send_otp;
use super::ClientMeta;
use crate::api::auth::{bearer, random_secret, ApiJson, TOKEN_PREFIX};
use crate::api::parse_stored;
use crate::api::sessions::{base_of, new_session, new_session_with, CreateSession, MeasuredReference};
use crate::error::{ApiError, ErrorBody};
use crate::esign::capture::{capture_state, chain, finished, passed, CaptureState};
use crate::esign::domain::{apply, document_status, invitee_state, journey_closed, DocumentStatus, InviteeState, Step};
use crate::esign::journey::{advance, channel_of, event, look, save, security_of, sync, Meta, JOURNEY_PREFIX};
use crate::esign::privacy::{Branding, PrivacyNotice};
use crate::esign::rules::Security;
use crate::objects::Staged;
use crate::store::{hash_secret, DocumentRow, InviteeRow, SessionRow};
use crate::AppState;

/// What the seed asks signers to do for a good capture.
pub const BEST_PRACTICES: [&str; 8] = [
    "Make sure you are in a well-lit place.",
    "Only you should be in front of the camera.",
    "Remove accessories like spectacles, masks, hats and headphones.",
    "Set your screen brightness to the maximum.",
    "The light around you should be fairly uniform: not too dark, not too bright.",
    "Light on your face should be flat, without shadows.",
    "Keep a neutral expression with your mouth closed and little to no smile.",
    "Use a camera of at least 320x240 pixels.",
];

/// `POST /v1/sign/open`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenInvitation {
    /// The token of the invitation link (`lgi_…`).
    pub invitation_token: String,
}

/// Where an OTP went.
#[derive(Serialize, ToSchema)]
pub struct OtpInfo {
    /// `email` or `sms`.
    pub channel: String,
    /// The address or number, partly hidden.
    pub to_masked: String,
    /// Unix ms.
    pub expires_at: Option<i64>,
    /// Unix ms after which a new code may be asked for.
    pub resend_after: Option<i64>,
}

/// The journey as the signer's page sees it.
#[derive(Serialize, ToSchema)]
pub struct JourneyState {
    /// otp, consent, instructions, capture, sign, done, failed.
    pub step: String,
    /// What opening the link found (only when it was just opened): `fresh` (first open),
    /// `resumed` (opened before: a new journey token and a new code) or `signed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The journey token (only when the invitation was just opened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journey_token: Option<String>,
    /// `{name}` of the invitee.
    #[schema(value_type = Object)]
    pub invitee: Value,
    /// `{title, pages, status}` of the document.
    #[schema(value_type = Object)]
    pub document: Value,
    /// Security options.
    pub security: Security,
    /// The OTP sent.
    pub otp: OtpInfo,
    /// The capture step.
    pub capture: CaptureState,
    /// Best practices for the capture.
    pub best_practices: Vec<String>,
    /// Why the journey failed (`{code, message}`).
    #[schema(value_type = Object)]
    pub failure: Option<Value>,
    /// The privacy notice shown before the camera, and the consent given.
    pub privacy: PrivacyNotice,
    /// The department's name and colour for the pages.
    pub branding: Branding,
    /// Where the Done page sends the signer on (the document's `redirect_url`, at `done` only).
    pub redirect_url: Option<String>,
}

/// `POST /v1/sign/consent`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureConsent {
    /// The signer accepts the privacy notice and the face capture.
    pub accept: bool,
}

/// A capture attempt for the SDK.
#[derive(Serialize, ToSchema)]
pub struct CaptureStart {
    /// `ses_<uuid>`.
    pub session_id: String,
    /// For the SDK's `sessionToken`.
    pub client_token: String,
    /// Attempts left, this one included.
    pub attempts_left: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
}

/// `POST /v1/sign/sign`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// `typed` or `drawn`.
    pub kind: String,
    /// The typed signature.
    pub typed_name: Option<String>,
    /// The drawn signature: base64 PNG.
    pub drawn_png: Option<String>,
    /// Consent to sign electronically.
    #[serde(default)]
    pub consent: bool,
}

pub(super) fn mask(to: &str) -> String {
    match to.split_once('@') {
        Some((user, domain)) => format!("{}***@{domain}", user.chars().next().unwrap_or('*')),
        None => {
            let n = to.chars().count();
            format!(
                "{}{}",
                "*".repeat(n.saturating_sub(3)),
                to.chars().skip(n.saturating_sub(3)).collect::<String>()
            )
        }
    }
}

/// Extracts the signer's journey from the request's journey token ([`journey`]): the document
/// and the invitee, or the link state's error.
pub struct Journey(pub DocumentRow, pub InviteeRow);

impl FromRequestParts<AppState> for Journey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        journey(state, &parts.headers).await.map(|(doc, i)| Self(doc, i))
    }
}

/// The invitee and document of the journey token in `Authorization`.
pub(super) async fn journey(state: &AppState, headers: &HeaderMap) -> Result<(DocumentRow, InviteeRow), ApiError> {
    let token = bearer(headers)?;
    if !token.starts_with(JOURNEY_PREFIX) {
        return Err(ApiError::InvalidCredentials);
    }
    let i = state
        .store
        .invitee_by_token(&hash_secret(token), true)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    if i.invitation_expires_at.is_some_and(|t| state.clock.now_ms() > t) && invitee_state(&i)? != InviteeState::Signed {
        return Err(ApiError::InvitationExpired);
    }
    let doc = state
        .store
        .document(&i.document_id)
        .await?
        .ok_or(ApiError::DocumentNotFound)?;
    if document_status(&doc)? == DocumentStatus::Cancelled {
        return Err(ApiError::DocumentCancelled);
    }
    Ok((doc, i))
}

fn step_of(i: &InviteeRow, security: &Security) -> &'static str {
    match InviteeState::parse(&i.state) {
        Some(InviteeState::Failed) => "failed",
        Some(InviteeState::Signed) => "done",
        _ if i.otp_verified_at.is_none() => "otp",
        _ if security.capture_photo && i.proceeded_at.is_none() && i.capture_consent_at.is_none() => "consent",
        _ if security.capture_photo && i.proceeded_at.is_none() && i.first_session_id.is_none() => "instructions",
        _ if security.capture_photo && i.proceeded_at.is_none() => "capture",
        _ => "sign",
    }
}

pub(super) async fn view(
    state: &AppState,
    doc: &DocumentRow,
    i: &InviteeRow,
    sessions: &[SessionRow],
    token: Option<String>,
) -> Result<JourneyState, ApiError> {
    let security = security_of(i)?;
    let (channel, to) = channel_of(i);
    let department = state
        .store
        .department(&doc.department_id)
        .await?
        .ok_or(ApiError::DepartmentNotFound)?;
    let step = step_of(i, &security);
    Ok(JourneyState {
        step: step.into(),
        link: None,
        journey_token: token,
        invitee: json!({"name": i.name, "signing_order": i.signing_order}),
        document: json!({"title": doc.title, "pages": doc.pages, "status": doc.status}),
        security,
        otp: OtpInfo {
            channel: channel.into(),
            to_masked: mask(&to),
            expires_at: i.otp_expires_at,
            resend_after: i.otp_sent_at.map(|t| t + state.config.otp_resend_s as i64 * 1000),
        },
        capture: capture_state(state, i, sessions).await?.for_person(),
        best_practices: BEST_PRACTICES.iter().map(|s| s.to_string()).collect(),
        failure: i.failure.as_deref().map(parse_stored).transpose()?,
        privacy: PrivacyNotice::of(&department, doc, i),
        branding: Branding::of(&department),
        redirect_url: doc.redirect_url.clone().filter(|_| step == "done"),
    })
}

/// Opens the invitation link: a first open or a reopen (the old journey token revoked, a new
/// code sent) returns a journey token at the journey's step; a link whose signer signed returns
/// the Done step; every other state is its own error code (`invitation_invalid`,
/// `invitation_expired`, `invitation_failed`, `document_cancelled`).
#[utoipa::path(post, path = "/v1/sign/open", tag = "signing", request_body = OpenInvitation,
    responses((status = 200, body = JourneyState), (status = "4XX", body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    ClientMeta(meta): ClientMeta,
    ApiJson(req): ApiJson<OpenInvitation>,
) -> Result<Json<JourneyState>, ApiError> {
    let i = state
        .store
        .invitee_by_token(&hash_secret(req.invitation_token.trim()), false)
        .await?
        .ok_or(ApiError::InvitationInvalid)?;
    let doc = state
        .store
        .document(&i.document_id)
        .await?
        .ok_or(ApiError::DocumentNotFound)?;
    let link = link_state(&state, &doc, &i).await?;
    let token = random_secret(JOURNEY_PREFIX)?;
    let now = state.clock.now_ms();
    let mut after = i.clone();
    after.journey_hash = Some(hash_secret(&token));
    let saved = match link {
        Link::Fresh => {
            after.invitation_opened_at = Some(now);
            let opened = event(&state, &doc.id, Some(&i.id), "invitation.opened", json!({}), &meta);
            send_otp(&state, &doc, after, vec![opened], &meta).await?
        }
        Link::Signed => {
            let ev = event(
                &state,
                &doc.id,
                Some(&i.id),
                "invitation.reopened",
                json!({"step": "done"}),
                &meta,
            );
            save(&state, after, &[ev], None).await?
        }
        Link::Resumed => {
            let at = step_of(&i, &security_of(&i)?);
            after.otp_verified_at = None;
            let ev = event(
                &state,
                &doc.id,
                Some(&i.id),
                "invitation.reopened",
                json!({"step": at, "journey_token_revoked": true}),
                &meta,
            );
            // A code sent moments ago and not used yet stays the one to enter (a reopen does
            // not send codes faster than a resend may).
            let recent = i.otp_hash.is_some()
                && i.otp_sent_at
                    .is_some_and(|t| now < t + state.config.otp_resend_s as i64 * 1000);
            if recent {
                save(&state, after, &[ev], None).await?
            } else {
                after.otp_sends = 0;
                send_otp(&state, &doc, after, vec![ev], &meta).await?
            }
        }
    };
    let sessions = chain(&state, &saved).await?;
    let mut answer = view(&state, &doc, &saved, &sessions, Some(token)).await?;
    answer.link = Some(link.name().into());
    Ok(Json(answer))
}

/// What opening an invitation link finds, when the journey can go on (or is signed).
#[derive(Clone, Copy)]
enum Link {
    Fresh,
    Resumed,
    Signed,
}

impl Link {
    fn name(self) -> &'static str {
        match self {
            Self::Fresh => "fresh",
            Self::Resumed => "resumed",
            Self::Signed => "signed",
        }
    }
}

/// The state of an invitation link; the states where the journey cannot go on are errors.
async fn link_state(state: &AppState, doc: &DocumentRow, i: &InviteeRow) -> Result<Link, ApiError> {
    if document_status(doc)? == DocumentStatus::Cancelled {
        return Err(ApiError::DocumentCancelled);
    }
    match invitee_state(i)? {
        InviteeState::Signed => return Ok(Link::Signed),
        InviteeState::Failed => {
            let department = state.store.department(&doc.department_id).await?;
            let contact = department
                .and_then(|d| crate::esign::privacy::contact_of(&d, doc))
                .unwrap_or_else(|| "the sender".into());
            return Err(ApiError::InvitationFailed(contact));
        }
        _ => {}
    }
    if i.invitation_expires_at.is_none_or(|t| state.clock.now_ms() > t) {
        return Err(ApiError::InvitationExpired);
    }
    Ok(if i.journey_hash.is_some() {
        Link::Resumed
    } else {
        Link::Fresh
    })
}

/// Records the signer's consent to the privacy notice and the face capture (once; the capture
/// step refuses to start without it).
#[utoipa::path(post, path = "/v1/sign/consent", tag = "signing", request_body = CaptureConsent,
    security(("journey_token" = [])),
    responses((status = 200, body = JourneyState), (status = "4XX", body = ErrorBody)))]
pub async fn consent(
    State(state): State<AppState>,
    Journey(doc, i): Journey,
    ClientMeta(meta): ClientMeta,
    ApiJson(req): ApiJson<CaptureConsent>,
) -> Result<Json<JourneyState>, ApiError> {
    let (i, sessions) = sync(&state, &doc, i, &meta).await?;
    require_otp(&i)?;
    if !security_of(&i)?.capture_photo {
        return Err(ApiError::CaptureNotRequired);
    }
    if !req.accept {
        return Err(ApiError::CaptureConsentRequired);
    }
    if i.capture_consent_at.is_some() {
        return Ok(Json(view(&state, &doc, &i, &sessions, None).await?));
    }
    let department = state
        .store
        .department(&doc.department_id)
        .await?
        .ok_or(ApiError::DepartmentNotFound)?;
    let notice = PrivacyNotice::of(&department, &doc, &i);
    let mut after = i.clone();
    after.capture_consent_at = Some(state.clock.now_ms());
    let ev = event(
        &state,
        &doc.id,
        Some(&i.id),
        "capture.consented",
        json!({"notice_sha256": notice.sha256(), "retention_days": notice.retention_days, "contact": notice.contact}),
        &meta,
    );
    let saved = save(&state, after, &[ev], None).await?;
    Ok(Json(view(&state, &doc, &saved, &sessions, None).await?))
}

/// The journey's state.
#[utoipa::path(get, path = "/v1/sign/state", tag = "signing", security(("journey_token" = [])),
    responses((status = 200, body = JourneyState), (status = "4XX", body = ErrorBody)))]
pub async fn journey_state(
    State(state): State<AppState>,
    Journey(doc, i): Journey,
) -> Result<Json<JourneyState>, ApiError> {
    // A read: shows finished attempts, records nothing.
    let (i, sessions) = look(&state, &doc, i).await?;
    Ok(Json(view(&state, &doc, &i, &sessions, None).await?))
}

pub(super) fn require_open(i: &InviteeRow) -> Result<(), ApiError> {
    match journey_closed(invitee_state(i)?) {
        Some(closed) => Err(closed),
        None => Ok(()),
    }
}

fn require_otp(i: &InviteeRow) -> Result<(), ApiError> {
    require_open(i)?;
    if i.otp_verified_at.is_none() {
        return Err(ApiError::OtpRequired);
    }
    Ok(())
}

/// Starts (or resumes) the capture attempt for the SDK.
#[utoipa::path(post, path = "/v1/sign/capture", tag = "signing", security(("journey_token" = [])),
    responses((status = 200, body = CaptureStart), (status = "4XX", body = ErrorBody)))]
pub async fn start_capture(
    State(state): State<AppState>,
    Journey(doc, i): Journey,
    ClientMeta(meta): ClientMeta,
) -> Result<Json<CaptureStart>, ApiError> {
    let (i, sessions) = sync(&state, &doc, i, &meta).await?;
    require_otp(&i)?;
    let security = security_of(&i)?;
    if !security.capture_photo {
        return Err(ApiError::CaptureNotRequired);
    }
    if i.capture_consent_at.is_none() {
        return Err(ApiError::CaptureConsentRequired);
    }
    let max = security.max_attempts();
    let used = sessions.iter().filter(|s| finished(s)).count() as i64;
    let left = security.attempts_left(used).2;
    if let Some(open) = sessions.last().filter(|s| !finished(s)) {
        if open.frame_count == 0 {
            // Never started: hand the same attempt to this page with a new token.
            let token = random_secret(TOKEN_PREFIX)?;
            if state.store.rotate_token(&open.id, &hash_secret(&token)).await? {
                return Ok(Json(CaptureStart {
                    session_id: open.id.clone(),
                    client_token: token,
                    attempts_left: left,
                    max_attempts: max,
                }));
            }
        } else {
            // Abandoned mid-way: the attempt is used.
            state.store.expire(&open.id, state.clock.now_ms()).await?;
        }
        let (i, sessions) = sync(&state, &doc, i, &meta).await?;
        require_open(&i)?;
        return start_capture_next(&state, &doc, i, &sessions, &meta).await.map(Json);
    }
    if left == 0 {
        return Err(ApiError::AttemptsExhausted(max));
    }
    start_capture_next(&state, &doc, i, &sessions, &meta).await.map(Json)
}

async fn start_capture_next(
    state: &AppState,
    doc: &DocumentRow,
    i: InviteeRow,
    sessions: &[SessionRow],
    meta: &Meta,
) -> Result<CaptureStart, ApiError> {
    let security = security_of(&i)?;
    let used = sessions.iter().filter(|s| finished(s)).count() as i64;
    let created = match sessions.last() {
        Some(last) => {
            let req = CreateSession {
                retry_of: Some(last.id.clone()),
                ..CreateSession::default()
            };
            let (profile, prev) = base_of(state, &doc.tenant_id, &req).await?;
            new_session(state, &doc.tenant_id, profile, prev.as_ref(), &req).await?
        }
        None => {
            let department = state
                .store
                .department(&doc.department_id)
                .await?
                .ok_or(ApiError::DepartmentNotFound)?;
            // The reference was measured when the document was sent; only invitees stored
            // before that descriptor was kept send the photo to be measured again.
            let (reference_image, measured) = match (&i.reference_key, &i.reference_embedding) {
                (Some(key), Some(embedding)) => (
                    None,
                    Some(MeasuredReference {
                        object_key: key.clone(),
                        embedding: embedding.clone(),
                    }),
                ),
                (Some(key), None) => (
                    Some(base64::engine::general_purpose::STANDARD.encode(state.objects.get(key).await?)),
                    None,
                ),
                (None, _) => (None, None),
            };
            let req = CreateSession {
                reference_image,
                ..CreateSession::default()
            };
            new_session_with(
                state,
                &doc.tenant_id,
                security.capture_profile(&department),
                None,
                &req,
                measured,
            )
            .await?
        }
    };
    let mut after = i.clone();
    if after.first_session_id.is_none() {
        after.first_session_id = Some(created.id.clone());
    }
    let ev = event(
        state,
        &doc.id,
        Some(&i.id),
        if used == 0 { "capture.started" } else { "capture.retry" },
        json!({"attempt": used + 1, "session_id": created.id}),
        meta,
    );
    save(state, after, &[ev], None).await?;
    Ok(CaptureStart {
        session_id: created.id,
        client_token: created.client_token,
        attempts_left: security.attempts_left(used).2,
        max_attempts: security.max_attempts(),
    })
}

/// Moves on to signing once the latest capture passed.
#[utoipa::path(post, path = "/v1/sign/proceed", tag = "signing", security(("journey_token" = [])),
    responses((status = 200, body = JourneyState), (status = "4XX", body = ErrorBody)))]
pub async fn proceed(
    State(state): State<AppState>,
    Journey(doc, i): Journey,
    ClientMeta(meta): ClientMeta,
) -> Result<Json<JourneyState>, ApiError> {
    let (i, sessions) = sync(&state, &doc, i, &meta).await?;
    require_otp(&i)?;
    if i.proceeded_at.is_some() || !security_of(&i)?.capture_photo {
        return Ok(Json(view(&state, &doc, &i, &sessions, None).await?));
    }
    match sessions.last() {
        Some(s) if finished(s) && passed(s) => {}
        Some(s) if !finished(s) => {
            return Err(ApiError::VerificationIncomplete(
                "the face capture is still in progress".into(),
            ))
        }
        Some(_) => {
            return Err(ApiError::VerificationIncomplete(
                "the latest face capture did not pass; retry it".into(),
            ))
        }
        None => {
            return Err(ApiError::VerificationIncomplete(
                "complete the face capture first".into(),
            ))
        }
    }
    let mut after = i.clone();
    after.proceeded_at = Some(state.clock.now_ms());
    apply(&mut after, Step::Proceed)?;
    let ev = event(
        &state,
        &doc.id,
        Some(&i.id),
        "verification.proceeded",
        json!({"session_id": sessions.last().map(|s| s.id.clone())}),
        &meta,
    );
    let saved = save(&state, after, &[ev], None).await?;
    Ok(Json(view(&state, &doc, &saved, &sessions, None).await?))
}

/// Signs: a typed or drawn signature with consent; completes the document when everyone signed.
#[utoipa::path(post, path = "/v1/sign/sign", tag = "signing", request_body = SignRequest,
    security(("journey_token" = [])),
    responses((status = 200, body = JourneyState), (status = "4XX", body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Journey(doc, i): Journey,
    ClientMeta(meta): ClientMeta,
    ApiJson(req): ApiJson<SignRequest>,
) -> Result<Json<JourneyState>, ApiError> {
    require_otp(&i)?;
    if security_of(&i)?.capture_photo && i.proceeded_at.is_none() {
        return Err(ApiError::VerificationIncomplete(
            "pass the face capture and proceed first".into(),
        ));
    }
    if !req.consent {
        return Err(ApiError::ConsentRequired);
    }
    let mut staged = Staged::new();
    let signature = match req.kind.as_str() {
        "typed" => {
            let name = req.typed_name.as_deref().map(str::trim).unwrap_or("");
            if name.is_empty() || name.chars().count() > 100 {
                return Err(ApiError::InvalidSignature(
                    "a typed signature needs 1-100 characters".into(),
                ));
            }
            json!({"kind": "typed", "typed_name": name})
        }
        "drawn" => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(req.drawn_png.as_deref().unwrap_or("").trim())
                .map_err(|e| ApiError::InvalidSignature(format!("drawn_png is not base64: {e}")))?;
            if bytes.len() > 2 * 1024 * 1024 || !bytes.starts_with(b"\x89PNG") {
                return Err(ApiError::InvalidSignature(
                    "drawn_png must be a PNG of at most 2 MiB".into(),
                ));
            }
            decode_image(&bytes, ImageLimits::default())
                .map_err(|e| ApiError::InvalidSignature(format!("drawn_png: {e}")))?;
            // Its own name per request: a request that loses the race to sign deletes only its own.
            let key = format!("esign/{}/{}/signature-{}.png", doc.id, i.id, uuid::Uuid::new_v4());
            staged.put(&state.objects, &key, bytes.into()).await?;
            json!({"kind": "drawn", "object_key": key})
        }
        other => {
            return Err(ApiError::InvalidSignature(format!(
                "kind must be typed or drawn, got {other:?}"
            )))
        }
    };
    let mut after = i.clone();
    apply(&mut after, Step::Sign)?;
    after.signed_at = Some(state.clock.now_ms());
    after.signature = Some(signature.to_string());
    let ev = event(
        &state,
        &doc.id,
        Some(&i.id),
        "signature.signed",
        json!({"kind": req.kind, "consent": true}),
        &meta,
    );
    let payload = json!({"event": "signer.completed", "document_id": doc.id, "invitee_id": i.id, "name": i.name, "state": "signed"});
    let saved = save(&state, after, &[ev], Some(("signer.completed", payload))).await;
    staged.settle(&state.objects, saved, |_| true).await?;
    advance(&state, &doc.id, &meta).await?;
    // As it is after the signature (and the completion it may have made).
    let (doc, i) = journey(&state, &headers).await?;
    let sessions = chain(&state, &i).await?;
    Ok(Json(view(&state, &doc, &i, &sessions, None).await?))
}

/// The original PDF, for the signer to read.
#[utoipa::path(get, path = "/v1/sign/document.pdf", tag = "signing", security(("journey_token" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = "4XX", body = ErrorBody)))]
pub async fn document_pdf(State(state): State<AppState>, Journey(doc, _): Journey) -> Result<Response, ApiError> {
    Ok(pdf_response(state.objects.get(&doc.object_key).await?, "document.pdf"))
}

/// The completed PDF, once every signer signed.
#[utoipa::path(get, path = "/v1/sign/signed.pdf", tag = "signing", security(("journey_token" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = "4XX", body = ErrorBody)))]
pub async fn signed_document_pdf(
    State(state): State<AppState>,
    Journey(doc, _): Journey,
) -> Result<Response, ApiError> {
    signed_pdf_of(&state, &doc.id).await
}
