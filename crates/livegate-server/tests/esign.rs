//! The e-signature integration through the router: department settings, sending rules, bulk
//! CSV, the invitation → OTP → capture → sign journey on real frames, the min-attempts rule,
//! and the completed PDF with its evidence page.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::esign::*;
use common::{api, code, data, Api, KEY};
use serde_json::{json, Value};

#[tokio::test]
async fn departments_validate_and_record_every_change() {
    let api = api().await;
    let (s, d) = api
        .send_json("POST", "/v1/departments", KEY, &json!({"name": "Loans"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(
        (d["acceptance_percentage"].as_i64(), d["smart_liveliness"].as_bool()),
        (Some(65), Some(false))
    );
    let id = d["id"].as_str().unwrap();
    for bad in [-1, 101, 1000] {
        let (s, r) = api
            .send_json(
                "POST",
                "/v1/departments",
                KEY,
                &json!({"name": format!("x{bad}"), "acceptance_percentage": bad}),
            )
            .await;
        assert_eq!(
            (s, code(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, "acceptance_percentage_out_of_range")
        );
        let (s, r) = api
            .send_json(
                "PATCH",
                &format!("/v1/departments/{id}"),
                KEY,
                &json!({"acceptance_percentage": bad}),
            )
            .await;
        assert_eq!(
            (s, code(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, "acceptance_percentage_out_of_range")
        );
    }
    let (s, r) = api
        .send_json("POST", "/v1/departments", KEY, &json!({"name": "Loans"}))
        .await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "conflict"));
    let (s, r) = api
        .send_json("PATCH", &format!("/v1/departments/{id}"), KEY, &json!({"colour": 1}))
        .await;
    assert_eq!((s, code(&r)), (StatusCode::BAD_REQUEST, "invalid_json"));
    let (s, r) = api
        .send_json("PATCH", "/v1/departments/dep_missing", KEY, &json!({}))
        .await;
    assert_eq!((s, code(&r)), (StatusCode::NOT_FOUND, "department_not_found"));
    api.clock.advance_ms(1000);
    let req = Request::patch(format!("/v1/departments/{id}"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("x-livegate-actor", "priya@bank.example")
        .body(Body::from(
            json!({"smart_liveliness": true, "acceptance_percentage": 80}).to_string(),
        ))
        .unwrap();
    let (s, d) = api.call(req).await;
    assert_eq!(
        (s, d["acceptance_percentage"].as_i64(), d["smart_liveliness"].as_bool()),
        (StatusCode::OK, Some(80), Some(true))
    );
    let (_, changes) = api.get(&format!("/v1/departments/{id}/changes"), KEY).await;
    let changes = changes["changes"].as_array().unwrap();
    let created = changes.iter().filter(|c| c["old"].is_null()).count();
    assert_eq!(
        created, 8,
        "every setting at creation (name, liveliness, percentage, retention, privacy notice and contact, brand name and colour): {changes:?}"
    );
    assert_eq!(changes.len(), created + 2, "and the 2 updated: {changes:?}");
    let pct = changes
        .iter()
        .find(|c| c["field"] == "acceptance_percentage" && c["old"] == "65")
        .unwrap();
    assert_eq!(
        (pct["new"].as_str(), pct["actor"].as_str()),
        (Some("80"), Some("priya@bank.example"))
    );
    assert_eq!(
        pct["at"].as_i64(),
        Some(api.clock.0.load(std::sync::atomic::Ordering::SeqCst))
    );
    let (s, r) = api.get("/v1/departments", "wrong-key-0123456789").await;
    assert_eq!((s, code(&r)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
}

#[tokio::test]
async fn sending_enforces_pdf_retries_department_and_signer_rules() {
    let api = api().await;
    let on = department(&api, true, 65).await;
    let off = department(&api, false, 65).await;
    let live = |retries: i64| json!({"capture_photo": true, "smart_liveliness": true, "liveliness_retries": retries});
    for retries in [-1, 4] {
        let (s, r) = send(&api, &on, json!([person("a@example.com", live(retries))])).await;
        assert_eq!(
            (s, code(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, "retries_out_of_range"),
            "{r}"
        );
    }
    let face = json!({"capture_photo": true, "face_match": {"reference_image": b64(&data("silentface_T1.jpg")), "retries": 5}});
    let (s, r) = send(&api, &on, json!([person("a@example.com", face)])).await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "retries_out_of_range")
    );
    let (s, r) = send(&api, &off, json!([person("a@example.com", live(1))])).await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "liveliness_disabled"),
        "{r}"
    );
    for automated in ["virtual_signer", "doc_signer"] {
        let inv = json!([{"name": "Bot", "signer_type": automated, "security": live(0)}]);
        let (s, r) = send(&api, &on, inv).await;
        assert_eq!(
            (s, code(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, "liveliness_not_available"),
            "{r}"
        );
        assert!(r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unavailable for automated signing"));
    }
    let (s, r) = send(&api, &on, json!([{"name": "Nobody"}])).await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "no email or phone: {r}"
    );
    let (s, r) = send(
        &api,
        &on,
        json!([person("a@example.com", json!({"smart_liveliness": true}))]),
    )
    .await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "liveliness without capture: {r}"
    );
    let no_face = json!({"capture_photo": true, "face_match": {"reference_image": b64(&data("silentface_F1.jpg")[..2000]), "retries": 0}});
    let (s, r) = send(&api, &on, json!([person("a@example.com", no_face)])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "truncated reference: {r}");
    // Not PDFs: a PNG, a truncated PDF, garbage behind a PDF header.
    for bad in [
        data("silentface_T1.jpg"),
        PDF[..PDF.len() * 6 / 10].to_vec(),
        b"%PDF-1.4\ngarbage".to_vec(),
    ] {
        let (s, r) = api
            .send_json("POST", "/v1/documents", KEY, &json!({"department_id": on, "title": "x", "pdf": b64(&bad), "invitees": [person("a@example.com", json!(null))]}))
            .await;
        assert_eq!((s, code(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_pdf"), "{r}");
    }
    let (s, r) = send(&api, "dep_missing", json!([person("a@example.com", json!(null))])).await;
    assert_eq!((s, code(&r)), (StatusCode::NOT_FOUND, "department_not_found"));
    // Nothing above was stored or sent.
    let (_, docs) = api.get("/v1/documents", KEY).await;
    assert_eq!(docs["documents"].as_array().unwrap().len(), 0);
    let (_, msgs) = api.get("/v1/outbox", KEY).await;
    assert_eq!(msgs["messages"].as_array().unwrap().len(), 0);
    // A template, then a document from it; an automated signer without liveliness is fine.
    let req = Request::post("/v1/templates?name=Contract")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/pdf")
        .body(Body::from(PDF.to_vec()))
        .unwrap();
    let (s, t) = api.call(req).await;
    assert_eq!((s, t["pages"].as_i64()), (StatusCode::CREATED, Some(1)), "{t}");
    let (s, doc) = api
        .send_json("POST", "/v1/documents", KEY, &json!({"department_id": on, "title": "From template", "template_id": t["id"],
            "invitees": [person("a@example.com", live(2)), {"name": "Stamp", "signer_type": "doc_signer", "signing_order": 2}]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["invitees"][0]["state"], "invited");
    assert_eq!(doc["invitees"][0]["steps"]["capture"]["max_attempts"], 3);
    assert_eq!(doc["invitees"][1]["state"], "waiting");
    assert!(doc["invitees"][1].get("invitation_url").is_none());
}

#[tokio::test]
async fn a_csv_with_one_bad_row_sends_nothing_and_names_every_bad_line() {
    let api = api().await;
    let dep = department(&api, true, 65).await;
    let req = Request::post("/v1/templates?name=Contract")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/pdf")
        .body(Body::from(PDF.to_vec()))
        .unwrap();
    let (_, t) = api.call(req).await;
    let bulk = |csv: &str| {
        Request::post(format!(
            "/v1/documents/bulk?department_id={dep}&template_id={}&title=Loan",
            t["id"].as_str().unwrap()
        ))
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "text/csv")
        .body(Body::from(csv.to_string()))
        .unwrap()
    };
    let bad = "name,email,phone,signer_type,capture_photo,smart_liveliness,liveliness_retries\n\
               Asha,asha@example.com,,person,true,true,2\n\
               Ravi,ravi@example.com,,person,true,true,5\n\
               Bot,,,virtual_signer,true,true,0\n\
               Mei,mei@example.com,,person,maybe,false,0\n\
               Ola,ola@example.com,,,true,true,3\n";
    let (s, r) = api.call(bulk(bad)).await;
    assert_eq!((s, code(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "csv_invalid"), "{r}");
    let rows: Vec<(u64, String)> = r["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 4, 5], "{rows:?}");
    assert!(rows[0].1.contains("liveliness_retries must be 0-3"), "{rows:?}");
    assert!(rows[1].1.contains("unavailable for automated signing"), "{rows:?}");
    assert!(rows[2].1.contains("capture_photo must be true or false"), "{rows:?}");
    let (_, docs) = api.get("/v1/documents", KEY).await;
    assert_eq!(docs["documents"].as_array().unwrap().len(), 0, "nothing sent");
    let (_, msgs) = api.get("/v1/outbox", KEY).await;
    assert_eq!(msgs["messages"].as_array().unwrap().len(), 0, "nothing sent");
    let (s, r) = api.call(bulk("name,colour\nA,red\n")).await;
    assert_eq!(
        (s, r["error"]["rows"][0]["line"].as_u64()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some(1))
    );
    let good = "name,email,capture_photo,smart_liveliness,liveliness_retries\nAsha,asha@example.com,yes,yes,2\nOla,ola@example.com,no,no,0\n";
    let (s, r) = api.call(bulk(good)).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let docs = r["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["invitees"][0]["security"]["liveliness_retries"], 2);
    assert_eq!(docs[1]["invitees"][0]["security"]["capture_photo"], false);
    assert!(outbox(&api, "ola@example.com", "invitation").await.is_some());
}

#[tokio::test]
async fn invitation_tokens_are_single_use_and_expire_and_otps_are_checked() {
    let api = api().await;
    let dep = department(&api, true, 65).await;
    let doc = sent(
        &api,
        &dep,
        json!([person("a@example.com", json!(null)), {"name": "B", "phone": "+91 98000 00002", "signing_order": 1}]),
    )
    .await;
    let (s, r) = open(&api, "lgi_not-a-real-token".into()).await;
    assert_eq!((s, code(&r)), (StatusCode::NOT_FOUND, "invitation_invalid"));
    let (s, opened) = open(&api, invitation_token(&doc, 0)).await;
    assert_eq!((s, opened["step"].as_str()), (StatusCode::OK, Some("otp")), "{opened}");
    assert_eq!(opened["otp"]["to_masked"], "a***@example.com");
    let first = opened["journey_token"].as_str().unwrap().to_string();
    // Reopened at once: the journey resumes with a new token; the code just sent stays valid.
    let (s, reopened) = open(&api, invitation_token(&doc, 0)).await;
    assert_eq!(
        (s, reopened["link"].as_str()),
        (StatusCode::OK, Some("resumed")),
        "{reopened}"
    );
    let journey = reopened["journey_token"].as_str().unwrap().to_string();
    let (s, r) = api.get("/v1/sign/state", &first).await;
    assert_eq!((s, code(&r)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let (s, r) = api.post_empty("/v1/sign/capture", &journey).await;
    assert_eq!((s, code(&r)), (StatusCode::FORBIDDEN, "otp_required"));
    let good = otp(&api, "a@example.com").await;
    let wrong = if good == "000000" { "111111" } else { "000000" };
    for left in (1..5).rev() {
        let (s, r) = api
            .send_json("POST", "/v1/sign/otp/verify", &journey, &json!({"code": wrong}))
            .await;
        assert_eq!((s, code(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "otp_invalid"));
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} tries left")),
            "{r}"
        );
    }
    let (s, r) = api
        .send_json("POST", "/v1/sign/otp/verify", &journey, &json!({"code": wrong}))
        .await;
    assert_eq!((s, code(&r)), (StatusCode::TOO_MANY_REQUESTS, "otp_locked"));
    let (s, r) = api
        .send_json("POST", "/v1/sign/otp/verify", &journey, &json!({"code": good}))
        .await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::TOO_MANY_REQUESTS, "otp_locked"),
        "locked even for the right code"
    );
    let (s, r) = api.post_empty("/v1/sign/otp/resend", &journey).await;
    assert_eq!((s, code(&r)), (StatusCode::TOO_MANY_REQUESTS, "otp_resend_too_soon"));
    api.clock.advance_ms(31_000);
    let (s, _) = api.post_empty("/v1/sign/otp/resend", &journey).await;
    assert_eq!(s, StatusCode::OK);
    let fresh = otp(&api, "a@example.com").await;
    api.clock.advance_ms(301_000);
    let (s, r) = api
        .send_json("POST", "/v1/sign/otp/verify", &journey, &json!({"code": fresh}))
        .await;
    assert_eq!((s, code(&r)), (StatusCode::GONE, "otp_expired"));
    let (s, _) = api.post_empty("/v1/sign/otp/resend", &journey).await;
    assert_eq!(s, StatusCode::OK);
    let (s, st) = api
        .send_json(
            "POST",
            "/v1/sign/otp/verify",
            &journey,
            &json!({"code": otp(&api, "a@example.com").await}),
        )
        .await;
    assert_eq!(
        (s, st["step"].as_str()),
        (StatusCode::OK, Some("sign")),
        "no capture configured: {st}"
    );
    // The second invitee (SMS) waits too long: the link expires.
    assert!(outbox(&api, "+91 98000 00002", "invitation").await.is_some());
    api.clock.advance_ms(8 * 86_400_000);
    let (s, r) = open(&api, invitation_token(&doc, 1)).await;
    assert_eq!((s, code(&r)), (StatusCode::GONE, "invitation_expired"));
    let (s, r) = api.get("/v1/sign/state", &journey).await;
    assert_eq!((s, code(&r)), (StatusCode::GONE, "invitation_expired"));
    let (s, r) = api.get("/v1/sign/state", "lgt_someone-elses-session-token").await;
    assert_eq!((s, code(&r)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
}

/// Signs with a typed name after proceeding.
async fn proceed_and_sign(api: &Api, journey: &str) -> Value {
    let (s, st) = api.post_empty("/v1/sign/proceed", journey).await;
    assert_eq!((s, st["step"].as_str()), (StatusCode::OK, Some("sign")), "{st}");
    let (s, r) = api
        .send_json(
            "POST",
            "/v1/sign/sign",
            journey,
            &json!({"kind": "typed", "typed_name": "Asha Rao", "consent": false}),
        )
        .await;
    assert_eq!((s, code(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "consent_required"));
    let (s, st) = api
        .send_json(
            "POST",
            "/v1/sign/sign",
            journey,
            &json!({"kind": "typed", "typed_name": "Asha Rao", "consent": true}),
        )
        .await;
    assert_eq!((s, st["step"].as_str()), (StatusCode::OK, Some("done")), "{st}");
    st
}

#[tokio::test]
async fn a_live_capture_signs_and_the_completed_pdf_carries_the_evidence() {
    journey_to_completion(&api().await).await;
}

#[tokio::test]
async fn the_journey_works_on_postgres_and_s3() {
    let (Some(db), Some(s3)) = (common::postgres_url(), common::s3_spec()) else {
        return;
    };
    let dir = common::scratch();
    let api = common::api_with(&db, Some(&s3), common::test_config(&dir)).await;
    journey_to_completion(&api).await;
}

/// Sends to a person (liveliness + face match) and a doc signer, walks the person's journey
/// with a live capture, and checks the completed PDF, the audit trail and the webhooks.
async fn journey_to_completion(api: &Api) {
    // Unique per run: a shared database keeps earlier runs' outbox messages.
    let to = format!("asha-{}@example.com", uuid::Uuid::new_v4());
    let (s, _) = api
        .send_json("POST", "/v1/webhooks", KEY, &json!({"url": "http://127.0.0.1:9/hook"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let dep = department(api, true, 65).await;
    let security = json!({"capture_photo": true, "smart_liveliness": true, "liveliness_retries": 1,
        "face_match": {"reference_image": b64(&live_frames()[0].1), "retries": 2}});
    let doc = sent(
        api,
        &dep,
        json!([person(&to, security), {"name": "Company seal", "signer_type": "doc_signer", "signing_order": 2}]),
    )
    .await;
    let doc_id = doc["id"].as_str().unwrap();
    let journey = verified(api, &doc, 0, &to).await;
    let st = state(api, &journey).await;
    assert_eq!(st["step"], "instructions");
    assert_eq!(st["best_practices"].as_array().unwrap().len(), 8);
    // Liveliness 1 retry, face match 2: the lower count decides (2 attempts).
    assert_eq!(
        (
            st["capture"]["max_attempts"].as_i64(),
            st["capture"]["attempts_left"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let (s, r) = api.post_empty("/v1/sign/proceed", &journey).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "verification_incomplete"));
    let done = capture(api, &journey, &live_frames()).await;
    assert_eq!(done["status"], "approved", "{done}");
    assert_eq!(done["face_match"]["matched"], true, "{done}");
    // The reference was decoded and measured once, at send: the session took the invitee's
    // descriptor and a copy of the photo.
    let invitee = &api.state.store.invitees(doc_id).await.unwrap()[0];
    let session = api
        .state
        .store
        .session(done["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(invitee.reference_embedding.is_some());
    assert_eq!(session.reference_embedding, invitee.reference_embedding);
    let copy = api
        .state
        .objects
        .get(session.reference_key.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(copy.as_ref(), live_frames()[0].1.as_slice());
    let st = state(api, &journey).await;
    let c = &st["capture"];
    assert_eq!(
        (c["passed"].as_bool(), c["captures"].as_array().unwrap().len()),
        (Some(true), 3),
        "{c}"
    );
    assert_eq!(
        (c["attempts_used"].as_i64(), c["attempts_left"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(c["liveness"]["threshold"].as_f64(), Some(65.0));
    proceed_and_sign(api, &journey).await;
    // The doc signer signs at its turn; the document completes.
    let (_, detail) = api.get(&format!("/v1/documents/{doc_id}"), KEY).await;
    assert_eq!(detail["status"], "completed", "{detail}");
    assert_eq!(detail["invitees"][1]["steps"]["signature"]["kind"], "automated");
    let req = Request::get(format!("/v1/documents/{doc_id}/signed.pdf"))
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    let (s, signed) = api.call_raw(req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(signed.starts_with(PDF), "the original bytes are kept as they were");
    let info = livegate_pdf::inspect(&signed, usize::MAX).unwrap();
    assert_eq!(info.pages, 3, "1 page + 2 evidence pages");
    assert_eq!(Some(info.sha256.as_str()), detail["signed_sha256"].as_str());
    // The completion is signed (PAdES B-B) with the install's certificate, whose fingerprint
    // the admin page shows.
    let (s, cert) = api.get("/v1/esign/signing-certificate", KEY).await;
    assert_eq!(s, StatusCode::OK, "{cert}");
    assert_eq!(cert["source"], "self_signed");
    assert_eq!(cert["fingerprint_sha256"].as_str().map(str::len), Some(64));
    if let Some(verdict) = pdfsig(&signed) {
        assert!(verdict.contains("Signature is Valid"), "{verdict}");
        assert!(verdict.contains("ETSI.CAdES.detached"), "{verdict}");
        let mut changed = signed.to_vec();
        changed[PDF.len() / 2] ^= 0x20;
        let verdict = pdfsig(&changed).unwrap();
        assert!(!verdict.contains("Signature is Valid"), "one changed byte: {verdict}");
    }
    // The audit trail has every step, with the client's user agent where a browser acted.
    let (_, trail) = api.get(&format!("/v1/documents/{doc_id}/audit"), KEY).await;
    let steps: Vec<&str> = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    for step in [
        "document.sent",
        "invitation.sent",
        "invitation.opened",
        "otp.sent",
        "otp.verified",
        "capture.started",
        "capture.completed",
        "verification.proceeded",
        "signature.signed",
        "document.completed",
    ] {
        assert!(steps.contains(&step), "{step} missing from {steps:?}");
    }
    let req = Request::get(format!("/v1/documents/{doc_id}/audit?format=csv"))
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    let (s, csv) = api.call_raw(req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8(csv)
        .unwrap()
        .starts_with("time_utc,unix_ms,document_id"));
    // Webhooks queued: the signer, the automated signer, the document.
    let (_, hooks) = api.get("/v1/webhooks", KEY).await;
    let endpoint = hooks[0]["id"].as_str().unwrap();
    let (_, log) = api.get(&format!("/v1/webhooks/{endpoint}/deliveries"), KEY).await;
    let events: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap())
        .collect();
    for e in ["signer.completed", "document.completed"] {
        assert!(events.contains(&e), "{e} not queued: {events:?}");
    }
    let (s, r) = api.post_empty("/v1/sign/capture", &journey).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "journey_closed"));
}

/// `text` with quoted-printable soft line breaks and `=XX` escapes undone (lettre encodes
/// bodies with lines over 76 characters, such as links, that way).
fn quoted_printable_decoded(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn with_smtp_configured_invitations_and_otps_are_e_mailed() {
    let (port, mut received) = common::smtp::smtp_server(common::smtp::Offer::Nothing).await;
    let dir = common::scratch();
    let mut config = common::test_config(&dir);
    config.smtp_url = Some(format!("smtp://mailer:s3cret@127.0.0.1:{port}?tls=none"));
    config.public_url = Some("https://sign.example.com/".into());
    let api = common::api_with(&config.database_url(), None, config).await;
    let dep = department(&api, false, 65).await;
    let doc = sent(&api, &dep, json!([person("asha@example.com", json!(null))])).await;
    let invitation = quoted_printable_decoded(&received.recv().await.unwrap());
    assert!(invitation.contains("RCPT TO:<asha@example.com>"), "{invitation}");
    assert!(invitation.contains("AUTH PLAIN"), "{invitation}");
    assert!(
        invitation.contains(&format!("https://sign.example.com/sign/{}", invitation_token(&doc, 0))),
        "{invitation}"
    );
    let (s, _) = open(&api, invitation_token(&doc, 0)).await;
    assert_eq!(s, StatusCode::OK);
    // Headers longer than a line are folded (RFC 5322 2.2.3): unfolded before reading.
    let otp = quoted_printable_decoded(&received.recv().await.unwrap()).replace("\n ", " ");
    assert!(otp.contains(": your code to sign Loan agreement"), "{otp}");
    let (_, msgs) = api.get("/v1/outbox", KEY).await;
    assert_eq!(
        msgs["messages"].as_array().unwrap().len(),
        0,
        "e-mail went by SMTP, not the outbox"
    );
}

#[tokio::test]
async fn the_acceptance_percentage_decides_the_same_capture() {
    let api = api().await;
    let frames = live_frames();
    let mut scores = Vec::new();
    for (acceptance, passes) in [(10, true), (99, false)] {
        let dep = department(&api, true, acceptance).await;
        let to = format!("p{acceptance}@example.com");
        let doc = sent(
            &api,
            &dep,
            json!([person(&to, json!({"capture_photo": true, "smart_liveliness": true}))]),
        )
        .await;
        let journey = verified(&api, &doc, 0, &to).await;
        let done = capture(&api, &journey, &frames).await;
        assert_eq!(done["status"] == "approved", passes, "at {acceptance}%: {done}");
        assert_eq!(done["selfie"]["liveness_passed"].as_bool(), Some(passes));
        assert_eq!(done["selfie"]["liveness_threshold"].as_f64(), Some(acceptance as f64));
        scores.push(done["selfie"]["liveness_score"].as_f64().unwrap());
        if !passes {
            // The signer's browser is told something generic; the integrator sees the detail.
            assert_eq!(done["reasons"], json!(["not_verified"]), "{done}");
            let id = done["id"].as_str().unwrap();
            let (_, detail) = api.get(&format!("/v1/sessions/{id}"), KEY).await;
            assert!(
                detail["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == "threshold_not_matched"),
                "{detail}"
            );
        }
    }
    assert_eq!(scores[0], scores[1], "the same frames score the same");
    eprintln!("live capture score {:.1}: passes at 10 %, fails at 99 %", scores[0]);
}

#[tokio::test]
async fn a_failed_liveness_skips_face_match_and_exhausting_either_count_blocks_both() {
    let api = api().await;
    let dep = department(&api, true, 65).await;
    // Liveliness 3 retries, face match 1: two attempts in all.
    let security = json!({"capture_photo": true, "smart_liveliness": true, "liveliness_retries": 3,
        "face_match": {"reference_image": b64(&live_frames()[0].1), "retries": 1}});
    let doc = sent(&api, &dep, json!([person("ravi@example.com", security)])).await;
    let doc_id = doc["id"].as_str().unwrap();
    let journey = verified(&api, &doc, 0, "ravi@example.com").await;
    let done = capture(&api, &journey, &print_frames()).await;
    assert_eq!(done["status"], "declined", "{done}");
    assert_eq!(
        done["face_match"]["attempted"], false,
        "no face match after a liveness failure: {done}"
    );
    let st = state(&api, &journey).await;
    let c = &st["capture"];
    assert_eq!(
        (
            c["liveness"]["attempts_left"].as_i64(),
            c["face_match"]["attempts_left"].as_i64(),
            c["attempts_left"].as_i64()
        ),
        (Some(3), Some(1), Some(1)),
        "shown = the lower count: {c}"
    );
    assert_eq!(
        (c["face_match"]["attempted"].as_bool(), &c["face_match"]["matched"]),
        (Some(false), &Value::Null),
        "{c}"
    );
    assert_eq!(st["step"], "capture");
    let (s, r) = api.post_empty("/v1/sign/proceed", &journey).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "verification_incomplete"));
    let done = capture(&api, &journey, &print_frames()).await;
    assert_eq!(done["status"], "declined");
    let st = state(&api, &journey).await;
    assert_eq!(
        (st["step"].as_str(), st["failure"]["code"].as_str()),
        (Some("failed"), Some("attempts_exhausted")),
        "{st}"
    );
    assert_eq!(
        st["capture"]["liveness"]["attempts_left"].as_i64(),
        Some(2),
        "liveness had attempts, face match did not"
    );
    for path in ["/v1/sign/capture", "/v1/sign/proceed"] {
        let (s, r) = api.post_empty(path, &journey).await;
        assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "journey_closed"), "{path}: {r}");
    }
    let notice = outbox(&api, "sender@example.com", "sender_notice")
        .await
        .expect("the sender is told");
    assert!(notice["body"].as_str().unwrap().contains("Asha Rao"));
    let (_, detail) = api.get(&format!("/v1/documents/{doc_id}"), KEY).await;
    assert_eq!(
        (detail["status"].as_str(), detail["invitees"][0]["state"].as_str()),
        (Some("failed"), Some("failed"))
    );
    let req = Request::get(format!("/v1/documents/{doc_id}/signed.pdf"))
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    let (s, _) = api.call(req).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn retry_after_success_is_allowed_while_attempts_remain() {
    let api = api().await;
    let dep = department(&api, true, 65).await;
    let doc = sent(
        &api,
        &dep,
        json!([person(
            "mei@example.com",
            json!({"capture_photo": true, "smart_liveliness": true, "liveliness_retries": 1})
        )]),
    )
    .await;
    let journey = verified(&api, &doc, 0, "mei@example.com").await;
    assert_eq!(capture(&api, &journey, &live_frames()).await["status"], "approved");
    // Unhappy with the result: a second attempt is started, and then none is left.
    assert_eq!(capture(&api, &journey, &live_frames()).await["status"], "approved");
    let st = state(&api, &journey).await;
    assert_eq!(
        (
            st["capture"]["attempts_used"].as_i64(),
            st["capture"]["attempts_left"].as_i64()
        ),
        (Some(2), Some(0))
    );
    let (s, r) = api.post_empty("/v1/sign/capture", &journey).await;
    assert_eq!((s, code(&r)), (StatusCode::CONFLICT, "attempts_exhausted"));
    proceed_and_sign(&api, &journey).await;
}

/// Opens the invitation as a browser behind `peer` with a hostile user agent and a forged
/// `X-Forwarded-For`; returns the audit CSV.
async fn audit_csv_after_hostile_open(api: &Api, peer: &str) -> String {
    let dep = department(api, false, 65).await;
    let to = format!("ua-{}@example.com", uuid::Uuid::new_v4());
    let doc = sent(api, &dep, json!([person(&to, json!({}))])).await;
    let mut req = Request::post("/v1/sign/open")
        .header("content-type", "application/json")
        .header("user-agent", "=HYPERLINK(\"http://x\")")
        .header("x-forwarded-for", "6.6.6.6")
        .body(Body::from(
            json!({"invitation_token": invitation_token(&doc, 0)}).to_string(),
        ))
        .unwrap();
    let peer: std::net::SocketAddr = peer.parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    let (s, opened) = api.call(req).await;
    assert_eq!(s, StatusCode::OK, "{opened}");
    let req = Request::get(format!(
        "/v1/documents/{}/audit?format=csv",
        doc["id"].as_str().unwrap()
    ))
    .header("authorization", format!("Bearer {KEY}"))
    .body(Body::empty())
    .unwrap();
    let (s, csv) = api.call_raw(req).await;
    assert_eq!(s, StatusCode::OK);
    String::from_utf8(csv).unwrap()
}

#[tokio::test]
async fn issue16_audit_csv_neutralises_formulas_and_ignores_untrusted_forwarded_for() {
    let api = api().await;
    let csv = audit_csv_after_hostile_open(&api, "203.0.113.7:5000").await;
    let opened = csv
        .lines()
        .find(|l| l.contains("HYPERLINK"))
        .expect("the open is audited");
    assert!(opened.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","), "{opened}");
    assert!(!csv.lines().any(|l| l.contains(",=") || l.contains(",\"=")), "{csv}");
    assert!(opened.contains(",203.0.113.7,") && !csv.contains("6.6.6.6"), "{opened}");
    // Behind a configured proxy its X-Forwarded-For names the client.
    let dir = common::scratch();
    let config = livegate_server::ServerConfig {
        trusted_proxies: vec!["203.0.113.0/24".into()],
        ..common::test_config(&dir)
    };
    let behind_proxy = common::api_with(&config.database_url(), None, config).await;
    let csv = audit_csv_after_hostile_open(&behind_proxy, "203.0.113.7:5000").await;
    let opened = csv.lines().find(|l| l.contains("HYPERLINK")).unwrap();
    assert!(opened.contains(",6.6.6.6,"), "{opened}");
}
