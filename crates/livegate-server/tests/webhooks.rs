//! Webhooks against a real receiver on loopback: signed with the endpoint's secret, retried
//! with backoff after failures, every attempt in the delivery log, failed after the configured
//! attempts.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::{api, api_resolving, data, scratch, test_config, Api, KEY};
use futures::future::BoxFuture;
use livegate_server::outbound::HostResolver;
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
    // First attempt: 500. Nothing is due again until the backoff (50 ms, then 100 ms) passes.
    assert!(deliver_one(&api.state).await.unwrap());
    assert!(!deliver_one(&api.state).await.unwrap(), "backoff respected");
    api.clock.advance_ms(50);
    assert!(deliver_one(&api.state).await.unwrap());
    api.clock.advance_ms(50);
    assert!(!deliver_one(&api.state).await.unwrap(), "backoff doubled");
    api.clock.advance_ms(50);
    assert!(deliver_one(&api.state).await.unwrap());
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
    let errors: Vec<&Value> = log[0]["log"].as_array().unwrap().iter().map(|a| &a["error"]).collect();
    assert_eq!(errors, [&json!("http_status"), &json!("http_status"), &Value::Null]);
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
    assert!(deliver_one(&api.state).await.unwrap());
    api.clock.advance_ms(50);
    assert!(deliver_one(&api.state).await.unwrap());
    api.clock.advance_ms(10_000);
    assert!(!deliver_one(&api.state).await.unwrap(), "no third attempt");
    let log = log(&api, endpoint["id"].as_str().unwrap()).await;
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["log"].as_array().unwrap().len()),
        (Some("failed"), 2)
    );
    assert_eq!(
        log[0]["log"][0]["error"], "connect_failed",
        "our code, not the transport's text"
    );
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

/// A loopback port that counts the TCP connections made to it and answers none.
async fn counting_listener() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, count)
}

/// A DNS server playing rebinding: the first answer is public, every later one loopback.
#[derive(Default)]
struct Rebinding(std::sync::atomic::AtomicUsize);

impl HostResolver for Rebinding {
    fn lookup(&self, host: String) -> BoxFuture<'static, std::io::Result<Vec<std::net::IpAddr>>> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move {
            match (host.as_str(), n) {
                ("hooks.rebind.test", 0) => Ok(vec!["93.184.216.34".parse().unwrap()]),
                ("hooks.rebind.test", _) => Ok(vec!["127.0.0.1".parse().unwrap()]),
                _ => Err(std::io::Error::other("no such host")),
            }
        })
    }
}

/// An API without the tests' loopback allow-list: the production default.
async fn api_without_allow_list(resolver: Arc<dyn HostResolver>) -> Api {
    let dir = scratch();
    let config = livegate_server::ServerConfig {
        outbound_allow: Vec::new(),
        ..test_config(&dir)
    };
    api_resolving(&config.database_url(), None, config, resolver).await
}

#[tokio::test]
async fn issue16_webhook_urls_to_internal_addresses_are_refused_at_registration() {
    let api = api_without_allow_list(Arc::new(livegate_server::outbound::SystemResolver)).await;
    let (port, connections) = counting_listener().await;
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://[::1]:{port}/hook"),
        format!("http://0.0.0.0:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
        format!("http://0x7f.1:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        "http://10.0.0.1/hook".into(),
        "http://192.168.0.10/hook".into(),
        "http://169.254.169.254/latest/meta-data/".into(),
        "http://[fe80::1]/hook".into(),
        "http://224.0.0.1/hook".into(),
    ] {
        let (s, r) = api.send_json("POST", "/v1/webhooks", KEY, &json!({ "url": url })).await;
        assert_eq!(
            (s, common::code(&r)),
            (StatusCode::BAD_REQUEST, "target_forbidden"),
            "{url}: {r}"
        );
    }
    let (s, r) = api
        .send_json(
            "POST",
            "/v1/webhooks",
            KEY,
            &json!({"url": "http://nowhere.invalid/hook"}),
        )
        .await;
    assert_eq!(
        (s, common::code(&r)),
        (StatusCode::BAD_REQUEST, "target_unresolvable"),
        "{r}"
    );
    let (_, listed) = api.get("/v1/webhooks", KEY).await;
    assert_eq!(listed, json!([]));
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing was contacted"
    );
}

#[tokio::test]
async fn issue16_a_name_rebound_to_loopback_is_refused_at_delivery_before_connecting() {
    let api = api_without_allow_list(Arc::new(Rebinding::default())).await;
    let (port, connections) = counting_listener().await;
    let url = format!("http://hooks.rebind.test:{port}/hook");
    let (s, endpoint) = api.send_json("POST", "/v1/webhooks", KEY, &json!({ "url": url })).await;
    assert_eq!(s, StatusCode::CREATED, "public at registration: {endpoint}");
    completed_session(&api).await;
    assert!(deliver_one(&api.state).await.unwrap());
    let log = log(&api, endpoint["id"].as_str().unwrap()).await;
    let attempt = &log[0]["log"][0];
    assert_eq!(
        (&attempt["error"], &attempt["status_code"]),
        (&json!("target_forbidden"), &Value::Null)
    );
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no connection was made"
    );
}

#[tokio::test]
async fn issue16_redirects_are_not_followed_and_the_log_shows_no_receiver_body() {
    let api = api().await;
    let hits = Arc::new(Mutex::new(Vec::<String>::new()));
    let (h1, h2) = (hits.clone(), hits.clone());
    let app = Router::new()
        .route(
            "/hook",
            post(move || async move {
                h1.lock().unwrap().push("/hook".into());
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [("location", "/other")],
                    "internal detail 42",
                )
            }),
        )
        .route(
            "/other",
            post(move || async move {
                h2.lock().unwrap().push("/other".into());
                StatusCode::OK
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let (_, endpoint) = api.send_json("POST", "/v1/webhooks", KEY, &json!({ "url": url })).await;
    completed_session(&api).await;
    assert!(deliver_one(&api.state).await.unwrap());
    assert_eq!(*hits.lock().unwrap(), ["/hook"], "the redirect was not followed");
    let log = log(&api, endpoint["id"].as_str().unwrap()).await;
    assert_eq!(log[0]["log"][0]["error"], "redirect_refused");
    assert_eq!(log[0]["status"], "pending", "retried later like any failure");
    assert!(!serde_json::to_string(&log).unwrap().contains("internal detail"));
}
