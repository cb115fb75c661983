//! API errors: one enum, one exhaustive mapping to HTTP statuses and stable codes. Internal
//! failures are logged with detail and answered with a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use livegate_engine::liveness::ConfigError;
use livegate_engine::reference::ReferenceProblem;
use livegate_media::MediaError;
use thiserror::Error;

use crate::frame_cache::FrameCacheError;
use crate::objects::ObjectError;
use crate::store::StoreError;

/// Everything a request can fail with.
#[derive(Debug, Error)]
pub enum ApiError {
    /// No `Authorization: Bearer` header.
    #[error("missing API key or session token (Authorization: Bearer ...)")]
    MissingCredentials,
    /// The key or token is not valid here.
    #[error("the API key or session token is not valid")]
    InvalidCredentials,
    /// A valid session token used on another session.
    #[error("this session token belongs to another session")]
    ForeignToken,
    /// The API key lacks the scope the route needs.
    #[error("this API key lacks the scope `{0}`")]
    InsufficientScope(&'static str),
    /// A scope name that is not one of the fixed set.
    #[error("unknown scope {0:?}; scopes are sessions, workflows, esign:admin, esign:send, webhooks, admin")]
    UnknownScope(String),
    /// A tenant name that is not 1-64 of a-z, 0-9, `-`, `_`.
    #[error("invalid tenant {0:?}: use 1-64 characters of a-z, 0-9, - and _")]
    InvalidTenant(String),
    /// An admin key of one tenant naming another (only the default tenant's admin keys manage
    /// other tenants' keys).
    #[error("this key manages only its own tenant's keys")]
    TenantForbidden,
    /// No such API key (or another tenant's).
    #[error("API key not found")]
    ApiKeyNotFound,
    /// The API key is revoked and cannot be rotated.
    #[error("API key {0} is revoked")]
    ApiKeyRevoked(String),
    /// The JSON body is malformed or has unknown fields.
    #[error("invalid JSON body: {0}")]
    InvalidJson(String),
    /// The request body has the wrong content type.
    #[error("unsupported content type `{0}`; {1}")]
    UnsupportedMediaType(String, &'static str),
    /// A liveness profile is invalid.
    #[error("{0}")]
    InvalidProfile(#[from] ConfigError),
    /// A header or parameter is missing or malformed.
    #[error("{0}")]
    InvalidRequest(String),
    /// `X-Flash-Step` / `X-Flash-Since` malformed, out of range or one without the other.
    #[error("{0}")]
    InvalidFlashHeader(String),
    /// Flash headers on a frame of a session whose plan has no `color_flash`.
    #[error("this session's plan has no color_flash; send frames without X-Flash-Step")]
    FlashNotInPlan,
    /// The uploaded image cannot be used.
    #[error("{0}")]
    InvalidImage(MediaError),
    /// The frame is below 320x240.
    #[error("frame is {0}x{1}; at least 320x240 is required")]
    FrameTooSmall(u32, u32),
    /// Above the configured upload size.
    #[error("upload of {0} bytes exceeds the limit of {1} bytes")]
    PayloadTooLarge(usize, usize),
    /// The session holds its profile's `max_frames`.
    #[error("the session already holds its maximum of {0} frames")]
    FrameLimitReached(i64),
    /// The session's frames would exceed `max_session_bytes`.
    #[error("the session's frames would exceed its budget of {0} bytes")]
    SessionBytesExceeded(i64),
    /// A frame with this capture time is stored already (not a retry with its Idempotency-Key).
    #[error("a frame with capture time {0} is already stored; a retried upload must repeat its Idempotency-Key")]
    FrameTimeRepeated(f64),
    /// The capture time is before the session's latest frame.
    #[error("capture time {0} is before the latest frame's {1}; capture times must increase")]
    FrameTimeBackwards(f64, f64),
    /// No such session.
    #[error("session not found")]
    SessionNotFound,
    /// No such workflow.
    #[error("workflow not found")]
    WorkflowNotFound,
    /// No such webhook endpoint.
    #[error("webhook endpoint not found")]
    WebhookNotFound,
    /// An outbound URL (webhook) whose host may not be reached or does not resolve.
    #[error("{0}")]
    TargetRefused(crate::outbound::OutboundError),
    /// No such audit image.
    #[error("audit image not found")]
    AuditImageNotFound,
    /// A unique name or a one-time action is taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// The reference photo cannot serve for face match (no face, several, too small, blurred,
    /// turned, eyes closed): the engine's reference gate.
    #[error("{0}")]
    ReferenceUnusable(#[from] ReferenceProblem),
    /// The profile's steps need a reference photo.
    #[error("steps {0:?} need a reference_image for face match")]
    ReferenceRequired(Vec<String>),
    /// A retry of a session that may not be retried.
    #[error("session {0} cannot be retried: {1}")]
    RetryNotAllowed(String, &'static str),
    /// A `redirect_url` whose origin the session's workflow does not allow.
    #[error("redirect_url {0:?} is not allowed: {1}")]
    RedirectNotAllowed(String, &'static str),
    /// The profile's retries are used up.
    #[error("no attempts left: {0} of {0} used")]
    AttemptsExhausted(i64),
    /// The session expired.
    #[error("session has expired")]
    SessionExpired,
    /// The session is completed and takes no more frames or completions.
    #[error("session is already completed")]
    SessionCompleted,
    /// A name in `accessible_alternatives` or an alternative request that is no challenge.
    #[error("unknown challenge {0:?}; use head_left, head_right, smile, blink or color_flash")]
    UnknownChallenge(String),
    /// An `accessible_alternatives` entry that cannot be a replacement.
    #[error("accessible_alternatives: {0}")]
    InvalidAlternative(String),
    /// The workflow offers no alternative to this challenge (or every one is already asked).
    #[error("the workflow offers no alternative to {0}")]
    AlternativeNotAllowed(String),
    /// The challenge was already swapped, or is itself a replacement.
    #[error("{0} was already swapped; each challenge is swapped at most once")]
    ChallengeAlreadySwapped(String),
    /// The challenge is not the one under way (done, still to come, or not in the plan).
    #[error("{0}")]
    ChallengeNotCurrent(String),
    /// The analysis workers are all busy.
    #[error("the server is busy; retry shortly")]
    Busy,
    /// No such department.
    #[error("department not found")]
    DepartmentNotFound,
    /// No such template.
    #[error("template not found")]
    TemplateNotFound,
    /// No such document.
    #[error("document not found")]
    DocumentNotFound,
    /// An acceptance percentage outside 0-100.
    #[error("acceptance_percentage must be 0-100, got {0}")]
    AcceptancePercentageOutOfRange(i64),
    /// A retry count outside 0-3.
    #[error("{0} must be 0-3, got {1}")]
    RetriesOutOfRange(&'static str, i64),
    /// Smart User Liveliness asked for while the department disables it.
    #[error("Smart User Liveliness is disabled in department {0:?}; enable it in the department's Invitee Configurations first")]
    LivelinessDisabled(String),
    /// Smart User Liveliness asked for an automated signer.
    #[error(
        "Smart User Liveliness is unavailable for automated signing ({0}): there is no person in front of a camera"
    )]
    LivelinessNotAvailable(String),
    /// The upload is not a usable PDF.
    #[error("{0}")]
    InvalidPdf(String),
    /// Rows of a bulk CSV are invalid; nothing was sent.
    #[error("{} invalid row(s) in the CSV file; nothing was sent", .0.len())]
    CsvInvalid(Vec<RowError>),
    /// No invitation has this token.
    #[error("this invitation link is not valid")]
    InvitationInvalid,
    /// The invitee's journey failed (every capture attempt used); says whom to contact.
    #[error("verification did not pass and no attempts are left, so this document cannot be signed from this invitation; contact {0} for a new invitation")]
    InvitationFailed(String),
    /// The sender cancelled the document.
    #[error("the sender cancelled this document; there is nothing left to sign")]
    DocumentCancelled,
    /// The capture step needs the signer's consent to the privacy notice first.
    #[error("read the privacy notice and consent to the face capture first")]
    CaptureConsentRequired,
    /// A document's `redirect_url` is unusable.
    #[error("redirect_url is refused: {0}")]
    InvalidRedirectUrl(&'static str),
    /// A department setting (retention, privacy notice, branding) is out of range.
    #[error("{0}")]
    InvalidDepartmentSetting(String),
    /// The invitation expired.
    #[error("this invitation link has expired; ask the sender for a new one")]
    InvitationExpired,
    /// A wrong one-time password.
    #[error("the code is not correct; {0} tries left")]
    OtpInvalid(i64),
    /// The one-time password expired.
    #[error("the code has expired; ask for a new one")]
    OtpExpired,
    /// Too many wrong codes.
    #[error("too many wrong codes; ask for a new one")]
    OtpLocked,
    /// A resend too soon, or too many.
    #[error("{0}")]
    OtpResendTooSoon(String),
    /// The step needs the one-time password verified first.
    #[error("verify the one-time password first")]
    OtpRequired,
    /// The invitee's journey has no face capture.
    #[error("this signer has no face capture step")]
    CaptureNotRequired,
    /// The capture has not passed (yet).
    #[error("{0}")]
    VerificationIncomplete(String),
    /// Signing without consent.
    #[error("consent to sign electronically is required")]
    ConsentRequired,
    /// The signature is unusable.
    #[error("{0}")]
    InvalidSignature(String),
    /// The journey is over (signed or failed).
    #[error("{0}")]
    JourneyClosed(String),
    /// The document has not been completed.
    #[error("the document is not completed yet")]
    DocumentNotCompleted,
    /// No such route or file.
    #[error("{0}")]
    NotFound(&'static str),
    /// The route exists but not with this method.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// Over a rate limit; retry after this many seconds.
    #[error("too many requests; retry in {0} s")]
    RateLimited(u64),
    /// Too many failed verifications of the subject; retry after this many seconds.
    #[error("too many failed verifications of this subject; retry in {0} s")]
    SubjectLocked(u64),
    /// The request took longer than `request_timeout_s`.
    #[error("the request took longer than {0} s")]
    RequestTimeout(u64),
    /// Anything else (storage, models): logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// HTTP status and stable code. Exhaustive on purpose: a new variant must choose both.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::MissingCredentials => (StatusCode::UNAUTHORIZED, "missing_credentials"),
            Self::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Self::ForeignToken => (StatusCode::FORBIDDEN, "foreign_token"),
            Self::InsufficientScope(_) => (StatusCode::FORBIDDEN, "insufficient_scope"),
            Self::UnknownScope(_) => (StatusCode::BAD_REQUEST, "unknown_scope"),
            Self::InvalidTenant(_) => (StatusCode::BAD_REQUEST, "invalid_tenant"),
            Self::TenantForbidden => (StatusCode::FORBIDDEN, "tenant_forbidden"),
            Self::ApiKeyNotFound => (StatusCode::NOT_FOUND, "api_key_not_found"),
            Self::ApiKeyRevoked(_) => (StatusCode::CONFLICT, "api_key_revoked"),
            Self::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            Self::UnsupportedMediaType(..) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Self::InvalidProfile(_) => (StatusCode::BAD_REQUEST, "invalid_profile"),
            Self::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::InvalidFlashHeader(_) => (StatusCode::BAD_REQUEST, "invalid_flash_header"),
            Self::FlashNotInPlan => (StatusCode::CONFLICT, "flash_not_in_plan"),
            Self::InvalidImage(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.code()),
            Self::FrameTooSmall(..) => (StatusCode::UNPROCESSABLE_ENTITY, "frame_too_small"),
            Self::PayloadTooLarge(..) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::FrameLimitReached(_) => (StatusCode::CONFLICT, "frame_limit_reached"),
            Self::SessionBytesExceeded(_) => (StatusCode::PAYLOAD_TOO_LARGE, "session_bytes_exceeded"),
            Self::FrameTimeRepeated(_) => (StatusCode::CONFLICT, "frame_time_repeated"),
            Self::FrameTimeBackwards(..) => (StatusCode::CONFLICT, "frame_time_backwards"),
            Self::SessionNotFound => (StatusCode::NOT_FOUND, "session_not_found"),
            Self::WorkflowNotFound => (StatusCode::NOT_FOUND, "workflow_not_found"),
            Self::WebhookNotFound => (StatusCode::NOT_FOUND, "webhook_not_found"),
            Self::TargetRefused(e) => (StatusCode::BAD_REQUEST, e.code()),
            Self::AuditImageNotFound => (StatusCode::NOT_FOUND, "audit_image_not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::ReferenceUnusable(p) => (StatusCode::UNPROCESSABLE_ENTITY, p.code()),
            Self::ReferenceRequired(_) => (StatusCode::BAD_REQUEST, "reference_required"),
            Self::RetryNotAllowed(..) => (StatusCode::CONFLICT, "retry_not_allowed"),
            Self::RedirectNotAllowed(..) => (StatusCode::BAD_REQUEST, "redirect_not_allowed"),
            Self::AttemptsExhausted(_) => (StatusCode::CONFLICT, "attempts_exhausted"),
            Self::SessionExpired => (StatusCode::GONE, "session_expired"),
            Self::SessionCompleted => (StatusCode::CONFLICT, "session_completed"),
            Self::UnknownChallenge(_) => (StatusCode::BAD_REQUEST, "unknown_challenge"),
            Self::InvalidAlternative(_) => (StatusCode::BAD_REQUEST, "invalid_alternative"),
            Self::AlternativeNotAllowed(_) => (StatusCode::FORBIDDEN, "alternative_not_allowed"),
            Self::ChallengeAlreadySwapped(_) => (StatusCode::CONFLICT, "challenge_already_swapped"),
            Self::ChallengeNotCurrent(_) => (StatusCode::CONFLICT, "challenge_not_current"),
            Self::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Self::DepartmentNotFound => (StatusCode::NOT_FOUND, "department_not_found"),
            Self::TemplateNotFound => (StatusCode::NOT_FOUND, "template_not_found"),
            Self::DocumentNotFound => (StatusCode::NOT_FOUND, "document_not_found"),
            Self::AcceptancePercentageOutOfRange(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "acceptance_percentage_out_of_range")
            }
            Self::RetriesOutOfRange(..) => (StatusCode::UNPROCESSABLE_ENTITY, "retries_out_of_range"),
            Self::LivelinessDisabled(_) => (StatusCode::UNPROCESSABLE_ENTITY, "liveliness_disabled"),
            Self::LivelinessNotAvailable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "liveliness_not_available"),
            Self::InvalidPdf(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_pdf"),
            Self::CsvInvalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "csv_invalid"),
            Self::InvitationInvalid => (StatusCode::NOT_FOUND, "invitation_invalid"),
            Self::InvitationFailed(_) => (StatusCode::CONFLICT, "invitation_failed"),
            Self::DocumentCancelled => (StatusCode::GONE, "document_cancelled"),
            Self::CaptureConsentRequired => (StatusCode::FORBIDDEN, "capture_consent_required"),
            Self::InvalidRedirectUrl(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_redirect_url"),
            Self::InvalidDepartmentSetting(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_department_setting"),
            Self::InvitationExpired => (StatusCode::GONE, "invitation_expired"),
            Self::OtpInvalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "otp_invalid"),
            Self::OtpExpired => (StatusCode::GONE, "otp_expired"),
            Self::OtpLocked => (StatusCode::TOO_MANY_REQUESTS, "otp_locked"),
            Self::OtpResendTooSoon(_) => (StatusCode::TOO_MANY_REQUESTS, "otp_resend_too_soon"),
            Self::OtpRequired => (StatusCode::FORBIDDEN, "otp_required"),
            Self::CaptureNotRequired => (StatusCode::CONFLICT, "capture_not_required"),
            Self::VerificationIncomplete(_) => (StatusCode::CONFLICT, "verification_incomplete"),
            Self::ConsentRequired => (StatusCode::UNPROCESSABLE_ENTITY, "consent_required"),
            Self::InvalidSignature(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_signature"),
            Self::JourneyClosed(_) => (StatusCode::CONFLICT, "journey_closed"),
            Self::DocumentNotCompleted => (StatusCode::CONFLICT, "document_not_completed"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::SubjectLocked(_) => (StatusCode::TOO_MANY_REQUESTS, "subject_locked"),
            Self::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Internal(detail) = &self {
            eprintln!("internal error: {detail}");
        }
        let rows = match &self {
            Self::CsvInvalid(rows) => Some(rows.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: self.to_string(),
                rows,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited(wait) | Self::SubjectLocked(wait) = &self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, (*wait).into());
        }
        response
    }
}

/// The one fallback for errors the framework answers itself (path and query rejections,
/// unknown routes, wrong methods, body limits): any error status without a JSON body becomes
/// our `{"error": {"code", "message"}}` with a stable code. Handlers' own errors are JSON
/// already and pass unchanged.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such route".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed on this route".into()),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large".into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "unsupported content type".into()),
        s if s.is_client_error() => (
            "invalid_request",
            format!("the request's path, query or headers are malformed ({s})"),
        ),
        _ => ("internal_error", "internal error".into()),
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message,
            rows: None,
        },
    };
    let mut out = (status, Json(body)).into_response();
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::Conflict(what),
            StoreError::Database(e) => Self::Internal(format!("storage: {e}")),
        }
    }
}

impl From<FrameCacheError> for ApiError {
    fn from(e: FrameCacheError) -> Self {
        match e {
            FrameCacheError::Store(e) => e.into(),
            e @ (FrameCacheError::Record { .. } | FrameCacheError::Missing { .. }) => Self::Internal(e.to_string()),
        }
    }
}

impl From<crate::esign::domain::TransitionError> for ApiError {
    fn from(e: crate::esign::domain::TransitionError) -> Self {
        crate::esign::domain::journey_closed(e.from).unwrap_or_else(|| Self::Conflict(e.to_string()))
    }
}

impl From<livegate_pdf::PdfError> for ApiError {
    fn from(e: livegate_pdf::PdfError) -> Self {
        use livegate_pdf::PdfError;
        match e {
            PdfError::TooLarge { size, max } => Self::PayloadTooLarge(size, max),
            e @ PdfError::Invalid(_) => Self::InvalidPdf(e.to_string()),
            e @ (PdfError::Image(_) | PdfError::Signing(_)) => Self::Internal(e.to_string()),
        }
    }
}

impl From<ObjectError> for ApiError {
    fn from(e: ObjectError) -> Self {
        Self::Internal(e.to_string())
    }
}

/// The body of every error response.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// A stable code and a sentence.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable (e.g. `session_expired`, `image_corrupt`).
    pub code: String,
    /// For people.
    pub message: String,
    /// Every invalid row of a bulk CSV (`csv_invalid` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<RowError>>,
}

/// One invalid row of a bulk CSV.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// What is wrong with it.
    pub reason: String,
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::Io { .. } | MediaError::Engine(_) => Self::Internal(e.to_string()),
            other => Self::InvalidImage(other),
        }
    }
}
