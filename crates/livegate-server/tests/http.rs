//! HTTP tests through the router (no socket): every endpoint and its errors, each a 4xx with a
//! stable `error.code`, and a real clip's frames producing the same verdict as `evaluate` on the
//! same frames analysed directly.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use livegate_engine::liveness::{evaluate, ChallengePlan, LivenessConfig};
use livegate_engine::{Analyzer, RgbImage};
use livegate_media::image_io::{encode_jpeg, encode_png};
use livegate_server::{router, AppState, ManualClock, ServerConfig, Store};
use rand_chacha::rand_core::SeedableRng;
use serde_json::{json, Value};
use tower::ServiceExt;

const KEY: &str = "test-api-key-0123456789";

fn analyzer() -> Arc<Analyzer> {
    static A: OnceLock<Arc<Analyzer>> = OnceLock::new();
    A.get_or_init(|| {
        let dir = livegate_media::resolve_models_dir(None);
        let models = livegate_media::load_models(&dir, livegate_engine::infer::default_backend().as_ref()).unwrap();
        Arc::new(Analyzer::new(models))
    })
    .clone()
}

struct Api {
    app: Router,
    clock: Arc<ManualClock>,
}

async fn api() -> Api {
    let store = Store::open("sqlite::memory:").await.unwrap();
    store.add_api_key(KEY, 0).await.unwrap();
    let clock = Arc::new(ManualClock::default());
    clock.advance_ms(1_700_000_000_000);
    let config = ServerConfig {
        max_frame_bytes: 512 * 1024,
        workers: 2,
        ..ServerConfig::default()
    };
    let app = router(AppState::new(store, analyzer(), config, clock.clone()));
    Api { app, clock }
}

