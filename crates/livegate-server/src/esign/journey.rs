//! The life of a document: whose turn it is (signing order; automated signers sign at their
//! turn), invitations, the capture attempts of an invitee read from their session retry chain
//! (recorded in the audit trail once each; exhausted attempts fail the invitee and notify the
//! sender), and completion with the evidence pages appended to the PDF.

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::notify::{self, Message};
use super::pdf::{self, EvidencePage, SignatureMark};
use super::rules::Security;
use crate::api::auth::random_secret;
use crate::api::parse_stored;
use crate::api::sessions::check_expiry;
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
    /// Peer address (and `X-Forwarded-For`, when a proxy sent one).
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
        if doc.status != "sent" {
            return Ok(links);
        }
        let invitees = state.store.invitees(doc_id).await?;
        let Some(order) = invitees
            .iter()
            .filter(|i| i.state != "signed")
            .map(|i| i.signing_order)
            .min()
        else {
            complete_document(state, &doc, &invitees, meta).await?;
            return Ok(links);
        };
        let mut changed = false;
        for i in invitees
            .iter()
            .filter(|i| i.signing_order == order && i.state == "waiting")
        {
            if i.signer_type != "person" {
                let mut after = i.clone();
                after.state = "signed".into();
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
                after.state = "invited".into();
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
                        subject: format!("Please sign: {}", doc.title),
                        body: format!(
                            "Hello {},\n\nyou are invited to sign \"{}\". Open this link to start (it works once and expires in {} days):\n{url}\n",
                            i.name,
                            doc.title,
                            state.config.invitation_ttl_s / 86_400
                        ),
                        kind: "invitation",
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

/// The capture sessions of an invitee, first attempt first.
pub async fn chain(state: &AppState, i: &InviteeRow) -> Result<Vec<SessionRow>, ApiError> {
    let mut out = Vec::new();
    let Some(first) = &i.first_session_id else {
        return Ok(out);
    };
    let mut next = state.store.session(first).await?;
    while let Some(mut s) = next {
        check_expiry(state, &mut s).await?;
        next = state.store.retry_of(&s.id).await?;
        out.push(s);
    }
    Ok(out)
}

/// Whether an attempt is over (a verdict, or expired without one).
pub fn finished(s: &SessionRow) -> bool {
    s.result.is_some() || s.status == "expired"
}

/// Whether an attempt passed: approved (liveness at the acceptance percentage and, when
/// configured, the face matched).
pub fn passed(s: &SessionRow) -> bool {
    s.status == "approved"
}

/// Smart User Liveliness of the capture.
#[derive(Serialize, ToSchema)]
pub struct CheckState {
    /// Whether the invitee has Smart User Liveliness.
    pub enabled: bool,
    /// Captures used.
    pub attempts_used: i64,
    /// Captures left for liveness.
    pub attempts_left: i64,
    /// The acceptance percentage the latest finished attempt was scored against.
    pub threshold: Option<f64>,
    /// Liveness score (0-100) of the latest finished attempt.
    pub score: Option<f64>,
    /// Whether the latest finished attempt passed liveness.
    pub passed: Option<bool>,
}

/// Face match of the capture.
#[derive(Serialize, ToSchema)]
pub struct FaceMatchState {
    /// Whether the invitee has face match.
    pub enabled: bool,
    /// Whether the latest finished attempt compared faces (not after a liveness failure).
    pub attempted: bool,
    /// Its outcome (none when not attempted).
    pub matched: Option<bool>,
    /// Descriptor similarity 0-1.
    pub similarity: Option<f64>,
    /// Similarity at the match threshold.
    pub threshold: Option<f64>,
    /// Captures used.
    pub attempts_used: i64,
    /// Captures left for face match.
    pub attempts_left: i64,
}

/// A capture image of the latest finished attempt.
#[derive(Serialize, ToSchema)]
pub struct CaptureImage {
    /// Fetch with the API key (or the session's client token).
    pub url: String,
    /// sha256 of the image.
    pub sha256: String,
}

/// The capture step of an invitee.
#[derive(Serialize, ToSchema)]
pub struct CaptureState {
    /// Whether the invitee has a capture step.
    pub required: bool,
    /// Captures finished.
    pub attempts_used: i64,
    /// Captures left: the lower of liveness and face match.
    pub attempts_left: i64,
    /// Captures allowed.
    pub max_attempts: i64,
    /// Session ids, first attempt first.
    pub sessions: Vec<String>,
    /// Smart User Liveliness.
    pub liveness: CheckState,
    /// Face match.
    pub face_match: FaceMatchState,
    /// Whether the latest finished attempt passed everything.
    pub passed: bool,
    /// Reason codes of the latest finished attempt.
    pub reasons: Vec<String>,
    /// The 3 captures of the latest finished attempt.
    pub captures: Vec<CaptureImage>,
}

/// Reads the capture step from the chain.
pub async fn capture_state(
    state: &AppState,
    i: &InviteeRow,
    sessions: &[SessionRow],
) -> Result<CaptureState, ApiError> {
    let security = security_of(i)?;
    let used = sessions.iter().filter(|s| finished(s)).count() as i64;
    let (liveness_left, face_left, shown) = security.attempts_left(used);
    let latest = sessions.iter().rev().find(|s| finished(s));
    let result: Option<SessionResult> = latest.and_then(|s| s.result.as_deref()).map(parse_stored).transpose()?;
    let mut captures = Vec::new();
    if let Some(s) = latest {
        for img in state.store.audit_images(&s.id).await? {
            captures.push(CaptureImage {
                url: format!("/v1/sessions/{}/audit/{}", s.id, img.idx),
                sha256: img.sha256,
            });
        }
    }
    let fm = result.as_ref().and_then(|r| r.face_match.as_ref());
    Ok(CaptureState {
        required: security.capture_photo,
        attempts_used: used,
        attempts_left: shown,
        max_attempts: security.max_attempts(),
        sessions: sessions.iter().map(|s| s.id.clone()).collect(),
        liveness: CheckState {
            enabled: security.smart_liveliness,
            attempts_used: used,
            attempts_left: liveness_left,
            threshold: result.as_ref().map(|r| r.verdict.liveness_threshold),
            score: result.as_ref().map(|r| r.verdict.liveness_score),
            passed: result.as_ref().map(|r| r.verdict.liveness_passed),
        },
        face_match: FaceMatchState {
            enabled: security.face_match,
            attempted: fm.is_some_and(|m| m.attempted),
            matched: fm.and_then(|m| m.matched),
            similarity: fm.and_then(|m| m.similarity).map(f64::from),
            threshold: fm.map(|m| f64::from(m.threshold)),
            attempts_used: if security.face_match { used } else { 0 },
            attempts_left: face_left.unwrap_or(0),
        },
        passed: latest.is_some_and(passed),
        reasons: result
            .as_ref()
            .map(|r| r.verdict.reasons.iter().map(|c| c.code().to_string()).collect())
            .unwrap_or_default(),
        captures,
    })
}

/// Records finished attempts not yet in the audit trail, and fails the invitee (notifying the
/// sender) when the latest failed with no attempts left. Returns the invitee as saved.
pub async fn sync(state: &AppState, doc: &DocumentRow, i: InviteeRow, meta: &Meta) -> Result<InviteeRow, ApiError> {
    if i.first_session_id.is_none() || matches!(i.state.as_str(), "signed" | "failed") {
        return Ok(i);
    }
    let sessions = chain(state, &i).await?;
    let done: Vec<&SessionRow> = sessions.iter().filter(|s| finished(s)).collect();
    if done.len() as i64 <= i.audited_attempts {
        return Ok(i);
    }
    let security = security_of(&i)?;
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
        after.state = "failed".into();
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
    let saved = save(
        state,
        after,
        &events,
        webhook.as_ref().map(|(n, v)| (n.as_str(), v.clone())),
    )
    .await?;
    if exhausted {
        notify_sender(state, doc, &saved).await?;
    }
    Ok(saved)
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
        },
    )
    .await
}

