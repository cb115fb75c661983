//! The life of a document: whose turn it is (signing order; automated signers sign at their
//! turn), invitations, the capture attempts of an invitee read from their session retry chain
//! (recorded in the audit trail once each; exhausted attempts fail the invitee and notify the
//! sender), and completion (`completion`) once everyone signed.

use serde_json::{json, Value};

use super::capture::{chain, finished, passed};
use super::completion::complete_document;
use super::domain::{
    apply, document_status, invitee_state, signer_type, DocumentStatus, InviteeState, SignerType, Step,
};
use super::notify::{self, Message};
use super::privacy::brand_of;
use super::rules::Security;
use crate::api::auth::random_secret;
use crate::api::parse_stored;
use crate::error::ApiError;
use crate::outcome::SessionResult;
use crate::store::{hash_secret, sortable_id, AuditEventRow, DocumentRow, InviteeRow, SessionRow};
use crate::AppState;

/// Prefix of invitation tokens (single use, in the link).
pub const INVITATION_PREFIX: &str = "lgi_";
/// Prefix of journey tokens (what the signer's browser holds after opening the link).
pub const JOURNEY_PREFIX: &str = "lgj_";

/// Who made a request: client address and user agent, for the audit trail.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// Client address: the peer, or `X-Forwarded-For` when the peer is a trusted proxy.
    pub ip: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
}

/// An audit event now.
pub fn event(
    state: &AppState,
    document_id: &str,
    invitee_id: Option<&str>,
    step: &str,
    detail: Value,
    meta: &Meta,
) -> AuditEventRow {
    let at = state.clock.now_ms();
    AuditEventRow {
        id: sortable_id(at),
        document_id: document_id.into(),
        invitee_id: invitee_id.map(String::from),
        at,
        step: step.into(),
        detail: detail.to_string(),
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
    }
}

/// The invitee's security options.
pub fn security_of(i: &InviteeRow) -> Result<Security, ApiError> {
    parse_stored(&i.security)
}

/// Where a message to the invitee goes: e-mail when known, else SMS.
pub fn channel_of(i: &InviteeRow) -> (&'static str, String) {
    match (&i.email, &i.phone) {
        (Some(e), _) => ("email", e.clone()),
        (None, Some(p)) => ("sms", p.clone()),
        (None, None) => ("email", String::new()),
    }
}

/// Saves an invitee changed from `before` (compare-and-swap on its version) with events and a
/// webhook; a concurrent change is a `conflict` the caller may retry.
pub async fn save(
    state: &AppState,
    mut after: InviteeRow,
    events: &[AuditEventRow],
    webhook: Option<(&str, Value)>,
) -> Result<InviteeRow, ApiError> {
    after.version += 1;
    let payload = webhook.map(|(name, v)| (name, v.to_string()));
    let ok = state
        .store
        .save_invitee(&after, events, payload.as_ref().map(|(n, p)| (*n, p.as_str())))
        .await?;
    if ok {
        Ok(after)
    } else {
        Err(ApiError::Conflict("a concurrent change of this signer (retry)".into()))
    }
}

fn signer_event(name: &str, doc: &DocumentRow, i: &InviteeRow, extra: Value) -> (String, Value) {
    (
        name.to_string(),
        json!({"event": name, "document_id": doc.id, "invitee_id": i.id, "name": i.name, "state": i.state, "detail": extra}),
    )
}

