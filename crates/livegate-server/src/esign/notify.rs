//! Messages to signers and senders (invitations, one-time passwords, notices): by e-mail over
//! SMTP when `smtp_url` is configured, otherwise into the development outbox
//! (`GET /v1/outbox`) and the log. SMS has no gateway here, so SMS messages always go to the
//! outbox.

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::error::ApiError;
use crate::store::{sortable_id, OutboxRow};
use crate::AppState;

/// A message to send.
#[derive(Clone, Debug)]
pub struct Message {
    /// `email` or `sms`.
    pub channel: &'static str,
    /// Address or number.
    pub to: String,
    /// Subject (e-mail).
    pub subject: String,
    /// Text.
    pub body: String,
    /// `invitation`, `otp` or `sender_notice`.
    pub kind: &'static str,
    /// The tenant of the document it is about (whose outbox it lands in).
    pub tenant: String,
}

/// Sends `message` by SMTP (e-mail, when configured) or into the outbox and the log.
pub async fn send(state: &AppState, message: Message) -> Result<(), ApiError> {
    if let (Some(url), "email") = (&state.config.smtp_url, message.channel) {
        let server = SmtpServer::parse(url).map_err(ApiError::Internal)?;
        return server
            .send(&state.config.smtp_from, &message)
            .await
            .map_err(|e| ApiError::Internal(format!("SMTP delivery to {}: {e}", message.to)));
    }
    eprintln!(
        "outbox: {} {} to {}: {} — {}",
        message.kind,
        message.channel,
        message.to,
        message.subject,
        message.body.replace('\n', " ")
    );
    let now = state.clock.now_ms();
    state
        .store
        .add_outbox(&OutboxRow {
            id: sortable_id(now),
            at: now,
            channel: message.channel.into(),
            to: message.to,
            subject: message.subject,
            body: message.body,
            kind: message.kind.into(),
            tenant_id: message.tenant,
        })
        .await?;
    Ok(())
}

/// An SMTP server from `smtp://[user:password@]host[:port]` (plain SMTP; AUTH PLAIN when a
/// user is given).
#[derive(Clone, Debug, PartialEq)]
pub struct SmtpServer {
    /// `host:port`.
    pub addr: String,
    /// User and password.
    pub auth: Option<(String, String)>,
}

impl SmtpServer {
    /// Parses the URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("not an smtp:// URL: {url:?}"))?
            .trim_end_matches('/');
        let (auth, host) = match rest.rsplit_once('@') {
            Some((creds, host)) => {
                let (user, password) = creds.split_once(':').unwrap_or((creds, ""));
                (Some((user.to_string(), password.to_string())), host)
            }
            None => (None, rest),
        };
        if host.is_empty() {
            return Err(format!("no host in {url:?}"));
        }
        let addr = if host.contains(':') {
            host.to_string()
        } else {
            format!("{host}:25")
        };
        Ok(Self { addr, auth })
    }

    /// Delivers one message.
    pub async fn send(&self, from: &str, m: &Message) -> Result<(), String> {
        let stream = tokio::time::timeout(std::time::Duration::from_secs(10), TcpStream::connect(&self.addr))
            .await
            .map_err(|_| "connection timed out".to_string())?
            .map_err(|e| format!("connecting to {}: {e}", self.addr))?;
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        expect(&mut read, 220).await?;
        let mut command = async |line: String, code: u16| -> Result<(), String> {
            write.write_all(line.as_bytes()).await.map_err(|e| e.to_string())?;
            expect(&mut read, code).await
        };
        command("EHLO livegate\r\n".into(), 250).await?;
        if let Some((user, password)) = &self.auth {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
            command(format!("AUTH PLAIN {token}\r\n"), 235).await?;
        }
        command(format!("MAIL FROM:<{from}>\r\n"), 250).await?;
        command(format!("RCPT TO:<{}>\r\n", m.to), 250).await?;
        command("DATA\r\n".into(), 354).await?;
        let mut data = format!(
            "From: <{from}>\r\nTo: <{}>\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
            m.to,
            m.subject.replace(['\r', '\n'], " ")
        );
        for line in m.body.lines() {
            // Dot-stuffing: a line starting with '.' gets one more.
            if line.starts_with('.') {
                data.push('.');
            }
            data.push_str(line);
            data.push_str("\r\n");
        }
        data.push_str(".\r\n");
        command(data, 250).await?;
        command("QUIT\r\n".into(), 221).await
    }
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn expect(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: u16) -> Result<(), String> {
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(std::time::Duration::from_secs(30), read.read_line(&mut line))
            .await
            .map_err(|_| "the SMTP server stopped answering".to_string())?
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the SMTP server closed the connection".into());
        }
        let got: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        if got != code {
            return Err(format!("expected {code}, got {:?}", line.trim_end()));
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_parse() {
        assert_eq!(
            SmtpServer::parse("smtp://mail.example.com").unwrap(),
            SmtpServer {
                addr: "mail.example.com:25".into(),
                auth: None
            }
        );
        assert_eq!(
            SmtpServer::parse("smtp://ana:s3cret@127.0.0.1:2525").unwrap(),
            SmtpServer {
                addr: "127.0.0.1:2525".into(),
                auth: Some(("ana".into(), "s3cret".into()))
            }
        );
        assert!(SmtpServer::parse("http://x").is_err() && SmtpServer::parse("smtp://").is_err());
    }
}
