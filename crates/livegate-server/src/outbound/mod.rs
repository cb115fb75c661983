//! The one HTTP client for requests the server makes on its own (webhook deliveries, the SMS
//! gateway, the time-stamping authority). A URL an API caller gives us must not turn the server into
//! a probe of its own network, so:
//!
//! - the host is resolved and every address checked ([`address::forbidden_reason`]) when the
//!   URL is registered *and* on each request; the request connects only to the addresses the
//!   check saw (the check is the client's DNS resolver), so a name that re-resolves to a private
//!   address later (DNS rebinding) is refused before any connection is made;
//! - redirects are not followed (a 3xx is a failed attempt), proxies from the environment are
//!   ignored, time and response size are bounded;
//! - failures are our own stable codes ([`OutboundError::code`]), never the target's body.
//!
//! Receivers on internal networks are reached only when the operator lists their network in
//! `outbound_allow`.

pub mod address;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use thiserror::Error;

pub use address::Network;

/// Time to establish a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for the whole exchange.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response body read: a webhook receiver has nothing to tell us beyond its status, and
/// a time-stamp response is a few kilobytes.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Why an outbound request was refused or failed. Codes are stable and are what the delivery
/// log shows.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum OutboundError {
    /// Not an absolute `http(s)://host` URL.
    #[error("url must be an absolute http(s) URL")]
    InvalidUrl,
    /// The host is, or resolves to, an address outbound requests may not reach.
    #[error("{host} resolves to a {reason} address, which outbound requests may not reach")]
    Forbidden {
        /// The host as written.
        host: String,
        /// `loopback`, `private`, `link_local`, `multicast`, `unspecified` or `reserved`.
        reason: &'static str,
    },
    /// The host name has no address.
    #[error("{0} does not resolve")]
    Unresolvable(String),
    /// No connection could be made.
    #[error("connection failed")]
    Connect,
    /// The connection or the exchange took too long.
    #[error("timed out")]
    Timeout,
    /// The target answered with a redirect, which is not followed.
    #[error("redirect not followed")]
    Redirect,
    /// The target answered with a non-2xx status.
    #[error("non-2xx status")]
    Status,
    /// The response body exceeded [`MAX_RESPONSE_BYTES`].
    #[error("response too large")]
    ResponseTooLarge,
    /// Any other transport failure.
    #[error("request failed")]
    Failed,
}

impl OutboundError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUrl => "invalid_url",
            Self::Forbidden { .. } => "target_forbidden",
            Self::Unresolvable(_) => "target_unresolvable",
            Self::Connect => "connect_failed",
            Self::Timeout => "timeout",
            Self::Redirect => "redirect_refused",
            Self::Status => "http_status",
            Self::ResponseTooLarge => "response_too_large",
            Self::Failed => "request_failed",
        }
    }
}

/// Turns a host name into addresses; injected so tests can play a rebinding DNS server.
pub trait HostResolver: Send + Sync {
    /// Every address of `host` (port 0 is fine).
    fn lookup(&self, host: String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>>;
}

/// The operating system's resolver.
pub struct SystemResolver;

impl HostResolver for SystemResolver {
    fn lookup(&self, host: String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// Which addresses may be reached.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Networks reachable even though they are internal (the operator's own receivers).
    pub allow: Vec<Network>,
}

impl Policy {
    /// `Ok` when `ip` is public or allowed; the host is only for the message.
    pub fn check(&self, host: &str, ip: IpAddr) -> Result<(), OutboundError> {
        if self.allow.iter().any(|n| n.contains(ip)) {
            return Ok(());
        }
        match address::forbidden_reason(ip) {
            None => Ok(()),
            Some(reason) => Err(OutboundError::Forbidden {
                host: host.to_string(),
                reason,
            }),
        }
    }

    /// Resolves `host` and checks every address: one forbidden address refuses the host.
    async fn resolve(&self, resolver: &dyn HostResolver, host: &str) -> Result<Vec<IpAddr>, OutboundError> {
        let ips = resolver
            .lookup(host.to_string())
            .await
            .map_err(|_| OutboundError::Unresolvable(host.to_string()))?;
        if ips.is_empty() {
            return Err(OutboundError::Unresolvable(host.to_string()));
        }
        for ip in &ips {
            self.check(host, *ip)?;
        }
        Ok(ips)
    }
}

/// The client's DNS step: resolution and the address check in one place, so the addresses
/// checked are the addresses connected to.
struct CheckedResolver {
    policy: Arc<Policy>,
    resolver: Arc<dyn HostResolver>,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let resolver = self.resolver.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips = policy.resolve(resolver.as_ref(), &host).await?;
            let addrs: reqwest::dns::Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The outbound HTTP client.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    policy: Arc<Policy>,
    resolver: Arc<dyn HostResolver>,
}

impl Outbound {
    /// A client with `policy`, resolving names with `resolver`.
    pub fn new(policy: Policy, resolver: Arc<dyn HostResolver>) -> Result<Self, String> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .dns_resolver(CheckedResolver {
                policy: policy.clone(),
                resolver: resolver.clone(),
            })
            .build()
            .map_err(|e| format!("outbound HTTP client: {e}"))?;
        Ok(Self {
            client,
            policy,
            resolver,
        })
    }

