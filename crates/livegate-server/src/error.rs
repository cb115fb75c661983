//! API errors: one enum, one exhaustive mapping to HTTP statuses and stable codes. Internal
//! failures are logged with detail and answered with a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use livegate_engine::liveness::ConfigError;
use livegate_media::MediaError;
use thiserror::Error;

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
    /// The uploaded image cannot be used.
    #[error("{0}")]
    InvalidImage(MediaError),
    /// The frame is below 320x240.
    #[error("frame is {0}x{1}; at least 320x240 is required")]
    FrameTooSmall(u32, u32),
    /// Above the configured upload size.
    #[error("upload of {0} bytes exceeds the limit of {1} bytes")]
    PayloadTooLarge(usize, usize),
    /// No such session.
    #[error("session not found")]
    SessionNotFound,
    /// No such workflow.
    #[error("workflow not found")]
    WorkflowNotFound,
    /// No such webhook endpoint.
    #[error("webhook endpoint not found")]
    WebhookNotFound,
    /// No such audit image.
    #[error("audit image not found")]
    AuditImageNotFound,
    /// A unique name or a one-time action is taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// The reference photo has no face.
    #[error("no face found in the reference image")]
    ReferenceNoFace,
    /// The profile's steps need a reference photo.
    #[error("steps {0:?} need a reference_image for face match")]
    ReferenceRequired(Vec<String>),
    /// A retry of a session that may not be retried.
    #[error("session {0} cannot be retried: {1}")]
    RetryNotAllowed(String, &'static str),
    /// The profile's retries are used up.
    #[error("no attempts left: {0} of {0} used")]
    AttemptsExhausted(i64),
    /// The session expired.
    #[error("session has expired")]
    SessionExpired,
    /// The session is completed and takes no more frames or completions.
    #[error("session is already completed")]
    SessionCompleted,
    /// The analysis workers are all busy.
    #[error("the server is busy; retry shortly")]
    Busy,
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
            Self::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            Self::UnsupportedMediaType(..) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Self::InvalidProfile(_) => (StatusCode::BAD_REQUEST, "invalid_profile"),
            Self::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::InvalidImage(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.code()),
            Self::FrameTooSmall(..) => (StatusCode::UNPROCESSABLE_ENTITY, "frame_too_small"),
            Self::PayloadTooLarge(..) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::SessionNotFound => (StatusCode::NOT_FOUND, "session_not_found"),
            Self::WorkflowNotFound => (StatusCode::NOT_FOUND, "workflow_not_found"),
            Self::WebhookNotFound => (StatusCode::NOT_FOUND, "webhook_not_found"),
            Self::AuditImageNotFound => (StatusCode::NOT_FOUND, "audit_image_not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::ReferenceNoFace => (StatusCode::UNPROCESSABLE_ENTITY, "reference_no_face"),
            Self::ReferenceRequired(_) => (StatusCode::BAD_REQUEST, "reference_required"),
            Self::RetryNotAllowed(..) => (StatusCode::CONFLICT, "retry_not_allowed"),
            Self::AttemptsExhausted(_) => (StatusCode::CONFLICT, "attempts_exhausted"),
            Self::SessionExpired => (StatusCode::GONE, "session_expired"),
            Self::SessionCompleted => (StatusCode::CONFLICT, "session_completed"),
            Self::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
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
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: self.to_string(),
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::Conflict(what),
            StoreError::Database(e) => Self::Internal(format!("storage: {e}")),
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
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::Io { .. } | MediaError::Engine(_) => Self::Internal(e.to_string()),
            other => Self::InvalidImage(other),
        }
    }
}
