//! Issue 12, server side of the capture loop: the frame answer's gate, oval and face box on real
//! frames, the person's redacted view for client tokens, the text table covering every code,
//! and redirect URLs checked against the workflow's allowed origins; and the frame answers'
//! session state kept in memory (frames cached as committed, checked against the database when
//! another server added some, parallel uploads).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{api, clip_jpegs, code, data, KEY};
use http_body_util::BodyExt;
use livegate_engine::liveness::gate::ALL_GATE_HINTS;
use livegate_engine::liveness::Reason;
use livegate_engine::quality::ALL_QUALITY_CODES;
use livegate_engine::FrameSignals;
use livegate_server::api::frames::live_answer;
use serde_json::{json, Value};
use tower::ServiceExt;

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

/// The stored frames of a session, parsed (the truth any server's cache must agree with).
async fn stored(api: &common::Api, id: &str) -> Vec<FrameSignals> {
    let rows = api.state.store.frames(id).await.unwrap();
    rows.iter().map(|r| serde_json::from_str(&r.signals).unwrap()).collect()
}

/// Checks every frame answer's gate and progress against [`live_answer`] over the stored frames
/// up to it (by the answer's `seq`); returns the stored frames.
async fn assert_live_answers(api: &common::Api, id: &str, answers: &[Value]) -> Vec<FrameSignals> {
    let plan = api.state.store.session(id).await.unwrap().unwrap().plan;
    let frames = stored(api, id).await;
    // Through the text, as the answer went (f32 fields print shortest, not widened to f64).
    let as_sent = |v: String| serde_json::from_str::<Value>(&v).unwrap();
    for answer in answers {
        let seq = answer["seq"].as_u64().unwrap() as usize;
        let (gate, progress) = live_answer(&plan, &frames[..=seq]).unwrap();
        let expected = (
            as_sent(serde_json::to_string(&gate).unwrap()),
            as_sent(serde_json::to_string(&progress).unwrap()),
        );
        assert_eq!(
            (&answer["gate"], &answer["progress"]),
            (&expected.0, &expected.1),
            "frame {seq}"
        );
    }
    frames
}

const SMILE: &str =
    r#"{"profile": {"liveness_mode": "active", "liveness_challenges": ["smile"], "fixed_order": true}}"#;

/// Performance issue "server work that does not grow with the session": an upload reads no
/// earlier frame back from the database (the session's signals are cached as they are
/// committed), nor does completion.
#[tokio::test]
async fn uploads_and_completion_do_not_reread_the_sessions_frames() {
    let api = api().await;
    let (id, token) = api.session(serde_json::from_str(SMILE).unwrap()).await;
    let clip = clip_jpegs("pyfeat_single_face.mp4", 5.0);
    let n = 8.min(clip.len());
    let mut answers = Vec::new();
    for (t, jpeg) in clip.iter().take(n) {
        let (s, body) = api.frame(&id, &token, "image/jpeg", &t.to_string(), jpeg.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        answers.push(body);
    }
    assert_eq!(api.state.frame_cache.frames_parsed(), 0, "no stored frame parsed");
    assert_eq!(api.state.store.frame_signals_read(), 0, "no stored frame read back");
    assert_live_answers(&api, &id, &answers).await;
    let read = api.state.store.frame_signals_read();
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["selfie"]["frames_captured"].as_u64(), Some(n as u64));
    assert_eq!(api.state.frame_cache.frames_parsed(), 0, "completion used the cache");
    assert_eq!(api.state.store.frame_signals_read(), read, "… and read no signals");
    assert_eq!(api.state.frame_cache.frames_held(), 0, "dropped at completion");
}

