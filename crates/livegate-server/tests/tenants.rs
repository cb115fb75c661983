//! API keys as a resource with scopes and tenants (issue 16 part 7), through the router on
//! SQLite and, when it is started, on a real PostgreSQL: keys created by the bootstrap admin
//! key, their secrets shown once; a key of one tenant gets 404 for every resource of another
//! (sessions, frames, audit images, workflows, webhooks and their logs, departments,
//! documents and their PDFs and audit CSV, outbox) and never sees them in lists; webhooks hear
//! only their own tenant's events; a missing scope is 403, a revoked or rotated-away key 401.

mod common;

use axum::http::StatusCode;
use base64::Engine;
use common::{api, api_with, code, data, postgres_url, scratch, test_config, Api, KEY};
use serde_json::{json, Value};

const PDF: &[u8] = include_bytes!("data/contract.pdf");

/// A fresh tenant name (the PostgreSQL test database keeps earlier runs' rows).
fn tenant(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// Creates a key with the bootstrap admin key; returns (id, secret).
async fn key(api: &Api, tenant: &str, scopes: &[&str]) -> (String, String) {
    let (s, k) = api
        .send_json(
            "POST",
            "/v1/keys",
            KEY,
            &json!({"name": format!("{tenant} {scopes:?}"), "scopes": scopes, "tenant": tenant}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    let secret = k["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("lgk_"), "{secret}");
    assert_eq!(k["tenant"], tenant);
    (k["id"].as_str().unwrap().to_string(), secret)
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

/// Creates a session with `key`, uploads one frame and completes it; returns its id.
async fn completed_session(api: &Api, key: &str) -> String {
    let (s, created) = api.send_json("POST", "/v1/sessions", key, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let token = created["client_token"].as_str().unwrap().to_string();
    let (s, r) = api
        .frame(&id, &token, "image/jpeg", "0", data("silentface_T1.jpg"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), &token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    id
}

async fn suite(api: Api) {
    let (ta, tb) = (tenant("a"), tenant("b"));
    let (a_admin_id, a_admin) = key(&api, &ta, &["admin"]).await;
    let (b_id, b) = key(
        &api,
        &tb,
        &["sessions", "workflows", "esign:admin", "esign:send", "webhooks"],
    )
    .await;
    let (reader_id, reader) = key(&api, &tb, &["esign:send"]).await;

    keys_are_listed_without_secrets_and_managed_per_tenant(&api, &ta, &tb, &a_admin, &a_admin_id, &b_id).await;
    scopes_are_enforced(&api, &reader).await;
    sessions_are_isolated(&api, &a_admin, &b).await;
    workflows_are_isolated(&api, &a_admin, &b).await;
    webhooks_are_isolated(&api, &a_admin, &b).await;
    documents_are_isolated(&api, &a_admin, &b).await;
    esign_scopes_split_admin_from_sending(&api, &ta, &a_admin).await;

    // Revoked: 401 at once, and the listing says when.
    let (s, e) = api.get("/v1/documents/doc_x", &reader).await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "document_not_found"));
    assert_eq!(
        api.delete(&format!("/v1/keys/{reader_id}"), KEY).await,
        StatusCode::NO_CONTENT
    );
    let (s, e) = api.get("/v1/documents/doc_x", &reader).await;
    assert_eq!((s, code(&e)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let (_, list) = api.get(&format!("/v1/keys?tenant={tb}"), KEY).await;
    let revoked = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == reader_id.as_str())
        .unwrap();
    assert!(revoked["revoked_at"].is_i64(), "{revoked}");

    // Rotated: the old secret is 401, the new one works with the same scopes and tenant.
    let (s, rotated) = api.post_empty(&format!("/v1/keys/{b_id}/rotate"), KEY).await;
    assert_eq!(s, StatusCode::CREATED, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, b);
    assert_eq!(
        (rotated["tenant"].as_str(), rotated["scopes"].as_array().unwrap().len()),
        (Some(tb.as_str()), 5)
    );
    let (s, e) = api.get("/v1/workflows", &b).await;
    assert_eq!((s, code(&e)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let (s, _) = api.get("/v1/workflows", new_secret).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = api.post_empty(&format!("/v1/keys/{b_id}/rotate"), KEY).await;
    assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "api_key_revoked"));
    // The bootstrap key was used and is listed as an admin key of the default tenant.
    let (_, list) = api.get("/v1/keys?tenant=default", KEY).await;
    assert!(list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["name"] == "bootstrap" && k["scopes"] == json!(["admin"]) && k["last_used_at"].is_i64()));
}

async fn keys_are_listed_without_secrets_and_managed_per_tenant(
    api: &Api,
    ta: &str,
    tb: &str,
    a_admin: &str,
    a_admin_id: &str,
    b_id: &str,
) {
    let (s, list) = api.get("/v1/keys", KEY).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let listed = ids(&list["keys"]);
    assert!(listed.contains(&a_admin_id.to_string()) && listed.contains(&b_id.to_string()));
    assert!(!list.to_string().contains("lgk_"), "no secret in a listing");
    assert!(list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k.get("secret").is_none()));
    // A tenant's admin sees and manages its own tenant's keys only.
    let (s, own) = api.get("/v1/keys", a_admin).await;
    assert_eq!(s, StatusCode::OK, "{own}");
    assert_eq!(ids(&own["keys"]), vec![a_admin_id.to_string()]);
    let (s, e) = api.get(&format!("/v1/keys?tenant={tb}"), a_admin).await;
    assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "tenant_forbidden"));
    let (s, e) = api
        .send_json(
            "POST",
            "/v1/keys",
            a_admin,
            &json!({"name": "x", "scopes": ["admin"], "tenant": tb}),
        )
        .await;
    assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "tenant_forbidden"));
    let (s, e) = api.post_empty(&format!("/v1/keys/{b_id}/rotate"), a_admin).await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "api_key_not_found"));
    assert_eq!(
        api.delete(&format!("/v1/keys/{b_id}"), a_admin).await,
        StatusCode::NOT_FOUND
    );
    // Its own keys default to its tenant.
    let (s, k) = api
        .send_json(
            "POST",
            "/v1/keys",
            a_admin,
            &json!({"name": "reader", "scopes": ["sessions"]}),
        )
        .await;
    assert_eq!((s, k["tenant"].as_str()), (StatusCode::CREATED, Some(ta)), "{k}");
    // Validation.
    for (body, want) in [
        // The former split names are not scopes any more.
        (json!({"name": "x", "scopes": ["sessions:write"]}), "unknown_scope"),
        (json!({"name": "x", "scopes": ["sessions:read"]}), "unknown_scope"),
        (json!({"name": "x", "scopes": ["esign"]}), "unknown_scope"),
        (json!({"name": "x", "scopes": ["sessions", "root"]}), "unknown_scope"),
        (
            json!({"name": "x", "scopes": ["admin"], "tenant": "Not A Tenant"}),
            "invalid_tenant",
        ),
        (json!({"name": "x", "scopes": []}), "invalid_request"),
        (json!({"name": "", "scopes": ["admin"]}), "invalid_request"),
    ] {
        let (s, e) = api.send_json("POST", "/v1/keys", KEY, &body).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, want), "{body}");
    }
}