/// Appends the evidence pages, stores the completed PDF and marks the document completed.
async fn complete_document(
    state: &AppState,
    doc: &DocumentRow,
    invitees: &[InviteeRow],
    meta: &Meta,
) -> Result<(), ApiError> {
    let department = state
        .store
        .department(&doc.department_id)
        .await?
        .ok_or(ApiError::DepartmentNotFound)?;
    let mut pages = Vec::new();
    let mut ordered: Vec<&InviteeRow> = invitees.iter().collect();
    ordered.sort_by_key(|i| (i.signing_order, i.position));
    for i in ordered {
        pages.push(evidence_page(state, doc, &department.acceptance_percentage, i).await?);
    }
    let original = state.objects.get(&doc.object_key).await?;
    let signed = tokio::task::spawn_blocking(move || pdf::append_evidence(&original, &pages))
        .await
        .map_err(|e| ApiError::Internal(format!("pdf task: {e}")))?
        .map_err(|e| ApiError::Internal(format!("appending evidence: {e}")))?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&signed));
    let key = format!("esign/{}/signed-{}.pdf", doc.id, &sha[..16]);
    state.objects.put(&key, signed.into()).await?;
    let mut done = doc.clone();
    done.status = "completed".into();
    done.completed_at = Some(state.clock.now_ms());
    done.signed_key = Some(key);
    done.signed_sha256 = Some(sha.clone());
    let payload = json!({"event": "document.completed", "document_id": doc.id, "signed_sha256": sha}).to_string();
    if state
        .store
        .finish_document(&done, "sent", Some(("document.completed", &payload)))
        .await?
    {
        let ev = event(
            state,
            &doc.id,
            None,
            "document.completed",
            json!({"signed_sha256": sha}),
            meta,
        );
        state.store.add_audit_events(&[ev]).await?;
    }
    Ok(())
}

