//! The e-signature API (seed 000): departments, templates, documents and their status, the
//! development outbox (API key), and the signing journey (journey token).

pub mod bulk;
pub mod departments;
pub mod documents;
pub mod otp;
pub mod send;
pub mod sign;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::esign::journey::Meta;

/// The client's address and user agent, for the audit trail.
pub struct ClientMeta(pub Meta);

impl<S: Send + Sync> FromRequestParts<S> for ClientMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(300).collect::<String>())
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let ip = match (peer, header("x-forwarded-for")) {
            (Some(p), Some(f)) => Some(format!("{p} (forwarded for {f})")),
            (p, f) => p.or(f),
        };
        Ok(Self(Meta {
            ip,
            user_agent: header("user-agent"),
        }))
    }
}
