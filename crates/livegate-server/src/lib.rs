//! Livegate's verification API: workflows, sessions, frames, face match, results and webhooks
//! over HTTP, stored in SQLite or PostgreSQL with images on local disk or S3.
//!
//! `HTTP request → auth (API key | session token) → handler → Store (SQL) / Objects (images) /
//! Analyzer, verdicts and PDFs (on the blocking pool, bounded) → JSON`. Background jobs (webhook
//! delivery, retention) poll the database, so any number of servers can share it; the one thing
//! held in memory, [`frame_cache::FrameCache`], is checked against the database on every use.
//! Async exists only here; the engine stays synchronous.

pub mod api;
pub mod config;
pub mod error;
pub mod esign;
pub mod evidence;
pub mod frame_cache;
pub mod metrics;
pub mod objects;
pub mod origins;
pub mod outcome;
pub mod person;
pub mod profile;
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
}

impl AppState {
    /// Builds the state; the worker pool has `config.workers` slots, the frame cache
    /// `config.frame_cache_frames` frames.
    pub fn new(
        store: Store,
        objects: Objects,
        analyzer: Arc<Analyzer>,
        config: ServerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let workers = Arc::new(Semaphore::new(config.workers));
        let frame_cache = Arc::new(frame_cache::FrameCache::new(config.frame_cache_frames));
        Self {
            store,
            objects,
            analyzer,
            config: Arc::new(config),
            clock,
            workers,
            frame_cache,
        }
    }
}

/// Starts the background jobs (webhook delivery, frame retention) on the current runtime; they
/// stop when `shutdown` resolves.
pub fn spawn_background(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(webhook::run_deliveries(state.clone(), shutdown.clone()));
    tokio::spawn(evidence::run_retention(state.clone(), shutdown));
}