impl Api {
    async fn call(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn create(&self, body: Value) -> (StatusCode, Value) {
        let req = Request::post("/v1/sessions")
            .header("authorization", format!("Bearer {KEY}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.call(req).await
    }

    async fn frame(&self, id: &str, token: &str, content_type: &str, t: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let req = Request::post(format!("/v1/sessions/{id}/frames"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .header("x-capture-time", t)
            .body(Body::from(bytes))
            .unwrap();
        self.call(req).await
    }

    async fn post_empty(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let req = Request::post(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call(req).await
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let req = Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call(req).await
    }
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

fn sample_jpeg() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/silentface_T1.jpg"
    ))
    .unwrap()
}

async fn session(api: &Api) -> (String, String) {
    let (status, body) = api.create(json!({"profile": {"liveness_mode": "passive"}})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["id"].as_str().unwrap().to_string(),
        body["client_token"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn create_validates_profiles_and_credentials() {
    let api = api().await;
    let (status, body) = api
        .create(json!({"profile": {"liveness_mode": "active", "liveness_threshold": 80, "liveness_challenges": ["head_left", "head_right", "blink"]}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["id"].as_str().unwrap().starts_with("ses_"));
    assert_eq!(body["plan"]["challenges"].as_array().unwrap().len(), 3);
    assert_eq!(body["plan"]["order"], "randomized");
    let cases = [
        (
            json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["head_up"]}}),
            "invalid_profile",
        ),
        (
            json!({"profile": {"liveness_mode": "active", "liveness_challenges": []}}),
            "invalid_profile",
        ),
        (json!({"profile": {"liveness_threshold": 101}}), "invalid_profile"),
        (
            json!({"profile": {"liveness_mode": "active", "frames": 3}}),
            "invalid_profile",
        ),
        (json!({"profile": {}, "surprise": 1}), "invalid_json"),
    ];
    for (request, expected) in cases {
        let (status, body) = api.create(request.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}: {body}");
        assert_eq!(code(&body), expected, "{request}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let malformed = Request::post("/v1/sessions")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .body(Body::from("{\"profile\": "))
        .unwrap();
    assert_eq!(code(&api.call(malformed).await.1), "invalid_json");
    let wrong_type = Request::post("/v1/sessions")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let (status, body) = api.call(wrong_type).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let no_key = Request::post("/v1/sessions")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(code(&api.call(no_key).await.1), "missing_credentials");
    let bad_key = Request::post("/v1/sessions")
        .header("authorization", "Bearer nope")
        .header("content-type", "application/json")
        .body(Body::from("{\"profile\": {}}"))
        .unwrap();
    let (status, body) = api.call(bad_key).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
}

#[tokio::test]
async fn frame_uploads_are_checked_and_nothing_half_written() {
    let api = api().await;
    let (id, token) = session(&api).await;
    let (a_id, _) = session(&api).await;
    let jpeg = sample_jpeg();
    let small = encode_png(&RgbImage::filled(300, 200, [120; 3])).unwrap();
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "image/gif",
            "0.0",
            jpeg.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "image/jpeg",
            "0.0",
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_empty",
        ),
        (
            "image/jpeg",
            "0.0",
            jpeg[..jpeg.len() / 2].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_corrupt",
        ),
        (
            "image/png",
            "0.0",
            b"not an image at all".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_unsupported_format",
        ),
        (
            "image/png",
            "0.0",
            small,
            StatusCode::UNPROCESSABLE_ENTITY,
            "frame_too_small",
        ),
        (
            "image/jpeg",
            "0.0",
            vec![0xff; 600 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "image/jpeg",
            "soon",
            jpeg.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (ct, t, bytes, status, expected) in cases {
        let (s, body) = api.frame(&id, &token, ct, t, bytes).await;
        assert_eq!((s, code(&body)), (status, expected), "{ct} {t}: {body}");
    }
    // Nothing was stored: the session is still `created`.
    let (_, detail) = api.get(&format!("/v1/sessions/{id}"), &token).await;
    assert_eq!(detail["status"], "created");
    // A token of this session used on another one.
    let (s, body) = api.frame(&a_id, &token, "image/jpeg", "0.0", jpeg.clone()).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "foreign_token"));
    let (s, body) = api.frame("ses_unknown", KEY, "image/jpeg", "0.0", jpeg.clone()).await;
    assert_eq!((s, code(&body)), (StatusCode::NOT_FOUND, "session_not_found"));
    // A good frame, then completion, then no more frames or completions.
    let (s, body) = api.frame(&id, &token, "image/jpeg", "0.0", jpeg.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["face_count"], 1);
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "approved", "{done}");
    assert_eq!(done["selfie"]["liveness_mode"], "passive");
    assert_eq!(done["selfie"]["frames_captured"], 1);
    let (s, body) = api.frame(&id, &token, "image/jpeg", "1.0", jpeg).await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "session_completed"));
    let (s, body) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "session_completed"));
}

#[tokio::test]
async fn sessions_expire() {
    let api = api().await;
    let (id, token) = session(&api).await;
    api.clock.advance_ms(301_000);
    let (s, body) = api.frame(&id, &token, "image/jpeg", "0.0", sample_jpeg()).await;
    assert_eq!((s, code(&body)), (StatusCode::GONE, "session_expired"));
    let (_, detail) = api.get(&format!("/v1/sessions/{id}"), KEY).await;
    assert_eq!(detail["status"], "expired");
}

#[tokio::test]
async fn a_real_clip_through_the_api_matches_direct_evaluation() {
    let api = api().await;
    let (status, created) = api
        .create(json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["smile"]}, "fixed_order": true}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let token = created["client_token"].as_str().unwrap();
    let clip = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/pyfeat_single_face.mp4");
    let mut frames = Vec::new();
    livegate_media::open_source(std::path::Path::new(clip), Some(10.0))
        .unwrap()
        .for_each_frame(|f| -> Result<(), livegate_media::MediaError> {
            frames.push(f);
            Ok(())
        })
        .unwrap();
    let mut direct = Vec::new();
    for f in &frames {
        // The API receives JPEGs, so compare against the same JPEG bytes analysed directly.
        let jpeg = encode_jpeg(&f.image, 90).unwrap();
        let (s, body) = api
            .frame(id, token, "image/jpeg", &format!("{}", f.t), jpeg.clone())
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let decoded = livegate_media::decode_image(&jpeg, Default::default()).unwrap();
        direct.push(analyzer().analyze(&decoded, f.t).unwrap());
    }
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), KEY).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let config = LivenessConfig::new("active", 75.0, &["smile"], None, None).unwrap();
    let plan = ChallengePlan::draw(&config, true, &mut rand_chacha::ChaCha20Rng::seed_from_u64(0));
    let expected = evaluate(&config, &plan, &direct);
    assert_eq!(
        done["selfie"]["liveness_score"].as_f64().unwrap(),
        expected.liveness_score
    );
    assert_eq!(done["selfie"]["liveness_passed"], json!(expected.liveness_passed));
    assert_eq!(done["status"], "approved", "{done}");
    assert_eq!(done["selfie"]["challenges_completed"], json!(["smile"]));
    assert!(done["model_version"].is_string() && done["policy_version"].is_string());
}