    /// Checks a URL before it is stored: absolute http(s), and every address of its host
    /// reachable under the policy.
    pub async fn check_url(&self, url: &str) -> Result<reqwest::Url, OutboundError> {
        let url = parse(url)?;
        self.check_host(&url).await?;
        Ok(url)
    }

    async fn check_host(&self, url: &reqwest::Url) -> Result<(), OutboundError> {
        match host(url)? {
            Host::Ip(ip) => self.policy.check(&ip.to_string(), ip),
            Host::Name(name) => self.policy.resolve(self.resolver.as_ref(), name).await.map(drop),
        }
    }

    /// POSTs `body` with `headers`; `Ok(status)` for a 2xx answer. Any other status is
    /// `Err((Some(status), Status | Redirect))`; refusals and transport failures carry no status.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<u16, (Option<u16>, OutboundError)> {
        self.exchange(url, headers, body).await.map(|(status, _)| status)
    }

    /// [`Outbound::post`], keeping the answer's body (at most [`MAX_RESPONSE_BYTES`]), for
    /// services whose answer is the point (a time-stamping authority).
    pub async fn exchange(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<(u16, Vec<u8>), (Option<u16>, OutboundError)> {
        let url = parse(url).map_err(|e| (None, e))?;
        // Literal addresses never reach the resolver: check them here.
        if matches!(host(&url), Ok(Host::Ip(_))) {
            self.check_host(&url).await.map_err(|e| (None, e))?;
        }
        let mut request = self.client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let mut response = request.send().await.map_err(|e| (None, transport_error(&e)))?;
        let status = response.status().as_u16();
        let mut read = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if read.len() + chunk.len() > MAX_RESPONSE_BYTES {
                        return Err((Some(status), OutboundError::ResponseTooLarge));
                    }
                    read.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err((Some(status), transport_error(&e))),
            }
        }
        match status {
            200..=299 => Ok((status, read)),
            300..=399 => Err((Some(status), OutboundError::Redirect)),
            _ => Err((Some(status), OutboundError::Status)),
        }
    }
}

enum Host<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

/// The URL's host; the URL parser has already turned numeric IPv4 forms (`2130706433`,
/// `0x7f.1`) into dotted quads and bracketed IPv6.
fn host(url: &reqwest::Url) -> Result<Host<'_>, OutboundError> {
    let text = url.host_str().ok_or(OutboundError::InvalidUrl)?;
    let bare = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(text);
    Ok(match bare.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Name(text),
    })
}

fn parse(url: &str) -> Result<reqwest::Url, OutboundError> {
    let url = reqwest::Url::parse(url.trim()).map_err(|_| OutboundError::InvalidUrl)?;
    let ok = matches!(url.scheme(), "http" | "https") && url.host().is_some() && url.username().is_empty();
    ok.then_some(url).ok_or(OutboundError::InvalidUrl)
}

/// Our code for a transport failure; the refusal raised by [`CheckedResolver`] is found in the
/// error's chain.
fn transport_error(e: &reqwest::Error) -> OutboundError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(ours) = err.downcast_ref::<OutboundError>() {
            return ours.clone();
        }
        source = err.source();
    }
    if e.is_timeout() {
        OutboundError::Timeout
    } else if e.is_connect() {
        OutboundError::Connect
    } else {
        OutboundError::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn numeric_and_bracketed_hosts_are_refused_at_registration() {
        let out = Outbound::new(Policy::default(), Arc::new(SystemResolver)).unwrap();
        for url in [
            "http://127.0.0.1/hook",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://[::1]:8080/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost:9/",
        ] {
            let err = out.check_url(url).await.unwrap_err();
            assert_eq!(err.code(), "target_forbidden", "{url}: {err}");
        }
        for url in ["ftp://x/y", "not a url", "http://", "http://user:pw@8.8.8.8/"] {
            assert_eq!(
                out.check_url(url).await.unwrap_err(),
                OutboundError::InvalidUrl,
                "{url}"
            );
        }
        assert!(out.check_url("http://8.8.8.8/hook").await.is_ok());
        let allowed = Outbound::new(
            Policy {
                allow: vec![Network::parse("127.0.0.0/8").unwrap()],
            },
            Arc::new(SystemResolver),
        )
        .unwrap();
        assert!(allowed.check_url("http://127.0.0.1:9/hook").await.is_ok());
        assert!(allowed.check_url("http://10.0.0.1/").await.is_err());
    }
}
