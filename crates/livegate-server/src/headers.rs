//! Security headers on every response, set by one layer of the router: a Content-Security-Policy
//! that allows scripts only from this origin (no inline script, no `eval`), `frame-ancestors
//! 'self'` (a handler that allows more, the capture page for a workflow's origins, sets its own
//! policy with [`content_security_policy`]), `Referrer-Policy: no-referrer` (tokens live in
//! `/capture?token=…` and `/sign/<token>` URLs), `X-Content-Type-Options: nosniff`, and HSTS
//! when the server is reached over TLS (`public_url` is `https://…`, TLS ended by a proxy).

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// HSTS lifetime: one year.
const HSTS: &str = "max-age=31536000";

/// The policy with `frame_ancestors` (CSP source expressions, e.g. `'self' https://shop.example`).
pub fn content_security_policy(frame_ancestors: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; \
         frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors {frame_ancestors}"
    )
}

/// The origins made only of characters an origin can have (they are validated when stored;
/// this keeps a header from ever carrying a `;` or a quote).
fn clean(origins: &[String]) -> impl Iterator<Item = &str> {
    origins.iter().map(String::as_str).filter(|o| {
        o.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '-' | '[' | ']'))
    })
}

/// `frame-ancestors` sources: `'self'` and the origins.
pub fn ancestors(origins: &[String]) -> String {
    clean(origins).fold(String::from("'self'"), |out, o| format!("{out} {o}"))
}

/// `Permissions-Policy` lending the camera to this origin and the origins (an embedding page's
/// iframe needs `allow="camera"` too).
pub fn camera_policy(origins: &[String]) -> String {
    let list = clean(origins).fold(String::from("self"), |out, o| format!("{out} \"{o}\""));
    format!("camera=({list})")
}

/// The layer: adds what the handler did not set.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(v) = HeaderValue::from_str(&content_security_policy("'self'")) {
            headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    }
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if state.config.public_url().starts_with("https://") {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_keep_only_clean_origins() {
        let origins = vec![
            "https://shop.example".to_string(),
            "http://127.0.0.1:3000".into(),
            "https://x.example; script-src *".into(),
        ];
        assert_eq!(ancestors(&origins), "'self' https://shop.example http://127.0.0.1:3000");
        assert_eq!(
            camera_policy(&origins),
            "camera=(self \"https://shop.example\" \"http://127.0.0.1:3000\")"
        );
        assert!(!content_security_policy("'self'").contains("unsafe-eval"));
        assert!(content_security_policy("'self'").contains("script-src 'self';"));
    }
}
