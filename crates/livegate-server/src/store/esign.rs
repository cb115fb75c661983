//! E-signature records: documents, invitees (one row each, updated by compare-and-swap on
//! `version`), the audit trail and the development outbox; the schema of all e-signature
//! tables (departments and templates are in `departments`).

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::any::AnyRow;

use super::{col, Store, StoreError};

/// Schema of the e-signature tables (portable SQL).
pub(super) const MIGRATION: &str = r#"
CREATE TABLE IF NOT EXISTS departments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    smart_liveliness BIGINT NOT NULL,
    acceptance_percentage BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS department_changes (
    id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES departments(id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS department_changes_dep ON department_changes (department_id, id);
CREATE TABLE IF NOT EXISTS templates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    object_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pages BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES departments(id),
    title TEXT NOT NULL,
    object_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pages BIGINT NOT NULL,
    status TEXT NOT NULL,
    sender_email TEXT,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    signed_key TEXT,
    signed_sha256 TEXT
);
CREATE TABLE IF NOT EXISTS invitees (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    signing_order BIGINT NOT NULL,
    signer_type TEXT NOT NULL,
    security TEXT NOT NULL,
    reference_key TEXT,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    invitation_hash TEXT NOT NULL UNIQUE,
    invitation_sent_at BIGINT,
    invitation_expires_at BIGINT,
    invitation_opened_at BIGINT,
    journey_hash TEXT,
    otp_hash TEXT,
    otp_expires_at BIGINT,
    otp_failures BIGINT NOT NULL,
    otp_sends BIGINT NOT NULL,
    otp_sent_at BIGINT,
    otp_verified_at BIGINT,
    first_session_id TEXT,
    audited_attempts BIGINT NOT NULL,
    proceeded_at BIGINT,
    signature TEXT,
    signed_at BIGINT,
    failure TEXT
);
CREATE INDEX IF NOT EXISTS invitees_document ON invitees (document_id, position);
CREATE INDEX IF NOT EXISTS invitees_journey ON invitees (journey_hash);
CREATE TABLE IF NOT EXISTS esign_audit (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    invitee_id TEXT,
    at BIGINT NOT NULL,
    step TEXT NOT NULL,
    detail TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX IF NOT EXISTS esign_audit_document ON esign_audit (document_id, id);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL
);
"#;

/// Issue 15 (journey): the department's privacy notice, capture retention and branding, a
/// document's `redirect_url`, and the signer's consent to the capture.
pub(super) const JOURNEY_MIGRATION: &str = r#"
ALTER TABLE departments ADD COLUMN capture_retention_days BIGINT NOT NULL DEFAULT 90;
ALTER TABLE departments ADD COLUMN privacy_notice TEXT;
ALTER TABLE departments ADD COLUMN privacy_contact TEXT;
ALTER TABLE departments ADD COLUMN brand_name TEXT;
ALTER TABLE departments ADD COLUMN brand_colour TEXT;
ALTER TABLE documents ADD COLUMN redirect_url TEXT;
ALTER TABLE invitees ADD COLUMN capture_consent_at BIGINT;
"#;

/// A capture session of a signer whose department's retention has passed, with images left.
#[derive(Clone, Debug)]
pub struct ExpiredCapture {
    /// The session.
    pub session_id: String,
    /// Its invitee.
    pub invitee_id: String,
    /// Its document.
    pub document_id: String,
    /// The department's retention, in days.
    pub retention_days: i64,
}

/// A document sent for signature.
#[derive(Clone, Debug, Default)]
pub struct DocumentRow {
    /// `doc_<uuid>`.
    pub id: String,
    /// Owning department.
    pub department_id: String,
    /// Title.
    pub title: String,
    /// Where the original PDF is.
    pub object_key: String,
    /// Hex sha256 of the original.
    pub sha256: String,
    /// Page count of the original.
    pub pages: i64,
    /// `sent`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// Who is told when a signer fails.
    pub sender_email: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub completed_at: Option<i64>,
    /// Where the completed PDF is.
    pub signed_key: Option<String>,
    /// Hex sha256 of the completed PDF.
    pub signed_sha256: Option<String>,
    /// The tenant it belongs to (its department's).
    pub tenant_id: String,
    /// Where the Done page sends the signer on (https, or http on loopback).
    pub redirect_url: Option<String>,
}

/// One invitee of a document and the state of their signing journey.
#[derive(Clone, Debug, Default)]
pub struct InviteeRow {
    /// `inv_<uuid>`.
    pub id: String,
    /// Document.
    pub document_id: String,
    /// Position in the invitee list (0-based).
    pub position: i64,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Signing order (1 first).
    pub signing_order: i64,
    /// `person`, `virtual_signer` or `doc_signer`.
    pub signer_type: String,
    /// Security options (JSON).
    pub security: String,
    /// Reference photo for face match.
    pub reference_key: Option<String>,
    /// The reference photo's descriptor (JSON), measured once when the document was sent;
    /// absent on invitees stored before it was kept.
    pub reference_embedding: Option<String>,
    /// Journey state.
    pub state: String,
    /// Bumped by every update (compare-and-swap).
    pub version: i64,
    /// sha256 of the invitation token.
    pub invitation_hash: String,
    /// Unix ms.
    pub invitation_sent_at: Option<i64>,
    /// Unix ms.
    pub invitation_expires_at: Option<i64>,
    /// Unix ms.
    pub invitation_opened_at: Option<i64>,
    /// sha256 of the journey token.
    pub journey_hash: Option<String>,
    /// sha256 of the current OTP (salted with the invitee id).
    pub otp_hash: Option<String>,
    /// Unix ms.
    pub otp_expires_at: Option<i64>,
    /// Wrong codes entered for the current OTP.
    pub otp_failures: i64,
    /// OTPs sent.
    pub otp_sends: i64,
    /// Unix ms.
    pub otp_sent_at: Option<i64>,
    /// Unix ms.
    pub otp_verified_at: Option<i64>,
    /// First capture session of the retry chain.
    pub first_session_id: Option<String>,
    /// Completed capture attempts already written to the audit trail.
    pub audited_attempts: i64,
    /// Unix ms.
    pub proceeded_at: Option<i64>,
    /// How they signed (JSON).
    pub signature: Option<String>,
    /// Unix ms.
    pub signed_at: Option<i64>,
    /// Why the journey failed (JSON).
    pub failure: Option<String>,
    /// Unix ms the signer consented to the capture after reading the privacy notice.
    pub capture_consent_at: Option<i64>,
}

/// One step of a document's audit trail.
#[derive(Clone, Debug)]
pub struct AuditEventRow {
    /// Sortable id (time, then sequence).
    pub id: String,
    /// Document.
    pub document_id: String,
    /// Invitee, if the step is theirs.
    pub invitee_id: Option<String>,
    /// Unix ms.
    pub at: i64,
    /// Step name (`otp.verified`, …).
    pub step: String,
    /// Details (JSON).
    pub detail: String,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

/// A message of the development outbox.
#[derive(Clone, Debug)]
pub struct OutboxRow {
    /// Sortable id.
    pub id: String,
    /// Unix ms.
    pub at: i64,
    /// `email` or `sms`.
    pub channel: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// `invitation`, `otp` or `sender_notice`.
    pub kind: String,
    /// The tenant of the document it is about.
    pub tenant_id: String,
}

/// A sortable unique id: `<ms, 13 digits>-<process sequence>-<random>`.
pub fn sortable_id(now: i64) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed) % 1_000_000;
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{now:013}-{seq:06}-{}", &random[..8])
}

