//! Outgoing e-mail through `lettre`: the `smtp_url` setting, address validation and delivery.
//!
//! - `smtps://[user:password@]host[:port]`: implicit TLS (port 465 by default);
//! - `smtp://[user:password@]host[:port]`: STARTTLS, required (port 587 by default): a server
//!   that does not offer it is refused, never silently used in plain text;
//! - `smtp://host:port?tls=none`: plain SMTP, accepted only for a relay on loopback (a local
//!   MTA or a development catcher).
//!
//! The server certificate is checked against the system's roots, plus the PEM file in
//! `smtp_ca_file` when one is set (a private CA). Credentials are sent with AUTH PLAIN or LOGIN,
//! only over TLS (or to the loopback relay).

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// How long one SMTP exchange (connect, each command) may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// What went wrong with e-mail settings or a delivery.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MailError {
    /// `smtp_url` is not one of the accepted forms.
    #[error("smtp_url: {0}")]
    InvalidUrl(String),
    /// Not a single plain e-mail address.
    #[error("{0:?} is not an e-mail address")]
    InvalidAddress(String),
    /// The TLS settings (e.g. `smtp_ca_file`) could not be used.
    #[error("SMTP TLS settings: {0}")]
    Tls(String),
    /// The message could not be built or the server refused or failed it.
    #[error("SMTP delivery: {0}")]
    Delivery(String),
}

/// The transport security of the SMTP connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`smtps://`).
    Implicit,
    /// Plain connection upgraded with STARTTLS, which the server must offer (`smtp://`).
    StartTls,
    /// No TLS (`?tls=none`, loopback only).
    Plain,
}

/// A parsed `smtp_url`.
#[derive(Clone, Debug, PartialEq)]
pub struct SmtpSettings {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// User and password for AUTH.
    pub credentials: Option<(String, String)>,
}

impl SmtpSettings {
    /// Parses and checks an `smtp_url` (see the module documentation for the forms).
    pub fn parse(text: &str) -> Result<Self, MailError> {
        let bad = |why: &str| {
            MailError::InvalidUrl(format!(
                "{why} (expected smtps://host, smtp://host or smtp://localhost:port?tls=none)"
            ))
        };
        let url = url::Url::parse(text).map_err(|_| bad("not a URL"))?;
        let mut security = match url.scheme() {
            "smtps" => Security::Implicit,
            "smtp" => Security::StartTls,
            _ => return Err(bad("unknown scheme")),
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), security) {
                ("tls", "none", Security::StartTls) => security = Security::Plain,
                ("tls", "required" | "starttls", Security::StartTls) => {}
                _ => return Err(bad(&format!("unknown option {key}={value}"))),
            }
        }
        let host = url
            .host_str()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?;
        if security == Security::Plain && !is_loopback(&host) {
            return Err(bad("tls=none is only allowed for a relay on loopback"));
        }
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(bad("no path or fragment allowed"));
        }
        let port = url.port().unwrap_or(match security {
            Security::Implicit => 465,
            Security::StartTls => 587,
            Security::Plain => 25,
        });
        let decode = |s: &str| percent_decode(s).ok_or_else(|| bad("bad percent-encoding in the credentials"));
        let credentials = match url.username() {
            "" => None,
            user => Some((decode(user)?, decode(url.password().unwrap_or(""))?)),
        };
        Ok(Self {
            host,
            port,
            security,
            credentials,
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parses one plain e-mail address (`local@domain`, at most 254 characters): no display name,
/// no angle brackets, no whitespace or control characters, so nothing can reach the SMTP
/// dialogue or the headers but the address itself.
pub fn parse_address(text: &str) -> Result<Address, MailError> {
    let invalid = || MailError::InvalidAddress(text.to_string());
    if text.len() > 254
        || text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:\\[]".contains(c))
    {
        return Err(invalid());
    }
    let address = Address::from_str(text).map_err(|_| invalid())?;
    // A domain without a dot is only acceptable for local delivery names such as `localhost`.
    if !address.domain().contains('.') && address.domain() != "localhost" {
        return Err(invalid());
    }
    Ok(address)
}

/// Sends e-mail through one SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `settings`, sending as `from`; `ca_pem` adds a trusted root certificate.
    pub fn new(settings: &SmtpSettings, from: &str, ca_pem: Option<&[u8]>) -> Result<Self, MailError> {
        let from = Mailbox::new(None, parse_address(from)?);
        let tls = || -> Result<TlsParameters, MailError> {
            let mut params = TlsParameters::builder(settings.host.clone());
            if let Some(pem) = ca_pem {
                let cert = Certificate::from_pem(pem).map_err(|e| MailError::Tls(e.to_string()))?;
                params = params.add_root_certificate(cert);
            }
            params.build_rustls().map_err(|e| MailError::Tls(e.to_string()))
        };
        let tls = match settings.security {
            Security::Implicit => Tls::Wrapper(tls()?),
            Security::StartTls => Tls::Required(tls()?),
            Security::Plain => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one plain-text message to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to = Mailbox::new(None, parse_address(to)?);
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject.replace(['\r', '\n'], " "))
            .header(ContentType::TEXT_PLAIN)
            // lettre picks the transfer encoding: 7bit, or quoted-printable for lines over 76
            // characters (links) and non-ASCII text.
            .body(body.to_string())
            .map_err(|e| MailError::Delivery(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| MailError::Delivery(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_choose_tls_and_refuse_plain_text_off_loopback() {
        let s = SmtpSettings::parse("smtps://ana:s3%40cret@mail.example.com").unwrap();
        assert_eq!((s.security, s.port), (Security::Implicit, 465));
        assert_eq!(s.credentials, Some(("ana".into(), "s3@cret".into())));
        let s = SmtpSettings::parse("smtp://mail.example.com").unwrap();
        assert_eq!((s.security, s.port, s.credentials), (Security::StartTls, 587, None));
        let s = SmtpSettings::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(
            (s.security, s.port, s.host.as_str()),
            (Security::Plain, 2525, "127.0.0.1")
        );
        assert_eq!(SmtpSettings::parse("smtp://[::1]:25?tls=none").unwrap().host, "::1");
        for bad in [
            "smtp://mail.example.com?tls=none",
            "smtps://localhost?tls=none",
            "http://mail.example.com",
            "smtp://",
            "smtp://mail.example.com/path",
            "smtp://mail.example.com?relay=1",
            "not a url",
        ] {
            assert!(SmtpSettings::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn only_plain_addresses_are_addresses() {
        for good in ["asha@example.com", "a.b+tag@sub.example.org", "ops@localhost"] {
            assert!(parse_address(good).is_ok(), "{good} refused");
        }
        for bad in [
            "asha@example.com>\r\nRCPT TO:<evil@example.net",
            "Asha <asha@example.com>",
            "asha@example.com\n",
            "asha example@example.com",
            "asha@",
            "@example.com",
            "asha@intranet",
            "a@b.com, c@d.com",
            &format!("{}@example.com", "a".repeat(250)),
        ] {
            assert!(
                matches!(parse_address(bad), Err(MailError::InvalidAddress(_))),
                "{bad:?} accepted"
            );
        }
    }
}