/// `reader` holds `esign:send` only.
async fn scopes_are_enforced(api: &Api, reader: &str) {
    for (method, path) in [
        ("POST", "/v1/sessions"),
        ("GET", "/v1/sessions/ses_x"),
        ("POST", "/v1/departments"),
        ("GET", "/v1/templates"),
        ("GET", "/v1/workflows"),
        ("GET", "/v1/webhooks"),
        ("GET", "/v1/departments"),
        ("GET", "/v1/documents"),
        ("GET", "/v1/outbox"),
        ("GET", "/v1/keys"),
        ("POST", "/v1/keys"),
    ] {
        let (s, e) = api.send_json(method, path, reader, &json!({})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::FORBIDDEN, "insufficient_scope"),
            "{method} {path}"
        );
    }
}

async fn sessions_are_isolated(api: &Api, a: &str, b: &str) {
    let (s, created) = api.send_json("POST", "/v1/sessions", a, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let token = created["client_token"].as_str().unwrap();
    let (s, _) = api.get(&format!("/v1/sessions/{id}"), a).await;
    assert_eq!(s, StatusCode::OK);
    // Another tenant's key, and the default tenant's bootstrap key, learn nothing.
    for other in [b, KEY] {
        let (s, e) = api.get(&format!("/v1/sessions/{id}"), other).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "session_not_found"));
        let (s, e) = api.frame(id, other, "image/jpeg", "0", data("silentface_T1.jpg")).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "session_not_found"));
        let (s, e) = api.post_empty(&format!("/v1/sessions/{id}/complete"), other).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "session_not_found"));
        let (s, e) = api.get(&format!("/v1/sessions/{id}/audit/0"), other).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "session_not_found"));
    }
    // The session's client token works as before.
    let (s, r) = api.frame(id, token, "image/jpeg", "0", data("silentface_T1.jpg")).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, done) = api.post_empty(&format!("/v1/sessions/{id}/complete"), token).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let (s, _) = api.get("/v1/client/session", token).await;
    assert_eq!(s, StatusCode::OK);
    // Completed, with its verdict and audit image: still nothing for the other tenant.
    let (s, _) = api.get(&format!("/v1/sessions/{id}/audit/0"), a).await;
    assert_eq!(s, StatusCode::OK, "tenant A reads its audit image");
    for other in [b, KEY] {
        let (s, e) = api.get(&format!("/v1/sessions/{id}"), other).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "session_not_found"));
        let (s, e) = api.get(&format!("/v1/sessions/{id}/audit/0"), other).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "session_not_found"));
    }
    // A retry of another tenant's session is not found either.
    let (s, e) = api.send_json("POST", "/v1/sessions", b, &json!({"retry_of": id})).await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "session_not_found"));
}