/// Two servers over one database: each one's cache is stale after the other's upload, and
/// catches up by reading only the frames it lacks; every answer (and a retried upload answered
/// by the other server) is what the stored frames give, and each frame was analysed with the
/// real history.
async fn stale_cache(database_url: Option<String>) {
    let dir = common::scratch();
    let mut config = common::test_config(&dir);
    config.database_url = database_url;
    let one = common::api_with(&config.database_url(), None, config.clone()).await;
    let two = common::api_with(&config.database_url(), None, config).await;
    let (id, token) = one.session(serde_json::from_str(SMILE).unwrap()).await;
    let clip: Vec<_> = clip_jpegs("pyfeat_single_face.mp4", 5.0).into_iter().take(7).collect();
    let mut answers = Vec::new();
    for (i, (t, jpeg)) in clip.iter().enumerate() {
        let server = if i % 2 == 0 { &two } else { &one };
        let req = Request::post(format!("/v1/sessions/{id}/frames"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "image/jpeg")
            .header("x-capture-time", t.to_string())
            .header("idempotency-key", format!("frame-{i}"))
            .body(Body::from(jpeg.clone()))
            .unwrap();
        let (s, body) = server.call(req).await;
        assert_eq!(
            (s, body["seq"].as_u64()),
            (StatusCode::CREATED, Some(i as u64)),
            "{body}"
        );
        answers.push(body);
    }
    // Each server read and parsed only frames the other committed, each once.
    let parsed = one.state.frame_cache.frames_parsed() + two.state.frame_cache.frames_parsed();
    let read = one.state.store.frame_signals_read() + two.state.store.frame_signals_read();
    assert!(
        parsed <= clip.len() as u64 && read == parsed,
        "parsed {parsed}, read {read} for {} frames",
        clip.len()
    );
    let frames = assert_live_answers(&one, &id, &answers).await;
    // A retry of frame 2 (first sent to `two`) through `one`: the original answer.
    let req = Request::post(format!("/v1/sessions/{id}/frames"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .header("x-capture-time", clip[2].0.to_string())
        .header("idempotency-key", "frame-2")
        .body(Body::from(clip[2].1.clone()))
        .unwrap();
    let (s, again) = one.call(req).await;
    assert_eq!(
        (s, again["duplicate"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{again}"
    );
    assert_eq!(
        (&again["gate"], &again["progress"]),
        (&answers[2]["gate"], &answers[2]["progress"])
    );
    // The history each server passed the engine was the session's earlier frames.
    let analyzer = common::analyzer();
    let mut direct: Vec<FrameSignals> = Vec::new();
    for (t, jpeg) in &clip {
        let image = livegate_media::decode_image(jpeg, Default::default()).unwrap();
        let next = analyzer.analyze_next(&image, *t, &direct).unwrap();
        direct.push(serde_json::from_value(json!(next)).unwrap());
    }
    assert_eq!(json!(frames), json!(direct));
    // Completion through the server that saw fewer frames evaluates all of them.
    let (s, done) = one.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["selfie"]["frames_captured"].as_u64(), Some(clip.len() as u64));
}

#[tokio::test]
async fn a_stale_cache_reads_only_the_frames_another_server_added() {
    stale_cache(None).await;
}

#[tokio::test]
async fn a_stale_cache_reads_only_the_frames_another_server_added_on_postgres() {
    if let Some(pg) = common::postgres_url() {
        stale_cache(Some(pg)).await;
    }
}

/// Parallel uploads to one session: distinct seqs, and each answer is the stored frames' state
/// up to its own frame, however the cache was filled. Capture times must increase (issue 16),
/// so an upload that arrives after a later frame was committed is refused with
/// `frame_time_backwards` and stores nothing.
#[tokio::test]
async fn parallel_uploads_to_one_session_get_consistent_answers() {
    let dir = common::scratch();
    let config = livegate_server::ServerConfig {
        workers: 4,
        ..common::test_config(&dir)
    };
    let api = common::api_with(&config.database_url(), None, config).await;
    let (id, token) = api.session(serde_json::from_str(SMILE).unwrap()).await;
    let clip: Vec<_> = clip_jpegs("pyfeat_single_face.mp4", 5.0).into_iter().take(4).collect();
    let uploads: Vec<_> = clip
        .iter()
        .map(|(t, jpeg)| {
            let req = Request::post(format!("/v1/sessions/{id}/frames"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "image/jpeg")
                .header("x-capture-time", t.to_string())
                .body(Body::from(jpeg.clone()))
                .unwrap();
            let app = api.app.clone();
            tokio::spawn(async move {
                let res = app.oneshot(req).await.unwrap();
                let status = res.status();
                let bytes = res.into_body().collect().await.unwrap().to_bytes();
                (status, serde_json::from_slice::<Value>(&bytes).unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for u in uploads {
        let (s, body) = u.await.unwrap();
        if s == StatusCode::CONFLICT && body["error"]["code"] == "frame_time_backwards" {
            continue;
        }
        assert_eq!(s, StatusCode::CREATED, "{body}");
        answers.push(body);
    }
    let mut seqs: Vec<u64> = answers.iter().map(|a| a["seq"].as_u64().unwrap()).collect();
    seqs.sort();
    assert!(!seqs.is_empty());
    assert_eq!(seqs, (0..seqs.len() as u64).collect::<Vec<_>>());
    assert_live_answers(&api, &id, &answers).await;
}
