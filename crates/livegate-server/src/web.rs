//! The browser side, served by the API server itself: the capture SDK (`/sdk/…`, plain ES
//! modules with type declarations), the hosted capture page (`/capture?token=…`) and a demo
//! page (`/demo`). The files are compiled into the binary, so `livegate serve` alone shows the
//! whole product.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

/// Files under `/sdk/`: name, content type, content.
const SDK: &[(&str, &str, &str)] = &[
    ("livegate.js", JS, include_str!("../../../web/sdk/livegate.js")),
    ("text.js", JS, include_str!("../../../web/sdk/text.js")),
    ("api.js", JS, include_str!("../../../web/sdk/api.js")),
    ("camera.js", JS, include_str!("../../../web/sdk/camera.js")),
    ("view.js", JS, include_str!("../../../web/sdk/view.js")),
    ("flow.js", JS, include_str!("../../../web/sdk/flow.js")),
    (
        "livegate.d.ts",
        "application/typescript; charset=utf-8",
        include_str!("../../../web/sdk/livegate.d.ts"),
    ),
    (
        "livegate.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/sdk/livegate.css"),
    ),
];
const JS: &str = "text/javascript; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const CAPTURE_HTML: &str = include_str!("../../../web/capture.html");
const DEMO_HTML: &str = include_str!("../../../web/demo.html");

fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::HeaderName::from_static("permissions-policy"), "camera=(self)"),
        ],
        body,
    )
        .into_response()
}

async fn sdk_file(Path(name): Path<String>) -> Response {
    match SDK.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => file(content_type, body),
        None => (StatusCode::NOT_FOUND, "no such SDK file").into_response(),
    }
}

/// Routes of the browser files.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo") }))
        .route("/sdk/{name}", get(sdk_file))
        .route("/capture", get(|| async { file(HTML, CAPTURE_HTML) }))
        .route("/demo", get(|| async { file(HTML, DEMO_HTML) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_sdk_imports_is_served() {
        for (name, _, body) in SDK {
            for line in body.lines().filter(|l| l.contains(" from './")) {
                let imported = line
                    .split("from './")
                    .nth(1)
                    .and_then(|r| r.split('\'').next())
                    .unwrap_or("");
                assert!(
                    SDK.iter().any(|(n, _, _)| *n == imported),
                    "{name} imports {imported}, not served"
                );
            }
        }
    }
}
