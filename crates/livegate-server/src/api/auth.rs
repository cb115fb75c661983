//! Credentials (API keys for backends, with their scopes and tenant: see [`crate::keys`];
//! per-session client tokens for browsers), request-body errors, and the OS random generator
//! for secrets and challenge plans.

use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use rand_core::{OsRng, TryRngCore};

use crate::error::ApiError;
use crate::keys::{scopes_from_text, Caller, Scope};
use crate::store::{hash_secret, SessionRow};
use crate::AppState;

/// Prefix of session client tokens.
pub const TOKEN_PREFIX: &str = "lgt_";

/// The `Authorization: Bearer` secret (the scheme is case-insensitive, RFC 9110 §11.1);
/// `missing_credentials` when absent or empty.
pub fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim())
        .filter(|v| !v.is_empty())
        .ok_or(ApiError::MissingCredentials)
}

/// Whether the caller presents a session client token (the browser) rather than an API key.
pub fn is_client_token(headers: &HeaderMap) -> bool {
    bearer(headers).is_ok_and(|s| s.starts_with(TOKEN_PREFIX))
}

/// The API key behind the request, which must hold `scope`: `invalid_credentials` for an
/// unknown or revoked key, `insufficient_scope` without the scope.
pub async fn require(state: &AppState, headers: &HeaderMap, scope: Scope) -> Result<Caller, ApiError> {
    let key = state
        .store
        .api_key_by_secret(bearer(headers)?, state.clock.now_ms())
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let caller = Caller {
        key_id: key.id,
        tenant: key.tenant_id,
        scopes: scopes_from_text(&key.scopes),
    };
    caller.require(scope)?;
    Ok(caller)
}

/// A JSON body whose rejections are ours ([`json_error`]: `unsupported_media_type`,
/// `invalid_json`), for handlers to take instead of `Json` and a hand-mapped rejection.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Self(v))
            .map_err(json_error)
    }
}

/// The scope an [`ApiKey`] extractor requires, as a type.
pub trait RequiredScope {
    /// The scope.
    const SCOPE: Scope;
}

/// Scope markers for [`ApiKey`].
pub mod scopes {
    use super::{RequiredScope, Scope};

    macro_rules! markers {
        ($($name:ident),+) => {$(
            #[doc = concat!("[`Scope::", stringify!($name), "`].")]
            pub struct $name;
            impl RequiredScope for $name {
                const SCOPE: Scope = Scope::$name;
            }
        )+};
    }
    markers!(Sessions, Workflows, EsignAdmin, EsignSend, Webhooks, Admin);
}

/// Extracts the API key behind a request holding the scope `S` ([`require`]): handlers take
/// `ApiKey(caller, _): ApiKey<scopes::EsignAdmin>` instead of checking by hand.
pub struct ApiKey<S>(pub Caller, pub std::marker::PhantomData<S>);

impl<S: RequiredScope> axum::extract::FromRequestParts<AppState> for ApiKey<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, ApiError> {
        require(state, &parts.headers, S::SCOPE)
            .await
            .map(|caller| Self(caller, std::marker::PhantomData))
    }
}

/// Loads a session the caller may act on: with an API key holding `scope` of the session's
/// tenant (another tenant's session is `session_not_found`), or with the session's own client
/// token. Another session's token is `foreign_token`; anything else `invalid_credentials`.
pub async fn authorised_session(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    scope: Scope,
) -> Result<SessionRow, ApiError> {
    let secret = bearer(headers)?;
    if !secret.starts_with(TOKEN_PREFIX) {
        let caller = require(state, headers, scope).await?;
        let session = state.store.session(id).await?.ok_or(ApiError::SessionNotFound)?;
        return caller.own(&session.tenant_id.clone(), session, ApiError::SessionNotFound);
    }
    match state.store.session(id).await? {
        Some(s) if s.token_hash == hash_secret(secret) => Ok(s),
        _ if state.store.session_by_token(&hash_secret(secret)).await?.is_some() => Err(ApiError::ForeignToken),
        _ => Err(ApiError::InvalidCredentials),
    }
}

/// The session a client token belongs to (for the browser, which holds only its token).
pub async fn token_session(state: &AppState, headers: &HeaderMap) -> Result<SessionRow, ApiError> {
    let secret = bearer(headers)?;
    let id = state
        .store
        .session_by_token(&hash_secret(secret))
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    state.store.session(&id).await?.ok_or(ApiError::SessionNotFound)
}

/// A JSON body's rejection as our error.
pub fn json_error(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::UnsupportedMediaType("(not application/json)".into(), "send application/json")
        }
        other => ApiError::InvalidJson(other.body_text()),
    }
}

/// A fresh secret: `prefix` and 24 random bytes in hex.
pub fn random_secret(prefix: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 24];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("OS random generator: {e}")))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// The operating system's CSPRNG as an infallible generator for challenge plans. The OS
/// generator failing at run time is unrecoverable, and a plan must never fall back to a weak
/// source, so it panics then (checked at start by [`random_secret`] in the bootstrap path).
pub struct OsCsprng;

impl rand_core::RngCore for OsCsprng {
    fn next_u32(&mut self) -> u32 {
        OsRng.try_next_u32().expect("the OS random generator is available")
    }
    fn next_u64(&mut self) -> u64 {
        OsRng.try_next_u64().expect("the OS random generator is available")
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        OsRng.try_fill_bytes(dst).expect("the OS random generator is available")
    }
}

impl rand_core::CryptoRng for OsCsprng {}
