//! Issue 12, server side of the capture loop: the frame answer's gate, oval and face box on real
//! frames, the person's redacted view for client tokens, the text table covering every code,
//! and redirect URLs checked against the workflow's allowed origins.

mod common;

use axum::http::StatusCode;
use common::{api, clip_jpegs, code, data, KEY};
use livegate_engine::liveness::gate::ALL_GATE_HINTS;
use livegate_engine::liveness::Reason;
use livegate_engine::quality::ALL_QUALITY_CODES;
use serde_json::json;

#[tokio::test]
async fn the_gate_opens_on_a_real_face_and_the_answer_carries_the_oval() {
    let api = api().await;
    let (id, token) = api
        .session(json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["smile"], "fixed_order": true}}))
        .await;
    let mut answers = Vec::new();
    for (t, jpeg) in clip_jpegs("pyfeat_single_face.mp4", 5.0).into_iter().take(6) {
        let (s, body) = api.frame(&id, &token, "image/jpeg", &t.to_string(), jpeg).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        answers.push(body);
    }
    let first = &answers[0];
    // A frontal, centred, well-lit face: every frame meets the gate, which opens after 0.5 s.
    assert_eq!(first["gate"]["ok"], true, "{first}");
    assert_eq!(first["gate"]["passed"], false, "{first}");
    assert!(first["gate"]["hint"].is_null());
    let b = first["face"]["box"].as_array().unwrap();
    let (x, w) = (b[0].as_f64().unwrap(), b[2].as_f64().unwrap());
    assert!(x > 0.0 && x + w < 1.0 && w > 0.1, "{first}");
    let oval = &first["oval"];
    assert!((oval["cx"].as_f64().unwrap() - 0.5).abs() < 0.01, "{oval}");
    assert!(oval["ry"].as_f64().unwrap() > oval["rx"].as_f64().unwrap() * 0.9);
    let opened = answers
        .iter()
        .find(|a| a["gate"]["passed"] == true)
        .expect("the gate opened");
    let t = opened["gate"]["t"].as_f64().unwrap();
    assert!((0.5..=0.8).contains(&t), "gate at {t}: {opened}");
    // After the gate the smile is the challenge under way.
    let last = answers.last().unwrap();
    assert_eq!(last["progress"]["current"]["challenge"], "smile", "{last}");
}

#[tokio::test]
async fn a_frame_without_a_face_holds_the_gate_with_its_hint() {
    let api = api().await;
    let (id, token) = api.session(json!({"profile": {"liveness_mode": "passive"}})).await;
    let blank =
        livegate_media::image_io::encode_jpeg(&livegate_engine::RgbImage::filled(640, 480, [90, 90, 90]), 90).unwrap();
    let (s, body) = api.frame(&id, &token, "image/jpeg", "0.0", blank).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["gate"]["ok"], false);
    assert_eq!(body["gate"]["hint"], "quality_no_face");
    assert!(body["face"].is_null());
    assert!(
        body["progress"].is_null(),
        "passive sessions have no challenge progress"
    );
}

#[tokio::test]
async fn the_browser_sees_person_codes_and_the_backend_the_detail() {
    let api = api().await;
    let (id, token) = api.session(json!({"profile": {"liveness_mode": "passive"}})).await;
    // A printed poster (Silent-Face F1), three times.
    for n in 0..3 {
        let (s, body) = api
            .frame(
                &id,
                &token,
                "image/jpeg",
                &format!("{}", n as f64 * 0.2),
                data("silentface_F1.jpg"),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let (s, person) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(s, StatusCode::OK, "{person}");
    assert_eq!(person["status"], "declined", "{person}");
    let (_, full) = api.get(&format!("/v1/sessions/{id}"), KEY).await;
    let detailed: Vec<&str> = full["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(!detailed.is_empty() && full["evidence"].is_object(), "{full}");
    for view in [
        person,
        api.get("/v1/client/session", &token).await.1,
        api.get(&format!("/v1/sessions/{id}"), &token).await.1,
    ] {
        let shown: Vec<&str> = view["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.as_str())
            .collect();
        assert!(!shown.is_empty(), "{view}");
        for code in &shown {
            let leaks = Reason::try_from(code.to_string()).is_ok_and(|r| r.reveals_detection());
            assert!(!leaks, "{code} reached the browser: {view}");
        }
        assert!(view["evidence"].is_null() && view["challenges"].is_null(), "{view}");
    }
}

/// The SDK's person-facing text table (`web/sdk/text.js`) has an entry for every code the
/// server can send to the browser.
#[test]
fn every_code_the_browser_can_receive_has_a_text() {
    let table = include_str!("../../../web/sdk/text.js");
    let mut codes: Vec<String> = vec!["not_verified".into(), "face_mismatch".into()];
    codes.extend(ALL_QUALITY_CODES.iter().map(|c| c.code().to_string()));
    codes.extend(ALL_GATE_HINTS.iter().map(|h| h.code().to_string()));
    for r in [
        "timeout",
        "challenge_missing",
        "multiple_faces",
        "no_face",
        "not_enough_frames",
        "presentation_attack",
        "replay_suspected",
        "static_stream",
        "face_changed",
        "challenge_out_of_order",
        "threshold_not_matched",
    ] {
        let reason = Reason::try_from(r.to_string()).unwrap();
        // Detection reasons never reach the browser: the generic text stands for them.
        if !reason.reveals_detection() {
            codes.push(r.to_string());
        }
    }
    for c in codes {
        // A code is covered by its own entry (`'reason.<code>'`) or its kind (`<code>: '<kind>'`).
        let covered = table.contains(&format!("'reason.{c}'")) || table.contains(&format!("\n  {c}: '"));
        assert!(covered, "web/sdk/text.js has no text for `{c}`");
    }
    for word in [
        "presentation attack",
        "replay suspected",
        "Threshold not matched",
        "Time Out",
    ] {
        assert!(!table.contains(word), "web/sdk/text.js still says {word:?}");
    }
}

#[tokio::test]
async fn redirect_urls_must_be_on_an_allowed_origin() {
    let api = api().await;
    let (s, wf) = api
        .send_json(
            "POST",
            "/v1/workflows",
            KEY,
            &json!({"name": "shop", "allowed_origins": ["https://Shop.Example/"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{wf}");
    assert_eq!(wf["allowed_origins"], json!(["https://shop.example"]));
    let wf_id = wf["id"].as_str().unwrap();
    let (s, created) = api
        .create(json!({"workflow_id": wf_id, "redirect_url": "https://shop.example/verified?order=7"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let token = created["client_token"].as_str().unwrap();
    let (_, session) = api.get("/v1/client/session", token).await;
    assert_eq!(session["redirect_url"], "https://shop.example/verified?order=7");
    for bad in [
        "https://evil.test/",
        "https://shop.example.evil.test/",
        "https://shop.example@evil.test/",
        "javascript:alert(1)",
        "http://shop.example/",
    ] {
        let (s, body) = api.create(json!({"workflow_id": wf_id, "redirect_url": bad})).await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::BAD_REQUEST, "redirect_not_allowed"),
            "{bad}: {body}"
        );
    }
    let (s, body) = api.create(json!({"redirect_url": "https://shop.example/"})).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::BAD_REQUEST, "redirect_not_allowed"),
        "{body}"
    );
    let (s, body) = api
        .send_json(
            "POST",
            "/v1/workflows",
            KEY,
            &json!({"name": "bad", "allowed_origins": ["http://shop.example"]}),
        )
        .await;
    assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_request"), "{body}");
}
