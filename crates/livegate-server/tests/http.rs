//! HTTP tests through the router (no socket): every endpoint and its errors, each a 4xx with a
//! stable `error.code` and nothing half-written; a real clip's frames giving the same verdict as
//! the engine on the same frames; face match; retries; audit images and retention; OpenAPI
//! drift; metrics; back-pressure.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use common::{api, clip_jpegs, code, data, Api, KEY};
use livegate_engine::liveness::{evaluate, ChallengePlan, LivenessConfig};
use livegate_engine::RgbImage;
use livegate_media::image_io::encode_png;
use rand_chacha::rand_core::SeedableRng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn passive(api: &Api) -> (String, String) {
    api.session(json!({"profile": {"liveness_mode": "passive"}})).await
}

#[tokio::test]
async fn create_validates_profiles_and_credentials() {
    let api = api().await;
    let (status, body) = api
        .create(json!({"profile": {"liveness_mode": "active", "liveness_threshold": 80, "liveness_challenges": ["head_left", "head_right", "blink"]}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["id"].as_str().unwrap().starts_with("ses_"));
    assert!(body["client_token"].as_str().unwrap().starts_with("lgt_"));
    assert_eq!(body["plan"]["challenges"].as_array().unwrap().len(), 3);
    assert_eq!(body["plan"]["order"], "randomized");
    assert_eq!(body["profile"]["liveness_threshold"], 80.0);
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
        (json!({"profile": {"liveness_threshold": -1}}), "invalid_profile"),
        (json!({"profile": {"liveness_mode": "sleepy"}}), "invalid_profile"),
        (
            json!({"profile": {"liveness_mode": "active", "frames": 3}}),
            "invalid_profile",
        ),
        (json!({"profile": {"retries": 4}}), "invalid_request"),
        (
            json!({"profile": {"steps": ["selfie", "face_match"]}}),
            "reference_required",
        ),
        (
            json!({"profile": {"steps": ["fingerprint", "selfie"]}}),
            "invalid_request",
        ),
        (json!({"profile": {}, "surprise": 1}), "invalid_json"),
        (json!({"profile": {"liveness_colour": "red"}}), "invalid_json"),
        (json!({"profile": {"liveness_threshold": "high"}}), "invalid_json"),
        (json!({"reference_image": "%%% not base64"}), "invalid_request"),
    ];
    for (request, expected) in cases {
        let (status, body) = api.create(request.clone()).await;
        assert!(status.is_client_error(), "{request}: {status} {body}");
        assert_eq!(code(&body), expected, "{request}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let raw = |ct: &str, auth: Option<&str>, body: &'static str| {
        let mut req = Request::post("/v1/sessions").header("content-type", ct);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.body(Body::from(body)).unwrap()
    };
    let bearer = format!("Bearer {KEY}");
    let checks = [
        (
            raw("application/json", Some(&bearer), "{\"profile\": "),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            raw("application/json", Some(&bearer), "[1, 2]"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
        ),
        (
            raw("text/plain", Some(&bearer), "{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            raw("application/json", None, "{}"),
            StatusCode::UNAUTHORIZED,
            "missing_credentials",
        ),
        (
            raw("application/json", Some("Bearer nope"), "{}"),
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        ),
        (
            raw("application/json", Some("Basic abc"), "{}"),
            StatusCode::UNAUTHORIZED,
            "missing_credentials",
        ),
    ];
    for (req, status, expected) in checks {
        let (s, body) = api.call(req).await;
        assert_eq!((s.is_client_error(), code(&body)), (true, expected), "{body}");
        if expected != "invalid_json" {
            assert_eq!(s, status);
        }
    }
    // A client token cannot create sessions.
    let (_, token) = passive(&api).await;
    let (s, body) = api.send_json("POST", "/v1/sessions", &token, &json!({})).await;
    assert_eq!((s, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
}

#[tokio::test]
async fn frame_uploads_are_checked_and_nothing_half_written() {
    let api = api().await;
    let (id, token) = passive(&api).await;
    let (other, _) = passive(&api).await;
    let jpeg = data("silentface_T1.jpg");
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
            "",
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
        (
            "image/jpeg",
            "-1",
            jpeg.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "image/jpeg",
            "NaN",
            jpeg.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (ct, t, bytes, status, expected) in cases {
        let (s, body) = api.frame(&id, &token, ct, t, bytes).await;
        assert_eq!((s, code(&body)), (status, expected), "{ct} {t}: {body}");
    }
    // Nothing was stored: the session is still `created`, with no frame and no image.
    let (_, detail) = api.get(&format!("/v1/sessions/{id}"), &token).await;
    assert_eq!(
        (detail["status"].as_str(), detail["frames_received"].as_i64()),
        (Some("created"), Some(0))
    );
    assert!(api
        .state
        .objects
        .list(&format!("sessions/{id}/"))
        .await
        .unwrap()
        .is_empty());
    // A token of this session used on another one; unknown sessions; forged tokens.
    let (s, body) = api.frame(&other, &token, "image/jpeg", "0.0", jpeg.clone()).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "foreign_token"));
    let (s, body) = api.get(&format!("/v1/sessions/{other}"), &token).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "foreign_token"));
    let (s, body) = api.frame("ses_unknown", KEY, "image/jpeg", "0.0", jpeg.clone()).await;
    assert_eq!((s, code(&body)), (StatusCode::NOT_FOUND, "session_not_found"));
    let (s, body) = api.frame(&id, "lgt_forged", "image/jpeg", "0.0", jpeg.clone()).await;
    assert_eq!((s, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    // A good frame, then completion, then no more frames or completions.
    let (s, body) = api.frame(&id, &token, "image/jpeg", "0.0", jpeg.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!((body["seq"].as_i64(), body["face_count"].as_i64()), (Some(0), Some(1)));
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "approved", "{done}");
    assert_eq!(done["selfie"]["liveness_mode"], "passive");
    assert_eq!(done["selfie"]["frames_captured"], 1);
    let (s, body) = api.frame(&id, &token, "image/jpeg", "1.0", jpeg.clone()).await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "session_completed"));
    // A retried upload (same Idempotency-Key) is answered with the original, stored once.
    let (retry, retry_token) = passive(&api).await;
    let keyed = |key: &str| {
        Request::post(format!("/v1/sessions/{retry}/frames"))
            .header("authorization", format!("Bearer {retry_token}"))
            .header("content-type", "image/jpeg")
            .header("x-capture-time", "0.5")
            .header("idempotency-key", key)
            .body(Body::from(jpeg.clone()))
            .unwrap()
    };
    let (s1, first) = api.call(keyed("frame-0001")).await;
    let (s2, second) = api.call(keyed("frame-0001")).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK), "{first} {second}");
    assert_eq!(
        (
            first["seq"].as_i64(),
            second["seq"].as_i64(),
            second["duplicate"].as_bool()
        ),
        (Some(0), Some(0), Some(true))
    );
    let (_, d) = api.get(&format!("/v1/sessions/{retry}"), KEY).await;
    assert_eq!(d["frames_received"], 1);
    let (s, body) = api.call(keyed("has spaces")).await;
    assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_request"));
    let (s, body) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "session_completed"));
}