async fn workflows_are_isolated(api: &Api, a: &str, b: &str) {
    let (s, wf) = api
        .send_json(
            "POST",
            "/v1/workflows",
            a,
            &json!({"name": format!("wf-{}", uuid::Uuid::new_v4()), "profile": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{wf}");
    let id = wf["id"].as_str().unwrap();
    let path = format!("/v1/workflows/{id}");
    let (_, own) = api.get("/v1/workflows", a).await;
    assert!(ids(&own).contains(&id.to_string()));
    let (_, theirs) = api.get("/v1/workflows", b).await;
    assert!(!ids(&theirs).contains(&id.to_string()));
    let (s, e) = api.get(&path, b).await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "workflow_not_found"));
    let (s, e) = api
        .send_json("PUT", &path, b, &json!({"name": "mine now", "profile": {}}))
        .await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "workflow_not_found"));
    assert_eq!(api.delete(&path, b).await, StatusCode::NOT_FOUND);
    let (s, e) = api
        .send_json("POST", "/v1/sessions", b, &json!({"workflow_id": id}))
        .await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "workflow_not_found"));
    let (s, _) = api.get(&path, a).await;
    assert_eq!(s, StatusCode::OK, "still there for its tenant");
    // Names are unique per tenant: B may use A's, A not twice.
    let same = json!({"name": wf["name"], "profile": {}});
    let (s, e) = api.send_json("POST", "/v1/workflows", b, &same).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (s, e) = api.send_json("POST", "/v1/workflows", a, &same).await;
    assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "conflict"));
}

