//! Sessions, their frames and audit images.

use sqlx::any::AnyRow;

use super::{col, conflict, Store, StoreError};

/// A stored session.
#[derive(Clone, Debug, Default)]
pub struct SessionRow {
    /// `ses_<uuid>`.
    pub id: String,
    /// created / in_progress / approved / declined / review / expired.
    pub status: String,
    /// The workflow it was created from, if any.
    pub workflow_id: Option<String>,
    /// The effective profile (JSON), including retries and steps.
    pub profile: String,
    /// The validated liveness configuration (JSON).
    pub config: String,
    /// The challenge plan (JSON).
    pub plan: String,
    /// sha256 of the client token.
    pub token_hash: String,
    /// 1 for a first attempt, n for the (n-1)th retry.
    pub attempt: i64,
    /// The session this one retries.
    pub retry_of: Option<String>,
    /// Object key of the reference photo for face match.
    pub reference_key: Option<String>,
    /// The reference photo's descriptor (JSON).
    pub reference_embedding: Option<String>,
    /// Frames accepted so far.
    pub frame_count: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub expires_at: i64,
    /// Verdict and face match (JSON) once completed.
    pub result: Option<String>,
    /// Model set version of the result.
    pub model_version: Option<String>,
    /// Scoring policy version of the result.
    pub policy_version: Option<String>,
    /// Unix ms of completion.
    pub completed_at: Option<i64>,
    /// Unix ms at which the frame images were deleted.
    pub frames_purged_at: Option<i64>,
    /// Where the hosted capture page's Done button returns (checked against the workflow's
    /// allowed origins).
    pub redirect_url: Option<String>,
    /// The integrator's id of the person verified (for the lockout after repeated failures).
    pub subject: Option<String>,
    /// The tenant it belongs to (its creator's key's; a retry's is its first attempt's).
    pub tenant_id: String,
}

/// Bounds on one session's frames.
#[derive(Clone, Copy, Debug)]
pub struct FrameLimits {
    /// Frames at most.
    pub max_frames: i64,
    /// Image bytes at most, over all frames.
    pub max_bytes: i64,
}

/// Why a frame was not added although the session is open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FrameRefusal {
    /// The session holds its maximum of frames.
    TooMany(i64),
    /// The frame would take the session past its byte budget.
    OverBudget(i64),
    /// A frame with this capture time is stored (without the same Idempotency-Key).
    TimeRepeated(f64),
    /// The capture time is before the latest stored one.
    TimeBackwards(f64),
}

/// What [`Store::add_frame`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddFrame {
    /// Stored with this sequence number.
    Added(i64),
    /// The session is no longer open.
    Closed,
    /// Refused by the session's limits.
    Refused(FrameRefusal),
}

/// A stored frame.
#[derive(Clone, Debug)]
pub struct FrameRow {
    /// Order of arrival from 0.
    pub seq: i64,
    /// Capture time (s).
    pub t: f64,
    /// The frame's signals (JSON).
    pub signals: String,
    /// sha256 of the uploaded bytes.
    pub sha256: String,
    /// Object key of the image.
    pub object_key: String,
    /// The client's idempotency key, if it sent one (a retried upload carries the same key).
    pub client_key: Option<String>,
}

/// A stored frame's image (a [`FrameRow`] without its signals).
#[derive(Clone, Debug)]
pub struct FrameObject {
    /// Order of arrival from 0.
    pub seq: i64,
    /// Capture time (s).
    pub t: f64,
    /// sha256 of the uploaded bytes.
    pub sha256: String,
    /// Object key of the image.
    pub object_key: String,
}

/// A frame kept as evidence after the frames are deleted.
#[derive(Clone, Debug)]
pub struct AuditImage {
    /// 0-based position.
    pub idx: i64,
    /// Capture time (s).
    pub t: f64,
    /// sha256 of the image bytes.
    pub sha256: String,
    /// Object key.
    pub object_key: String,
}