macro_rules! document_columns {
    () => {
        "id, department_id, title, object_key, sha256, pages, status, sender_email, created_at, completed_at, \
         signed_key, signed_sha256, tenant_id, redirect_url"
    };
}
macro_rules! invitee_columns {
    () => {
        "id, document_id, position, name, email, phone, signing_order, signer_type, security, reference_key, \
         state, version, invitation_hash, invitation_sent_at, invitation_expires_at, invitation_opened_at, \
         journey_hash, otp_hash, otp_expires_at, otp_failures, otp_sends, otp_sent_at, otp_verified_at, \
         first_session_id, audited_attempts, proceeded_at, signature, signed_at, failure, reference_embedding, \
         capture_consent_at"
    };
}

fn document_from(r: &AnyRow) -> Result<DocumentRow, StoreError> {
    Ok(DocumentRow {
        id: col(r, 0)?,
        department_id: col(r, 1)?,
        title: col(r, 2)?,
        object_key: col(r, 3)?,
        sha256: col(r, 4)?,
        pages: col(r, 5)?,
        status: col(r, 6)?,
        sender_email: col(r, 7)?,
        created_at: col(r, 8)?,
        completed_at: col(r, 9)?,
        signed_key: col(r, 10)?,
        signed_sha256: col(r, 11)?,
        tenant_id: col(r, 12)?,
        redirect_url: col(r, 13)?,
    })
}