/// Moves the document on: invites the next signing order, signs for automated signers at their
/// turn, completes the document when everyone signed. Returns the invitation links created,
/// by invitee id.
pub async fn advance(state: &AppState, doc_id: &str, meta: &Meta) -> Result<Vec<(String, String)>, ApiError> {
    let mut links = Vec::new();
    loop {
        let doc = state.store.document(doc_id).await?.ok_or(ApiError::DocumentNotFound)?;
        if document_status(&doc)? != DocumentStatus::Sent {
            return Ok(links);
        }
        let invitees = state.store.invitees(doc_id).await?;
        let Some(order) = invitees
            .iter()
            .filter(|i| InviteeState::parse(&i.state) != Some(InviteeState::Signed))
            .map(|i| i.signing_order)
            .min()
        else {
            // A task of its own: the request may end (its deadline, `request_timeout_s`, or the
            // signer closing the page) while the PDF waits for a worker, and nothing else would
            // complete the document then.
            let (state, meta) = (state.clone(), meta.clone());
            tokio::spawn(async move { complete_document(&state, &doc, &invitees, &meta).await })
                .await
                .map_err(|e| ApiError::Internal(format!("document completion task: {e}")))??;
            return Ok(links);
        };
        let mut changed = false;
        let brand = brand_of(state, &doc).await?;
        for i in invitees
            .iter()
            .filter(|i| i.signing_order == order && InviteeState::parse(&i.state) == Some(InviteeState::Waiting))
        {
            if signer_type(i)? != SignerType::Person {
                let mut after = i.clone();
                apply(&mut after, Step::Sign)?;
                after.signed_at = Some(state.clock.now_ms());
                after.signature = Some(json!({"kind": "automated", "by": i.signer_type}).to_string());
                let ev = event(
                    state,
                    doc_id,
                    Some(&i.id),
                    "signature.signed",
                    json!({"kind": "automated", "signer_type": i.signer_type}),
                    meta,
                );
                let (name, payload) = signer_event("signer.completed", &doc, &after, json!({"kind": "automated"}));
                save(state, after, &[ev], Some((&name, payload))).await?;
            } else {
                let token = random_secret(INVITATION_PREFIX)?;
                let now = state.clock.now_ms();
                let mut after = i.clone();
                apply(&mut after, Step::Invite)?;
                after.invitation_hash = hash_secret(&token);
                after.invitation_sent_at = Some(now);
                after.invitation_expires_at = Some(now + state.config.invitation_ttl_s as i64 * 1000);
                let (channel, to) = channel_of(i);
                let ev = event(
                    state,
                    doc_id,
                    Some(&i.id),
                    "invitation.sent",
                    json!({"channel": channel, "to": to}),
                    meta,
                );
                save(state, after, &[ev], None).await?;
                let url = format!("{}/sign/{token}", state.config.public_url());
                notify::send(
                    state,
                    Message {
                        channel,
                        to,
                        subject: format!("{brand}: please sign {}", doc.title),
                        body: format!(
                            "Hello {},\n\n{brand} invites you to sign \"{}\". Open this link to start; it works until you have signed, and expires in {} days:\n{url}\n",
                            i.name,
                            doc.title,
                            state.config.invitation_ttl_s / 86_400
                        ),
                        kind: "invitation",
                        tenant: doc.tenant_id.clone(),
                    },
                )
                .await?;
                links.push((i.id.clone(), url));
            }
            changed = true;
        }
        if !changed {
            return Ok(links);
        }
    }
}

/// What recording the finished attempts not yet in the audit trail changes: the invitee as it
/// would be saved, the events, the webhook, and whether the attempts are exhausted.
struct Pending {
    after: InviteeRow,
    events: Vec<AuditEventRow>,
    webhook: Option<(String, Value)>,
    exhausted: bool,
}

