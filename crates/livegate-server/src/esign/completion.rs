//! Completion: once everyone signed, one signature-and-evidence page per signer is appended to
//! the original PDF and the update signed (PAdES B-B, with the install's certificate: see
//! [`super::signing`]), the result is stored, and the document is marked completed.

use livegate_pdf::{EvidencePage, SignatureMark, Signing, TimestampOutcome, Timestamper};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::capture::{capture_state, chain, finished};
use super::domain::{signer_type, DocumentStatus, SignerType};
use super::journey::{channel_of, event, security_of, Meta};
use super::signing::identity;
use super::timestamp::HttpTimestamper;
use crate::api::{on_worker_queued, parse_stored};
use crate::error::ApiError;
use crate::objects::Staged;
use crate::store::{DocumentRow, InviteeRow};
use crate::AppState;

/// Appends the evidence pages, stores the completed PDF and marks the document completed.
pub async fn complete_document(
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
    let signer = identity(state).await?;
    let signed_at_unix_s = u64::try_from(state.clock.now_ms() / 1000).unwrap_or(0);
    let reason = format!("Signed by every signer of {}", doc.title);
    let authority = HttpTimestamper::configured(state);
    // On the worker pool, waiting for a slot however long: every signature is saved, and no
    // later request would complete the document if this one gave up.
    let completed = on_worker_queued(state, move || {
        let signing = Signing {
            identity: &signer.0,
            signed_at_unix_s,
            name: "Livegate",
            reason: &reason,
            timestamper: authority.as_ref().map(|a| a as &dyn Timestamper),
        };
        livegate_pdf::append_signed(&original, &pages, &signing)
            .map_err(|e| ApiError::Internal(format!("completing the signed PDF: {e}")))
    })
    .await?;
    let timestamp = match &completed.timestamp {
        TimestampOutcome::NotRequested => Value::Null,
        TimestampOutcome::Applied { gen_time_unix_s } => json!({"applied": true, "gen_time": gen_time_unix_s}),
        TimestampOutcome::Failed(why) => {
            eprintln!(
                "esign: document {}: the time-stamping authority failed, signed without a timestamp: {why}",
                doc.id
            );
            json!({"applied": false, "error": why})
        }
    };
    let signed = completed.bytes;
    let sha = hex::encode(Sha256::digest(&signed));
    // Named per request, so that one that loses the race to complete deletes only its own.
    let key = format!(
        "esign/{}/signed-{}-{}.pdf",
        doc.id,
        &sha[..16],
        uuid::Uuid::new_v4().simple()
    );
    let mut staged = Staged::new();
    staged.put(&state.objects, &key, signed.into()).await?;
    let mut done = doc.clone();
    done.status = DocumentStatus::Completed.as_str().into();
    done.completed_at = Some(state.clock.now_ms());
    done.signed_key = Some(key);
    done.signed_sha256 = Some(sha.clone());
    let payload = json!({"event": "document.completed", "document_id": doc.id, "signed_sha256": sha}).to_string();
    let finished = state
        .store
        .finish_document(
            &done,
            DocumentStatus::Sent.as_str(),
            Some(("document.completed", &payload)),
        )
        .await;
    // Another request completed the document first (its PDF under its own name): ours goes.
    if staged.settle(&state.objects, finished, |won| *won).await? {
        let ev = event(
            state,
            &doc.id,
            None,
            "document.completed",
            json!({"signed_sha256": sha, "timestamp": timestamp}),
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
                None if signer_type(i)? != SignerType::Person => "not applicable (automated signer)".into(),
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
    if !captures.is_empty() {
        // The signature covers this page, and so binds the captures by their hashes.
        let hashes: Vec<String> = captures.iter().map(|c| hex::encode(Sha256::digest(c))).collect();
        fields.push(("Face capture SHA-256".into(), hashes.join(" ")));
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
