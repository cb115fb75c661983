//! Issue 14, the colour-flash challenge through the API: `color_flash` is a challenge name like
//! the others, the plan issued with the session carries the colours and durations (a function
//! of its nonce), frames carry the step on screen (`X-Flash-Step`, `X-Flash-Since`), and a
//! recorded clip injected while the screen flashed — its face lit by nothing — is declined with
//! `flash_response_mismatch` (shown to the person as `not_verified`).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{api, clip_jpegs, code, KEY};
use livegate_engine::liveness::FlashSequence;
use serde_json::{json, Value};

async fn flash_frame(
    api: &common::Api,
    id: &str,
    token: &str,
    t: f64,
    step: Option<(usize, f64)>,
    jpeg: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = Request::post(format!("/v1/sessions/{id}/frames"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .header("x-capture-time", format!("{t:.3}"));
    if let Some((step, since)) = step {
        req = req
            .header("x-flash-step", step.to_string())
            .header("x-flash-since", format!("{since:.3}"));
    }
    api.call(req.body(Body::from(jpeg)).unwrap()).await
}

#[tokio::test]
async fn the_plan_issues_a_flash_sequence_bound_to_its_nonce() {
    let api = api().await;
    let (s, created) = api
        .create(
            json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["smile", "color_flash", "blink"]}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let plan = &created["plan"];
    // Combinable with the movements: the flash first (the face still and frontal after the
    // gate), the movements after it.
    assert_eq!(plan["challenges"][0]["challenge"], "color_flash", "{plan}");
    assert_eq!(plan["challenges"].as_array().unwrap().len(), 3, "{plan}");
    let steps = plan["flash"]["steps"].as_array().expect("a flash sequence");
    assert_eq!(steps.len(), livegate_engine::liveness::flash::FLASH_STEPS);
    for step in steps {
        assert!(step["css"].as_str().unwrap().starts_with('#'), "{step}");
        assert!(step["duration_s"].as_f64().unwrap() >= 0.5, "{step}");
    }
    let nonce = hex::decode(plan["nonce"].as_str().unwrap()).unwrap();
    let expected = serde_json::to_value(FlashSequence::from_nonce(&nonce)).unwrap();
    assert_eq!(plan["flash"], expected);
    // The browser sees the same sequence with its token.
    let token = created["client_token"].as_str().unwrap();
    let (s, view) = api.get("/v1/client/session", token).await;
    assert_eq!(s, StatusCode::OK, "{view}");
    assert_eq!(view["plan"]["flash"], expected);
    // An unknown challenge name is still refused, naming the new one among the known.
    let (s, bad) = api
        .create(json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["colour_flash"]}}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    assert!(
        bad["error"]["message"].as_str().unwrap().contains("color_flash"),
        "{bad}"
    );
}

#[tokio::test]
async fn bad_flash_headers_are_refused_with_stable_codes() {
    let api = api().await;
    let (id, token) = api
        .session(json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["color_flash"]}}))
        .await;
    let jpeg = clip_jpegs("liveportrait_d5.mp4", 5.0).remove(0).1;
    let headers = |pairs: &[(&str, &str)]| {
        let mut req = Request::post(format!("/v1/sessions/{id}/frames"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "image/jpeg")
            .header("x-capture-time", "0.1");
        for (k, v) in pairs {
            req = req.header(*k, *v);
        }
        req.body(Body::from(jpeg.clone())).unwrap()
    };
    for (pairs, why) in [
        (vec![("x-flash-step", "0")], "a step without its time"),
        (vec![("x-flash-since", "0.2")], "a time without its step"),
        (
            vec![("x-flash-step", "8"), ("x-flash-since", "0.2")],
            "a step beyond the sequence",
        ),
        (
            vec![("x-flash-step", "-1"), ("x-flash-since", "0.2")],
            "a negative step",
        ),
        (
            vec![("x-flash-step", "one"), ("x-flash-since", "0.2")],
            "a step that is no number",
        ),
        (
            vec![("x-flash-step", "0"), ("x-flash-since", "NaN")],
            "a time that is no number",
        ),
        (
            vec![("x-flash-step", "0"), ("x-flash-since", "-0.5")],
            "a negative time",
        ),
        (
            vec![("x-flash-step", "0"), ("x-flash-since", "11")],
            "a colour shown longer than any step",
        ),
    ] {
        let (s, body) = api.call(headers(&pairs)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(code(&body), "invalid_flash_header", "{why}: {body}");
    }
    // Nothing was stored: a valid labelled frame is the session's first.
    let (s, body) = flash_frame(&api, &id, &token, 0.1, Some((0, 0.3)), jpeg.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    // A session that never asked for the flash takes no flash labels.
    let (id, token) = api
        .session(json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["smile"]}}))
        .await;
    let (s, body) = flash_frame(&api, &id, &token, 0.1, Some((0, 0.3)), jpeg.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(code(&body), "flash_not_in_plan");
    let (s, body) = flash_frame(&api, &id, &token, 0.1, None, jpeg).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn an_injected_clip_that_does_not_reflect_the_flash_is_declined() {
    let api = api().await;
    let (s, created) = api
        .create(json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["color_flash"]}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["client_token"].as_str().unwrap(),
    );
    let seq: FlashSequence = serde_json::from_value(created["plan"]["flash"].clone()).unwrap();
    let starts = seq.starts();
    // The SDK starts the flash when an answer says the gate passed; the clip plays on regardless.
    let mut flash_from: Option<f64> = None;
    // A real clip played forth and back (a recording looped by a virtual camera), 8 frames/s.
    let clip = clip_jpegs("liveportrait_d5.mp4", 8.0);
    let back: Vec<Vec<u8>> = clip.iter().rev().skip(1).map(|(_, j)| j.clone()).collect();
    let frames = clip
        .iter()
        .map(|(_, j)| j.clone())
        .chain(back)
        .enumerate()
        .map(|(i, j)| (i as f64 / 8.0, j));
    for (t, jpeg) in frames {
        let step = flash_from.and_then(|s0| {
            let since = t - s0;
            (since < seq.duration_s())
                .then(|| starts.iter().rposition(|&s| s <= since))
                .flatten()
                .map(|k| (k, since - starts[k]))
        });
        let (s, answer) = flash_frame(&api, id, token, t, step, jpeg).await;
        assert_eq!(s, StatusCode::CREATED, "{answer}");
        if flash_from.is_none() && answer["gate"]["passed"] == true {
            flash_from = Some(t + 0.1);
        }
        if flash_from.is_some_and(|s0| t > s0 + seq.duration_s() + 0.3) {
            break;
        }
    }
    assert!(flash_from.is_some(), "the gate never passed");
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), KEY).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let (_, detail) = api.get(&format!("/v1/sessions/{id}"), KEY).await;
    assert_eq!(detail["status"], "declined", "{detail}");
    let reasons: Vec<&str> = detail["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(reasons.contains(&"flash_response_mismatch"), "{reasons:?}");
    assert_eq!(detail["selfie"]["challenges_completed"][0], "color_flash", "{detail}");
    // The person is told nothing about the cue.
    let (_, view) = api.get("/v1/client/session", token).await;
    let shown = view["reasons"].to_string();
    assert!(!shown.contains("flash"), "{shown}");
}
