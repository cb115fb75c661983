//! One-time passwords of the signing journey: 6 digits from the OS generator, stored salted and
//! hashed, expiring, locked after 5 wrong tries, resent at most every `otp_resend_s` (5 in all).

use axum::extract::State;
use axum::Json;
use rand_core::{OsRng, TryRngCore};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::sign::{mask, require_open, view, Journey, JourneyState};
use super::ClientMeta;
use crate::api::auth::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::esign::capture::chain;
use crate::esign::domain::{apply, Step};
use crate::esign::journey::{channel_of, event, save, Meta};
use crate::esign::notify::{self, Message};
use crate::esign::privacy::brand_of;
use crate::store::{hash_secret, AuditEventRow, DocumentRow, InviteeRow};
use crate::AppState;

/// Wrong codes allowed per OTP.
pub const OTP_MAX_FAILURES: i64 = 5;
/// OTPs sent per journey at most.
pub const OTP_MAX_SENDS: i64 = 5;

/// `POST /v1/sign/otp/verify`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyOtp {
    /// The 6 digits.
    pub code: String,
}

fn otp_hash(invitee_id: &str, code: &str) -> String {
    hash_secret(&format!("{invitee_id}:{code}"))
}

fn new_code() -> Result<String, ApiError> {
    loop {
        let n = OsRng
            .try_next_u32()
            .map_err(|e| ApiError::Internal(format!("OS random generator: {e}")))?;
        // Rejection sampling keeps the 6 digits uniform.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// Gives `i` a fresh OTP (saved with `events`) and sends it.
pub(super) async fn send_otp(
    state: &AppState,
    doc: &DocumentRow,
    mut i: InviteeRow,
    mut events: Vec<AuditEventRow>,
    meta: &Meta,
) -> Result<InviteeRow, ApiError> {
    let code = new_code()?;
    let now = state.clock.now_ms();
    i.otp_hash = Some(otp_hash(&i.id, &code));
    i.otp_expires_at = Some(now + state.config.otp_ttl_s as i64 * 1000);
    i.otp_failures = 0;
    i.otp_sends += 1;
    i.otp_sent_at = Some(now);
    let (channel, to) = channel_of(&i);
    let brand = brand_of(state, doc).await?;
    events.push(event(
        state,
        &doc.id,
        Some(&i.id),
        "otp.sent",
        json!({"channel": channel, "to": mask(&to), "send": i.otp_sends}),
        meta,
    ));
    let saved = save(state, i, &events, None).await?;
    notify::send(
        state,
        Message {
            channel,
            to,
            subject: format!("{brand}: your code to sign {}", doc.title),
            body: format!(
                "Your one-time code to sign \"{}\" is {code}. It expires in {} minutes. Do not share it.\n- {brand}",
                doc.title,
                state.config.otp_ttl_s.div_ceil(60)
            ),
            kind: "otp",
            tenant: doc.tenant_id.clone(),
        },
    )
    .await?;
    Ok(saved)
}

/// Checks the OTP.
#[utoipa::path(post, path = "/v1/sign/otp/verify", tag = "signing", request_body = VerifyOtp,
    security(("journey_token" = [])),
    responses((status = 200, body = JourneyState), (status = "4XX", body = ErrorBody)))]
pub async fn verify_otp(
    State(state): State<AppState>,
    Journey(doc, i): Journey,
    ClientMeta(meta): ClientMeta,
    ApiJson(req): ApiJson<VerifyOtp>,
) -> Result<Json<JourneyState>, ApiError> {
    require_open(&i)?;
    if i.otp_verified_at.is_some() {
        return Ok(Json(view(&state, &doc, &i, &chain(&state, &i).await?, None).await?));
    }
    if i.otp_failures >= OTP_MAX_FAILURES {
        return Err(ApiError::OtpLocked);
    }
    let now = state.clock.now_ms();
    if i.otp_expires_at.is_none_or(|t| now > t) {
        return Err(ApiError::OtpExpired);
    }
    let code = req.code.trim();
    let mut after = i.clone();
    if code.len() == 6
        && code.bytes().all(|b| b.is_ascii_digit())
        && i.otp_hash.as_deref() == Some(&otp_hash(&i.id, code))
    {
        after.otp_verified_at = Some(now);
        after.otp_hash = None;
        apply(&mut after, Step::VerifyOtp)?;
        let ev = event(
            &state,
            &doc.id,
            Some(&i.id),
            "otp.verified",
            json!({"channel": channel_of(&i).0}),
            &meta,
        );
        let saved = save(&state, after, &[ev], None).await?;
        return Ok(Json(
            view(&state, &doc, &saved, &chain(&state, &saved).await?, None).await?,
        ));
    }
    after.otp_failures += 1;
    let left = OTP_MAX_FAILURES - after.otp_failures;
    let ev = event(
        &state,
        &doc.id,
        Some(&i.id),
        "otp.failed",
        json!({"tries_left": left}),
        &meta,
    );
    save(&state, after, &[ev], None).await?;
    Err(if left == 0 {
        ApiError::OtpLocked
    } else {
        ApiError::OtpInvalid(left)
    })
}

/// Sends a new OTP (30 s apart, at most 5).
#[utoipa::path(post, path = "/v1/sign/otp/resend", tag = "signing", security(("journey_token" = [])),
    responses((status = 200, body = JourneyState), (status = "4XX", body = ErrorBody)))]
pub async fn resend_otp(
    State(state): State<AppState>,
    Journey(doc, i): Journey,
    ClientMeta(meta): ClientMeta,
) -> Result<Json<JourneyState>, ApiError> {
    require_open(&i)?;
    if i.otp_verified_at.is_some() {
        return Err(ApiError::InvalidRequest("the code is already verified".into()));
    }
    if i.otp_sends >= OTP_MAX_SENDS {
        return Err(ApiError::OtpResendTooSoon(format!(
            "at most {OTP_MAX_SENDS} codes can be sent; ask the sender for a new invitation"
        )));
    }
    let wait = i.otp_sent_at.map_or(0, |t| {
        t + state.config.otp_resend_s as i64 * 1000 - state.clock.now_ms()
    });
    if wait > 0 {
        return Err(ApiError::OtpResendTooSoon(format!(
            "wait {} s before asking for a new code",
            (wait + 999) / 1000
        )));
    }
    let saved = send_otp(&state, &doc, i, Vec::new(), &meta).await?;
    Ok(Json(
        view(&state, &doc, &saved, &chain(&state, &saved).await?, None).await?,
    ))
}
