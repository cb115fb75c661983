//! Livegate's verification API: workflows, sessions, frames, face match, results and webhooks
//! over HTTP, stored in SQLite or PostgreSQL with images on local disk or S3.
//!
//! `HTTP request → auth (API key | session token) → handler → Store (SQL) / Objects (images) /
//! Analyzer, verdicts and PDFs (on the blocking pool, bounded) → JSON`. Background jobs (webhook
//! delivery, retention) poll the database, so any number of servers can share it; the one thing
//! held in memory, [`frame_cache::FrameCache`], is checked against the database on every use.
//! Async exists only here; the engine stays synchronous.

pub mod accessibility;
pub mod api;
pub mod client_ip;
pub mod config;
pub mod csv_cell;
pub mod error;
pub mod esign;
pub mod evidence;
pub mod frame_cache;
pub mod headers;
pub mod hooks;
pub mod keys;
pub mod mail;
pub mod metrics;
pub mod objects;
pub mod origins;
pub mod outbound;
pub mod outcome;
pub mod person;
pub mod profile;
pub mod rate_limit;
pub mod serve;
pub mod store;
pub mod web;
pub mod webhook;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use livegate_engine::Analyzer;
use tokio::sync::Semaphore;

pub use api::router;
pub use config::ServerConfig;
pub use error::ApiError;
pub use objects::Objects;
pub use store::Store;

/// Version of the scoring policy recorded with every verdict.
pub const POLICY_VERSION: &str = "liveness-policy-2026-11-22";

/// Time source (milliseconds since the Unix epoch), injected so expiry is testable.
pub trait Clock: Send + Sync {
    /// Now.
    fn now_ms(&self) -> i64;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock tests move by hand.
#[derive(Default)]
pub struct ManualClock(pub AtomicI64);

impl ManualClock {
    /// Moves time forward.
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    /// Records.
    pub store: Store,
    /// Images.
    pub objects: Objects,
    /// The models.
    pub analyzer: Arc<Analyzer>,
    /// Validated configuration.
    pub config: Arc<ServerConfig>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Slots of CPU-heavy work (analysis, verdicts, PDFs): see [`api::on_worker`].
    pub workers: Arc<Semaphore>,
    /// Open sessions' parsed frame signals.
    pub frame_cache: Arc<frame_cache::FrameCache>,
    /// The one client for requests the server makes (webhooks), with its address policy.
    pub outbound: outbound::Outbound,
    /// Networks of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<Vec<outbound::Network>>,
    /// Request rate limits (session creation, public journey endpoints).
    pub rate_limits: Arc<rate_limit::RateLimits>,
    /// The certificate completed PDFs are signed with, once loaded: see [`esign::signing`].
    pub signing: Arc<tokio::sync::OnceCell<Arc<(livegate_pdf::SigningIdentity, esign::signing::Source)>>>,
    /// Who hears that a session finished (the e-signature journey records its attempts).
    pub session_listeners: Arc<Vec<Arc<dyn hooks::SessionListener>>>,
}

impl AppState {
    /// Builds the state; the worker pool has `config.workers` slots, the frame cache
    /// `config.frame_cache_frames` frames, outbound requests the system resolver and
    /// `config.outbound_allow`. Fails only on a configuration [`ServerConfig::validate`] refuses.
    pub fn new(
        store: Store,
        objects: Objects,
        analyzer: Arc<Analyzer>,
        config: ServerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        Self::with_resolver(
            store,
            objects,
            analyzer,
            config,
            clock,
            Arc::new(outbound::SystemResolver),
        )
    }

    /// [`AppState::new`] with outbound host names resolved by `resolver`.
    pub fn with_resolver(
        store: Store,
        objects: Objects,
        analyzer: Arc<Analyzer>,
        config: ServerConfig,
        clock: Arc<dyn Clock>,
        resolver: Arc<dyn outbound::HostResolver>,
    ) -> Result<Self, String> {
        let workers = Arc::new(Semaphore::new(config.workers));
        let frame_cache = Arc::new(frame_cache::FrameCache::new(config.frame_cache_frames));
        let outbound = outbound::Outbound::new(config.outbound_policy()?, resolver)?;
        let trusted_proxies = Arc::new(config.trusted_proxy_networks()?);
        let rate_limits = Arc::new(rate_limit::RateLimits {
            sessions_per_key: rate_limit::RateLimiter::new(config.rate_limit_sessions_per_min),
            per_ip: rate_limit::RateLimiter::new(config.rate_limit_ip_per_min),
        });
        Ok(Self {
            store,
            objects,
            analyzer,
            config: Arc::new(config),
            clock,
            workers,
            frame_cache,
            outbound,
            trusted_proxies,
            rate_limits,
            signing: Arc::default(),
            session_listeners: Arc::new(vec![Arc::new(esign::attempts::RecordAttempts)]),
        })
    }
}

impl AppState {
    /// The client address of a request (see [`client_ip::client_ip`]).
    pub fn client_ip(
        &self,
        headers: &axum::http::HeaderMap,
        peer: Option<std::net::IpAddr>,
    ) -> Option<std::net::IpAddr> {
        let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        client_ip::client_ip(peer, forwarded, &self.trusted_proxies)
    }
}

/// Starts the background jobs (webhook delivery, frame retention, e-signature capture
/// retention) on the current runtime; they stop when `shutdown` resolves.
pub fn spawn_background(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(webhook::run_deliveries(state.clone(), shutdown.clone()));
    tokio::spawn(esign::retention::run_capture_retention(state.clone(), shutdown.clone()));
    tokio::spawn(evidence::run_retention(state.clone(), shutdown));
}
