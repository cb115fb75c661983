//! Issue 14 X5, accessible alternatives through the API: the workflow option is validated with
//! stable codes, the person's view never shows it (the plan only flags which challenges have an
//! alternative), and `POST /v1/client/alternative` swaps the challenge under way — or refuses
//! with `alternative_not_allowed`, `challenge_already_swapped`, `challenge_not_current` or
//! `unknown_challenge` — and the session detail records what was used, why and its risk flag.

mod common;

use axum::http::StatusCode;
use common::{api, code, KEY};
use serde_json::{json, Value};

async fn ask(api: &common::Api, token: &str, challenge: &str) -> (StatusCode, Value) {
    api.send_json(
        "POST",
        "/v1/client/alternative",
        token,
        &json!({ "challenge": challenge }),
    )
    .await
}

#[tokio::test]
async fn the_option_is_validated_with_stable_codes() {
    let api = api().await;
    for (alternatives, status, expected) in [
        (json!({"colour_flash": ["blink"]}), 400, "unknown_challenge"),
        (json!({"smile": ["wink"]}), 400, "unknown_challenge"),
        (json!({"smile": ["color_flash"]}), 400, "invalid_alternative"),
        (json!({"smile": ["smile"]}), 400, "invalid_alternative"),
        (json!({"smile": []}), 400, "invalid_alternative"),
    ] {
        let profile = json!({"liveness_mode": "active", "accessible_alternatives": alternatives});
        let (s, body) = api.create(json!({ "profile": profile })).await;
        assert_eq!((s.as_u16(), code(&body)), (status, expected), "{alternatives} {body}");
        let (s, body) = api
            .send_json("POST", "/v1/workflows", KEY, &json!({"name": "w", "profile": profile}))
            .await;
        assert_eq!(
            (s.as_u16(), code(&body)),
            (status, expected),
            "workflow {alternatives} {body}"
        );
    }
    // The default is none.
    let (_, created) = api.create(json!({"profile": {"liveness_mode": "active"}})).await;
    assert_eq!(created["profile"]["accessible_alternatives"], json!({}));
    assert!(created["plan"]["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c.get("alternative").is_none()));
}

#[tokio::test]
async fn the_person_swaps_the_flash_once_and_the_detail_records_it() {
    let api = api().await;
    let profile = json!({
        "liveness_mode": "active",
        "liveness_challenges": ["color_flash", "smile", "head_left"],
        "fixed_order": true,
        "accessible_alternatives": {"color_flash": ["blink"], "head_left": ["head_right", "smile"]},
    });
    let (s, created) = api.create(json!({ "profile": profile })).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let token = created["client_token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    let flags: Vec<Value> = created["plan"]["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.get("alternative").cloned().unwrap_or(json!(false)))
        .collect();
    assert_eq!(flags, vec![json!(true), json!(false), json!(true)]);
    // The person sees the flags, never the policy.
    let (_, view) = api.get("/v1/client/session", token).await;
    assert!(view["profile"].get("accessible_alternatives").is_none(), "{view}");
    assert!(
        !view.to_string().contains("head_right"),
        "replacements are not revealed: {view}"
    );

    // Refusals: not a challenge; not the one under way.
    let (s, r) = ask(&api, token, "wink").await;
    assert_eq!((s.as_u16(), code(&r)), (400, "unknown_challenge"), "{r}");
    let (s, r) = ask(&api, token, "head_left").await;
    assert_eq!((s.as_u16(), code(&r)), (409, "challenge_not_current"), "{r}");

    // Allowed: the flash is replaced by blink, the flash sequence goes, the count stays.
    let (s, r) = ask(&api, token, "color_flash").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let names: Vec<&str> = r["plan"]["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["challenge"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["blink", "smile", "head_left"]);
    assert_eq!(r["plan"]["challenges"][0]["replaces"], "color_flash");
    assert!(r["plan"].get("flash").is_none(), "{r}");
    assert!(r["profile"].get("accessible_alternatives").is_none(), "{r}");

    // At most one swap per challenge, and a replacement is never swapped.
    let (s, r) = ask(&api, token, "color_flash").await;
    assert_eq!((s.as_u16(), code(&r)), (409, "challenge_already_swapped"), "{r}");
    let (s, r) = ask(&api, token, "blink").await;
    assert_eq!((s.as_u16(), code(&r)), (409, "challenge_already_swapped"), "{r}");

    // The integrator's detail: which alternative, why, and the risk flag.
    let (_, detail) = api.get(&format!("/v1/sessions/{id}"), KEY).await;
    assert_eq!(
        detail["accessibility"],
        json!([{"reason": "no_flash", "challenge": "color_flash", "replacement": "blink", "risk_flags": ["flash_replaced"]}])
    );
    // The person's view shows the swap too (they asked for it), still without the policy.
    let (_, view) = api.get("/v1/client/session", token).await;
    assert_eq!(view["accessibility"][0]["replacement"], "blink");
    assert!(!view.to_string().contains("head_right"), "{view}");
}

#[tokio::test]
async fn no_policy_no_alternative_and_passive_sessions_have_nothing_to_swap() {
    let api = api().await;
    let (_, token) = api
        .session(json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["smile"]}}))
        .await;
    let (s, r) = ask(&api, &token, "smile").await;
    assert_eq!((s.as_u16(), code(&r)), (403, "alternative_not_allowed"), "{r}");
    // Every replacement already asked for: nothing to offer.
    let (created_s, created) = api
        .create(
            json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["smile", "blink"],
            "fixed_order": true, "accessible_alternatives": {"smile": ["blink"]}}}),
        )
        .await;
    assert_eq!(created_s, StatusCode::CREATED);
    assert!(
        created["plan"]["challenges"][0].get("alternative").is_none(),
        "{created}"
    );
    let (s, r) = ask(&api, created["client_token"].as_str().unwrap(), "smile").await;
    assert_eq!((s.as_u16(), code(&r)), (403, "alternative_not_allowed"), "{r}");
    let (_, token) = api
        .session(json!({"profile": {"liveness_mode": "passive", "accessible_alternatives": {"smile": ["blink"]}}}))
        .await;
    let (s, r) = ask(&api, &token, "smile").await;
    assert_eq!((s.as_u16(), code(&r)), (409, "challenge_not_current"), "{r}");
    // Only a client token asks.
    let (s, _) = ask(&api, KEY, "smile").await;
    assert!(s.is_client_error(), "{s}");
}
