//! The time-stamping authority of completed PDFs (`esign_tsa_url`, RFC 3161 over HTTP): the
//! PDF is signed on the worker pool, in sync code, so the request is made there through the
//! outbound client (its address policy, no redirects, bounded time and size) on the server's
//! runtime.

use std::fmt;

use livegate_pdf::Timestamper;

use crate::outbound::Outbound;
use crate::AppState;

/// RFC 3161 section 3.4's media types.
const QUERY: &str = "application/timestamp-query";
const REPLY: &str = "application/timestamp-reply";

/// The configured authority, if any.
pub struct HttpTimestamper {
    url: String,
    outbound: Outbound,
    runtime: tokio::runtime::Handle,
}

impl fmt::Debug for HttpTimestamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTimestamper").field("url", &self.url).finish()
    }
}

impl HttpTimestamper {
    /// The authority of `state`'s configuration, to be used from a blocking thread of the
    /// current runtime; `None` when `esign_tsa_url` is unset.
    pub fn configured(state: &AppState) -> Option<Self> {
        Some(Self {
            url: state.config.esign_tsa_url.clone()?,
            outbound: state.outbound.clone(),
            runtime: tokio::runtime::Handle::current(),
        })
    }
}

impl Timestamper for HttpTimestamper {
    fn timestamp(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        let headers = [("content-type", QUERY.to_string()), ("accept", REPLY.to_string())];
        let (_, body) = self
            .runtime
            .block_on(self.outbound.exchange(&self.url, &headers, request.to_vec()))
            .map_err(|(status, e)| match status {
                Some(status) => format!("{} (HTTP {status})", e.code()),
                None => e.code().to_string(),
            })?;
        Ok(body)
    }
}
