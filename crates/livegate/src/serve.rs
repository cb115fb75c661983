//! `livegate serve`: the verification API. Zero set-up by default (SQLite and images under the
//! data directory); PostgreSQL and S3 by configuration.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use livegate_server::{router, spawn_background, AppState, Clock, Objects, ServerConfig, Store, SystemClock};

use crate::{backend, ModelArgs};

/// Arguments of `livegate serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Listen address (overrides the file and LIVEGATE_ADDR; default 127.0.0.1:8080; port 0 picks
    /// a free port).
    #[arg(long)]
    pub addr: Option<String>,
    /// TOML configuration file (else LIVEGATE_CONFIG); environment variables override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub models: ModelArgs,
}

/// Entry point of the subcommand.
pub fn run(args: ServeArgs) -> Result<()> {
    let mut config = ServerConfig::load(args.config.as_deref())
        .map_err(anyhow::Error::msg)
        .context("configuration")?;
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    let analyzer = Arc::new(livegate_engine::Analyzer::new(backend::load_for(
        &args.models,
        config.workers,
    )?));
    eprintln!("livegate: inference backend {}", analyzer.models().backend);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let url = config.database_url();
        let store = Store::open(&url)
            .await
            .with_context(|| format!("opening database {url}"))?;
        let objects = Objects::open(config.object_store.as_deref(), &config.data_dir).context("object store")?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        if let Some(key) = &config.bootstrap_api_key {
            store.add_api_key(key, clock.now_ms()).await?;
        }
        let now = clock.now_ms();
        if !store.api_keys(None).await?.iter().any(|k| k.active(now)) {
            eprintln!("{NO_KEY_WARNING}");
        }
        let listener = tokio::net::TcpListener::bind(&config.addr)
            .await
            .with_context(|| format!("binding {}", config.addr))?;
        println!(
            "livegate listening on http://{} (database {:?}, images in {})",
            listener.local_addr()?,
            store.kind(),
            objects.describe()
        );
        if config.public_url.is_none() {
            // Links sent to signers name the address actually bound (`--addr 127.0.0.1:0`).
            config.public_url = Some(format!("http://{}", listener.local_addr()?));
        }
        let state = AppState::new(store, objects, analyzer, config, clock).map_err(anyhow::Error::msg)?;
        let signing = livegate_server::esign::signing::identity(&state)
            .await
            .map_err(|e| anyhow::anyhow!("e-signature certificate: {e}"))?;
        eprintln!(
            "livegate: completed PDFs are signed by {} ({}, SHA-256 fingerprint {})",
            signing.0.subject(),
            signing.1.as_str(),
            signing.0.fingerprint()
        );
        let (stop, stopped) = tokio::sync::watch::channel(false);
        spawn_background(&state, stopped);
        let limits = livegate_server::serve::Limits::from_config(&state.config);
        livegate_server::serve::serve(listener, router(state), limits, async move {
            shutdown_signal().await;
            eprintln!("livegate: shutting down; finishing requests in flight");
            let _ = stop.send(true);
        })
        .await?;
        Ok(())
    })
}

/// Printed at start when the store holds no usable API key: every API call would get 401.
const NO_KEY_WARNING: &str = "livegate: WARNING: no API key exists, so every API call and the /admin page \
will be refused (401). Start once with LIVEGATE_BOOTSTRAP_API_KEY=<a long random secret> (or \
`bootstrap_api_key` in the config file) to create the first admin key, then create scoped keys \
with POST /v1/keys.";

/// Ctrl-C or SIGTERM (what `docker stop`, systemd and Kubernetes send): both drain the same way.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
