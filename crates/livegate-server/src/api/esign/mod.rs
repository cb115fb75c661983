//! The e-signature API (seed 000): departments, templates, documents and their status, the
//! development outbox (API key), and the signing journey (journey token).

pub mod bulk;
pub mod cancel;
pub mod certificate;
pub mod departments;
pub mod documents;
pub mod otp;
pub mod send;
pub mod sign;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::esign::journey::Meta;
use crate::keys::Caller;
use crate::store::{DepartmentRow, DocumentRow};
use crate::AppState;

/// A department of the caller's tenant (another tenant's is `department_not_found`).
pub async fn own_department(state: &AppState, caller: &Caller, id: &str) -> Result<DepartmentRow, ApiError> {
    state
        .store
        .department(id)
        .await?
        .filter(|d| caller.sees(&d.tenant_id))
        .ok_or(ApiError::DepartmentNotFound)
}

/// A document of the caller's tenant (another tenant's is `document_not_found`).
pub async fn own_document(state: &AppState, caller: &Caller, id: &str) -> Result<DocumentRow, ApiError> {
    state
        .store
        .document(id)
        .await?
        .filter(|d| caller.sees(&d.tenant_id))
        .ok_or(ApiError::DocumentNotFound)
}

/// The client's address (`X-Forwarded-For` only from trusted proxies) and user agent, for the
/// audit trail.
pub struct ClientMeta(pub Meta);

impl FromRequestParts<AppState> for ClientMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(300).collect::<String>())
        };
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(Self(Meta {
            ip: state.client_ip(&parts.headers, peer).map(|ip| ip.to_string()),
            user_agent: header("user-agent"),
        }))
    }
}
