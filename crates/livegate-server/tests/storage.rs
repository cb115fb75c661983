//! One storage suite, run against SQLite and a real PostgreSQL, and against local disk and a
//! real S3-compatible server (started by `scripts/services.sh`; in CI their absence fails).

mod common;

use axum::http::StatusCode;
use common::{api_with, clip_jpegs, code, postgres_url, s3_spec, scratch, test_config, Api, KEY};
use livegate_server::store::{AddFrame, FrameLimits, FrameRefusal, FrameRow};
use serde_json::json;

async fn suite(api: Api) {
    let store = &api.state.store;
    // Workflows round-trip; names are unique.
    let (s, wf) = api
        .send_json(
            "POST",
            "/v1/workflows",
            KEY,
            &json!({"name": format!("wf-{}", uuid::Uuid::new_v4()), "profile": {"retries": 1}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{wf}");
    let (s, again) = api
        .send_json(
            "POST",
            "/v1/workflows",
            KEY,
            &json!({"name": wf["name"], "profile": {}}),
        )
        .await;
    assert_eq!((s, code(&again)), (StatusCode::CONFLICT, "conflict"));
    // A webhook endpoint, so completion queues a delivery.
    let (s, hook) = api
        .send_json("POST", "/v1/webhooks", KEY, &json!({"url": "http://127.0.0.1:9/hook"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hook}");
    // Concurrent frame commits get distinct, gap-free sequence numbers; one that arrives after
    // a later capture time was committed is refused (times must increase), changing nothing.
    let (id, token) = api.session(json!({"workflow_id": wf["id"]})).await;
    let limits = FrameLimits {
        max_frames: 100,
        max_bytes: 1 << 20,
    };
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move {
                let frame = FrameRow {
                    seq: 0,
                    t: i as f64 * 0.1,
                    signals: "{}".into(),
                    sha256: format!("{i:064}"),
                    object_key: format!("sessions/{id}/frames/synthetic-{i}.jpg"),
                    client_key: Some(format!("k{i}")),
                };
                store
                    .add_frame(&id, &frame, 10, 1_700_000_000_001, limits)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            AddFrame::Added(seq) => seqs.push(seq),
            AddFrame::Refused(FrameRefusal::TimeBackwards(_)) => {}
            other => panic!("{other:?}"),
        }
    }
    seqs.sort();
    let added = seqs.len() as i64;
    assert!(added >= 1);
    assert_eq!(seqs, (0..added).collect::<Vec<i64>>());
    let times: Vec<f64> = store.frames(&id).await.unwrap().iter().map(|f| f.t).collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "stored times increase: {times:?}"
    );
    // A repeated client key is refused by the database and changes nothing.
    let again = FrameRow {
        seq: 0,
        t: 9.0,
        signals: "{}".into(),
        sha256: "0".repeat(64),
        object_key: "x".into(),
        client_key: store.frames(&id).await.unwrap()[0].client_key.clone(),
    };
    assert!(matches!(
        store.add_frame(&id, &again, 1, 1_700_000_000_001, limits).await,
        Err(livegate_server::store::StoreError::Conflict(_))
    ));
    assert_eq!(
        store.session(&id).await.unwrap().unwrap().frame_count,
        added,
        "rolled back"
    );
    // The cap and the byte budget hold in the same transaction.
    let next = FrameRow {
        client_key: None,
        t: 20.0,
        ..again.clone()
    };
    let capped = FrameLimits {
        max_frames: added,
        ..limits
    };
    assert_eq!(
        store.add_frame(&id, &next, 1, 1_700_000_000_001, capped).await.unwrap(),
        AddFrame::Refused(FrameRefusal::TooMany(added))
    );
    let tight = FrameLimits {
        max_bytes: added * 10 + 5,
        ..limits
    };
    assert_eq!(
        store.add_frame(&id, &next, 6, 1_700_000_000_001, tight).await.unwrap(),
        AddFrame::Refused(FrameRefusal::OverBudget(added * 10 + 5))
    );
    // A completion computed on a stale frame count is refused.
    let session = store.session(&id).await.unwrap().unwrap();
    assert_eq!((session.status.as_str(), session.frame_count), ("in_progress", added));
    let stale = livegate_server::store::Completion {
        id: &id,
        status: "approved",
        result: "{}",
        model_version: "m",
        policy_version: "p",
        frames: added - 1,
        now: 1,
        webhook_payload: "{}",
    };
    assert!(!store.complete(&stale).await.unwrap());
    // Real frames through the API: images in the object store, signals in the database.
    let (id, token2) = api.session(json!({"workflow_id": wf["id"]})).await;
    let _ = token;
    let clip = clip_jpegs("liveportrait_d5.mp4", 2.0);
    for (t, jpeg) in clip.iter().take(4) {
        let (s, body) = api
            .frame(&id, &token2, "image/jpeg", &t.to_string(), jpeg.clone())
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let frames = store.frames(&id).await.unwrap();
    assert_eq!(frames.len(), 4);
    for f in &frames {
        assert!(
            api.state.objects.exists(&f.object_key).await.unwrap(),
            "{}",
            f.object_key
        );
    }
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token2).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert!(
        ["approved", "review", "declined"].contains(&done["status"].as_str().unwrap()),
        "{done}"
    );
    assert_eq!(done["audit_images"].as_array().unwrap().len(), 3);
    for f in &frames {
        assert!(
            !api.state.objects.exists(&f.object_key).await.unwrap(),
            "purged at completion"
        );
    }
    for image in store.audit_images(&id).await.unwrap() {
        let bytes = api.state.objects.get(&image.object_key).await.unwrap();
        assert!(
            clip.iter().any(|(_, jpeg)| jpeg.as_slice() == bytes.as_ref()),
            "an uploaded frame, intact"
        );
    }
    // The completion queued one delivery per endpoint; a claim is exclusive while leased.
    let now = api.clock.0.load(std::sync::atomic::Ordering::SeqCst);
    let mut claimed = Vec::new();
    while let Some(d) = store.claim_delivery(now, 60_000).await.unwrap() {
        claimed.push(d);
    }
    assert!(claimed
        .iter()
        .any(|d| d.session_id == id && d.event == "session.completed"));
    assert!(store.claim_delivery(now, 60_000).await.unwrap().is_none());
    assert!(
        store.claim_delivery(now + 60_001, 60_000).await.unwrap().is_some(),
        "lease expires"
    );
    // The stored record is re-readable after a reconnect.
    let reopened = livegate_server::Store::open(&api.state.config.database_url())
        .await
        .unwrap();
    assert_eq!(
        reopened.session(&id).await.unwrap().unwrap().status,
        done["status"].as_str().unwrap()
    );
}

/// The PostgreSQL suites share one database, and webhook claims are global by design: run them
/// one at a time so one suite does not claim the other's deliveries.
static POSTGRES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn config() -> livegate_server::ServerConfig {
    livegate_server::ServerConfig {
        workers: 8,
        ..test_config(&scratch())
    }
}

#[tokio::test]
async fn sqlite_and_local_disk() {
    let c = config();
    suite(api_with(&c.database_url(), None, c).await).await;
}

#[tokio::test]
async fn postgres_and_s3() {
    let (Some(pg), Some(s3)) = (postgres_url(), s3_spec()) else {
        return;
    };
    let _one_at_a_time = POSTGRES.lock().await;
    let mut c = config();
    c.database_url = Some(pg.clone());
    suite(api_with(&pg, Some(&s3), c).await).await;
}

#[tokio::test]
async fn postgres_and_local_disk() {
    let Some(pg) = postgres_url() else {
        return;
    };
    let _one_at_a_time = POSTGRES.lock().await;
    let mut c = config();
    c.database_url = Some(pg.clone());
    suite(api_with(&pg, None, c).await).await;
}

#[tokio::test]
async fn sqlite_and_s3() {
    let Some(s3) = s3_spec() else {
        return;
    };
    let c = config();
    suite(api_with(&c.database_url(), Some(&s3), c).await).await;
}