/// The attempts of `i` in `sessions` that finished since the last record, if any. Pure: the
/// reads show it ([`look`]), the writes save it ([`sync`]).
fn pending(
    state: &AppState,
    doc: &DocumentRow,
    i: &InviteeRow,
    sessions: &[SessionRow],
    meta: &Meta,
) -> Result<Option<Pending>, ApiError> {
    if invitee_state(i)?.is_closed() {
        return Ok(None);
    }
    let done: Vec<&SessionRow> = sessions.iter().filter(|s| finished(s)).collect();
    if done.len() as i64 <= i.audited_attempts {
        return Ok(None);
    }
    let security = security_of(i)?;
    let mut events = Vec::new();
    for (n, s) in done.iter().enumerate().skip(i.audited_attempts as usize) {
        let result: Option<SessionResult> = s.result.as_deref().map(parse_stored).transpose()?;
        events.push(event(
            state,
            &doc.id,
            Some(&i.id),
            "capture.completed",
            json!({
                "attempt": n + 1,
                "session_id": s.id,
                "status": s.status,
                "liveness_score": result.as_ref().map(|r| r.verdict.liveness_score),
                "acceptance_percentage": result.as_ref().map(|r| r.verdict.liveness_threshold),
                "face_match": result.as_ref().and_then(|r| r.face_match.as_ref()).map(|m| json!({"attempted": m.attempted, "matched": m.matched, "similarity": m.similarity})),
                "reasons": result.as_ref().map(|r| r.verdict.reasons.iter().map(|c| c.code()).collect::<Vec<_>>()),
            }),
            meta,
        ));
    }
    let mut after = i.clone();
    after.audited_attempts = done.len() as i64;
    let latest = done.last().copied();
    let (_, _, left) = security.attempts_left(done.len() as i64);
    let exhausted = latest.is_some_and(|s| !passed(s)) && left == 0 && sessions.last().is_some_and(finished);
    let mut webhook = None;
    if exhausted {
        apply(&mut after, Step::Fail)?;
        after.failure = Some(
            json!({"code": "attempts_exhausted", "message": format!("all {} face capture attempts failed", security.max_attempts())})
                .to_string(),
        );
        events.push(event(
            state,
            &doc.id,
            Some(&i.id),
            "capture.exhausted",
            json!({"attempts": done.len()}),
            meta,
        ));
        let reasons = latest
            .and_then(|s| s.result.as_deref())
            .map(parse_stored::<SessionResult>)
            .transpose()?;
        let codes: Vec<String> = reasons
            .map(|r| r.verdict.reasons.iter().map(|c| c.code().to_string()).collect())
            .unwrap_or_default();
        webhook = Some(signer_event(
            "signer.failed",
            doc,
            &after,
            json!({"code": "attempts_exhausted", "reasons": codes}),
        ));
    }
    Ok(Some(Pending {
        after,
        events,
        webhook,
        exhausted,
    }))
}

/// Records finished attempts not yet in the audit trail, and fails the invitee (notifying the
/// sender) when the latest failed with no attempts left. Returns the invitee as saved and its
/// capture sessions (the chain read once, for the caller's view of it).
pub async fn sync(
    state: &AppState,
    doc: &DocumentRow,
    i: InviteeRow,
    meta: &Meta,
) -> Result<(InviteeRow, Vec<SessionRow>), ApiError> {
    let sessions = chain(state, &i).await?;
    let Some(p) = pending(state, doc, &i, &sessions, meta)? else {
        return Ok((i, sessions));
    };
    let saved = save(
        state,
        p.after,
        &p.events,
        p.webhook.as_ref().map(|(n, v)| (n.as_str(), v.clone())),
    )
    .await?;
    if p.exhausted {
        notify_sender(state, doc, &saved).await?;
    }
    Ok((saved, sessions))
}

/// [`sync`] without writing: the invitee as the next write will record it, for the status and
/// journey reads (which record nothing; the attempt is recorded when its session completes or
/// expires, see [`super::capture::SessionFinished`]).
pub async fn look(
    state: &AppState,
    doc: &DocumentRow,
    i: InviteeRow,
) -> Result<(InviteeRow, Vec<SessionRow>), ApiError> {
    let sessions = chain(state, &i).await?;
    let seen = pending(state, doc, &i, &sessions, &Meta::default())?.map_or(i, |p| p.after);
    Ok((seen, sessions))
}

async fn notify_sender(state: &AppState, doc: &DocumentRow, i: &InviteeRow) -> Result<(), ApiError> {
    let Some(to) = &doc.sender_email else {
        eprintln!(
            "signer {} of {} failed; the document has no sender_email to notify",
            i.id, doc.id
        );
        return Ok(());
    };
    notify::send(
        state,
        Message {
            channel: "email",
            to: to.clone(),
            subject: format!("Signer could not be verified: {}", doc.title),
            body: format!(
                "{} used every face capture attempt for \"{}\" without passing verification, so they cannot sign.\nDocument {}, signer {}.\n",
                i.name, doc.title, doc.id, i.id
            ),
            kind: "sender_notice",
            tenant: doc.tenant_id.clone(),
        },
    )
    .await
}
