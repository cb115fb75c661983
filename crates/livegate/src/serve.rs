//! `livegate serve`: the verification API on an embedded default (SQLite under the data
//! directory), zero set-up.

use std::sync::Arc;

use anyhow::{Context, Result};
use livegate_server::{router, AppState, Clock, ServerConfig, Store, SystemClock};

use crate::{backend, ModelArgs};

/// Arguments of `livegate serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Listen address (overrides LIVEGATE_ADDR; default 127.0.0.1:8080).
    #[arg(long)]
    pub addr: Option<String>,
    #[command(flatten)]
    pub models: ModelArgs,
}

/// Entry point of the subcommand.
pub fn run(args: ServeArgs) -> Result<()> {
    let mut config = ServerConfig::from_env()
        .map_err(anyhow::Error::msg)
        .context("configuration")?;
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    let analyzer = Arc::new(backend::analyzer(&args.models)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let db = config.data_dir.join("livegate.db");
        let store = Store::open(&format!("sqlite://{}", db.display()))
            .await
            .with_context(|| format!("opening {}", db.display()))?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        if let Some(key) = &config.bootstrap_api_key {
            store.add_api_key(key, clock.now_ms()).await?;
        }
        let listener = tokio::net::TcpListener::bind(&config.addr)
            .await
            .with_context(|| format!("binding {}", config.addr))?;
        println!(
            "livegate listening on http://{} (data in {})",
            listener.local_addr()?,
            config.data_dir.display()
        );
        let state = AppState::new(store, analyzer, config, clock);
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}
