//! The journey that never dead-ends (issue 15 parts 3-5): every state of an invitation link and
//! its code, reopening mid-journey (a new token and code, the step kept), the privacy notice
//! and the consent before the capture (recorded in the audit trail, enforced by the server),
//! capture images deleted after the department's retention, the Done step with the document's
//! `redirect_url`, department branding, the checks on each new setting, and the completion's
//! signature timestamp from a time-stamping authority.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::esign::*;
use common::{api, code, Api, KEY};
use livegate_pdf::Timestamper;
use livegate_server::ServerConfig;
use serde_json::{json, Value};

use axum::http::StatusCode;

async fn department_with(api: &Api, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"name": format!("dep-{}", uuid::Uuid::new_v4()), "smart_liveliness": true});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    api.send_json("POST", "/v1/departments", KEY, &body).await
}

async fn document_with(api: &Api, dep: &str, to: &str, security: Value, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"department_id": dep, "title": "Loan agreement", "pdf": b64(PDF),
        "sender_email": "sender@example.com", "invitees": [person(to, security)]});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    api.send_json("POST", "/v1/documents", KEY, &body).await
}

async fn steps(api: &Api, doc_id: &str) -> Vec<(String, Value)> {
    let (_, trail) = api.get(&format!("/v1/documents/{doc_id}/audit"), KEY).await;
    trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["step"].as_str().unwrap().to_string(), e["detail"].clone()))
        .collect()
}

