//! Shared test helpers: the models (loaded once), an API over the router with a manual clock,
//! request helpers, and the optional real PostgreSQL / S3 services.

#![allow(dead_code)]

pub mod esign;
pub mod smtp;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use livegate_engine::Analyzer;
use livegate_server::{router, AppState, ManualClock, Objects, ServerConfig, Store};
use serde_json::Value;
use tower::ServiceExt;

/// The API key every test API knows.
pub const KEY: &str = "test-api-key-0123456789";

/// The analyzer, loaded once per test binary.
pub fn analyzer() -> Arc<Analyzer> {
    static A: OnceLock<Arc<Analyzer>> = OnceLock::new();
    A.get_or_init(|| {
        let dir = livegate_media::resolve_models_dir(None);
        let models = livegate_media::load_models(&dir, livegate_engine::infer::default_backend().as_ref()).unwrap();
        Arc::new(Analyzer::new(models))
    })
    .clone()
}

/// A fresh scratch directory.
pub fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("livegate-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A service URL from the environment; in CI (`LIVEGATE_CI`) its absence fails the test,
/// elsewhere the test is skipped with a message.
pub fn service(var: &str) -> Option<String> {
    match std::env::var(var).ok().filter(|v| !v.is_empty()) {
        Some(v) => Some(v),
        None if std::env::var("LIVEGATE_CI").is_ok() => {
            panic!("{var} is not set: CI must start the service (scripts/services.sh)")
        }
        None => {
            eprintln!("SKIPPED: {var} is not set (run `eval \"$(scripts/services.sh start)\"` to test against it)");
            None
        }
    }
}

/// A fresh PostgreSQL schema-less database URL: the test database, with tables of earlier runs
/// left in place (every test uses fresh ids).
pub fn postgres_url() -> Option<String> {
    service("LIVEGATE_TEST_DATABASE_URL")
}

/// `s3://bucket/<fresh prefix>` on the test S3 service.
pub fn s3_spec() -> Option<String> {
    service("LIVEGATE_TEST_S3_URL").map(|u| format!("{}/run-{}", u.trim_end_matches('/'), uuid::Uuid::new_v4()))
}

/// An API over the router.
pub struct Api {
    pub app: Router,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
}

/// Test configuration: small uploads, two workers, fast background polling, and loopback on
/// the outbound allow-list (the tests' webhook receivers listen on 127.0.0.1; without the
/// list such a URL is refused, see `webhooks.rs`).
pub fn test_config(dir: &std::path::Path) -> ServerConfig {
    ServerConfig {
        data_dir: dir.to_path_buf(),
        outbound_allow: vec!["127.0.0.1/32".into()],
        max_frame_bytes: 512 * 1024,
        workers: 2,
        poll_interval_ms: 20,
        webhook_backoff_ms: 50,
        ..ServerConfig::default()
    }
}

/// An API on SQLite and a local directory.
pub async fn api() -> Api {
    let dir = scratch();
    let config = test_config(&dir);
    api_with(&config.database_url(), None, config).await
}

/// An API on the given database and object store.
pub async fn api_with(db: &str, objects: Option<&str>, config: ServerConfig) -> Api {
    api_resolving(db, objects, config, Arc::new(livegate_server::outbound::SystemResolver)).await
}

/// [`api_with`] resolving outbound host names with `resolver`.
pub async fn api_resolving(
    db: &str,
    objects: Option<&str>,
    config: ServerConfig,
    resolver: Arc<dyn livegate_server::outbound::HostResolver>,
) -> Api {
    let store = Store::open(db).await.unwrap();
    store.add_api_key(KEY, 0).await.unwrap();
    let objects = Objects::open(objects, &config.data_dir).unwrap();
    let clock = Arc::new(ManualClock::default());
    clock.advance_ms(1_700_000_000_000);
    let state = AppState::with_resolver(store, objects, analyzer(), config, clock.clone(), resolver).unwrap();
    Api {
        app: router(state.clone()),
        clock,
        state,
    }
}

impl Api {
    pub async fn call(&self, req: Request<Body>) -> (StatusCode, Value) {
        let (status, bytes) = self.call_raw(req).await;
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    pub async fn call_raw(&self, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        (status, res.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    pub async fn send_json(&self, method: &str, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.call(req).await
    }

    pub async fn create(&self, body: Value) -> (StatusCode, Value) {
        self.send_json("POST", "/v1/sessions", KEY, &body).await
    }

    pub async fn frame(
        &self,
        id: &str,
        token: &str,
        content_type: &str,
        t: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let req = Request::post(format!("/v1/sessions/{id}/frames"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .header("x-capture-time", t)
            .body(Body::from(bytes))
            .unwrap();
        self.call(req).await
    }

    pub async fn post_empty(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let req = Request::post(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let req = Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call(req).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> StatusCode {
        let req = Request::delete(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call_raw(req).await.0
    }

    /// Creates a session; returns (id, client token).
    pub async fn session(&self, body: Value) -> (String, String) {
        let (status, created) = self.create(body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        (
            created["id"].as_str().unwrap().to_string(),
            created["client_token"].as_str().unwrap().to_string(),
        )
    }
}

/// The error code of a response body.
pub fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// A file of the repository's test data.
pub fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// JPEG frames of a clip in the repository's test data at `fps`, with their times.
pub fn clip_jpegs(name: &str, fps: f64) -> Vec<(f64, Vec<u8>)> {
    let path = format!("{}/../../tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    livegate_media::open_source(std::path::Path::new(&path), Some(fps))
        .unwrap()
        .for_each_frame(|f| -> Result<(), livegate_media::MediaError> {
            out.push((f.t, livegate_media::image_io::encode_jpeg(&f.image, 90).unwrap()));
            Ok(())
        })
        .unwrap();
    out
}
