//! Webhooks against a real receiver on loopback: signed with the endpoint's secret, retried
//! with backoff after failures, every attempt in the delivery log, failed after the configured
//! attempts.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::{api, data, Api, KEY};
use livegate_server::webhook::{deliver_one, verify};
use serde_json::{json, Value};

/// A request as received: signature header and body.
type Received = (String, Vec<u8>);

#[derive(Clone, Default)]
struct Receiver {
    /// Every request.
    seen: Arc<Mutex<Vec<Received>>>,
    /// Status to answer for the n-th request; 200 after the list.
    answers: Arc<Vec<u16>>,
}

async fn start_receiver(answers: Vec<u16>) -> (String, Receiver) {
    let receiver = Receiver {
        answers: Arc::new(answers),
        ..Receiver::default()
    };
    let r = receiver.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let r = r.clone();
            async move {
                let sig = headers
                    .get("livegate-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let mut seen = r.seen.lock().unwrap();
                seen.push((sig.to_string(), body.to_vec()));
                let n = seen.len() - 1;
                StatusCode::from_u16(*r.answers.get(n).unwrap_or(&200)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, receiver)
}

async fn completed_session(api: &Api) -> String {
    let (id, token) = api.session(json!({})).await;
    api.frame(&id, &token, "image/jpeg", "0", data("silentface_T1.jpg"))
        .await;
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    id
}

async fn log(api: &Api, endpoint: &str) -> Vec<Value> {
    let (s, log) = api.get(&format!("/v1/webhooks/{endpoint}/deliveries"), KEY).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    log.as_array().unwrap().clone()
}

#[tokio::test]
async fn deliveries_are_signed_retried_with_backoff_and_logged() {
    let api = api().await;
    let (url, receiver) = start_receiver(vec![500, 503]).await;
    let (s, endpoint) = api.send_json("POST", "/v1/webhooks", KEY, &json!({"url": url})).await;
    assert_eq!(s, StatusCode::CREATED, "{endpoint}");
    let secret = endpoint["secret"].as_str().unwrap().to_string();
    let endpoint_id = endpoint["id"].as_str().unwrap().to_string();
    let (_, listed) = api.get("/v1/webhooks", KEY).await;
    assert!(listed[0]["secret"].is_null(), "the secret is shown only once");
    let id = completed_session(&api).await;
    let client = reqwest::Client::new();
    // First attempt: 500. Nothing is due again until the backoff (50 ms, then 100 ms) passes.
    assert!(deliver_one(&api.state, &client).await.unwrap());
    assert!(!deliver_one(&api.state, &client).await.unwrap(), "backoff respected");
    api.clock.advance_ms(50);
    assert!(deliver_one(&api.state, &client).await.unwrap());
    api.clock.advance_ms(50);
    assert!(!deliver_one(&api.state, &client).await.unwrap(), "backoff doubled");
    api.clock.advance_ms(50);
    assert!(deliver_one(&api.state, &client).await.unwrap());
    let seen = receiver.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let now_s = api.clock.0.load(std::sync::atomic::Ordering::SeqCst) / 1000;
    for (sig, body) in &seen {
        assert!(verify(&secret, sig, body, now_s), "signature {sig}");
        assert!(!verify("whsec_wrong", sig, body, now_s));
        let event: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            (event["event"].as_str(), event["session"]["id"].as_str()),
            (Some("session.completed"), Some(id.as_str()))
        );
        assert_eq!(event["session"]["status"], "approved");
        assert!(event["session"]["selfie"]["liveness_score"].is_number());
    }
    let log = log(&api, &endpoint_id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["attempts"].as_i64()),
        (Some("delivered"), Some(3))
    );
    let codes: Vec<i64> = log[0]["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![500, 503, 200]);
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_marked_failed() {
    let mut api = api().await;
    let mut config = (*api.state.config).clone();
    config.webhook_max_attempts = 2;
    api.state.config = Arc::new(config);
    // Nothing listens on this port: connection refused every time.
    let (_, endpoint) = api
        .send_json("POST", "/v1/webhooks", KEY, &json!({"url": "http://127.0.0.1:9/hook"}))
        .await;
    completed_session(&api).await;
    let client = reqwest::Client::new();
    assert!(deliver_one(&api.state, &client).await.unwrap());
    api.clock.advance_ms(50);
    assert!(deliver_one(&api.state, &client).await.unwrap());
    api.clock.advance_ms(10_000);
    assert!(!deliver_one(&api.state, &client).await.unwrap(), "no third attempt");
    let log = log(&api, endpoint["id"].as_str().unwrap()).await;
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["log"].as_array().unwrap().len()),
        (Some("failed"), 2)
    );
    assert!(log[0]["log"][0]["error"].is_string());
    for bad in [
        json!({"url": "ftp://x/y"}),
        json!({"url": "not a url"}),
        json!({"url": "http://"}),
    ] {
        let (s, r) = api.send_json("POST", "/v1/webhooks", KEY, &bad).await;
        assert_eq!(
            (s, common::code(&r)),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{bad}"
        );
    }
    assert_eq!(api.delete("/v1/webhooks/whk_nope", KEY).await, StatusCode::NOT_FOUND);
    assert_eq!(
        api.delete(&format!("/v1/webhooks/{}", endpoint["id"].as_str().unwrap()), KEY)
            .await,
        StatusCode::NO_CONTENT
    );
}
