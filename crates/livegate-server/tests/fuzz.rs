//! Property tests over the entry points an attacker feeds (issue 16): frame uploads (random and
//! corrupted image bytes, random headers), JSON bodies of the public and API routes, and the
//! CSV cell function. The law everywhere: a stable 4xx (or a success) with a JSON error body,
//! never a 5xx, a panic or a hang. Bounded: a fixed number of cases each
//! (`PROPTEST_CASES` raises it for a longer run).

mod common;

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use common::{api, data, Api, KEY};
use livegate_server::csv_cell::csv_cell;
use proptest::prelude::*;
use serde_json::{json, Value};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// One API for every case (the models load once; sessions are cheap).
fn shared_api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| runtime().block_on(api()))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        timeout: 20_000,
        ..ProptestConfig::default()
    }
}

/// The law: no 5xx, and an error is JSON with a code.
fn check(status: axum::http::StatusCode, bytes: &[u8], what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !status.is_server_error(),
        "{what}: {status} {}",
        String::from_utf8_lossy(bytes)
    );
    if status.is_client_error() {
        let body: Value =
            serde_json::from_slice(bytes).map_err(|e| TestCaseError::fail(format!("{what}: not JSON: {e}")))?;
        prop_assert!(body["error"]["code"].is_string(), "{what}: {body}");
    }
    Ok(())
}

fn header_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[0-9.eE+-]{0,12}",
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("-1".to_string()),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn frame_uploads_of_any_bytes_and_headers_get_a_4xx_or_are_accepted(
        cut in 0usize..4096,
        flips in proptest::collection::vec((0usize..100_000, any::<u8>()), 0..8),
        random in proptest::collection::vec(any::<u8>(), 0..512),
        use_random in any::<bool>(),
        content_type in prop_oneof![Just("image/jpeg"), Just("image/png"), Just("text/plain"), Just("")],
        t in header_text(),
        key in header_text(),
    ) {
        let api = shared_api();
        let bytes = if use_random {
            random
        } else {
            let mut jpeg = data("silentface_T1.jpg");
            for (at, v) in flips {
                let n = jpeg.len();
                jpeg[at % n] = v;
            }
            let keep = jpeg.len().saturating_sub(cut);
            jpeg.truncate(keep);
            jpeg
        };
        runtime().block_on(async {
            let (id, token) = api.session(json!({})).await;
            let mut req = Request::post(format!("/v1/sessions/{id}/frames"))
                .header("authorization", format!("Bearer {token}"))
                .header("x-capture-time", t.as_str());
            if !content_type.is_empty() {
                req = req.header("content-type", content_type);
            }
            if !key.is_empty() {
                req = req.header("idempotency-key", key.as_str());
            }
            let (status, body) = api.call_raw(req.body(Body::from(bytes)).unwrap()).await;
            check(status, &body, "frame")
        })?;
    }

    #[test]
    fn json_bodies_of_any_shape_get_a_4xx_or_succeed(
        route in prop_oneof![
            Just("/v1/sessions"), Just("/v1/workflows"), Just("/v1/webhooks"),
            Just("/v1/sign/open"), Just("/v1/departments"), Just("/v1/documents"),
        ],
        body in prop_oneof![
            "[ -~]{0,80}",
            json_value().prop_map(|v| v.to_string()),
        ],
    ) {
        let api = shared_api();
        runtime().block_on(async {
            let req = Request::post(route)
                .header("authorization", format!("Bearer {KEY}"))
                .header("content-type", "application/json")
                .body(Body::from(body.clone()))
                .unwrap();
            let (status, out) = api.call_raw(req).await;
            check(status, &out, &format!("{route} {body}"))
        })?;
    }

    #[test]
    fn csv_cells_never_start_a_formula(text in "\\PC{0,20}|[=+@\t\r-][ -~]{0,20}") {
        let cell = csv_cell(&text);
        prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
        let quoted = format!("'{text}");
        prop_assert!(cell == text || *cell == quoted, "{:?}", cell);
    }
}

/// JSON values a few levels deep, with the field names our bodies use.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        "[ -~]{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let names = prop_oneof![
            Just("profile"),
            Just("url"),
            Just("name"),
            Just("liveness_mode"),
            Just("liveness_threshold"),
            Just("frames"),
            Just("max_frames"),
            Just("retries"),
            Just("workflow_id"),
            Just("retry_of"),
            Just("reference_image"),
            Just("invitation_token"),
            Just("subject"),
            Just("invitees"),
            Just("pdf"),
            Just("department_id"),
            Just("allowed_origins"),
            Just("liveness_challenges"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((names, inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}