fn invitee_from(r: &AnyRow) -> Result<InviteeRow, StoreError> {
    Ok(InviteeRow {
        id: col(r, 0)?,
        document_id: col(r, 1)?,
        position: col(r, 2)?,
        name: col(r, 3)?,
        email: col(r, 4)?,
        phone: col(r, 5)?,
        signing_order: col(r, 6)?,
        signer_type: col(r, 7)?,
        security: col(r, 8)?,
        reference_key: col(r, 9)?,
        state: col(r, 10)?,
        version: col(r, 11)?,
        invitation_hash: col(r, 12)?,
        invitation_sent_at: col(r, 13)?,
        invitation_expires_at: col(r, 14)?,
        invitation_opened_at: col(r, 15)?,
        journey_hash: col(r, 16)?,
        otp_hash: col(r, 17)?,
        otp_expires_at: col(r, 18)?,
        otp_failures: col(r, 19)?,
        otp_sends: col(r, 20)?,
        otp_sent_at: col(r, 21)?,
        otp_verified_at: col(r, 22)?,
        first_session_id: col(r, 23)?,
        audited_attempts: col(r, 24)?,
        proceeded_at: col(r, 25)?,
        signature: col(r, 26)?,
        signed_at: col(r, 27)?,
        failure: col(r, 28)?,
        reference_embedding: col(r, 29)?,
        capture_consent_at: col(r, 30)?,
    })
}

/// Binds every invitee column in `invitee_columns!` order.
macro_rules! bind_invitee {
    ($q:expr, $i:expr) => {
        $q.bind(&$i.id)
            .bind(&$i.document_id)
            .bind($i.position)
            .bind(&$i.name)
            .bind(&$i.email)
            .bind(&$i.phone)
            .bind($i.signing_order)
            .bind(&$i.signer_type)
            .bind(&$i.security)
            .bind(&$i.reference_key)
            .bind(&$i.state)
            .bind($i.version)
            .bind(&$i.invitation_hash)
            .bind($i.invitation_sent_at)
            .bind($i.invitation_expires_at)
            .bind($i.invitation_opened_at)
            .bind(&$i.journey_hash)
            .bind(&$i.otp_hash)
            .bind($i.otp_expires_at)
            .bind($i.otp_failures)
            .bind($i.otp_sends)
            .bind($i.otp_sent_at)
            .bind($i.otp_verified_at)
            .bind(&$i.first_session_id)
            .bind($i.audited_attempts)
            .bind($i.proceeded_at)
            .bind(&$i.signature)
            .bind($i.signed_at)
            .bind(&$i.failure)
            .bind(&$i.reference_embedding)
            .bind($i.capture_consent_at)
    };
}

