//! Messages (issue 15 part 6): e-mail through lettre with STARTTLS or implicit TLS against a
//! real TLS server on loopback, addresses validated as addresses, SMS through the signed HTTP
//! gateway.

mod common;

use axum::http::StatusCode;
use base64::Engine;
use common::smtp::{smtp_server, tls_server, Offer};
use common::{code, KEY};
use livegate_server::mail::{MailError, Mailer, SmtpSettings};
use serde_json::{json, Value};
use tokio::sync::mpsc;

const PDF: &[u8] = include_bytes!("data/two_pages.pdf");

/// A mailer for `url` sending as `livegate@example.com`, trusting `ca` when given.
fn mailer_for(url: &str, ca: Option<&str>) -> Mailer {
    Mailer::new(
        &SmtpSettings::parse(url).unwrap(),
        "livegate@example.com",
        ca.map(str::as_bytes),
    )
    .unwrap()
}

#[tokio::test]
async fn starttls_is_required_and_credentials_only_travel_inside_tls() {
    let (ca, acceptor) = tls_server();
    let (port, mut received) = smtp_server(Offer::StartTls(acceptor.clone())).await;
    let mailer = mailer_for(&format!("smtp://mailer:s3cret@localhost:{port}"), Some(&ca));
    mailer
        .send("asha@example.com", "Your code", "Your code is 123456.\n.dot line")
        .await
        .unwrap();
    let transcript = received.recv().await.unwrap();
    let (before, after) = transcript.split_once("[tls]\n").expect("TLS began: {transcript}");
    assert!(before.contains("STARTTLS") && !before.contains("AUTH"), "{before}");
    assert!(after.contains("AUTH PLAIN") || after.contains("AUTH LOGIN"), "{after}");
    assert!(after.contains("MAIL FROM:<livegate@example.com>"), "{after}");
    assert!(after.contains("RCPT TO:<asha@example.com>"), "{after}");
    assert!(after.contains("Subject: Your code"), "{after}");
    assert!(after.contains("Your code is 123456."), "{after}");
    // Dot-stuffing by the transport: the body's ".dot line" travels as "..dot line".
    assert!(after.contains("\n..dot line"), "{after}");

    // A server that does not offer STARTTLS is refused: nothing is sent in plain text.
    let (port, mut received) = smtp_server(Offer::Nothing).await;
    let mailer = mailer_for(&format!("smtp://mailer:s3cret@localhost:{port}"), Some(&ca));
    let refused = mailer.send("asha@example.com", "Your code", "123456").await;
    assert!(matches!(refused, Err(MailError::Delivery(_))), "{refused:?}");
    assert!(received.try_recv().is_err(), "nothing delivered without TLS");

    // A certificate nobody vouches for is refused too.
    let (port, _received) = smtp_server(Offer::StartTls(acceptor)).await;
    let mailer = mailer_for(&format!("smtp://localhost:{port}"), None);
    let refused = mailer.send("asha@example.com", "Your code", "123456").await;
    assert!(matches!(refused, Err(MailError::Delivery(_))), "{refused:?}");
}

#[tokio::test]
async fn implicit_tls_delivers_from_the_first_byte() {
    let (ca, acceptor) = tls_server();
    let (port, mut received) = smtp_server(Offer::Implicit(acceptor)).await;
    let mailer = mailer_for(&format!("smtps://mailer:s3cret@localhost:{port}"), Some(&ca));
    mailer
        .send("asha@example.com", "Sign Loan agreement", "Open the link.")
        .await
        .unwrap();
    let transcript = received.recv().await.unwrap();
    assert!(transcript.starts_with("[tls]\nEHLO"), "{transcript}");
    assert!(transcript.contains("RCPT TO:<asha@example.com>"), "{transcript}");
}

async fn department(api: &common::Api) -> String {
    let (s, d) = api
        .send_json(
            "POST",
            "/v1/departments",
            KEY,
            &json!({"name": format!("dep-{}", uuid::Uuid::new_v4())}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    d["id"].as_str().unwrap().to_string()
}

async fn send(api: &common::Api, dep: &str, sender: &str, invitee: Value) -> (StatusCode, Value) {
    let pdf = base64::engine::general_purpose::STANDARD.encode(PDF);
    let body = json!({"department_id": dep, "title": "Loan agreement", "pdf": pdf, "sender_email": sender, "invitees": [invitee]});
    api.send_json("POST", "/v1/documents", KEY, &body).await
}

#[tokio::test]
async fn injected_addresses_are_refused_before_anything_is_stored() {
    let api = common::api().await;
    let dep = department(&api).await;
    let good = json!({"name": "Asha Rao", "email": "asha@example.com"});
    for sender in [
        "sender@example.com>\r\nRCPT TO:<evil@example.net",
        "Sender <sender@example.com>",
        "sender@example.com\nBcc: evil@example.net",
        "a@b.com, c@d.com",
    ] {
        let (s, r) = send(&api, &dep, sender, good.clone()).await;
        assert_eq!(
            (s, code(&r)),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{sender:?}: {r}"
        );
        assert!(r.to_string().contains("sender_email"), "{r}");
    }
    let (s, r) = send(
        &api,
        &dep,
        "sender@example.com",
        json!({"name": "Asha Rao", "email": "asha@example.com>\r\nDATA"}),
    )
    .await;
    assert_eq!((s, code(&r)), (StatusCode::BAD_REQUEST, "invalid_request"), "{r}");
    let (_, docs) = api.get("/v1/documents", KEY).await;
    assert_eq!(
        docs["documents"].as_array().map(Vec::len),
        Some(0),
        "nothing stored: {docs}"
    );
    let (s, r) = send(&api, &dep, "sender@example.com", good).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
}

/// An HTTP receiver on loopback standing in for an SMS provider: each request's headers and body.
async fn sms_gateway() -> (String, mpsc::UnboundedReceiver<(axum::http::HeaderMap, String)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let tx = tx.clone();
            async move {
                tx.send((headers, body)).unwrap();
                StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

#[tokio::test]
async fn sms_go_through_the_signed_gateway_not_the_outbox() {
    let (url, mut received) = sms_gateway().await;
    let dir = common::scratch();
    let mut config = common::test_config(&dir);
    let secret = "sms-gateway-secret-0123456789";
    config.sms_gateway_url = Some(url);
    config.sms_gateway_secret = Some(secret.into());
    config.outbound_allow = vec!["127.0.0.1/32".into()];
    let api = common::api_with(&config.database_url(), None, config).await;
    let dep = department(&api).await;
    let (s, doc) = send(
        &api,
        &dep,
        "sender@example.com",
        json!({"name": "Asha Rao", "phone": "+44 7700 900123"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    let (headers, body) = received.recv().await.unwrap();
    let message: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (message["to"].as_str(), message["kind"].as_str()),
        (Some("+44 7700 900123"), Some("invitation"))
    );
    assert!(message["body"].as_str().unwrap().contains("/sign/"), "{message}");
    let signature = headers["livegate-signature"].to_str().unwrap();
    // The test server runs on a test clock: check against the time the signature names.
    let now_s: i64 = signature
        .trim_start_matches("t=")
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(livegate_server::webhook::verify(
        secret,
        signature,
        body.as_bytes(),
        now_s
    ));
    assert!(!livegate_server::webhook::verify(
        "another-secret-0123456789",
        signature,
        body.as_bytes(),
        now_s
    ));
    let (_, outbox) = api.get("/v1/outbox", KEY).await;
    assert_eq!(outbox["messages"].as_array().map(Vec::len), Some(0), "{outbox}");
}
