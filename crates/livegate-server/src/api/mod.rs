//! The HTTP API: routes and their OpenAPI description are registered together (so the
//! document cannot miss a route), plus `/healthz`, `/metrics` and `/openapi.json`.

pub mod alternative;
pub mod auth;
pub mod client;
pub mod esign;
pub mod frames;
pub mod keys;
pub mod sessions;
pub mod webhooks;
pub mod workflows;

use axum::extract::{DefaultBodyLimit, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Livegate verification API", version = "1",
         description = "Face liveness sessions, face match, workflows, webhooks, API keys and the e-signature integration (departments, documents, signing journey). Errors are JSON `{\"error\": {\"code\", \"message\"}}` with stable codes. API keys (`/v1/keys`) hold scopes (`sessions`, `workflows`, `esign:admin`, `esign:send`, `webhooks`, `admin`) and see only their tenant's rows."),
    modifiers(&Security),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let bearer = |what: &str| {
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.description = Some(what.to_string());
            SecurityScheme::Http(http)
        };
        components.add_security_scheme(
            "api_key",
            bearer("Server API key: its scopes decide the routes, its tenant the rows it sees"),
        );
        components.add_security_scheme("client_token", bearer("Session client token (lgt_…), one session only"));
        components.add_security_scheme(
            "journey_token",
            bearer("Signing journey token (lgj_…), one invitee only"),
        );
    }
}

/// Health of the server and its storage.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The inference backend the models run on: `tract` or `ort`.
    pub backend: String,
}

/// Liveness and readiness: answers when the database answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 500, body = ErrorBody)))]
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        database: format!("{:?}", state.store.kind()).to_lowercase(),
        backend: state.analyzer.models().backend.to_string(),
    }))
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics_text() -> impl IntoResponse {
    (
        [("content-type", "text/plain; version=0.0.4")],
        crate::metrics::handle().render(),
    )
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(metrics_text))
        .routes(routes!(workflows::create_workflow, workflows::list_workflows))
        .routes(routes!(
            workflows::get_workflow,
            workflows::update_workflow,
            workflows::delete_workflow
        ))
        .routes(routes!(sessions::create_session))
        .routes(routes!(sessions::session_detail))
        .routes(routes!(frames::add_frame))
        .routes(routes!(sessions::complete))
        .routes(routes!(sessions::audit_image))
        .routes(routes!(webhooks::create_endpoint, webhooks::list_endpoints))
        .routes(routes!(webhooks::delete_endpoint))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(keys::create_api_key, keys::list_api_keys))
        .routes(routes!(keys::rotate_api_key))
        .routes(routes!(keys::revoke_api_key))
        .routes(routes!(client::client_session))
        .routes(routes!(client::client_retry))
        .routes(routes!(alternative::request_alternative))
        .routes(routes!(
            esign::departments::create_department,
            esign::departments::list_departments
        ))
        .routes(routes!(
            esign::departments::get_department,
            esign::departments::update_department
        ))
        .routes(routes!(esign::departments::department_changes))
        .routes(routes!(esign::send::create_template, esign::send::list_templates))
        .routes(routes!(esign::send::create_document, esign::documents::list_documents))
        .routes(routes!(esign::bulk::bulk_send))
        .routes(routes!(esign::documents::get_document))
        .routes(routes!(esign::documents::original_pdf))
        .routes(routes!(esign::documents::signed_pdf))
        .routes(routes!(esign::documents::audit_trail))
        .routes(routes!(esign::documents::outbox))
        .routes(routes!(esign::certificate::signing_certificate))
        .routes(routes!(esign::sign::open))
        .routes(routes!(esign::sign::consent))
        .routes(routes!(esign::cancel::cancel_document))
        .routes(routes!(esign::sign::journey_state))
        .routes(routes!(esign::otp::verify_otp))
        .routes(routes!(esign::otp::resend_otp))
        .routes(routes!(esign::sign::start_capture))
        .routes(routes!(esign::sign::proceed))
        .routes(routes!(esign::sign::sign))
        .routes(routes!(esign::sign::document_pdf))
        .routes(routes!(esign::sign::signed_document_pdf))
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