fn when(ms: Option<i64>) -> String {
    ms.map(format_utc).unwrap_or_else(|| "-".into())
}

/// `YYYY-MM-DD HH:MM:SS UTC` of Unix milliseconds.
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

async fn evidence_page(
    state: &AppState,
    doc: &DocumentRow,
    acceptance: &i64,
    i: &InviteeRow,
) -> Result<EvidencePage, ApiError> {
    let security = security_of(i)?;
    let sessions = chain(state, i).await?;
    let capture = capture_state(state, i, &sessions).await?;
    let (channel, to) = channel_of(i);
    let mut fields = vec![
        ("Signer".to_string(), format!("{} ({})", i.name, to)),
        ("Signer type".into(), i.signer_type.clone()),
        ("Signed at".into(), when(i.signed_at)),
        (
            "OTP".into(),
            match i.otp_verified_at {
                Some(t) => format!("verified by {channel} at {}", format_utc(t)),
                None if i.signer_type != "person" => "not applicable (automated signer)".into(),
                None => "not verified".into(),
            },
        ),
    ];
    if security.capture_photo {
        let liveness = match (security.smart_liveliness, capture.liveness.score) {
            (true, Some(score)) => format!(
                "{score:.1} vs acceptance {acceptance}% - {}",
                if capture.liveness.passed == Some(true) {
                    "passed"
                } else {
                    "failed"
                }
            ),
            (true, None) => "not completed".into(),
            (false, _) => "photo capture only".into(),
        };
        fields.push(("Smart User Liveliness".into(), liveness));
        let face = match (
            security.face_match,
            capture.face_match.matched,
            capture.face_match.similarity,
        ) {
            (false, ..) => "not configured".into(),
            (true, Some(m), s) => format!(
                "{} (similarity {:.2})",
                if m { "matched" } else { "not matched" },
                s.unwrap_or(0.0)
            ),
            (true, None, _) => "not attempted".into(),
        };
        fields.push(("Face match".into(), face));
        fields.push((
            "Capture attempts".into(),
            format!("{} of {}", capture.attempts_used, capture.max_attempts),
        ));
        if let Some(s) = sessions.last() {
            fields.push(("Verification session".into(), s.id.clone()));
        }
    }
    fields.push(("Document".into(), doc.title.clone()));
    fields.push(("Document SHA-256".into(), doc.sha256.clone()));
    let mut captures = Vec::new();
    if let Some(s) = sessions.iter().rev().find(|s| finished(s)) {
        for img in state.store.audit_images(&s.id).await?.iter().take(3) {
            captures.push(state.objects.get(&img.object_key).await?.to_vec());
        }
    }
    let signature: Value = i
        .signature
        .as_deref()
        .map(parse_stored)
        .transpose()?
        .unwrap_or(Value::Null);
    let signature = match signature["kind"].as_str() {
        Some("typed") => SignatureMark::Typed(signature["typed_name"].as_str().unwrap_or_default().to_string()),
        Some("drawn") => {
            let key = signature["object_key"].as_str().unwrap_or_default();
            SignatureMark::Drawn(state.objects.get(key).await?.to_vec())
        }
        _ => SignatureMark::Automated(format!("Signed automatically ({})", i.signer_type)),
    };
    Ok(EvidencePage {
        heading: format!("Signature and evidence - {}", i.name),
        fields,
        captures,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::format_utc;

    #[test]
    fn utc_times_format() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_796_170_000_000), "2026-12-02 00:06:40 UTC");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
    }
}
