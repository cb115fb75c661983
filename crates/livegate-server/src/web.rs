//! The browser side, served by the API server itself: the capture SDK (`/sdk/…`, plain ES
//! modules with type declarations), the hosted capture page (`/capture?token=…`), a demo
//! page (`/demo`), and the e-signature pages (`/admin`, `/sign/<invitation token>`, their
//! modules under `/esign/…`). The files are compiled into the binary, so `livegate serve`
//! alone shows the whole product.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::error::ApiError;
use crate::store::hash_secret;
use crate::AppState;

/// Files under `/sdk/`: name, content type, content.
const SDK: &[(&str, &str, &str)] = &[
    ("livegate.js", JS, include_str!("../../../web/sdk/livegate.js")),
    ("text.js", JS, include_str!("../../../web/sdk/text.js")),
    ("api.js", JS, include_str!("../../../web/sdk/api.js")),
    ("camera.js", JS, include_str!("../../../web/sdk/camera.js")),
    ("view.js", JS, include_str!("../../../web/sdk/view.js")),
    ("flow.js", JS, include_str!("../../../web/sdk/flow.js")),
    ("stage.js", JS, include_str!("../../../web/sdk/stage.js")),
    ("capture.js", JS, include_str!("../../../web/sdk/capture.js")),
    ("ending.js", JS, include_str!("../../../web/sdk/ending.js")),
    ("flash.js", JS, include_str!("../../../web/sdk/flash.js")),
    ("alternative.js", JS, include_str!("../../../web/sdk/alternative.js")),
    (
        "livegate.d.ts",
        "application/typescript; charset=utf-8",
        include_str!("../../../web/sdk/livegate.d.ts"),
    ),
    ("livegate.css", CSS, include_str!("../../../web/sdk/livegate.css")),
];
/// Files under `/esign/`: the modules and styles of the e-signature pages.
const ESIGN: &[(&str, &str, &str)] = &[
    ("admin.js", JS, include_str!("../../../web/esign/admin.js")),
    ("admin-bulk.js", JS, include_str!("../../../web/esign/admin-bulk.js")),
    (
        "admin-departments.js",
        JS,
        include_str!("../../../web/esign/admin-departments.js"),
    ),
    (
        "admin-documents.js",
        JS,
        include_str!("../../../web/esign/admin-documents.js"),
    ),
    (
        "admin-invitee.js",
        JS,
        include_str!("../../../web/esign/admin-invitee.js"),
    ),
    ("admin-keys.js", JS, include_str!("../../../web/esign/admin-keys.js")),
    (
        "admin-outbox.js",
        JS,
        include_str!("../../../web/esign/admin-outbox.js"),
    ),
    ("admin-send.js", JS, include_str!("../../../web/esign/admin-send.js")),
    (
        "admin-signing.js",
        JS,
        include_str!("../../../web/esign/admin-signing.js"),
    ),
    (
        "admin-status.js",
        JS,
        include_str!("../../../web/esign/admin-status.js"),
    ),
    (
        "admin-templates.js",
        JS,
        include_str!("../../../web/esign/admin-templates.js"),
    ),
    ("common.js", JS, include_str!("../../../web/esign/common.js")),
    ("types.js", JS, include_str!("../../../web/esign/types.js")),
    ("sign.js", JS, include_str!("../../../web/esign/sign.js")),
    (
        "sign-capture.js",
        JS,
        include_str!("../../../web/esign/sign-capture.js"),
    ),
    ("sign-otp.js", JS, include_str!("../../../web/esign/sign-otp.js")),
    ("sign-pad.js", JS, include_str!("../../../web/esign/sign-pad.js")),
    ("sign-sign.js", JS, include_str!("../../../web/esign/sign-sign.js")),
    (
        "sign-consent.js",
        JS,
        include_str!("../../../web/esign/sign-consent.js"),
    ),
    ("esign.css", CSS, include_str!("../../../web/esign/esign.css")),
    ("admin.css", CSS, include_str!("../../../web/esign/admin.css")),
];
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const CAPTURE_HTML: &str = include_str!("../../../web/capture.html");
const CAPTURE_JS: &str = include_str!("../../../web/capture.js");
const DEMO_HTML: &str = include_str!("../../../web/demo.html");
const DEMO_JS: &str = include_str!("../../../web/demo.js");
const ADMIN_HTML: &str = include_str!("../../../web/esign/admin.html");
const SIGN_HTML: &str = include_str!("../../../web/esign/sign.html");
const FAVICON_SVG: &str = include_str!("../../../web/favicon.svg");

/// A file; the security headers (CSP, `frame-ancestors 'self'`, ...) come from
/// [`crate::headers::security_headers`].
fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::HeaderName::from_static("permissions-policy"), "camera=(self)"),
        ],
        body,
    )
        .into_response()
}

async fn sdk_file(Path(name): Path<String>) -> Result<Response, ApiError> {
    match SDK.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => Ok(file(content_type, body)),
        None => Err(ApiError::NotFound("no such SDK file")),
    }
}

async fn esign_file(Path(name): Path<String>) -> Result<Response, ApiError> {
    match ESIGN.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => Ok(file(content_type, body)),
        None => Err(ApiError::NotFound("no such eSign file")),
    }
}