async fn webhooks_are_isolated(api: &Api, a: &str, b: &str) {
    let hook = |k: &'static str| json!({"url": format!("http://127.0.0.1:9/{k}")});
    let (s, ha) = api.send_json("POST", "/v1/webhooks", a, &hook("a")).await;
    assert_eq!(s, StatusCode::CREATED, "{ha}");
    let (s, hb) = api.send_json("POST", "/v1/webhooks", b, &hook("b")).await;
    assert_eq!(s, StatusCode::CREATED, "{hb}");
    let (ha, hb) = (ha["id"].as_str().unwrap(), hb["id"].as_str().unwrap());
    let (_, listed) = api.get("/v1/webhooks", b).await;
    assert_eq!(ids(&listed), vec![hb.to_string()]);
    let (s, e) = api.get(&format!("/v1/webhooks/{ha}/deliveries"), b).await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "webhook_not_found"));
    assert_eq!(
        api.delete(&format!("/v1/webhooks/{ha}"), b).await,
        StatusCode::NOT_FOUND
    );
    // A session of tenant B completes: B's endpoint gets the event, A's nothing.
    let session = completed_session(api, b).await;
    let (_, log_b) = api.get(&format!("/v1/webhooks/{hb}/deliveries"), b).await;
    let sessions: Vec<&str> = log_b
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["session_id"].as_str().unwrap())
        .collect();
    assert_eq!(sessions, vec![session.as_str()]);
    let (s, log_a) = api.get(&format!("/v1/webhooks/{ha}/deliveries"), a).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(log_a, json!([]), "tenant A hears nothing of tenant B's session");
}

async fn documents_are_isolated(api: &Api, a: &str, b: &str) {
    let (s, dep) = api
        .send_json(
            "POST",
            "/v1/departments",
            a,
            &json!({"name": format!("dep-{}", uuid::Uuid::new_v4())}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dep}");
    let (s, e) = api
        .send_json("POST", "/v1/departments", b, &json!({"name": dep["name"]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "department names are per tenant: {e}");
    let dep = dep["id"].as_str().unwrap();
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let body = json!({"department_id": dep, "title": "Tenant A contract",
        "pdf": base64::engine::general_purpose::STANDARD.encode(PDF),
        "invitees": [{"name": "Asha Rao", "email": email}]});
    let (s, doc) = api.send_json("POST", "/v1/documents", a, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    let doc = doc["id"].as_str().unwrap();
    let (s, _) = api.get(&format!("/v1/documents/{doc}"), a).await;
    assert_eq!(s, StatusCode::OK);
    for path in [
        format!("/v1/documents/{doc}"),
        format!("/v1/documents/{doc}/original.pdf"),
        format!("/v1/documents/{doc}/signed.pdf"),
        format!("/v1/documents/{doc}/audit"),
        format!("/v1/documents/{doc}/audit?format=csv"),
    ] {
        let (s, e) = api.get(&path, b).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "document_not_found"), "{path}");
    }
    let (s, e) = api.get(&format!("/v1/departments/{dep}"), b).await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "department_not_found"));
    let (s, e) = api
        .send_json("PATCH", &format!("/v1/departments/{dep}"), b, &json!({"name": "taken"}))
        .await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "department_not_found"));
    let (s, e) = api.send_json("POST", "/v1/documents", b, &body).await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "department_not_found"));
    let (_, deps) = api.get("/v1/departments", b).await;
    assert!(!ids(&deps["departments"]).contains(&dep.to_string()));
    let (_, docs) = api.get("/v1/documents", b).await;
    assert!(!ids(&docs["documents"]).contains(&doc.to_string()));
    let (_, docs) = api.get("/v1/documents", a).await;
    assert!(ids(&docs["documents"]).contains(&doc.to_string()));
    // The invitation went to tenant A's outbox only.
    let (_, outbox) = api.get(&format!("/v1/outbox?to={email}"), a).await;
    assert_eq!(outbox["messages"].as_array().unwrap().len(), 1, "{outbox}");
    let (_, outbox) = api.get(&format!("/v1/outbox?to={email}"), b).await;
    assert_eq!(outbox["messages"], json!([]));
}