#[tokio::test]
async fn sessions_expire() {
    let api = api().await;
    let (id, token) = passive(&api).await;
    api.clock.advance_ms(301_000);
    let (s, body) = api
        .frame(&id, &token, "image/jpeg", "0.0", data("silentface_T1.jpg"))
        .await;
    assert_eq!((s, code(&body)), (StatusCode::GONE, "session_expired"));
    let (s, body) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!((s, code(&body)), (StatusCode::GONE, "session_expired"));
    let (_, detail) = api.get(&format!("/v1/sessions/{id}"), KEY).await;
    assert_eq!(detail["status"], "expired");
}

#[tokio::test]
async fn a_real_clip_through_the_api_matches_direct_evaluation() {
    let api = api().await;
    let (id, token) = api
        .session(json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["smile"], "fixed_order": true}}))
        .await;
    let mut direct = Vec::new();
    let mut progress = Vec::new();
    for (t, jpeg) in clip_jpegs("pyfeat_single_face.mp4", 10.0) {
        let (s, body) = api.frame(&id, &token, "image/jpeg", &t.to_string(), jpeg.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        progress.push(body["progress"].clone());
        let decoded = livegate_media::decode_image(&jpeg, Default::default()).unwrap();
        // The session pipeline with the earlier frames as history, as the server runs it (the
        // history as stored: what the server's cache holds).
        let next = common::analyzer().analyze_next(&decoded, t, &direct).unwrap();
        direct.push(serde_json::from_value(json!(next)).unwrap());
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
    // The clip ends still smiling: live progress asks to relax (the smile is reached, not yet
    // back to neutral), while the verdict counts the smile the recording stopped in.
    let last = progress.last().unwrap();
    assert_eq!(last["current"]["challenge"], "smile", "{last}");
    assert_eq!(last["current"]["phase"], "return", "{last}");
    assert!(last["current"]["fraction"].as_f64().unwrap() >= 1.0, "{last}");
    assert_eq!(progress[0]["next"], "smile");
    assert!(done["model_version"].is_string() && done["policy_version"].is_string());
    // Three audit images spread over the clip, served with their hashes; frames deleted.
    let images = done["audit_images"].as_array().unwrap();
    assert_eq!(images.len(), 3, "{done}");
    for image in images {
        let req = Request::get(image["url"].as_str().unwrap())
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let (s, bytes) = api.call_raw(req).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(hex::encode(Sha256::digest(&bytes)), image["sha256"].as_str().unwrap());
    }
    assert_eq!(done["frames_purged"], true);
    let left = api.state.objects.list(&format!("sessions/{id}/frames/")).await.unwrap();
    assert!(left.is_empty(), "frames left: {left:?}");
    let (s, body) = api.get(&format!("/v1/sessions/{id}/audit/7"), KEY).await;
    assert_eq!((s, code(&body)), (StatusCode::NOT_FOUND, "audit_image_not_found"));
}

#[tokio::test]
async fn workflows_crud_and_sessions_from_them() {
    let api = api().await;
    let body = json!({"name": "high-risk", "profile": {"liveness_mode": "active", "liveness_threshold": 85, "liveness_challenges": ["blink", "smile"], "retries": 2}});
    let (s, wf) = api.send_json("POST", "/v1/workflows", KEY, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{wf}");
    let wf_id = wf["id"].as_str().unwrap().to_string();
    assert!(wf_id.starts_with("wf_"));
    assert!(
        wf["profile"]["frames"].as_u64().is_some(),
        "defaults are filled in: {wf}"
    );
    let (s, dup) = api.send_json("POST", "/v1/workflows", KEY, &body).await;
    assert_eq!((s, code(&dup)), (StatusCode::CONFLICT, "conflict"));
    let bad = [
        (json!({"name": "", "profile": {}}), "invalid_request"),
        (
            json!({"name": "x", "profile": {"liveness_threshold": 150}}),
            "invalid_profile",
        ),
        (json!({"name": "x", "profile": {}, "colour": 1}), "invalid_json"),
        (json!({"profile": {}}), "invalid_json"),
    ];
    for (b, expected) in bad {
        let (s, r) = api.send_json("POST", "/v1/workflows", KEY, &b).await;
        assert_eq!((s.is_client_error(), code(&r)), (true, expected), "{b}: {r}");
    }
    let (s, list) = api.get("/v1/workflows", KEY).await;
    assert_eq!((s, list.as_array().unwrap().len()), (StatusCode::OK, 1));
    // A session from the workflow, with a per-session override.
    let (s, created) = api
        .create(json!({"workflow_id": wf_id, "overrides": {"liveness_threshold": 60}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["profile"]["liveness_threshold"], 60.0);
    assert_eq!(created["profile"]["liveness_mode"], "active");
    assert_eq!(created["max_attempts"], 3);
    assert_eq!(created["plan"]["challenges"].as_array().unwrap().len(), 2);
    let (s, r) = api.create(json!({"workflow_id": "wf_nope"})).await;
    assert_eq!((s, code(&r)), (StatusCode::NOT_FOUND, "workflow_not_found"));
    // Update, read, delete.
    let update = json!({"name": "low-risk", "profile": {"liveness_mode": "passive"}});
    let (s, up) = api
        .send_json("PUT", &format!("/v1/workflows/{wf_id}"), KEY, &update)
        .await;
    assert_eq!((s, up["name"].as_str()), (StatusCode::OK, Some("low-risk")), "{up}");
    let (s, got) = api.get(&format!("/v1/workflows/{wf_id}"), KEY).await;
    assert_eq!(
        (s, got["profile"]["liveness_mode"].as_str()),
        (StatusCode::OK, Some("passive"))
    );
    let (s, r) = api.send_json("PUT", "/v1/workflows/wf_nope", KEY, &update).await;
    assert_eq!((s, code(&r)), (StatusCode::NOT_FOUND, "workflow_not_found"));
    assert_eq!(
        api.delete(&format!("/v1/workflows/{wf_id}"), KEY).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.delete(&format!("/v1/workflows/{wf_id}"), KEY).await,
        StatusCode::NOT_FOUND
    );
    let (s, r) = api.get("/v1/workflows", "wrong-key-0000000000").await;
    assert_eq!((s, code(&r)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
}

async fn one_frame_session(api: &Api, reference: &[u8], probe: &[u8]) -> Value {
    let (id, token) = api.session(json!({"reference_image": b64(reference)})).await;
    let (s, body) = api.frame(&id, &token, "image/jpeg", "0", probe.to_vec()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    done
}

#[tokio::test]
async fn face_match_with_the_reference_and_not_after_a_liveness_failure() {
    let api = api().await;
    let live = data("silentface_T1.jpg");
    // The same person: approved and matched.
    let done = one_frame_session(&api, &live, &live).await;
    assert_eq!(done["status"], "approved", "{done}");
    assert_eq!(done["face_match"]["attempted"], true);
    assert_eq!(done["face_match"]["matched"], true, "{done}");
    assert!(done["face_match"]["similarity"].as_f64().unwrap() > 0.9);
    assert_eq!(done["profile"]["steps"], json!(["selfie", "face_match"]));
    // Someone else as the reference: declined on face match.
    let other = clip_jpegs("liveportrait_d5.mp4", 2.0).remove(0).1;
    let done = one_frame_session(&api, &other, &live).await;
    assert_eq!(done["selfie"]["liveness_passed"], true, "{done}");
    assert_eq!(
        (done["status"].as_str(), done["face_match"]["matched"].as_bool()),
        (Some("declined"), Some(false)),
        "{done}"
    );
    assert!(done["face_match"]["similarity"].as_f64().unwrap() < done["face_match"]["threshold"].as_f64().unwrap());
    // A screen replay fails liveness: face match is not attempted.
    let done = one_frame_session(&api, &live, &data("silentface_F2.jpg")).await;
    assert_eq!(done["status"], "declined", "{done}");
    assert_eq!(done["face_match"]["attempted"], false);
    assert_eq!(done["face_match"]["reason"], "liveness_failed");
    assert!(done["face_match"]["matched"].is_null());
    // References without a face, or not an image.
    let blank = encode_png(&RgbImage::filled(640, 480, [90; 3])).unwrap();
    let (s, r) = api.create(json!({"reference_image": b64(&blank)})).await;
    assert_eq!((s, code(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "reference_no_face"));
    let (s, r) = api.create(json!({"reference_image": b64(b"GIF89a....")})).await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "image_unsupported_format")
    );
}

/// Creates a session from `body`, uploads a screen replay, completes it: declined.
async fn fail_once(api: &Api, body: Value) -> (Value, Value) {
    let (s, created) = api.create(body).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let token = created["client_token"].as_str().unwrap().to_string();
    api.frame(&id, &token, "image/jpeg", "0", data("silentface_F2.jpg"))
        .await;
    let (_, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(done["status"], "declined", "{done}");
    (created, done)
}

#[tokio::test]
async fn retries_follow_the_profile_and_stop_when_used_up() {
    let api = api().await;
    let (first, done) = fail_once(&api, json!({"profile": {"retries": 1}})).await;
    assert_eq!(
        (done["attempt"].as_i64(), done["attempts_remaining"].as_i64()),
        (Some(1), Some(1))
    );
    let first_id = first["id"].as_str().unwrap();
    let (second, done) = fail_once(&api, json!({"retry_of": first_id})).await;
    assert_eq!(
        (second["attempt"].as_i64(), done["attempts_remaining"].as_i64()),
        (Some(2), Some(0))
    );
    assert_eq!(done["retry_of"], first_id);
    let (s, r) = api.create(json!({"retry_of": second["id"]})).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "attempts_exhausted"), "{r}");
    let (s, r) = api.create(json!({"retry_of": first_id})).await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::CONFLICT, "conflict"),
        "a session is retried once: {r}"
    );
    let (open, _) = api.session(json!({"profile": {"retries": 3}})).await;
    let (s, r) = api.create(json!({"retry_of": open})).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "retry_not_allowed"));
    // The browser's view: its session by token alone, and a retry by token.
    let token_of = |v: &Value| v["client_token"].as_str().unwrap().to_string();
    let (s, mine) = api.get("/v1/client/session", &token_of(&second)).await;
    assert_eq!((s, mine["id"].as_str()), (StatusCode::OK, second["id"].as_str()));
    let (s, r) = api.get("/v1/client/session", KEY).await;
    assert_eq!((s, code(&r)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let (s, r) = api.post_empty("/v1/client/retry", &token_of(&second)).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "attempts_exhausted"));
    let (third, _) = fail_once(&api, json!({"profile": {"retries": 2}})).await;
    let (s, next) = api.post_empty("/v1/client/retry", &token_of(&third)).await;
    assert_eq!((s, next["attempt"].as_i64()), (StatusCode::CREATED, Some(2)), "{next}");
    let (s, r) = api.create(json!({"retry_of": open, "profile": {}})).await;
    assert_eq!((s, code(&r)), (StatusCode::BAD_REQUEST, "invalid_request"));
    let (s, r) = api.create(json!({"retry_of": "ses_missing"})).await;
    assert_eq!((s, code(&r)), (StatusCode::NOT_FOUND, "session_not_found"));
    // An approved session may be retried ("Retry if unhappy") while attempts remain.
    for (retries, expected) in [(0, StatusCode::CONFLICT), (1, StatusCode::CREATED)] {
        let (ok, token) = api
            .session(json!({"profile": {"liveness_mode": "passive", "retries": retries}}))
            .await;
        api.frame(&ok, &token, "image/jpeg", "0", data("silentface_T1.jpg"))
            .await;
        let (_, done) = api.post_empty(&format!("/v1/sessions/{ok}/complete"), &token).await;
        assert_eq!(done["status"], "approved", "{done}");
        let (s, r) = api.create(json!({"retry_of": ok})).await;
        assert_eq!(s, expected, "retry of an approved session with {retries} retries: {r}");
    }
}

#[tokio::test]
async fn openapi_document_is_served_and_matches_the_checked_in_copy() {
    let api = api().await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    let served = livegate_server::api::openapi_json();
    if std::env::var("LIVEGATE_UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &served).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        served == checked_in,
        "crates/livegate-server/openapi.json is stale: run `LIVEGATE_UPDATE_OPENAPI=1 cargo test -p livegate-server --test http openapi` and commit it"
    );
    let (s, doc) = api.get("/openapi.json", KEY).await;
    assert_eq!(s, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/sessions",
        "/v1/sessions/{id}",
        "/v1/sessions/{id}/frames",
        "/v1/sessions/{id}/complete",
        "/v1/workflows",
        "/v1/workflows/{id}",
        "/v1/webhooks",
        "/v1/webhooks/{id}/deliveries",
        "/healthz",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "{p} undocumented");
    }
    // Every documented path is routed (a dummy id gives a domain error, not the router's 404).
    for p in paths.keys() {
        let concrete = p.replace("{id}", "x").replace("{index}", "0");
        let (_, body) = api.get(&concrete, KEY).await;
        assert_ne!(code(&body), "not_found", "{p} is documented but not routed");
    }
    let (s, body) = api.get("/v2/nothing", KEY).await;
    assert_eq!((s, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn health_metrics_and_back_pressure() {
    let api = api().await;
    let (s, h) = api.get("/healthz", "").await;
    assert_eq!(
        (s, h["status"].as_str(), h["database"].as_str()),
        (StatusCode::OK, Some("ok"), Some("sqlite"))
    );
    assert_eq!(h["backend"].as_str(), Some(common::analyzer().models().backend), "{h}");
    let (id, token) = passive(&api).await;
    // Hold every worker slot: the upload is refused at once, not queued.
    let held = api.state.workers.clone().acquire_many_owned(2).await.unwrap();
    let (s, body) = api
        .frame(&id, &token, "image/jpeg", "0", data("silentface_T1.jpg"))
        .await;
    assert_eq!((s, code(&body)), (StatusCode::SERVICE_UNAVAILABLE, "busy"));
    drop(held);
    let (s, _) = api
        .frame(&id, &token, "image/jpeg", "0", data("silentface_T1.jpg"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let req = Request::get("/metrics").body(Body::empty()).unwrap();
    let (s, text) = api.call_raw(req).await;
    let text = String::from_utf8(text).unwrap();
    assert_eq!(s, StatusCode::OK);
    assert!(text.contains("livegate_http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("route=\"/v1/sessions/{id}/frames\""), "{text}");
    assert!(
        text.contains("livegate_stage_duration_seconds_bucket{stage=\"analyze\""),
        "{text}"
    );
    // Completion waits for a slot (up to worker_wait_ms) instead of being refused.
    let held = api.state.workers.clone().acquire_many_owned(2).await.unwrap();
    let req = Request::post(format!("/v1/sessions/{id}/complete"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let completing = tokio::spawn(api.app.clone().oneshot(req));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(!completing.is_finished(), "waiting for a worker slot");
    drop(held);
    assert_eq!(completing.await.unwrap().unwrap().status(), StatusCode::OK);
    // … for a bounded time: then 503, and the session is still open to complete later.
    let config = livegate_server::ServerConfig {
        worker_wait_ms: 20,
        ..common::test_config(&common::scratch())
    };
    let quick = common::api_with(&config.database_url(), None, config).await;
    let (id, token) = passive(&quick).await;
    let (s, _) = quick
        .frame(&id, &token, "image/jpeg", "0", data("silentface_T1.jpg"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let held = quick.state.workers.clone().acquire_many_owned(2).await.unwrap();
    let (s, body) = quick.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!((s, code(&body)), (StatusCode::SERVICE_UNAVAILABLE, "busy"));
    drop(held);
    let (s, done) = quick.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(
        (s, done["selfie"]["frames_captured"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{done}"
    );
}

#[tokio::test]
async fn retention_keeps_frames_for_the_period_then_deletes_them_and_keeps_audit_images() {
    let dir = common::scratch();
    let config = livegate_server::ServerConfig {
        frame_retention_s: 60,
        ..common::test_config(&dir)
    };
    let api = common::api_with(&config.database_url(), None, config).await;
    let (id, token) = passive(&api).await;
    let (open, open_token) = passive(&api).await;
    for (t, jpeg) in clip_jpegs("liveportrait_d5.mp4", 2.0).into_iter().take(3) {
        api.frame(&id, &token, "image/jpeg", &t.to_string(), jpeg.clone()).await;
        api.frame(&open, &open_token, "image/jpeg", &t.to_string(), jpeg).await;
    }
    let (_, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(
        (
            done["frames_purged"].as_bool(),
            done["audit_images"].as_array().map(Vec::len)
        ),
        (Some(false), Some(3))
    );
    let frames = |id: String| {
        let objects = api.state.objects.clone();
        async move { objects.list(&format!("sessions/{id}/frames/")).await.unwrap().len() }
    };
    assert_eq!(frames(id.clone()).await, 3, "kept during the retention period");
    assert_eq!(livegate_server::evidence::retention_pass(&api.state).await.unwrap(), 0);
    // After the period (and the sweeper's grace), the completed session's frames go; the open
    // session expired long ago by then, so its frames go too.
    api.clock.advance_ms(300_000 + 60_000 + 1_000);
    assert_eq!(livegate_server::evidence::retention_pass(&api.state).await.unwrap(), 2);
    assert_eq!((frames(id.clone()).await, frames(open.clone()).await), (0, 0));
    let (_, after) = api.get(&format!("/v1/sessions/{id}"), KEY).await;
    assert_eq!(after["frames_purged"], true);
    assert_eq!(after["audit_images"], done["audit_images"]);
    assert_eq!(after["selfie"], done["selfie"], "signals and verdict stay");
    let url = after["audit_images"][0]["url"].as_str().unwrap().to_string();
    let req = Request::get(url)
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(api.call_raw(req).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_browser_sdk_and_pages_are_served_on_the_api_origin() {
    let api = api().await;
    for (path, content_type) in [
        ("/sdk/livegate.js", "text/javascript"),
        ("/sdk/livegate.d.ts", "application/typescript"),
        ("/sdk/livegate.css", "text/css"),
        ("/capture", "text/html"),
        ("/demo", "text/html"),
    ] {
        let res = tower::ServiceExt::oneshot(api.app.clone(), Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with(content_type), "{path}: {ct}");
    }
    let (s, _) = api
        .call_raw(Request::get("/sdk/secrets.js").body(Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
