//! Rate limits on what an attacker can repeat cheaply: session creation per API key and per
//! client address, and the public journey endpoints (`/v1/client/…`, `/v1/sign/…`) per client
//! address. Token buckets in memory, one per key, refilled continuously at the configured rate
//! per minute with a burst of the same size; over the limit the answer is `429 rate_limited`
//! with `Retry-After`. Per server: behind a load balancer each server counts its own traffic.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::store::hash_secret;
use crate::AppState;

/// Buckets kept before idle (full) ones are dropped.
const MAX_BUCKETS: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
}

/// Token buckets of one limit.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` requests per key and minute (0: unlimited).
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request for `key` at `now_ms`; `Err(seconds to wait)` when over the limit.
    pub fn take(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_ms = capacity / 60_000.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| b.tokens + (now_ms - b.at_ms) as f64 * per_ms < capacity);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            at_ms: now_ms,
        });
        let elapsed = (now_ms - bucket.at_ms).max(0) as f64;
        bucket.tokens = (bucket.tokens + elapsed * per_ms).min(capacity);
        bucket.at_ms = now_ms.max(bucket.at_ms);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / per_ms / 1000.0).ceil().max(1.0) as u64)
        }
    }
}

/// The limits of one server.
#[derive(Debug)]
pub struct RateLimits {
    /// Session creation per API key.
    pub sessions_per_key: RateLimiter,
    /// Session creation and public journey requests per client address.
    pub per_ip: RateLimiter,
}

/// The layer: applies the limits to the routes they cover before the handler runs.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let creates_session = req.method() == Method::POST && path == "/v1/sessions";
    let journey = path.starts_with("/v1/client/") || path.starts_with("/v1/sign/");
    if creates_session || journey {
        let now = state.clock.now_ms();
        let peer = req
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(ip) = state.client_ip(req.headers(), peer) {
            if let Err(wait) = state.rate_limits.per_ip.take(&ip.to_string(), now) {
                return ApiError::RateLimited(wait).into_response();
            }
        }
        if creates_session {
            if let Ok(secret) = crate::api::auth::bearer(req.headers()) {
                if let Err(wait) = state.rate_limits.sessions_per_key.take(&hash_secret(secret), now) {
                    return ApiError::RateLimited(wait).into_response();
                }
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_allow_a_burst_then_refill_at_the_rate() {
        let limiter = RateLimiter::new(60);
        for _ in 0..60 {
            assert!(limiter.take("a", 0).is_ok());
        }
        assert_eq!(limiter.take("a", 0), Err(1));
        assert!(limiter.take("b", 0).is_ok(), "keys are independent");
        assert!(limiter.take("a", 1000).is_ok(), "one token a second");
        assert!(limiter.take("a", 1000).is_err());
        assert!(RateLimiter::new(0).take("a", 0).is_ok());
        let slow = RateLimiter::new(1);
        assert!(slow.take("x", 0).is_ok());
        assert_eq!(slow.take("x", 0), Err(60));
    }
}
