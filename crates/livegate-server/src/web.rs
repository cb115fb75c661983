//! The browser side, served by the API server itself: the capture SDK (`/sdk/…`, plain ES
//! modules with type declarations), the hosted capture page (`/capture?token=…`) and a demo
//! page (`/demo`). The files are compiled into the binary, so `livegate serve` alone shows the
//! whole product.

use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

const SDK_JS: &str = include_str!("../../../web/sdk/livegate.js");
const SDK_DTS: &str = include_str!("../../../web/sdk/livegate.d.ts");
const SDK_CSS: &str = include_str!("../../../web/sdk/livegate.css");
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

/// Routes of the browser files.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo") }))
        .route("/sdk/livegate.js", get(|| async { file("text/javascript; charset=utf-8", SDK_JS) }))
        .route("/sdk/livegate.d.ts", get(|| async { file("application/typescript; charset=utf-8", SDK_DTS) }))
        .route("/sdk/livegate.css", get(|| async { file("text/css; charset=utf-8", SDK_CSS) }))
        .route("/capture", get(|| async { file("text/html; charset=utf-8", CAPTURE_HTML) }))
        .route("/demo", get(|| async { file("text/html; charset=utf-8", DEMO_HTML) }))
}