/// The query of the hosted capture page.
#[derive(serde::Deserialize)]
struct CaptureQuery {
    token: Option<String>,
}

/// The hosted capture page. Framed by this origin only, unless the token's session comes from
/// a workflow with `allowed_origins`: those origins may embed it (and lend it the camera).
async fn capture_page(State(state): State<AppState>, Query(q): Query<CaptureQuery>) -> Result<Response, ApiError> {
    let mut origins = Vec::new();
    if let Some(token) = q.token.filter(|t| t.starts_with(crate::api::auth::TOKEN_PREFIX)) {
        if let Some(id) = state.store.session_by_token(&hash_secret(&token)).await? {
            let workflow = match state.store.session(&id).await?.and_then(|s| s.workflow_id) {
                Some(w) => state.store.workflow(&w).await?,
                None => None,
            };
            if let Some(w) = workflow {
                origins = crate::api::workflows::allowed_origins(&w)?;
            }
        }
    }
    let ancestors = crate::headers::ancestors(&origins);
    let camera = crate::headers::camera_policy(&origins);
    let mut response = file(HTML, CAPTURE_HTML);
    let headers = response.headers_mut();
    let csp = crate::headers::content_security_policy(&ancestors);
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::HeaderName::from_static("permissions-policy"), camera),
    ] {
        let value = header::HeaderValue::from_str(&value)
            .map_err(|e| ApiError::Internal(format!("capture page header: {e}")))?;
        headers.insert(name, value);
    }
    Ok(response)
}

/// The signing page; it reads the invitation token from its own path.
async fn sign_page(Path(_token): Path<String>) -> Response {
    file(HTML, SIGN_HTML)
}

/// Routes of the browser files.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo") }))
        .route("/sdk/{name}", get(sdk_file))
        .route("/capture", get(capture_page))
        .route("/capture.js", get(|| async { file(JS, CAPTURE_JS) }))
        .route("/demo", get(|| async { file(HTML, DEMO_HTML) }))
        .route("/demo.js", get(|| async { file(JS, DEMO_JS) }))
        .route("/esign/{name}", get(esign_file))
        .route("/admin", get(|| async { file(HTML, ADMIN_HTML) }))
        .route("/favicon.svg", get(|| async { file("image/svg+xml", FAVICON_SVG) }))
        .route("/sign/{token}", get(sign_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files a module imports with `from '<prefix>…'`, e.g. `from './flow.js'`.
    fn imports<'a>(body: &'a str, prefix: &str) -> Vec<&'a str> {
        let marker = format!(" from '{prefix}");
        body.lines()
            .filter_map(|l| l.split(marker.as_str()).nth(1))
            .map(|rest| rest.split('\'').next().unwrap_or(""))
            .collect()
    }

    fn served(table: &[(&str, &str, &str)], name: &str) -> bool {
        table.iter().any(|(n, _, _)| *n == name)
    }

    /// Every HTML page served here.
    const PAGES: [(&str, &str); 4] = [
        ("capture.html", CAPTURE_HTML),
        ("demo.html", DEMO_HTML),
        ("admin.html", ADMIN_HTML),
        ("sign.html", SIGN_HTML),
    ];

    #[test]
    fn every_page_links_the_served_icon() {
        for (page, html) in PAGES {
            assert!(
                html.contains(r#"<link rel="icon" href="/favicon.svg" type="image/svg+xml">"#),
                "{page} has no icon link (browsers then ask for /favicon.ico and get a 404)"
            );
        }
        assert!(FAVICON_SVG.starts_with("<svg") && FAVICON_SVG.contains("viewBox"));
    }

    #[test]
    fn every_module_the_sdk_imports_is_served() {
        for (name, _, body) in SDK {
            for imported in imports(body, "./") {
                assert!(served(SDK, imported), "{name} imports {imported}, not served");
            }
        }
    }

    #[test]
    fn every_module_the_esign_pages_import_is_served() {
        for (name, _, body) in ESIGN {
            for imported in imports(body, "./") {
                assert!(served(ESIGN, imported), "{name} imports {imported}, not served");
            }
            // `/esign/x.js` importing `../sdk/y.js` loads `/sdk/y.js`.
            for imported in imports(body, "../sdk/") {
                assert!(served(SDK, imported), "{name} imports ../sdk/{imported}, not served");
            }
            // The SDK loaded at run time: `import(SDK_URL)` with `SDK_URL = '/sdk/livegate.js'`.
            for reference in body.split("'/sdk/").skip(1) {
                let imported = reference.split('\'').next().unwrap_or("");
                assert!(served(SDK, imported), "{name} loads /sdk/{imported}, not served");
            }
        }
        for (page, html) in [("admin.html", ADMIN_HTML), ("sign.html", SIGN_HTML)] {
            for (prefix, table) in [("/esign/", ESIGN), ("/sdk/", SDK)] {
                for reference in html.split(&format!("\"{prefix}")).skip(1) {
                    let name = reference.split('"').next().unwrap_or("");
                    assert!(served(table, name), "{page} loads {prefix}{name}, not served");
                }
            }
        }
    }
}
