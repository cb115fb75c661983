//! Messages to signers and senders (invitations, one-time passwords, notices): e-mail through
//! [`crate::mail`] when `smtp_url` is configured, SMS through the signed HTTP gateway when
//! `sms_gateway_url` is; otherwise into the development outbox (`GET /v1/outbox`) and the log.

use crate::error::ApiError;
use crate::mail::{Mailer, SmtpSettings};
use crate::store::{sortable_id, OutboxRow};
use crate::webhook::signature;
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

/// Sends `message` by e-mail or SMS when a transport is configured for its channel, else
/// into the outbox and the log.
pub async fn send(state: &AppState, message: Message) -> Result<(), ApiError> {
    match (message.channel, &state.config.smtp_url, &state.config.sms_gateway_url) {
        ("email", Some(url), _) => return email(state, url, &message).await,
        ("sms", _, Some(url)) => return sms(state, url, &message).await,
        _ => {}
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

async fn email(state: &AppState, url: &str, m: &Message) -> Result<(), ApiError> {
    let failed = |e: crate::mail::MailError| ApiError::Internal(format!("e-mail to {}: {e}", m.to));
    let settings = SmtpSettings::parse(url).map_err(failed)?;
    let ca = match &state.config.smtp_ca_file {
        Some(path) => Some(
            tokio::fs::read(path)
                .await
                .map_err(|e| ApiError::Internal(format!("smtp_ca_file {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let mailer = Mailer::new(&settings, &state.config.smtp_from, ca.as_deref()).map_err(failed)?;
    mailer.send(&m.to, &m.subject, &m.body).await.map_err(failed)
}

/// POSTs the SMS to the gateway, signed like a webhook delivery.
async fn sms(state: &AppState, url: &str, m: &Message) -> Result<(), ApiError> {
    let now = state.clock.now_ms();
    let id = sortable_id(now);
    let body = serde_json::json!({"id": id, "to": m.to, "body": m.body, "kind": m.kind})
        .to_string()
        .into_bytes();
    let secret = state.config.sms_gateway_secret.as_deref().unwrap_or_default();
    let headers = [
        ("content-type", "application/json".to_string()),
        ("livegate-message", id.clone()),
        ("livegate-signature", signature(secret, now / 1000, &body)),
    ];
    state
        .outbound
        .post(url, &headers, body)
        .await
        .map(drop)
        .map_err(|(status, e)| {
            let status = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
            ApiError::Internal(format!("SMS gateway: {}{status}", e.code()))
        })
}
