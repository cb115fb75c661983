//! API errors: one enum, one exhaustive mapping to HTTP statuses and stable codes. Internal
//! failures are logged with detail and answered with a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use livegate_engine::liveness::ConfigError;
use livegate_media::MediaError;
use serde_json::json;
use thiserror::Error;

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
        (
            status,
            Json(json!({"error": {"code": code, "message": self.to_string()}})),
        )
            .into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(format!("storage: {e}"))
    }
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::Io { .. } | MediaError::Engine(_) => Self::Internal(e.to_string()),
            other => Self::InvalidImage(other),
        }
    }
}
