//! Issue 16, hardening against the internet: security headers on every page and asset, the
//! frame cap, byte budget and capture-time order of a session, rate limits, JSON errors from
//! the framework's own rejections, and the listener's timeouts and connection cap on a real
//! socket. Each test pins a finding of the issue's probe.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{api, api_with, code, data, scratch, test_config, Api, KEY};
use livegate_server::ServerConfig;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn api_configured(change: impl FnOnce(&mut ServerConfig)) -> Api {
    let dir = scratch();
    let mut config = test_config(&dir);
    change(&mut config);
    api_with(&config.database_url(), None, config).await
}

async fn headers_of(api: &Api, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = tower::ServiceExt::oneshot(api.app.clone(), Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn header<'a>(h: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn issue16_every_page_and_asset_carries_csp_frame_ancestors_and_referrer_policy() {
    let api = api().await;
    for path in [
        "/capture",
        "/capture.js",
        "/demo",
        "/demo.js",
        "/admin",
        "/sign/lgi_x",
        "/sdk/livegate.js",
        "/sdk/livegate.css",
        "/esign/admin.js",
        "/v1/sessions/x",
    ] {
        let (_, h, body) = headers_of(&api, path).await;
        let csp = header(&h, "content-security-policy");
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or("");
        assert_eq!(script_src.trim(), "script-src 'self'", "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'self'"), "{path}: {csp}");
        assert!(csp.contains("object-src 'none'"), "{path}: {csp}");
        assert_eq!(header(&h, "referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header(&h, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(
            header(&h, "strict-transport-security"),
            "",
            "{path}: no HSTS over plain http"
        );
        if header(&h, "content-type").starts_with("text/html") {
            for script in body.split("<script").skip(1) {
                let tag = script.split('>').next().unwrap_or("");
                assert!(tag.contains("src="), "{path} has an inline script");
            }
            assert!(!body.contains(" onclick=") && !body.contains(" onload="), "{path}");
        }
    }
    let (_, _, admin_js) = headers_of(&api, "/esign/admin.js").await;
    assert!(
        !admin_js.contains("sessionStorage"),
        "the admin page keeps its key in memory only"
    );
    // A workflow's allowed origins may embed its sessions' capture page, and only those.
    let (s, wf) = api
        .send_json(
            "POST",
            "/v1/workflows",
            KEY,
            &json!({"name": "embedded", "profile": {}, "allowed_origins": ["https://shop.example"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{wf}");
    let (_, token) = api.session(json!({"workflow_id": wf["id"]})).await;
    let (_, h, _) = headers_of(&api, &format!("/capture?token={token}")).await;
    assert!(
        header(&h, "content-security-policy").ends_with("frame-ancestors 'self' https://shop.example"),
        "{h:?}"
    );
    assert_eq!(
        header(&h, "permissions-policy"),
        "camera=(self \"https://shop.example\")"
    );
    let (_, h, _) = headers_of(&api, "/capture?token=lgt_unknown").await;
    assert!(header(&h, "content-security-policy").ends_with("frame-ancestors 'self'"));
    // Over TLS (public_url https, TLS ended by a proxy) browsers are told to stay on it.
    let tls = api_configured(|c| c.public_url = Some("https://verify.example".into())).await;
    let (_, h, _) = headers_of(&tls, "/admin").await;
    assert_eq!(header(&h, "strict-transport-security"), "max-age=31536000");
}

#[tokio::test]
async fn issue16_frames_with_a_repeated_or_earlier_capture_time_or_beyond_the_cap_are_refused() {
    let api = api().await;
    let (id, token) = api
        .session(json!({"profile": {"liveness_mode": "passive", "frames": 3, "max_frames": 3}}))
        .await;
    let jpeg = data("silentface_T1.jpg");
    let upload = |t: &str, key: Option<&str>| {
        let mut req = Request::post(format!("/v1/sessions/{id}/frames"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "image/jpeg")
            .header("x-capture-time", t);
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        req.body(Body::from(jpeg.clone())).unwrap()
    };
    let (s, r) = api.call(upload("0.5", Some("a"))).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, r) = api.call(upload("0.5", Some("a"))).await;
    assert_eq!(
        (s, r["duplicate"].as_bool()),
        (StatusCode::OK, Some(true)),
        "a retry is not a repeat"
    );
    let (s, r) = api.call(upload("0.5", None)).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "frame_time_repeated"), "{r}");
    let (s, r) = api.call(upload("0.2", Some("b"))).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "frame_time_backwards"), "{r}");
    for t in ["1.0", "1.5"] {
        let (s, r) = api.call(upload(t, None)).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let (s, r) = api.call(upload("2.0", None)).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "frame_limit_reached"), "{r}");
    let (_, detail) = api.get(&format!("/v1/sessions/{id}"), KEY).await;
    assert_eq!(detail["frames_received"], 3, "{detail}");
    // The default cap is a small multiple of the plan's need, and a profile may not lift it
    // past the server's ceiling.
    let (s, created) = api.create(json!({"profile": {"liveness_mode": "passive"}})).await;
    assert_eq!(
        (s, created["profile"]["max_frames"].as_u64()),
        (StatusCode::CREATED, Some(300))
    );
    let (s, r) = api.create(json!({"profile": {"max_frames": 100000}})).await;
    assert_eq!((s, code(&r)), (StatusCode::BAD_REQUEST, "invalid_request"));
    // The byte budget over all of a session's frames.
    let len = jpeg.len();
    let tight = api_configured(|c| {
        c.max_frame_bytes = len + 1;
        c.max_session_bytes = (2 * len + 10) as u64;
    })
    .await;
    let (id, token) = tight.session(json!({})).await;
    for (t, expected) in [
        ("0", StatusCode::CREATED),
        ("1", StatusCode::CREATED),
        ("2", StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let (s, r) = tight.frame(&id, &token, "image/jpeg", t, jpeg.clone()).await;
        assert_eq!(s, expected, "{t}: {r}");
        if s == StatusCode::PAYLOAD_TOO_LARGE {
            assert_eq!(code(&r), "session_bytes_exceeded");
        }
    }
}

fn from_peer(mut req: Request<Body>, ip: &str) -> Request<Body> {
    let addr: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    req
}

#[tokio::test]
async fn issue16_session_creation_and_journey_endpoints_are_rate_limited_with_retry_after() {
    let api = api_configured(|c| {
        c.rate_limit_sessions_per_min = 3;
        c.rate_limit_ip_per_min = 2;
    })
    .await;
    for _ in 0..3 {
        let (s, r) = api.create(json!({})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let req = Request::post("/v1/sessions")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let res = tower::ServiceExt::oneshot(api.app.clone(), req).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        header(res.headers(), "retry-after"),
        "20",
        "one session per 20 s at 3 a minute"
    );
    api.clock.advance_ms(20_000);
    let (s, _) = api.create(json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "refilled");
    // The signing journey per client address; another address is not affected.
    let open = |ip: &str| {
        from_peer(
            Request::post("/v1/sign/open")
                .header("content-type", "application/json")
                .body(Body::from(json!({"invitation_token": "lgi_nope"}).to_string()))
                .unwrap(),
            ip,
        )
    };
    for _ in 0..2 {
        let (s, r) = api.call(open("198.51.100.1")).await;
        assert_eq!((s, code(&r)), (StatusCode::NOT_FOUND, "invitation_invalid"));
    }
    let (s, r) = api.call(open("198.51.100.1")).await;
    assert_eq!((s, code(&r)), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let (s, _) = api.call(open("198.51.100.2")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A forged X-Forwarded-For does not buy a fresh bucket.
    let mut forged = open("198.51.100.1");
    forged
        .headers_mut()
        .insert("x-forwarded-for", "203.0.113.50".parse().unwrap());
    let (s, _) = api.call(forged).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn issue16_framework_rejections_are_json_and_bearer_is_case_insensitive() {
    let api = api().await;
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            Request::get("/v1/sessions/x/audit/..%2f")
                .header("authorization", format!("Bearer {KEY}"))
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Request::delete("/v1/sessions").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Request::get("/sdk/nope").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Request::get("/esign/nope.js").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Request::get("/nothing/here").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (req, status, expected) in cases {
        let path = req.uri().to_string();
        let res = tower::ServiceExt::oneshot(api.app.clone(), req).await.unwrap();
        assert_eq!(res.status(), status, "{path}");
        assert!(
            header(res.headers(), "content-type").starts_with("application/json"),
            "{path}"
        );
        let body = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(code(&body), expected, "{path}: {body}");
        assert!(body["error"]["message"].is_string());
    }
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let req = Request::get("/v1/workflows")
            .header("authorization", format!("{scheme} {KEY}"))
            .body(Body::empty())
            .unwrap();
        let (s, r) = api.call(req).await;
        assert_eq!(s, StatusCode::OK, "{scheme}: {r}");
    }
}

/// A server on a real socket with short limits; returns its address.
async fn listening(
    change: impl FnOnce(&mut ServerConfig),
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let api = api_configured(change).await;
    let limits = livegate_server::serve::Limits::from_config(&api.state.config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        livegate_server::serve::serve(listener, api.app, limits, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop, task)
}

/// Reads until the peer closes (Ok(bytes read)) or `within` passes (Err).
async fn closed_within(socket: &mut tokio::net::TcpStream, within: Duration) -> Result<String, ()> {
    let mut out = Vec::new();
    match tokio::time::timeout(within, socket.read_to_end(&mut out)).await {
        Ok(_) => Ok(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => Err(()),
    }
}

#[tokio::test]
async fn issue16_half_open_and_idle_connections_are_closed_and_connections_are_capped() {
    let (addr, _stop, _task) = listening(|c| {
        c.header_read_timeout_s = 1;
        c.idle_timeout_s = 1;
        c.max_connections = 2;
    })
    .await;
    // Half a request line, then silence: closed after the header-read timeout.
    let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The cap: a third connection is closed at once, with no answer.
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap_or(());
    assert_eq!(
        closed_within(&mut third, Duration::from_secs(1)).await,
        Ok(String::new())
    );
    assert!(
        closed_within(&mut half, Duration::from_secs(4)).await.is_ok(),
        "half-open socket closed"
    );
    assert!(
        closed_within(&mut silent, Duration::from_secs(4)).await.is_ok(),
        "silent socket closed"
    );
    // A body that stops arriving: closed after the idle timeout, long before the request's.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/sessions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {KEY}\r\ncontent-length: 100\r\n\r\n{{"
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    assert!(
        closed_within(&mut stalled, Duration::from_secs(4)).await.is_ok(),
        "stalled upload closed"
    );
    // With the slots free again, requests are served.
    let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = closed_within(&mut ok, Duration::from_secs(4)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn issue16_a_request_trickling_its_body_is_cut_at_the_request_timeout_and_shutdown_drains() {
    let (addr, stop, task) = listening(|c| {
        c.header_read_timeout_s = 5;
        c.idle_timeout_s = 5;
        c.request_timeout_s = 1;
    })
    .await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/sessions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {KEY}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    // One byte every 200 ms is never idle, but the whole request is bounded.
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while started.elapsed() < Duration::from_secs(4) {
        let _ = slow.write_all(b" ").await;
        match tokio::time::timeout(Duration::from_millis(200), slow.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                answer.extend_from_slice(&buf[..n]);
                break;
            }
            _ => {}
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    // Shutdown with a request in flight: the request is answered, then serve returns.
    let mut inflight = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = "{}";
    inflight
        .write_all(format!("POST /v1/sessions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {KEY}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}", body.len(), &body[..1]).as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    inflight.write_all(&body.as_bytes()[1..]).await.unwrap();
    let answer = closed_within(&mut inflight, Duration::from_secs(4)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    tokio::time::timeout(Duration::from_secs(4), task)
        .await
        .expect("serve returns after draining")
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn issue16_a_subject_is_locked_after_five_declined_verifications_in_three_minutes() {
    let api = api().await;
    let print = data("silentface_F1.jpg");
    for n in 0..5 {
        let (id, token) = api.session(json!({"subject": "user-42"})).await;
        api.frame(&id, &token, "image/jpeg", "0", print.clone()).await;
        let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
        assert_eq!(
            (s, done["status"].as_str()),
            (StatusCode::OK, Some("declined")),
            "{n}: {done}"
        );
        api.clock.advance_ms(10_000);
    }
    let req = Request::post("/v1/sessions")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .body(Body::from(json!({"subject": "user-42"}).to_string()))
        .unwrap();
    let res = tower::ServiceExt::oneshot(api.app.clone(), req).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // The first failure leaves the window 180 s after it: 50 s have passed since.
    assert_eq!(header(res.headers(), "retry-after"), "130");
    let (s, _) = api.create(json!({"subject": "user-43"})).await;
    assert_eq!(s, StatusCode::CREATED, "other subjects are not affected");
    api.clock.advance_ms(131_000);
    let (s, r) = api.create(json!({"subject": "user-42"})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
}

/// Every object key in the store.
async fn object_keys(api: &Api) -> Vec<String> {
    let mut keys = api.state.objects.list("sessions/").await.unwrap();
    keys.extend(api.state.objects.list("esign/").await.unwrap());
    keys
}

#[tokio::test]
async fn a_refused_request_leaves_no_object_and_the_sweep_takes_a_crashs_orphans() {
    let api = api().await;
    let reference = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, data("silentface_T1.jpg"));
    // The reference is stored before the checks that come after it refuse the session.
    for refused in [
        json!({"reference_image": reference, "subject": "x".repeat(200)}),
        json!({"reference_image": reference, "redirect_url": "http://bank.example/done"}),
    ] {
        let (s, r) = api.create(refused).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
        assert_eq!(object_keys(&api).await, Vec::<String>::new(), "{r}");
    }
    let (s, kept) = api.create(json!({"reference_image": reference})).await;
    assert_eq!(s, StatusCode::CREATED, "{kept}");
    let kept_id = kept["id"].as_str().unwrap();
    let live = object_keys(&api).await;
    assert_eq!(live.len(), 1, "{live:?}");

    // What a crash between an object and its row leaves: objects with no owner.
    let objects = &api.state.objects;
    for key in [
        "sessions/ses_gone/frames/1.jpg",
        "esign/doc_gone/original.pdf",
        "esign/doc_gone/inv_1/signature-1.png",
        "esign/templates/tpl_gone.pdf",
        "esign/signing/self-signed.pem",
    ] {
        objects.put(key, bytes::Bytes::from_static(b"x")).await.unwrap();
    }
    // Young objects may belong to a request still running: kept.
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    api.clock.0.store(real_now, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(livegate_server::evidence::orphan_pass(&api.state).await.unwrap(), 0);
    assert_eq!(
        livegate_server::esign::retention::orphan_pass(&api.state)
            .await
            .unwrap(),
        0
    );
    // Past the grace: the orphans go; the live session's reference and the certificate stay.
    api.clock.advance_ms(2 * 3_600_000 + 60_000);
    assert_eq!(livegate_server::evidence::orphan_pass(&api.state).await.unwrap(), 1);
    assert_eq!(
        livegate_server::esign::retention::orphan_pass(&api.state)
            .await
            .unwrap(),
        3
    );
    let mut left = object_keys(&api).await;
    left.sort();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left[0] == "esign/signing/self-signed.pem" && left[1].starts_with(&format!("sessions/{kept_id}/")),
        "{left:?}"
    );
}
