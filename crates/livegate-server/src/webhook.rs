//! Webhook delivery: events queued in the database with the result they report are POSTed to
//! each endpoint, signed with HMAC-SHA256 (`Livegate-Signature: t=<unix s>,v1=<hex>` over
//! `"<t>.<body>"`), retried with exponential backoff, every attempt logged.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::watch;

use crate::error::ApiError;
use crate::store::{AttemptOutcome, DeliveryAttempt};
use crate::AppState;

/// Longest wait between attempts.
pub const MAX_BACKOFF_MS: i64 = 3_600_000;
/// How long a claimed delivery is reserved for its worker.
const LEASE_MS: i64 = 60_000;
/// Receivers should refuse signatures older than this.
pub const SIGNATURE_TOLERANCE_S: i64 = 300;

fn mac(secret: &str, timestamp_s: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp_s.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Livegate-Signature` header value for `body` sent at `timestamp_s`.
pub fn signature(secret: &str, timestamp_s: i64, body: &[u8]) -> String {
    let tag = mac(secret, timestamp_s, body).finalize().into_bytes();
    format!("t={timestamp_s},v1={}", hex::encode(tag))
}

/// Checks a `Livegate-Signature` header as a receiver should: constant-time comparison and a
/// timestamp within [`SIGNATURE_TOLERANCE_S`] of `now_s`.
pub fn verify(secret: &str, header: &str, body: &[u8], now_s: i64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    (now_s - t).abs() <= SIGNATURE_TOLERANCE_S && mac(secret, t, body).verify_slice(&v1).is_ok()
}

/// Delay before attempt `attempts + 1`: the base doubled per attempt made, capped.
pub fn backoff_ms(base_ms: u64, attempts: i64) -> i64 {
    let shift = (attempts - 1).clamp(0, 30) as u32;
    (base_ms as i64).saturating_mul(1i64 << shift).min(MAX_BACKOFF_MS)
}

/// Claims one due delivery and attempts it. Returns false when nothing was due.
/// The POST goes through [`crate::outbound`]: the endpoint's host is checked again (it may
/// resolve elsewhere now), no redirect is followed, and the log records our own error code.
pub async fn deliver_one(state: &AppState) -> Result<bool, ApiError> {
    let now = state.clock.now_ms();
    let Some(delivery) = state.store.claim_delivery(now, LEASE_MS).await? else {
        return Ok(false);
    };
    let Some(endpoint) = state.store.endpoint(&delivery.endpoint_id).await? else {
        return Ok(true);
    };
    let started = Instant::now();
    let body = delivery.payload.clone().into_bytes();
    let headers = [
        ("content-type", "application/json".to_string()),
        ("livegate-event", delivery.event.clone()),
        ("livegate-delivery", delivery.id.clone()),
        ("livegate-signature", signature(&endpoint.secret, now / 1000, &body)),
    ];
    let (status_code, error) = match state.outbound.post(&endpoint.url, &headers, body).await {
        Ok(status) => (Some(status as i64), None),
        Err((status, e)) => (status.map(i64::from), Some(e.code().to_string())),
    };
    let attempt = DeliveryAttempt {
        attempt: delivery.attempts,
        at: now,
        status_code,
        error: error.clone(),
        duration_ms: started.elapsed().as_millis() as i64,
    };
    let outcome = if error.is_none() {
        AttemptOutcome::Delivered
    } else if delivery.attempts >= state.config.webhook_max_attempts as i64 {
        AttemptOutcome::Failed
    } else {
        AttemptOutcome::RetryAt(now + backoff_ms(state.config.webhook_backoff_ms, delivery.attempts))
    };
    metrics::counter!("livegate_webhook_attempts_total", "ok" => error.is_none().to_string()).increment(1);
    state.store.record_attempt(&delivery, &attempt, outcome).await?;
    Ok(true)
}

/// Delivers due events until shutdown, polling when idle.
pub async fn run_deliveries(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let idle = Duration::from_millis(state.config.poll_interval_ms);
    loop {
        let worked = match deliver_one(&state).await {
            Ok(worked) => worked,
            Err(e) => {
                eprintln!("webhooks: {e}");
                false
            }
        };
        if !worked {
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_reject_tampering_and_age() {
        let h = signature("whsec_x", 1_700_000_000, b"{\"a\":1}");
        assert!(verify("whsec_x", &h, b"{\"a\":1}", 1_700_000_010));
        assert!(!verify("whsec_x", &h, b"{\"a\":2}", 1_700_000_010));
        assert!(!verify("whsec_y", &h, b"{\"a\":1}", 1_700_000_010));
        assert!(!verify("whsec_x", &h, b"{\"a\":1}", 1_700_000_000 + 301));
        assert!(!verify("whsec_x", "v1=00", b"", 0));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(2000, 1), 2000);
        assert_eq!(backoff_ms(2000, 2), 4000);
        assert_eq!(backoff_ms(2000, 4), 16000);
        assert_eq!(backoff_ms(2000, 40), MAX_BACKOFF_MS);
    }
}