/// A session's result, ready to store.
#[derive(Clone, Copy, Debug)]
pub struct Completion<'a> {
    /// Session id.
    pub id: &'a str,
    /// approved / declined / review.
    pub status: &'a str,
    /// Verdict and face match (JSON).
    pub result: &'a str,
    /// Model set version.
    pub model_version: &'a str,
    /// Scoring policy version.
    pub policy_version: &'a str,
    /// Frames the result was computed from.
    pub frames: i64,
    /// Unix ms.
    pub now: i64,
    /// Body of the `session.completed` webhook event.
    pub webhook_payload: &'a str,
}

/// The columns `session_from` reads, in order (a macro so queries stay `&'static str`).
macro_rules! session_columns {
    () => {
        "id, status, workflow_id, profile, config, plan, token_hash, attempt, retry_of, \
     reference_key, reference_embedding, frame_count, created_at, expires_at, result, model_version, \
     policy_version, completed_at, frames_purged_at, redirect_url, subject, tenant_id"
    };
}

fn frame_from(r: &AnyRow) -> Result<FrameRow, StoreError> {
    Ok(FrameRow {
        seq: col(r, 0)?,
        t: col(r, 1)?,
        signals: col(r, 2)?,
        sha256: col(r, 3)?,
        object_key: col(r, 4)?,
        client_key: col(r, 5)?,
    })
}

fn session_from(r: &AnyRow) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        id: col(r, 0)?,
        status: col(r, 1)?,
        workflow_id: col(r, 2)?,
        profile: col(r, 3)?,
        config: col(r, 4)?,
        plan: col(r, 5)?,
        token_hash: col(r, 6)?,
        attempt: col(r, 7)?,
        retry_of: col(r, 8)?,
        reference_key: col(r, 9)?,
        reference_embedding: col(r, 10)?,
        frame_count: col(r, 11)?,
        created_at: col(r, 12)?,
        expires_at: col(r, 13)?,
        result: col(r, 14)?,
        model_version: col(r, 15)?,
        policy_version: col(r, 16)?,
        completed_at: col(r, 17)?,
        frames_purged_at: col(r, 18)?,
        redirect_url: col(r, 19)?,
        subject: col(r, 20)?,
        tenant_id: col(r, 21)?,
    })
}