async fn otps_to(api: &Api, to: &str) -> Vec<String> {
    let (_, box_) = api.get(&format!("/v1/outbox?to={}", to.replace('+', "%2B")), KEY).await;
    box_["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "otp")
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

fn capture_security() -> Value {
    json!({"capture_photo": true, "smart_liveliness": true, "liveliness_retries": 1})
}

#[tokio::test]
async fn reopening_resumes_at_the_step_and_consent_comes_before_the_camera() {
    let api = api().await;
    let (s, dep) = department_with(
        &api,
        json!({"capture_retention_days": 30, "privacy_contact": "privacy@bank.example",
            "privacy_notice": "We record your face to confirm it is you.", "brand_name": "Bank of Examples",
            "brand_colour": "#0A5C36"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{dep}");
    assert_eq!(
        (dep["capture_retention_days"].as_i64(), dep["brand_colour"].as_str()),
        (Some(30), Some("#0a5c36"))
    );
    let dep = dep["id"].as_str().unwrap();
    let to = "mira@example.com";
    let (s, doc) = document_with(&api, dep, to, capture_security(), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    let doc_id = doc["id"].as_str().unwrap();
    let token = invitation_token(&doc, 0);
    let (_, box_) = api.get(&format!("/v1/outbox?to={to}"), KEY).await;
    let invitation = &box_["messages"][0];
    assert!(
        invitation["subject"].as_str().unwrap().starts_with("Bank of Examples:"),
        "messages carry the brand: {invitation}"
    );

    // Unknown token; then the fresh link.
    let (s, r) = open(&api, "lgi_nothing-like-it".into()).await;
    assert_eq!((s, code(&r)), (StatusCode::NOT_FOUND, "invitation_invalid"));
    let (s, fresh) = open(&api, token.clone()).await;
    assert_eq!(
        (s, fresh["link"].as_str(), fresh["step"].as_str()),
        (StatusCode::OK, Some("fresh"), Some("otp")),
        "{fresh}"
    );
    assert_eq!(
        fresh["branding"],
        json!({"name": "Bank of Examples", "colour": "#0a5c36"})
    );
    let first = fresh["journey_token"].as_str().unwrap().to_string();
    let (s, st) = api
        .send_json(
            "POST",
            "/v1/sign/otp/verify",
            &first,
            &json!({"code": otp(&api, to).await}),
        )
        .await;
    assert_eq!((s, st["step"].as_str()), (StatusCode::OK, Some("consent")), "{st}");
    let privacy = &st["privacy"];
    assert_eq!(
        (
            privacy["notice"].as_str(),
            privacy["retention_days"].as_i64(),
            privacy["contact"].as_str(),
            &privacy["consented_at"]
        ),
        (
            Some("We record your face to confirm it is you."),
            Some(30),
            Some("privacy@bank.example"),
            &Value::Null
        )
    );
    // The camera does not start before consent.
    let (s, r) = api.post_empty("/v1/sign/capture", &first).await;
    assert_eq!((s, code(&r)), (StatusCode::FORBIDDEN, "capture_consent_required"));
    let (s, r) = api
        .send_json("POST", "/v1/sign/consent", &first, &json!({"accept": false}))
        .await;
    assert_eq!((s, code(&r)), (StatusCode::FORBIDDEN, "capture_consent_required"));
    let (s, r) = api
        .send_json("POST", "/v1/sign/consent", &first, &json!({"accept": "yes"}))
        .await;
    assert_eq!((s, code(&r)), (StatusCode::BAD_REQUEST, "invalid_json"));
    let (s, st) = api
        .send_json("POST", "/v1/sign/consent", &first, &json!({"accept": true}))
        .await;
    assert_eq!((s, st["step"].as_str()), (StatusCode::OK, Some("instructions")), "{st}");
    assert!(st["privacy"]["consented_at"].as_i64().is_some());
    let trail = steps(&api, doc_id).await;
    let consented: Vec<&Value> = trail
        .iter()
        .filter(|(s, _)| s == "capture.consented")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(consented.len(), 1, "{trail:?}");
    assert_eq!(consented[0]["retention_days"], 30);
    assert_eq!(consented[0]["notice_sha256"].as_str().map(str::len), Some(64));
    // Consenting again records nothing more.
    let (s, _) = api
        .send_json("POST", "/v1/sign/consent", &first, &json!({"accept": true}))
        .await;
    assert_eq!(s, StatusCode::OK);

    // Reopened later (another device): a new token and a new code; the old token is revoked.
    api.clock.advance_ms(31_000);
    let (s, resumed) = open(&api, token.clone()).await;
    assert_eq!(
        (s, resumed["link"].as_str(), resumed["step"].as_str()),
        (StatusCode::OK, Some("resumed"), Some("otp")),
        "{resumed}"
    );
    let second = resumed["journey_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    let (s, r) = api.get("/v1/sign/state", &first).await;
    assert_eq!((s, code(&r)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    assert_eq!(otps_to(&api, to).await.len(), 2, "a new code was sent");
    let (s, r) = api.post_empty("/v1/sign/capture", &second).await;
    assert_eq!((s, code(&r)), (StatusCode::FORBIDDEN, "otp_required"));
    let (s, st) = api
        .send_json(
            "POST",
            "/v1/sign/otp/verify",
            &second,
            &json!({"code": otp(&api, to).await}),
        )
        .await;
    assert_eq!(
        (s, st["step"].as_str()),
        (StatusCode::OK, Some("instructions")),
        "resumed at its step, consent kept: {st}"
    );
    assert!(steps(&api, doc_id)
        .await
        .iter()
        .any(|(s, d)| s == "invitation.reopened" && d["step"] == "instructions"));

    // Every attempt fails: the link now says so, and whom to contact.
    for _ in 0..2 {
        capture(&api, &second, &print_frames()).await;
    }
    assert_eq!(state(&api, &second).await["step"], "failed");
    let (s, r) = open(&api, token).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "invitation_failed"));
    assert!(
        r["error"]["message"].as_str().unwrap().contains("privacy@bank.example"),
        "{r}"
    );
}

#[tokio::test]
async fn signed_expired_and_cancelled_links_each_have_their_code() {
    let api = api().await;
    let dep = department(&api, false, 65).await;
    // Signed: the link opens the Done step with the signed PDF and the redirect.
    let (s, doc) = document_with(
        &api,
        &dep,
        "sam@example.com",
        json!(null),
        json!({"redirect_url": "https://bank.example/signed?ref=7"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["redirect_url"], "https://bank.example/signed?ref=7");
    let journey = verified(&api, &doc, 0, "sam@example.com").await;
    let st = state(&api, &journey).await;
    assert_eq!((st["step"].as_str(), &st["redirect_url"]), (Some("sign"), &Value::Null));
    let (s, st) = api
        .send_json(
            "POST",
            "/v1/sign/sign",
            &journey,
            &json!({"kind": "typed", "typed_name": "Sam", "consent": true}),
        )
        .await;
    assert_eq!((s, st["step"].as_str()), (StatusCode::OK, Some("done")), "{st}");
    assert_eq!(st["redirect_url"], "https://bank.example/signed?ref=7");
    assert_eq!(st["document"]["status"], "completed");
    let (s, done) = open(&api, invitation_token(&doc, 0)).await;
    assert_eq!(
        (s, done["link"].as_str(), done["step"].as_str()),
        (StatusCode::OK, Some("signed"), Some("done")),
        "{done}"
    );
    let again = done["journey_token"].as_str().unwrap();
    let req = axum::http::Request::get("/v1/sign/signed.pdf")
        .header("authorization", format!("Bearer {again}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (s, pdf) = api.call_raw(req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(pdf.starts_with(PDF), "the signed PDF from the reopened link");
    // A completed document cannot be cancelled.
    let doc_id = doc["id"].as_str().unwrap();
    let (s, r) = api.post_empty(&format!("/v1/documents/{doc_id}/cancel"), KEY).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "journey_closed"));

    // Cancelled: the link and a journey already open both say so.
    let doc = sent(&api, &dep, json!([person("cai@example.com", json!(null))])).await;
    let journey = verified(&api, &doc, 0, "cai@example.com").await;
    let doc_id = doc["id"].as_str().unwrap();
    let (s, d) = api.post_empty(&format!("/v1/documents/{doc_id}/cancel"), KEY).await;
    assert_eq!((s, d["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{d}");
    let (s, _) = api.post_empty(&format!("/v1/documents/{doc_id}/cancel"), KEY).await;
    assert_eq!(s, StatusCode::OK, "cancelling twice is the same");
    let (s, r) = open(&api, invitation_token(&doc, 0)).await;
    assert_eq!((s, code(&r)), (StatusCode::GONE, "document_cancelled"));
    let (s, r) = api.get("/v1/sign/state", &journey).await;
    assert_eq!((s, code(&r)), (StatusCode::GONE, "document_cancelled"));
    assert!(steps(&api, doc_id).await.iter().any(|(s, _)| s == "document.cancelled"));

    // Expired.
    let doc = sent(&api, &dep, json!([person("eve@example.com", json!(null))])).await;
    api.clock.advance_ms(8 * 86_400_000);
    let (s, r) = open(&api, invitation_token(&doc, 0)).await;
    assert_eq!((s, code(&r)), (StatusCode::GONE, "invitation_expired"));
}

#[tokio::test]
async fn new_settings_refuse_what_is_unsafe() {
    let api = api().await;
    for bad in [
        json!({"capture_retention_days": 0}),
        json!({"capture_retention_days": 3651}),
        json!({"brand_colour": "red"}),
        json!({"brand_colour": "#fff;background:url(x)"}),
        json!({"privacy_notice": "x".repeat(4001)}),
        json!({"privacy_contact": "a\u{1b}[31m"}),
    ] {
        let (s, r) = department_with(&api, bad.clone()).await;
        assert_eq!(
            (s, code(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_department_setting"),
            "{bad}"
        );
    }
    let (_, dep) = department_with(&api, json!({})).await;
    assert_eq!(dep["capture_retention_days"], 90, "the default retention");
    let id = dep["id"].as_str().unwrap();
    let (s, d) = api
        .send_json(
            "PATCH",
            &format!("/v1/departments/{id}"),
            KEY,
            &json!({"capture_retention_days": 7, "brand_colour": "#123abc"}),
        )
        .await;
    assert_eq!(
        (s, d["capture_retention_days"].as_i64(), d["brand_colour"].as_str()),
        (StatusCode::OK, Some(7), Some("#123abc"))
    );
    let (_, changes) = api.get(&format!("/v1/departments/{id}/changes"), KEY).await;
    assert!(changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["field"] == "capture_retention_days" && c["old"] == "90" && c["new"] == "7"));
    let (s, r) = api
        .send_json(
            "PATCH",
            &format!("/v1/departments/{id}"),
            KEY,
            &json!({"brand_colour": "#12345"}),
        )
        .await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_department_setting")
    );
    for bad in [
        "javascript:alert(1)",
        "http://bank.example/done",
        "https://user:pw@bank.example/",
        "data:text/html,hi",
        "https://bank.example/\nx",
    ] {
        let (s, r) = document_with(&api, id, "x@example.com", json!(null), json!({"redirect_url": bad})).await;
        assert_eq!(
            (s, code(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_redirect_url"),
            "{bad}"
        );
    }
    let (s, doc) = document_with(
        &api,
        id,
        "x@example.com",
        json!(null),
        json!({"redirect_url": "http://127.0.0.1:8080/done"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "loopback http is allowed: {doc}");
}

#[tokio::test]
async fn capture_images_are_deleted_after_the_department_retention() {
    let api = api().await;
    let (_, dep) = department_with(&api, json!({"capture_retention_days": 2})).await;
    let dep = dep["id"].as_str().unwrap();
    let to = "lena@example.com";
    let (_, doc) = document_with(&api, dep, to, capture_security(), json!({})).await;
    let doc_id = doc["id"].as_str().unwrap();
    let journey = verified(&api, &doc, 0, to).await;
    let done = capture(&api, &journey, &live_frames()).await;
    let session = done["id"].as_str().unwrap().to_string();
    let images = api.state.store.audit_images(&session).await.unwrap();
    assert!(!images.is_empty(), "the capture kept audit images");
    let frames = api.state.store.frame_objects(&session).await.unwrap();
    let pass = || livegate_server::esign::retention::capture_retention_pass(&api.state);
    api.clock.advance_ms(2 * 86_400_000 - 60_000);
    assert_eq!(pass().await.unwrap(), 0, "kept until the retention has passed");
    assert!(api.state.objects.get(&images[0].object_key).await.is_ok());
    api.clock.advance_ms(61_000);
    assert_eq!(pass().await.unwrap(), 1);
    assert!(api.state.store.audit_images(&session).await.unwrap().is_empty());
    for key in images
        .iter()
        .map(|i| &i.object_key)
        .chain(frames.iter().map(|f| &f.object_key))
    {
        assert!(api.state.objects.get(key).await.is_err(), "{key} deleted");
    }
    assert_eq!(pass().await.unwrap(), 0, "nothing left to delete");
    let deleted: Vec<Value> = steps(&api, doc_id)
        .await
        .into_iter()
        .filter(|(s, _)| s == "capture.deleted")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        (deleted[0]["session_id"].as_str(), deleted[0]["retention_days"].as_i64()),
        (Some(session.as_str()), Some(2))
    );
    let st = state(&api, &journey).await;
    assert_eq!(st["capture"]["captures"], json!([]), "no images left to show");
}

/// A time-stamping authority on loopback (`openssl ts -reply`), counting its requests.
async fn authority() -> Option<(String, Arc<AtomicUsize>)> {
    let tsa = Arc::new(livegate_pdf::testing::OpensslTsa::new()?);
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let app = axum::Router::new().route(
        "/tsa",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let (tsa, counter) = (tsa.clone(), counter.clone());
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                assert_eq!(headers["content-type"], "application/timestamp-query");
                let reply = tokio::task::spawn_blocking(move || tsa.timestamp(&body)).await.unwrap();
                match reply {
                    Ok(r) => Ok(([("content-type", "application/timestamp-reply")], r)),
                    Err(e) => Err((StatusCode::INTERNAL_SERVER_ERROR, e)),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tsa", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Some((url, asked))
}

/// Sends a one-signer document, signs it, and returns the completed PDF and the
/// `document.completed` audit detail.
async fn signed_document(api: &Api, to: &str) -> (Vec<u8>, Value) {
    let dep = department(api, false, 65).await;
    let doc = sent(api, &dep, json!([person(to, json!(null))])).await;
    let journey = verified(api, &doc, 0, to).await;
    let body = json!({"kind": "typed", "typed_name": "Tim", "consent": true});
    let (s, st) = api.send_json("POST", "/v1/sign/sign", &journey, &body).await;
    assert_eq!((s, st["step"].as_str()), (StatusCode::OK, Some("done")), "{st}");
    let doc_id = doc["id"].as_str().unwrap();
    let req = axum::http::Request::get(format!("/v1/documents/{doc_id}/signed.pdf"))
        .header("authorization", format!("Bearer {KEY}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (s, pdf) = api.call_raw(req).await;
    assert_eq!(s, StatusCode::OK);
    let completed = steps(api, doc_id)
        .await
        .into_iter()
        .find(|(s, _)| s == "document.completed")
        .unwrap()
        .1;
    (pdf, completed)
}

#[tokio::test]
async fn with_a_time_stamping_authority_the_signature_carries_its_timestamp() {
    let Some((url, asked)) = authority().await else { return };
    let dir = common::scratch();
    let config = ServerConfig {
        esign_tsa_url: Some(url),
        ..common::test_config(&dir)
    };
    let api = common::api_with(&config.database_url(), None, config).await;
    let (pdf, completed) = signed_document(&api, "tim@example.com").await;
    assert_eq!(asked.load(Ordering::SeqCst), 1, "one request per completion");
    assert_eq!(completed["timestamp"]["applied"], true, "{completed}");
    assert!(completed["timestamp"]["gen_time"].as_u64().unwrap() > 1_700_000_000);
    // The token, with the authority's certificate, is inside the signature's hex string.
    let tsa_name = hex::encode_upper("Livegate test TSA");
    assert!(
        String::from_utf8_lossy(&pdf).contains(&tsa_name),
        "the token is in the signature"
    );
    if let Some(verdict) = pdfsig(&pdf) {
        assert!(verdict.contains("Signature is Valid"), "{verdict}");
    }

    // An authority that cannot be reached: the document still completes, signed without a
    // timestamp, and the audit trail says why.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tsa", closed.local_addr().unwrap());
    drop(closed);
    let dir = common::scratch();
    let config = ServerConfig {
        esign_tsa_url: Some(url),
        ..common::test_config(&dir)
    };
    let api = common::api_with(&config.database_url(), None, config).await;
    let (pdf, completed) = signed_document(&api, "una@example.com").await;
    assert_eq!(completed["timestamp"]["applied"], false, "{completed}");
    assert_eq!(completed["timestamp"]["error"], "connect_failed", "{completed}");
    assert!(!String::from_utf8_lossy(&pdf).contains(&tsa_name));
    if let Some(verdict) = pdfsig(&pdf) {
        assert!(verdict.contains("Signature is Valid"), "{verdict}");
    }
}

/// Everything stored about a document's signers: invitees, audit trail, capture sessions.
async fn stored(api: &Api, doc_id: &str) -> String {
    let store = &api.state.store;
    let invitees = store.invitees(doc_id).await.unwrap();
    let mut sessions = Vec::new();
    for i in &invitees {
        let mut next = match &i.first_session_id {
            Some(id) => store.session(id).await.unwrap(),
            None => None,
        };
        while let Some(s) = next {
            next = store.retry_of(&s.id).await.unwrap();
            sessions.push(s);
        }
    }
    format!(
        "{invitees:?}\n{:?}\n{sessions:?}",
        store.audit_events(doc_id).await.unwrap()
    )
}

/// The capture attempts recorded in `doc_id`'s audit trail: (attempt, status).
async fn recorded_attempts(api: &Api, doc_id: &str) -> Vec<(i64, String)> {
    let events = api.state.store.audit_events(doc_id).await.unwrap();
    events
        .iter()
        .filter(|e| e.step == "capture.completed")
        .map(|e| {
            let d: Value = serde_json::from_str(&e.detail).unwrap();
            (
                d["attempt"].as_i64().unwrap(),
                d["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn status_and_journey_reads_write_nothing_attempts_are_recorded_when_they_finish() {
    let api = api().await;
    let dep = department(&api, true, 65).await;
    let doc = sent(&api, &dep, json!([person("rae@example.com", capture_security())])).await;
    let doc_id = doc["id"].as_str().unwrap();
    let journey = verified(&api, &doc, 0, "rae@example.com").await;
    let (s, r) = api
        .send_json("POST", "/v1/sign/consent", &journey, &json!({"accept": true}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    // An attempt abandoned after one frame, left until its session is past its deadline.
    let (s, start) = api.post_empty("/v1/sign/capture", &journey).await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let (id, token) = (
        start["session_id"].as_str().unwrap(),
        start["client_token"].as_str().unwrap(),
    );
    let (t, jpeg) = live_frames().swap_remove(0);
    let (s, r) = api.frame(id, token, "image/jpeg", &t.to_string(), jpeg).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    api.clock.advance_ms(3_600_000);

    // The reads show the attempt as used, and write nothing.
    let before = stored(&api, doc_id).await;
    let st = state(&api, &journey).await;
    assert_eq!(st["capture"]["attempts_used"], 1, "{st}");
    let (s, detail) = api.get(&format!("/v1/documents/{doc_id}"), KEY).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        detail["invitees"][0]["steps"]["capture"]["attempts_used"], 1,
        "{detail}"
    );
    for path in [
        format!("/v1/documents/{doc_id}/audit"),
        format!("/v1/documents/{doc_id}/audit?format=csv"),
    ] {
        let req = axum::http::Request::get(path)
            .header("authorization", format!("Bearer {KEY}"))
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(api.call_raw(req).await.0, StatusCode::OK);
    }
    let req = axum::http::Request::get("/v1/sign/document.pdf")
        .header("authorization", format!("Bearer {journey}"))
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(api.call_raw(req).await.0, StatusCode::OK);
    assert_eq!(stored(&api, doc_id).await, before, "the reads changed what is stored");
    assert!(recorded_attempts(&api, doc_id).await.is_empty());

    // The expiry sweep records it, as the reads showed it.
    assert!(livegate_server::hooks::expiry_pass(&api.state).await.unwrap() >= 1);
    assert_eq!(recorded_attempts(&api, doc_id).await, [(1, "expired".to_string())]);
    assert_ne!(stored(&api, doc_id).await, before);
    assert_eq!(state(&api, &journey).await["capture"], st["capture"]);

    // A completed attempt is recorded by its completion, before anyone looks.
    capture(&api, &journey, &live_frames()).await;
    assert_eq!(
        recorded_attempts(&api, doc_id).await,
        [(1, "expired".to_string()), (2, "approved".to_string())]
    );
}