/// The document as served and checked in (pretty JSON with a final newline).
pub fn openapi_json() -> String {
    let mut text = openapi().to_pretty_json().expect("the OpenAPI document serialises");
    text.push('\n');
    text
}

/// The router with every route and the shared state.
pub fn router(state: AppState) -> Router {
    crate::metrics::handle();
    // Uploads are bounded by our own check (JSON error); the framework's limit sits just above
    // (a base64 reference image is 4/3 of its bytes).
    let limit = state.config.max_frame_bytes.max(state.config.max_pdf_bytes) * 4 / 3 + 64 * 1024;
    let (router, _) = api().split_for_parts();
    let doc = openapi_json();
    router
        .route(
            "/openapi.json",
            get(move || async move { ([("content-type", "application/json")], doc) }),
        )
        .merge(crate::web::routes())
        .fallback(|| async { ApiError::NotFound("no such route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::rate_limit::limit,
        ))
        .layer(axum::middleware::from_fn(crate::error::json_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), deadline))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::headers::security_headers,
        ))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// The whole-request deadline (`request_timeout_s`): headers to answer, the body upload
/// included. A handler cut off stores nothing it had not committed (state changes are single
/// transactions; a frame analysed too late is not stored and its upload can be repeated with
/// the same `Idempotency-Key`); a document's completion runs in a task of its own.
async fn deadline(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = state.config.request_timeout_s;
    match tokio::time::timeout(std::time::Duration::from_secs(limit), next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout(limit).into_response(),
    }
}

/// Runs CPU-heavy work on the blocking pool, holding one of the bounded worker slots; with none
/// free the request is refused at once (`503 busy`) instead of queueing. For work that callers
/// repeat cheaply and often: frame uploads (the SDK retries them with the same
/// `Idempotency-Key`) and reference images.
pub async fn on_worker<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = state.workers.clone().try_acquire_owned().map_err(|_| ApiError::Busy)?;
    run_blocking(permit, work).await
}

/// Like [`on_worker`], but waits up to `worker_wait_ms` for a slot before answering
/// `503 busy`. For work asked for once rather than streamed: a session's verdict (a completion
/// lost to a momentary 503 would leave the person's capture unfinished; after a 503 the session
/// is still open and completes on a retry) and the check of an uploaded PDF. The wait is
/// bounded, so a backlog still turns into 503s; waiting callers get slots before new frame
/// uploads (the semaphore is fair), which finishes sessions before starting more.
pub async fn on_worker_waiting<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let wait = std::time::Duration::from_millis(state.config.worker_wait_ms);
    let permit = match tokio::time::timeout(wait, state.workers.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        // Timed out, or the pool was closed (never done while serving).
        Ok(Err(_)) | Err(_) => return Err(ApiError::Busy),
    };
    run_blocking(permit, work).await
}

/// Like [`on_worker_waiting`] without a deadline: for work that follows a state change already
/// committed, with no request left to repeat it: the completed PDF once the last signature is
/// saved (a 503 there would leave the document unfinished). It still runs within the pool's
/// limit; only its wait is unbounded, and such work comes once per document.
pub async fn on_worker_queued<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = state
        .workers
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Busy)?;
    run_blocking(permit, work).await
}

async fn run_blocking<T: Send + 'static>(
    permit: tokio::sync::OwnedSemaphorePermit,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("worker task: {e}")))?
}

/// Parses a record the server itself stored.
pub fn parse_stored<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    serde_json::from_str(s).map_err(|e| ApiError::Internal(format!("stored record: {e}")))
}

/// Serialises a record to store.
pub fn to_json<T: Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// `png` for PNG bytes, else `jpg`.
pub fn image_extension(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "png"
    } else {
        "jpg"
    }
}