impl Store {
    /// Inserts documents with their invitees and first audit events, all or nothing.
    pub async fn create_documents(
        &self,
        docs: &[(DocumentRow, Vec<InviteeRow>)],
        events: &[AuditEventRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (d, invitees) in docs {
            sqlx::query(concat!(
                "INSERT INTO documents (",
                document_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ))
            .bind(&d.id)
            .bind(&d.department_id)
            .bind(&d.title)
            .bind(&d.object_key)
            .bind(&d.sha256)
            .bind(d.pages)
            .bind(&d.status)
            .bind(&d.sender_email)
            .bind(d.created_at)
            .bind(d.completed_at)
            .bind(&d.signed_key)
            .bind(&d.signed_sha256)
            .bind(&d.tenant_id)
            .bind(&d.redirect_url)
            .execute(&mut *tx)
            .await?;
            for i in invitees {
                let q = sqlx::query(concat!(
                    "INSERT INTO invitees (",
                    invitee_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
                     $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)"
                ));
                bind_invitee!(q, i).execute(&mut *tx).await?;
            }
        }
        for e in events {
            insert_event(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A document by id.
    pub async fn document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", document_columns!(), " FROM documents WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(document_from).transpose()
    }

    /// A tenant's documents, newest first.
    pub async fn documents(&self, tenant: &str, limit: i64) -> Result<Vec<DocumentRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            document_columns!(),
            " FROM documents WHERE tenant_id = $2 ORDER BY created_at DESC, id LIMIT $1"
        ))
        .bind(limit)
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_from).collect()
    }

    /// Moves a document from `from` status to `to` with its completed PDF; false when another
    /// request moved it first.
    pub async fn finish_document(
        &self,
        d: &DocumentRow,
        from: &str,
        event: Option<(&str, &str)>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE documents SET status = $2, completed_at = $3, signed_key = $4, signed_sha256 = $5 \
             WHERE id = $1 AND status = $6",
        )
        .bind(&d.id)
        .bind(&d.status)
        .bind(d.completed_at)
        .bind(&d.signed_key)
        .bind(&d.signed_sha256)
        .bind(from)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        if let Some((name, payload)) = event {
            Store::enqueue_in(&mut tx, &d.tenant_id, &d.id, name, payload, d.completed_at.unwrap_or(0)).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Cancels a document still out for signature, with its audit event; false when it is no
    /// longer `sent`.
    pub async fn cancel_document(&self, id: &str, event: &AuditEventRow) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE documents SET status = 'cancelled' WHERE id = $1 AND status = 'sent'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Capture sessions of signers (each retry chain followed from the invitee's first
    /// session) closed longer ago than their department's retention at `now`, that still
    /// have audit images or frame images.
    pub async fn expired_captures(&self, now: i64, limit: i64) -> Result<Vec<ExpiredCapture>, StoreError> {
        let rows = sqlx::query(
            "WITH RECURSIVE chain(session_id, invitee_id, document_id, retention_days) AS ( \
               SELECT i.first_session_id, i.id, i.document_id, dep.capture_retention_days FROM invitees i \
               JOIN documents d ON d.id = i.document_id JOIN departments dep ON dep.id = d.department_id \
               WHERE i.first_session_id IS NOT NULL \
               UNION ALL \
               SELECT s.id, c.invitee_id, c.document_id, c.retention_days FROM sessions s \
               JOIN chain c ON s.retry_of = c.session_id) \
             SELECT c.session_id, c.invitee_id, c.document_id, c.retention_days FROM chain c \
             JOIN sessions s ON s.id = c.session_id \
             WHERE COALESCE(s.completed_at, s.expires_at) + c.retention_days * 86400000 <= $1 \
               AND (s.frames_purged_at IS NULL OR EXISTS (SELECT 1 FROM audit_images a WHERE a.session_id = s.id)) \
             ORDER BY c.session_id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ExpiredCapture {
                    session_id: col(r, 0)?,
                    invitee_id: col(r, 1)?,
                    document_id: col(r, 2)?,
                    retention_days: col(r, 3)?,
                })
            })
            .collect()
    }

    /// Deletes a session's audit image rows (their objects are deleted first by the caller),
    /// with an audit event, in one transaction.
    pub async fn delete_audit_images(&self, session_id: &str, event: &AuditEventRow) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM audit_images WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A document's invitees in list order.
    pub async fn invitees(&self, document_id: &str) -> Result<Vec<InviteeRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            invitee_columns!(),
            " FROM invitees WHERE document_id = $1 ORDER BY position"
        ))
        .bind(document_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invitee_from).collect()
    }

    /// The invitee whose capture retry chain holds `session_id` (walked up `retry_of` to its
    /// first attempt), if any.
    pub async fn capture_owner(&self, session_id: &str) -> Result<Option<InviteeRow>, StoreError> {
        let row = sqlx::query(concat!(
            "WITH RECURSIVE up(id, retry_of) AS ( \
               SELECT id, retry_of FROM sessions WHERE id = $1 \
               UNION ALL \
               SELECT s.id, s.retry_of FROM sessions s JOIN up ON s.id = up.retry_of) \
             SELECT ",
            invitee_columns!(),
            " FROM invitees WHERE first_session_id IN (SELECT id FROM up) LIMIT 1"
        ))
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(invitee_from).transpose()
    }

    /// The invitee whose invitation (`invitation_hash`) or journey (`journey_hash`) token
    /// hashes to `hash`.
    pub async fn invitee_by_token(&self, hash: &str, journey: bool) -> Result<Option<InviteeRow>, StoreError> {
        let sql = if journey {
            concat!("SELECT ", invitee_columns!(), " FROM invitees WHERE journey_hash = $1")
        } else {
            concat!(
                "SELECT ",
                invitee_columns!(),
                " FROM invitees WHERE invitation_hash = $1"
            )
        };
        let row = sqlx::query(sql).bind(hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(invitee_from).transpose()
    }

    /// Saves an invitee read at version `i.version - 1` with its audit events and an optional
    /// webhook event, in one transaction; false when another request changed it first.
    pub async fn save_invitee(
        &self,
        i: &InviteeRow,
        events: &[AuditEventRow],
        webhook: Option<(&str, &str)>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let q = sqlx::query(concat!(
            "UPDATE invitees SET (",
            invitee_columns!(),
            ") = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
             $22, $23, $24, $25, $26, $27, $28, $29, $30, $31) WHERE id = $1 AND version = $32"
        ));
        let done = bind_invitee!(q, i).bind(i.version - 1).execute(&mut *tx).await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        for e in events {
            insert_event(&mut tx, e).await?;
        }
        if let Some((name, payload)) = webhook {
            let tenant = sqlx::query("SELECT tenant_id FROM documents WHERE id = $1")
                .bind(&i.document_id)
                .fetch_one(&mut *tx)
                .await?;
            let tenant: String = col(&tenant, 0)?;
            Store::enqueue_in(
                &mut tx,
                &tenant,
                &i.id,
                name,
                payload,
                events.first().map_or(0, |e| e.at),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Appends audit events.
    pub async fn add_audit_events(&self, events: &[AuditEventRow]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for e in events {
            insert_event(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A document's audit trail, oldest first.
    pub async fn audit_events(&self, document_id: &str) -> Result<Vec<AuditEventRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, document_id, invitee_id, at, step, detail, ip, user_agent FROM esign_audit \
             WHERE document_id = $1 ORDER BY id",
        )
        .bind(document_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEventRow {
                    id: col(r, 0)?,
                    document_id: col(r, 1)?,
                    invitee_id: col(r, 2)?,
                    at: col(r, 3)?,
                    step: col(r, 4)?,
                    detail: col(r, 5)?,
                    ip: col(r, 6)?,
                    user_agent: col(r, 7)?,
                })
            })
            .collect()
    }

    /// Stores an outbox message.
    pub async fn add_outbox(&self, m: &OutboxRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (id, at, channel, to_addr, subject, body, kind, tenant_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&m.id)
        .bind(m.at)
        .bind(&m.channel)
        .bind(&m.to)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(&m.kind)
        .bind(&m.tenant_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A tenant's outbox messages, newest first, optionally for one recipient.
    pub async fn outbox(&self, tenant: &str, to: Option<&str>, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, channel, to_addr, subject, body, kind, tenant_id FROM outbox \
             WHERE ($1 IS NULL OR to_addr = $1) AND tenant_id = $3 ORDER BY id DESC LIMIT $2",
        )
        .bind(to)
        .bind(limit)
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    id: col(r, 0)?,
                    at: col(r, 1)?,
                    channel: col(r, 2)?,
                    to: col(r, 3)?,
                    subject: col(r, 4)?,
                    body: col(r, 5)?,
                    kind: col(r, 6)?,
                    tenant_id: col(r, 7)?,
                })
            })
            .collect()
    }
}

async fn insert_event(tx: &mut sqlx::AnyConnection, e: &AuditEventRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO esign_audit (id, document_id, invitee_id, at, step, detail, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&e.id)
    .bind(&e.document_id)
    .bind(&e.invitee_id)
    .bind(e.at)
    .bind(&e.step)
    .bind(&e.detail)
    .bind(&e.ip)
    .bind(&e.user_agent)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