impl Store {
    /// Inserts a new session (a retry fails with [`StoreError::Conflict`] when its previous
    /// session was already retried).
    pub async fn create_session(&self, s: &SessionRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, status, workflow_id, profile, config, plan, token_hash, attempt, retry_of, \
             reference_key, reference_embedding, created_at, expires_at, redirect_url, subject, tenant_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&s.id)
        .bind(&s.status)
        .bind(&s.workflow_id)
        .bind(&s.profile)
        .bind(&s.config)
        .bind(&s.plan)
        .bind(&s.token_hash)
        .bind(s.attempt)
        .bind(&s.retry_of)
        .bind(&s.reference_key)
        .bind(&s.reference_embedding)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(&s.redirect_url)
        .bind(&s.subject)
        .bind(&s.tenant_id)
        .execute(&self.pool)
        .await
        .map_err(|e| conflict(e, "a retry of this session"))?;
        Ok(())
    }

    /// Completion times (Unix ms, oldest first) of the subject's declined sessions completed
    /// at or after `since`, in one tenant (subjects are the tenant's own ids).
    pub async fn failures_since(&self, tenant: &str, subject: &str, since: i64) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT completed_at FROM sessions WHERE subject = $1 AND status = 'declined' AND completed_at >= $2 \
             AND tenant_id = $3 ORDER BY completed_at",
        )
        .bind(subject)
        .bind(since)
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| col(r, 0)).collect()
    }

    /// A session by id.
    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", session_columns!(), " FROM sessions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_from).transpose()
    }

    /// The session that retries `id`, if one was started.
    pub async fn retry_of(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE retry_of = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(session_from).transpose()
    }

    /// The frame a client already uploaded under `client_key`, if any.
    pub async fn frame_by_client_key(&self, id: &str, client_key: &str) -> Result<Option<FrameRow>, StoreError> {
        let row = sqlx::query(
            "SELECT seq, t, signals, sha256, object_key, client_key FROM frames WHERE session_id = $1 AND client_key = $2",
        )
        .bind(id)
        .bind(client_key)
        .fetch_optional(&self.pool)
        .await?;
        self.count_signals_read(usize::from(row.is_some()));
        row.as_ref().map(frame_from).transpose()
    }

    /// Appends a frame and moves the session to `in_progress`, in one transaction that first
    /// claims the next sequence number on the session row (serialising concurrent uploads, also
    /// across servers). Returns `None` when the session is no longer open (completed, expired);
    /// a second frame with the same client key is a [`StoreError::Conflict`] and changes nothing.
    ///
    /// The same transaction enforces the session's [`FrameLimits`] against the frames already
    /// committed (so parallel uploads cannot slip past them): a capture time not after the
    /// latest one, a frame beyond the cap or bytes beyond the budget are refused, changing
    /// nothing.
    pub async fn add_frame(
        &self,
        id: &str,
        frame: &FrameRow,
        bytes: usize,
        now: i64,
        limits: FrameLimits,
    ) -> Result<AddFrame, StoreError> {
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(
            "UPDATE sessions SET frame_count = frame_count + 1, status = 'in_progress' \
             WHERE id = $1 AND result IS NULL AND status IN ('created', 'in_progress') AND expires_at >= $2 \
             RETURNING frame_count",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = claimed else {
            return Ok(AddFrame::Closed);
        };
        let seq: i64 = col::<i64>(&row, 0)? - 1;
        // The session row is locked by the update above: these are all the frames there are.
        let so_far = sqlx::query(
            "SELECT COUNT(*), CAST(COALESCE(SUM(bytes), 0) AS BIGINT), MAX(t) FROM frames WHERE session_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let (count, stored_bytes, latest): (i64, i64, Option<f64>) =
            (col(&so_far, 0)?, col(&so_far, 1)?, col(&so_far, 2)?);
        let refusal = if count >= limits.max_frames {
            Some(FrameRefusal::TooMany(limits.max_frames))
        } else if stored_bytes + bytes as i64 > limits.max_bytes {
            Some(FrameRefusal::OverBudget(limits.max_bytes))
        } else {
            match latest {
                Some(last) if frame.t == last => Some(FrameRefusal::TimeRepeated(last)),
                Some(last) if frame.t < last => Some(FrameRefusal::TimeBackwards(last)),
                _ => None,
            }
        };
        if let Some(refusal) = refusal {
            tx.rollback().await?;
            return Ok(AddFrame::Refused(refusal));
        }
        sqlx::query(
            "INSERT INTO frames (session_id, seq, t, signals, sha256, bytes, object_key, client_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(seq)
        .bind(frame.t)
        .bind(&frame.signals)
        .bind(&frame.sha256)
        .bind(bytes as i64)
        .bind(&frame.object_key)
        .bind(&frame.client_key)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, "a frame with this Idempotency-Key"))?;
        tx.commit().await?;
        Ok(AddFrame::Added(seq))
    }

    /// Every frame, in arrival order.
    pub async fn frames(&self, id: &str) -> Result<Vec<FrameRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, t, signals, sha256, object_key, client_key FROM frames WHERE session_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        self.count_signals_read(rows.len());
        rows.iter().map(frame_from).collect()
    }

    /// The signals (JSON) of frames `from_seq..`, by seq: what a cache holding the first
    /// `from_seq` frames lacks.
    pub async fn frame_signals_from(&self, id: &str, from_seq: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query("SELECT seq, signals FROM frames WHERE session_id = $1 AND seq >= $2 ORDER BY seq")
            .bind(id)
            .bind(from_seq)
            .fetch_all(&self.pool)
            .await?;
        self.count_signals_read(rows.len());
        rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect()
    }

    /// Every frame's image, in arrival order, without the signals (audit copies, purges).
    pub async fn frame_objects(&self, id: &str) -> Result<Vec<FrameObject>, StoreError> {
        let rows = sqlx::query("SELECT seq, t, sha256, object_key FROM frames WHERE session_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(FrameObject {
                    seq: col(r, 0)?,
                    t: col(r, 1)?,
                    sha256: col(r, 2)?,
                    object_key: col(r, 3)?,
                })
            })
            .collect()
    }

    /// Records the result and final status, and queues the `session.completed` webhook event,
    /// in one transaction; only if the session is still open and still has exactly `frames`
    /// frames (a frame that raced in makes the caller evaluate again). Returns false otherwise.
    /// The event goes to the session's tenant's endpoints only.
    pub async fn complete(&self, c: &Completion<'_>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE sessions SET status = $1, result = $2, model_version = $3, policy_version = $4, completed_at = $5 \
             WHERE id = $6 AND result IS NULL AND status IN ('created', 'in_progress') AND frame_count = $7 \
             RETURNING tenant_id",
        )
        .bind(c.status)
        .bind(c.result)
        .bind(c.model_version)
        .bind(c.policy_version)
        .bind(c.now)
        .bind(c.id)
        .bind(c.frames)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = done else {
            return Ok(false);
        };
        let tenant: String = col(&row, 0)?;
        Store::enqueue_in(&mut tx, &tenant, c.id, "session.completed", c.webhook_payload, c.now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces an open session's plan if it is still `old` (an accessible alternative, X5);
    /// false when the plan changed meanwhile or the session is no longer open.
    pub async fn replace_plan(&self, id: &str, old: &str, new: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET plan = $3 WHERE id = $1 AND plan = $2 AND result IS NULL \
             AND status IN ('created', 'in_progress')",
        )
        .bind(id)
        .bind(old)
        .bind(new)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives an open session a new client token (the old one stops working); false when it is
    /// no longer open.
    pub async fn rotate_token(&self, id: &str, token_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET token_hash = $2 WHERE id = $1 AND result IS NULL AND status IN ('created', 'in_progress')",
        )
        .bind(id)
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Open sessions past their deadline at `now` (not yet marked expired), oldest first.
    pub async fn overdue_sessions(&self, now: i64, limit: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM sessions WHERE result IS NULL AND status IN ('created', 'in_progress') \
             AND expires_at < $1 ORDER BY expires_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| col(r, 0)).collect()
    }

    /// Marks a session expired (when seen after its deadline without a result).
    pub async fn expire(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET status = 'expired', completed_at = $2 \
             WHERE id = $1 AND result IS NULL AND status IN ('created', 'in_progress')",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records an audit image.
    pub async fn add_audit_image(&self, id: &str, image: &AuditImage) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_images (session_id, idx, t, sha256, object_key) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(image.idx)
        .bind(image.t)
        .bind(&image.sha256)
        .bind(&image.object_key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A session's audit images in order.
    pub async fn audit_images(&self, id: &str) -> Result<Vec<AuditImage>, StoreError> {
        let rows =
            sqlx::query("SELECT idx, t, sha256, object_key FROM audit_images WHERE session_id = $1 ORDER BY idx")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditImage {
                    idx: col(r, 0)?,
                    t: col(r, 1)?,
                    sha256: col(r, 2)?,
                    object_key: col(r, 3)?,
                })
            })
            .collect()
    }

    /// Sessions whose frame images are due for deletion: closed (completed or expired) at or
    /// before `closed_before`, or open past their deadline by more than the retention, and
    /// not purged yet.
    pub async fn sessions_to_purge(&self, closed_before: i64, limit: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM sessions WHERE frames_purged_at IS NULL AND \
             ((completed_at IS NOT NULL AND completed_at <= $1) OR (completed_at IS NULL AND expires_at <= $1)) \
             ORDER BY created_at LIMIT $2",
        )
        .bind(closed_before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| col(r, 0)).collect()
    }

    /// Records that a session's frame images are gone.
    pub async fn mark_frames_purged(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET frames_purged_at = $2 WHERE id = $1 AND frames_purged_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Store {
    /// The id of the session with this client token hash, if any.
    pub async fn session_by_token(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT id FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| col(r, 0)).transpose()
    }
}
