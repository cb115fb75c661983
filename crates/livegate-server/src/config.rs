//! Server configuration in layers: embedded defaults, then a TOML file (`--config` or
//! `LIVEGATE_CONFIG`), then `LIVEGATE_*` environment variables; validated once at start.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::outbound::{Network, Policy};

fn networks(name: &str, list: &[String]) -> Result<Vec<Network>, String> {
    list.iter()
        .map(|n| Network::parse(n).ok_or_else(|| format!("{name}: {n:?} is not an address or CIDR network")))
        .collect()
}

/// Validated settings. Every field can be set in the file under the same name, or in the
/// environment as `LIVEGATE_<NAME>` in capitals.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Where the default SQLite database and frame store live (default `./livegate-data`).
    pub data_dir: PathBuf,
    /// Listen address (default `127.0.0.1:8080`).
    pub addr: String,
    /// `sqlite://…` or `postgres://…`; default a SQLite file in the data directory.
    pub database_url: Option<String>,
    /// `s3://bucket[/prefix]` (credentials and endpoint from the `AWS_*` variables) or a
    /// directory; default `<data_dir>/objects`.
    pub object_store: Option<String>,
    /// Session lifetime in seconds (default 300).
    pub session_ttl_s: u64,
    /// Largest accepted frame or reference upload in bytes (default 8 MiB).
    pub max_frame_bytes: usize,
    /// Concurrent frame analyses (default: available cores).
    pub workers: usize,
    /// How long a session completion or PDF work waits for a worker slot before it is answered
    /// `503 busy`, in milliseconds (default 10000); frame uploads never wait.
    pub worker_wait_ms: u64,
    /// Parsed frame signals of open sessions kept in memory, in frames over all sessions
    /// (default 20000, a few tens of MB); least recently used sessions go first.
    pub frame_cache_frames: usize,
    /// An API key created on first start, stored hashed: an `admin` key of the default tenant.
    pub bootstrap_api_key: Option<String>,
    /// Seconds a rotated API key keeps working after `POST /v1/keys/{id}/rotate` (default 0:
    /// the old secret stops at once).
    pub api_key_rotation_grace_s: u64,
    /// Seconds frames are kept after a session completes or expires; 0 deletes them at
    /// completion (audit images are kept).
    pub frame_retention_s: u64,
    /// Audit images kept per completed session (default 3).
    pub audit_images: usize,
    /// Delivery attempts per webhook event before it is marked failed (default 6).
    pub webhook_max_attempts: u32,
    /// First retry delay in milliseconds; doubles each attempt (default 2000).
    pub webhook_backoff_ms: u64,
    /// How often background jobs (webhooks, retention) look for work, in milliseconds.
    pub poll_interval_ms: u64,
    /// Largest accepted PDF in bytes (default 16 MiB).
    pub max_pdf_bytes: usize,
    /// Lifetime of a signing invitation link in seconds (default 7 days).
    pub invitation_ttl_s: u64,
    /// Lifetime of a one-time password in seconds (default 300).
    pub otp_ttl_s: u64,
    /// Seconds a signer waits between OTP sends (default 30).
    pub otp_resend_s: u64,
    /// Public base URL of this server for links sent to signers (default `http://<addr>`).
    pub public_url: Option<String>,
    /// Where invitations and OTPs are e-mailed: `smtps://[user:password@]host[:port]`
    /// (implicit TLS), `smtp://…` (STARTTLS required) or `smtp://localhost:port?tls=none`
    /// (plain, loopback only; see [`crate::mail`]); unset, messages go to the development
    /// outbox (`/v1/outbox`) and the log.
    pub smtp_url: Option<String>,
    /// Sender address of e-mails (default `livegate@localhost`).
    pub smtp_from: String,
    /// A PEM file of extra root certificates trusted for the SMTP server (a private CA).
    pub smtp_ca_file: Option<PathBuf>,
    /// An HTTPS endpoint that sends SMS: each message is POSTed as JSON `{id, to, body, kind}`
    /// signed like a webhook (`Livegate-Signature` with `sms_gateway_secret`) through the
    /// outbound client; unset, SMS messages go to the development outbox.
    pub sms_gateway_url: Option<String>,
    /// The shared secret of `sms_gateway_url` (at least 16 characters).
    pub sms_gateway_secret: Option<String>,
    /// Networks (CIDR, e.g. `10.20.0.0/16`, `127.0.0.1/32`) that outbound requests such as
    /// webhook deliveries may reach although they are internal; default none: only public
    /// addresses. Environment: comma-separated.
    pub outbound_allow: Vec<String>,
    /// Networks of reverse proxies whose `X-Forwarded-For` is believed (CIDR); default none:
    /// the peer address is the client address. Environment: comma-separated.
    pub trusted_proxies: Vec<String>,
    /// Seconds a connection may take to send a request's headers, also the longest idle time
    /// between keep-alive requests (default 10).
    pub header_read_timeout_s: u64,
    /// Seconds a connection may move no byte in either direction before it is closed (default
    /// 60): a stalled upload, or a handler silent that long.
    pub idle_timeout_s: u64,
    /// Seconds one request may take from its headers to its answer, body upload included
    /// (default 120); beyond it the answer is `408 request_timeout`.
    pub request_timeout_s: u64,
    /// Open connections at most (default 1024); further connections are closed at once.
    pub max_connections: usize,
    /// Image bytes one session may upload over all its frames (default 128 MiB); beyond it
    /// `413 session_bytes_exceeded`. The frame count is capped by the profile's `max_frames`.
    pub max_session_bytes: u64,
    /// Sessions one API key may create per minute (burst of the same size; default 600; 0 off).
    pub rate_limit_sessions_per_min: u32,
    /// Requests per minute one client address may make to session creation and the public
    /// journey endpoints `/v1/client/…`, `/v1/sign/…` (default 300; 0 off). Frame uploads
    /// are bounded per session instead (`max_frames`, `max_session_bytes`).
    pub rate_limit_ip_per_min: u32,
    /// Declined sessions of one `subject` within `lockout_window_s` after which new sessions
    /// for it are refused (default 5; 0 off).
    pub lockout_failures: u32,
    /// The lockout's window in seconds (default 180).
    pub lockout_window_s: u64,
    /// PEM file of the certificate completed PDFs are signed with, then any intermediates;
    /// with `esign_signing_key`. Unset (and no `esign_signing_p12`): a self-signed certificate
    /// generated at first start.
    pub esign_signing_cert: Option<PathBuf>,
    /// PEM file of `esign_signing_cert`'s private key (PKCS#8, PKCS#1 or SEC1; RSA or EC
    /// P-256/P-384).
    pub esign_signing_key: Option<PathBuf>,
    /// PKCS#12 file with the signing key and its certificate chain, instead of the PEM pair.
    pub esign_signing_p12: Option<PathBuf>,
    /// Password of `esign_signing_p12` (default empty).
    pub esign_signing_p12_password: Option<String>,
    /// An RFC 3161 time-stamping authority (http(s) URL). Set: each completion's signature
    /// carries the authority's signature timestamp (PAdES B-T), requested through the outbound
    /// client; when the authority fails, the PDF is signed without one and the audit trail says
    /// so. Unset (default): B-B signatures, the time from the server's clock.
    pub esign_tsa_url: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("livegate-data"),
            addr: "127.0.0.1:8080".into(),
            database_url: None,
            object_store: None,
            session_ttl_s: 300,
            max_frame_bytes: 8 * 1024 * 1024,
            workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            worker_wait_ms: 10_000,
            frame_cache_frames: 20_000,
            bootstrap_api_key: None,
            api_key_rotation_grace_s: 0,
            frame_retention_s: 0,
            audit_images: 3,
            webhook_max_attempts: 6,
            webhook_backoff_ms: 2000,
            poll_interval_ms: 500,
            max_pdf_bytes: 16 * 1024 * 1024,
            invitation_ttl_s: 7 * 86_400,
            otp_ttl_s: 300,
            otp_resend_s: 30,
            public_url: None,
            smtp_url: None,
            smtp_from: "livegate@localhost".into(),
            smtp_ca_file: None,
            sms_gateway_url: None,
            sms_gateway_secret: None,
            outbound_allow: Vec::new(),
            trusted_proxies: Vec::new(),
            header_read_timeout_s: 10,
            idle_timeout_s: 60,
            request_timeout_s: 120,
            max_connections: 1024,
            max_session_bytes: 128 * 1024 * 1024,
            rate_limit_sessions_per_min: 600,
            rate_limit_ip_per_min: 300,
            lockout_failures: 5,
            lockout_window_s: 180,
            esign_signing_cert: None,
            esign_signing_key: None,
            esign_signing_p12: None,
            esign_tsa_url: None,
            esign_signing_p12_password: None,
        }
    }
}

fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{name}={value:?} is not a valid value"))
}

impl ServerConfig {
    /// Defaults, then `file` (or `LIVEGATE_CONFIG`), then the environment; every value checked.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| env("LIVEGATE_CONFIG").map(PathBuf::from));
        let mut c = match file {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => Self::default(),
        };
        c.apply_env(env)?;
        c.validate()?;
        Ok(c)
    }

    /// Applies `LIVEGATE_*` variables read through `var`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        macro_rules! number {
            ($field:ident, $name:literal) => {
                if let Some(v) = var($name) {
                    self.$field = parse($name, &v)?;
                }
            };
        }
        if let Some(v) = var("LIVEGATE_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("LIVEGATE_ADDR") {
            self.addr = v;
        }
        if let Some(v) = var("LIVEGATE_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("LIVEGATE_OBJECT_STORE") {
            self.object_store = Some(v);
        }
        if let Some(v) = var("LIVEGATE_BOOTSTRAP_API_KEY") {
            self.bootstrap_api_key = Some(v);
        }
        for (name, field) in [
            ("LIVEGATE_PUBLIC_URL", &mut self.public_url),
            ("LIVEGATE_SMTP_URL", &mut self.smtp_url),
            ("LIVEGATE_SMS_GATEWAY_URL", &mut self.sms_gateway_url),
            ("LIVEGATE_SMS_GATEWAY_SECRET", &mut self.sms_gateway_secret),
            ("LIVEGATE_ESIGN_TSA_URL", &mut self.esign_tsa_url),
        ] {
            if let Some(v) = var(name) {
                *field = Some(v);
            }
        }
        for (name, field) in [
            ("LIVEGATE_ESIGN_SIGNING_CERT", &mut self.esign_signing_cert),
            ("LIVEGATE_ESIGN_SIGNING_KEY", &mut self.esign_signing_key),
            ("LIVEGATE_ESIGN_SIGNING_P12", &mut self.esign_signing_p12),
        ] {
            if let Some(v) = var(name) {
                *field = Some(PathBuf::from(v));
            }
        }
        if let Some(v) = var("LIVEGATE_ESIGN_SIGNING_P12_PASSWORD") {
            self.esign_signing_p12_password = Some(v);
        }
        if let Some(v) = var("LIVEGATE_SMTP_FROM") {
            self.smtp_from = v;
        }
        if let Some(v) = var("LIVEGATE_SMTP_CA_FILE") {
            self.smtp_ca_file = Some(PathBuf::from(v));
        }
        let list = |v: String| -> Vec<String> {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        if let Some(v) = var("LIVEGATE_OUTBOUND_ALLOW") {
            self.outbound_allow = list(v);
        }
        if let Some(v) = var("LIVEGATE_TRUSTED_PROXIES") {
            self.trusted_proxies = list(v);
        }
        number!(header_read_timeout_s, "LIVEGATE_HEADER_READ_TIMEOUT_S");
        number!(idle_timeout_s, "LIVEGATE_IDLE_TIMEOUT_S");
        number!(request_timeout_s, "LIVEGATE_REQUEST_TIMEOUT_S");
        number!(max_connections, "LIVEGATE_MAX_CONNECTIONS");
        number!(max_session_bytes, "LIVEGATE_MAX_SESSION_BYTES");
        number!(rate_limit_sessions_per_min, "LIVEGATE_RATE_LIMIT_SESSIONS_PER_MIN");
        number!(rate_limit_ip_per_min, "LIVEGATE_RATE_LIMIT_IP_PER_MIN");
        number!(lockout_failures, "LIVEGATE_LOCKOUT_FAILURES");
        number!(lockout_window_s, "LIVEGATE_LOCKOUT_WINDOW_S");
        number!(max_pdf_bytes, "LIVEGATE_MAX_PDF_BYTES");
        number!(invitation_ttl_s, "LIVEGATE_INVITATION_TTL_S");
        number!(otp_ttl_s, "LIVEGATE_OTP_TTL_S");
        number!(otp_resend_s, "LIVEGATE_OTP_RESEND_S");
        number!(session_ttl_s, "LIVEGATE_SESSION_TTL_S");
        number!(max_frame_bytes, "LIVEGATE_MAX_FRAME_BYTES");
        number!(workers, "LIVEGATE_WORKERS");
        number!(worker_wait_ms, "LIVEGATE_WORKER_WAIT_MS");
        number!(frame_cache_frames, "LIVEGATE_FRAME_CACHE_FRAMES");
        number!(frame_retention_s, "LIVEGATE_FRAME_RETENTION_S");
        number!(audit_images, "LIVEGATE_AUDIT_IMAGES");
        number!(webhook_max_attempts, "LIVEGATE_WEBHOOK_MAX_ATTEMPTS");
        number!(webhook_backoff_ms, "LIVEGATE_WEBHOOK_BACKOFF_MS");
        number!(api_key_rotation_grace_s, "LIVEGATE_API_KEY_ROTATION_GRACE_S");
        number!(poll_interval_ms, "LIVEGATE_POLL_INTERVAL_MS");
        Ok(())
    }

    /// Base of links sent to signers, without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_string()
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("livegate.db").display()))
    }

    /// The outbound policy: public addresses plus `outbound_allow`.
    pub fn outbound_policy(&self) -> Result<Policy, String> {
        Ok(Policy {
            allow: networks("outbound_allow", &self.outbound_allow)?,
        })
    }

    /// The networks of `trusted_proxies`.
    pub fn trusted_proxy_networks(&self) -> Result<Vec<Network>, String> {
        networks("trusted_proxies", &self.trusted_proxies)
    }

    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        let check = |ok: bool, what: String| if ok { Ok(()) } else { Err(what) };
        self.outbound_policy()?;
        self.trusted_proxy_networks()?;
        for (name, value, range) in [
            ("header_read_timeout_s", self.header_read_timeout_s, 1..=300),
            ("idle_timeout_s", self.idle_timeout_s, 1..=3600),
            ("request_timeout_s", self.request_timeout_s, 1..=3600),
        ] {
            check(
                range.contains(&value),
                format!("{name} must be {}-{}, got {value}", range.start(), range.end()),
            )?;
        }
        check(
            self.max_session_bytes >= self.max_frame_bytes as u64 && self.max_session_bytes <= 1 << 40,
            format!(
                "max_session_bytes must be max_frame_bytes-1 TiB, got {}",
                self.max_session_bytes
            ),
        )?;
        check(
            (1..=86_400).contains(&self.lockout_window_s),
            format!("lockout_window_s must be 1-86400, got {}", self.lockout_window_s),
        )?;
        check(
            (1..=1_000_000).contains(&self.max_connections),
            format!("max_connections must be 1-1000000, got {}", self.max_connections),
        )?;
        check(
            (10..=3600).contains(&self.session_ttl_s),
            format!("session_ttl_s must be 10-3600, got {}", self.session_ttl_s),
        )?;
        check(
            (1024..=64 * 1024 * 1024).contains(&self.max_frame_bytes),
            format!("max_frame_bytes must be 1 KiB-64 MiB, got {}", self.max_frame_bytes),
        )?;
        check(
            (1..=64).contains(&self.workers),
            format!("workers must be 1-64, got {}", self.workers),
        )?;
        check(
            self.worker_wait_ms <= 120_000,
            format!("worker_wait_ms must be at most 120000, got {}", self.worker_wait_ms),
        )?;
        check(
            self.frame_cache_frames <= 1_000_000,
            format!(
                "frame_cache_frames must be at most 1000000, got {}",
                self.frame_cache_frames
            ),
        )?;
        check(
            self.frame_retention_s <= 90 * 86_400,
            format!(
                "frame_retention_s must be at most 90 days, got {}",
                self.frame_retention_s
            ),
        )?;
        check(
            (1..=10).contains(&self.audit_images),
            format!("audit_images must be 1-10, got {}", self.audit_images),
        )?;
        check(
            (1..=20).contains(&self.webhook_max_attempts),
            format!("webhook_max_attempts must be 1-20, got {}", self.webhook_max_attempts),
        )?;
        check(
            (10..=3_600_000).contains(&self.webhook_backoff_ms),
            format!("webhook_backoff_ms must be 10-3600000, got {}", self.webhook_backoff_ms),
        )?;
        check(
            (10..=60_000).contains(&self.poll_interval_ms),
            format!("poll_interval_ms must be 10-60000, got {}", self.poll_interval_ms),
        )?;
        check(
            self.api_key_rotation_grace_s <= 30 * 86_400,
            format!(
                "api_key_rotation_grace_s must be at most 30 days, got {}",
                self.api_key_rotation_grace_s
            ),
        )?;
        check(
            self.bootstrap_api_key.as_ref().is_none_or(|k| k.len() >= 16),
            "bootstrap_api_key must have at least 16 characters".into(),
        )?;
        check(
            (1024..=256 * 1024 * 1024).contains(&self.max_pdf_bytes),
            format!("max_pdf_bytes must be 1 KiB-256 MiB, got {}", self.max_pdf_bytes),
        )?;
        check(
            (60..=90 * 86_400).contains(&self.invitation_ttl_s),
            format!("invitation_ttl_s must be 60 s-90 days, got {}", self.invitation_ttl_s),
        )?;
        check(
            (30..=3600).contains(&self.otp_ttl_s),
            format!("otp_ttl_s must be 30-3600, got {}", self.otp_ttl_s),
        )?;
        check(
            self.otp_resend_s <= 3600,
            format!("otp_resend_s must be at most 3600, got {}", self.otp_resend_s),
        )?;
        if let Some(url) = &self.smtp_url {
            crate::mail::SmtpSettings::parse(url).map_err(|e| e.to_string())?;
        }
        crate::mail::parse_address(&self.smtp_from).map_err(|e| format!("smtp_from: {e}"))?;
        check(
            self.sms_gateway_url.is_none()
                || self
                    .sms_gateway_secret
                    .as_ref()
                    .is_some_and(|s| s.chars().count() >= 16),
            "sms_gateway_url needs sms_gateway_secret of at least 16 characters".into(),
        )?;
        for (name, url) in [
            ("sms_gateway_url", &self.sms_gateway_url),
            ("esign_tsa_url", &self.esign_tsa_url),
        ] {
            check(
                url.as_ref()
                    .is_none_or(|u| u.starts_with("https://") || u.starts_with("http://")),
                format!("{name} must be an http(s) URL"),
            )?;
        }
        let url = self.database_url();
        check(
            url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://"),
            format!("database_url must be sqlite:… or postgres://…, got {url:?}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order_and_are_validated() {
        let mut c: ServerConfig = toml::from_str("session_ttl_s = 120\nworkers = 3").unwrap();
        assert_eq!((c.session_ttl_s, c.workers, c.audit_images), (120, 3, 3));
        c.apply_env(|n| (n == "LIVEGATE_WORKERS").then(|| "5".to_string()))
            .unwrap();
        assert_eq!((c.session_ttl_s, c.workers), (120, 5));
        assert!(c.validate().is_ok());
        let err = c.apply_env(|n| (n == "LIVEGATE_WORKERS").then(|| "many".to_string()));
        assert!(err.unwrap_err().contains("LIVEGATE_WORKERS"));
        assert!(
            toml::from_str::<ServerConfig>("colour = 1").is_err(),
            "unknown keys refused"
        );
        c.session_ttl_s = 5;
        assert!(c.validate().unwrap_err().contains("session_ttl_s"));
        c.session_ttl_s = 60;
        c.apply_env(|n| (n == "LIVEGATE_WORKER_WAIT_MS").then(|| "200000".to_string()))
            .unwrap();
        assert!(c.validate().unwrap_err().contains("worker_wait_ms"));
        c.worker_wait_ms = 0;
        c.apply_env(|n| (n == "LIVEGATE_OUTBOUND_ALLOW").then(|| "127.0.0.1/32, ::1".to_string()))
            .unwrap();
        assert_eq!(c.outbound_policy().unwrap().allow.len(), 2);
        c.trusted_proxies = vec!["10.0.0.0/40".into()];
        assert!(c.validate().unwrap_err().contains("trusted_proxies"));
        c.trusted_proxies.clear();
        c.database_url = Some("mysql://x".into());
        assert!(c.validate().unwrap_err().contains("database_url"));
    }
}
