//! E-signature test helpers: departments, documents, the outbox, and the journey steps
//! (open, OTP, consent, capture) through the router.

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{json, Value};

use super::{clip_jpegs, data, Api, KEY};

pub const PDF: &[u8] = include_bytes!("../data/contract.pdf");

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub async fn department(api: &Api, liveliness: bool, acceptance: i64) -> String {
    let (s, d) = api
        .send_json(
            "POST",
            "/v1/departments",
            KEY,
            &json!({"name": format!("dep-{}", uuid::Uuid::new_v4()), "smart_liveliness": liveliness, "acceptance_percentage": acceptance}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    d["id"].as_str().unwrap().to_string()
}

pub fn person(email: &str, security: Value) -> Value {
    json!({"name": "Asha Rao", "email": email, "security": security})
}

pub async fn send(api: &Api, dep: &str, invitees: Value) -> (StatusCode, Value) {
    api.send_json(
        "POST",
        "/v1/documents",
        KEY,
        &json!({"department_id": dep, "title": "Loan agreement", "pdf": b64(PDF), "sender_email": "sender@example.com", "invitees": invitees}),
    )
    .await
}

pub async fn sent(api: &Api, dep: &str, invitees: Value) -> Value {
    let (s, doc) = send(api, dep, invitees).await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    doc
}

pub fn invitation_token(doc: &Value, n: usize) -> String {
    let url = doc["invitees"][n]["invitation_url"].as_str().expect("invitation_url");
    url.rsplit('/').next().unwrap().to_string()
}

/// The newest outbox message of `kind` to `to`.
pub async fn outbox(api: &Api, to: &str, kind: &str) -> Option<Value> {
    let query = to.replace('+', "%2B").replace(' ', "%20");
    let (_, box_) = api.get(&format!("/v1/outbox?to={query}"), KEY).await;
    box_["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == kind)
        .cloned()
}

pub async fn otp(api: &Api, to: &str) -> String {
    let m = outbox(api, to, "otp").await.expect("an OTP in the outbox");
    let body = m["body"].as_str().unwrap();
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("6 digits")
        .to_string()
}

/// Opens the invitation and verifies the OTP; returns the journey token.
pub async fn verified(api: &Api, doc: &Value, n: usize, to: &str) -> String {
    let (s, opened) = api
        .send_json(
            "POST",
            "/v1/sign/open",
            "",
            &json!({"invitation_token": invitation_token(doc, n)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{opened}");
    let journey = opened["journey_token"].as_str().unwrap().to_string();
    let (s, state) = api
        .send_json(
            "POST",
            "/v1/sign/otp/verify",
            &journey,
            &json!({"code": otp(api, to).await}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{state}");
    if state["step"] == "consent" {
        let (s, st) = api
            .send_json("POST", "/v1/sign/consent", &journey, &json!({"accept": true}))
            .await;
        assert_eq!(s, StatusCode::OK, "{st}");
    }
    journey
}

/// One capture attempt: frames uploaded with the SDK's token, then completed.
pub async fn capture(api: &Api, journey: &str, frames: &[(f64, Vec<u8>)]) -> Value {
    let (s, start) = api.post_empty("/v1/sign/capture", journey).await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let (id, token) = (
        start["session_id"].as_str().unwrap(),
        start["client_token"].as_str().unwrap(),
    );
    for (t, jpeg) in frames {
        let (s, r) = api.frame(id, token, "image/jpeg", &t.to_string(), jpeg.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    done
}

pub fn live_frames() -> Vec<(f64, Vec<u8>)> {
    clip_jpegs("liveportrait_d5.mp4", 5.0).into_iter().take(10).collect()
}

/// A printed poster held still (F1): the same photo of a photo, ten times.
pub fn print_frames() -> Vec<(f64, Vec<u8>)> {
    let still = data("silentface_F1.jpg");
    (0..10).map(|n| (n as f64 * 0.2, still.clone())).collect()
}

pub async fn open(api: &Api, token: String) -> (StatusCode, Value) {
    api.send_json("POST", "/v1/sign/open", "", &json!({"invitation_token": token}))
        .await
}

pub async fn state(api: &Api, journey: &str) -> Value {
    let (s, st) = api.get("/v1/sign/state", journey).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    st
}

/// `pdfsig`'s report on `pdf`; `None` (skipped, said on stderr) where poppler-utils is
/// missing, except in CI (`LIVEGATE_CI`), where that fails the test.
pub fn pdfsig(pdf: &[u8]) -> Option<String> {
    let path = super::scratch().join("signed.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdfsig").arg(&path).output() {
        Ok(out) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Err(e) if std::env::var("LIVEGATE_CI").is_err() => {
            eprintln!("SKIP pdfsig check: pdfsig (poppler-utils) not runnable: {e}");
            None
        }
        Err(e) => panic!("pdfsig (poppler-utils) is needed in CI: {e}"),
    }
}