/// `esign:send` sends documents and reads their status; `esign:admin` runs departments,
/// templates, the listing, audit trails and the outbox. Neither holds the other.
async fn esign_scopes_split_admin_from_sending(api: &Api, ta: &str, a_admin: &str) {
    let (_, sender) = key(api, ta, &["esign:send"]).await;
    let (_, esign_admin) = key(api, ta, &["esign:admin"]).await;
    let (s, dep) = api
        .send_json(
            "POST",
            "/v1/departments",
            &esign_admin,
            &json!({"name": format!("dep-{}", uuid::Uuid::new_v4())}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dep}");
    let body = json!({"department_id": dep["id"], "title": "Sent with esign:send",
        "pdf": base64::engine::general_purpose::STANDARD.encode(PDF),
        "invitees": [{"name": "Asha Rao", "email": "asha@example.com"}]});
    let (s, doc) = api.send_json("POST", "/v1/documents", &sender, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    let doc = doc["id"].as_str().unwrap();
    for path in [
        format!("/v1/documents/{doc}"),
        format!("/v1/documents/{doc}/original.pdf"),
    ] {
        assert_eq!(api.get(&path, &sender).await.0, StatusCode::OK, "{path}");
    }
    for (method, path) in [
        ("POST", "/v1/departments".to_string()),
        ("GET", "/v1/departments".to_string()),
        ("GET", "/v1/templates".to_string()),
        ("GET", "/v1/documents".to_string()),
        ("GET", format!("/v1/documents/{doc}/audit?format=csv")),
        ("GET", "/v1/outbox".to_string()),
    ] {
        let (s, e) = api.send_json(method, &path, &sender, &json!({})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::FORBIDDEN, "insufficient_scope"),
            "{method} {path}"
        );
    }
    for (method, path) in [
        ("POST", "/v1/documents".to_string()),
        (
            "POST",
            "/v1/documents/bulk?department_id=dep_x&template_id=tpl_x&title=t".to_string(),
        ),
        ("GET", format!("/v1/documents/{doc}")),
    ] {
        let (s, e) = api.send_json(method, &path, &esign_admin, &json!({})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::FORBIDDEN, "insufficient_scope"),
            "{method} {path}"
        );
    }
    let (s, _) = api
        .get(&format!("/v1/documents/{doc}/audit?format=csv"), &esign_admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, docs) = api.get("/v1/documents", &esign_admin).await;
    assert!(ids(&docs["documents"]).contains(&doc.to_string()));
    // The tenant's admin key holds both.
    assert_eq!(
        api.get(&format!("/v1/documents/{doc}"), a_admin).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn tenants_and_scopes_on_sqlite() {
    suite(api().await).await;
}

#[tokio::test]
async fn tenants_and_scopes_on_postgres() {
    let Some(url) = postgres_url() else { return };
    let dir = scratch();
    suite(api_with(&url, None, test_config(&dir)).await).await;
}

#[tokio::test]
async fn rotation_grace_keeps_the_old_secret_working_for_a_while() {
    let dir = scratch();
    let mut config = test_config(&dir);
    config.api_key_rotation_grace_s = 60;
    let api = api_with(&config.database_url(), None, config).await;
    let (id, old) = key(&api, &tenant("g"), &["workflows"]).await;
    let (s, rotated) = api.post_empty(&format!("/v1/keys/{id}/rotate"), KEY).await;
    assert_eq!(s, StatusCode::CREATED, "{rotated}");
    let new = rotated["secret"].as_str().unwrap();
    assert_eq!(api.get("/v1/workflows", &old).await.0, StatusCode::OK);
    assert_eq!(api.get("/v1/workflows", new).await.0, StatusCode::OK);
    api.clock.advance_ms(60_001);
    assert_eq!(api.get("/v1/workflows", &old).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(api.get("/v1/workflows", new).await.0, StatusCode::OK);
}
