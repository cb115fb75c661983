//! Server configuration: embedded defaults overridden by `LIVEGATE_*` environment variables,
//! validated once at start.

use std::path::PathBuf;

/// Validated settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Where the SQLite database lives (`LIVEGATE_DATA_DIR`, default `./livegate-data`).
    pub data_dir: PathBuf,
    /// Listen address (`LIVEGATE_ADDR`, default `127.0.0.1:8080`).
    pub addr: String,
    /// Session lifetime in seconds (`LIVEGATE_SESSION_TTL_S`, default 300).
    pub session_ttl_s: u64,
    /// Largest accepted frame upload in bytes (`LIVEGATE_MAX_FRAME_BYTES`, default 8 MiB).
    pub max_frame_bytes: usize,
    /// Concurrent frame analyses (`LIVEGATE_WORKERS`, default: available cores).
    pub workers: usize,
    /// An API key created on first start (`LIVEGATE_BOOTSTRAP_API_KEY`), stored hashed.
    pub bootstrap_api_key: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("livegate-data"),
            addr: "127.0.0.1:8080".into(),
            session_ttl_s: 300,
            max_frame_bytes: 8 * 1024 * 1024,
            workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            bootstrap_api_key: None,
        }
    }
}

fn parse<T: std::str::FromStr>(name: &str, value: String) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{name}={value:?} is not a valid value"))
}

impl ServerConfig {
    /// Defaults, then the environment; every value checked.
    pub fn from_env() -> Result<Self, String> {
        let mut c = Self::default();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(v) = var("LIVEGATE_DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("LIVEGATE_ADDR") {
            c.addr = v;
        }
        if let Some(v) = var("LIVEGATE_SESSION_TTL_S") {
            c.session_ttl_s = parse("LIVEGATE_SESSION_TTL_S", v)?;
        }
        if let Some(v) = var("LIVEGATE_MAX_FRAME_BYTES") {
            c.max_frame_bytes = parse("LIVEGATE_MAX_FRAME_BYTES", v)?;
        }
        if let Some(v) = var("LIVEGATE_WORKERS") {
            c.workers = parse("LIVEGATE_WORKERS", v)?;
        }
        c.bootstrap_api_key = var("LIVEGATE_BOOTSTRAP_API_KEY");
        c.validate()?;
        Ok(c)
    }

    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        if !(10..=3600).contains(&self.session_ttl_s) {
            return Err(format!("session TTL must be 10-3600 s, got {}", self.session_ttl_s));
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.max_frame_bytes) {
            return Err(format!(
                "max frame bytes must be 1 KiB-64 MiB, got {}",
                self.max_frame_bytes
            ));
        }
        if !(1..=64).contains(&self.workers) {
            return Err(format!("workers must be 1-64, got {}", self.workers));
        }
        if self.bootstrap_api_key.as_ref().is_some_and(|k| k.len() < 16) {
            return Err("LIVEGATE_BOOTSTRAP_API_KEY must have at least 16 characters".into());
        }
        Ok(())
    }
}
