//! Webhook endpoints and the delivery outbox. Deliveries are written in the same transaction as
//! the session result they report (see [`Store::complete`]'s caller), claimed by one worker at a
//! time with a lease (also across servers), and every attempt is logged.

use sqlx::any::AnyRow;

use super::{col, Store, StoreError};

/// A registered endpoint.
#[derive(Clone, Debug)]
pub struct EndpointRow {
    /// `whk_<uuid>`.
    pub id: String,
    /// Where events are POSTed.
    pub url: String,
    /// HMAC-SHA256 key.
    pub secret: String,
    /// Unix ms.
    pub created_at: i64,
    /// The tenant whose events it receives.
    pub tenant_id: String,
}

/// One event for one endpoint.
#[derive(Clone, Debug)]
pub struct DeliveryRow {
    /// `<endpoint id>:<session id>:<event>` (one delivery per event and endpoint).
    pub id: String,
    /// Endpoint.
    pub endpoint_id: String,
    /// e.g. `session.completed`.
    pub event: String,
    /// The session it reports.
    pub session_id: String,
    /// JSON body sent.
    pub payload: String,
    /// pending / delivered / failed.
    pub status: String,
    /// Attempts made (or claimed).
    pub attempts: i64,
    /// Unix ms of the next try.
    pub next_attempt_at: i64,
}

/// One logged attempt.
#[derive(Clone, Debug)]
pub struct DeliveryAttempt {
    /// 1-based.
    pub attempt: i64,
    /// Unix ms.
    pub at: i64,
    /// HTTP status, when one came back.
    pub status_code: Option<i64>,
    /// Transport error, or the reason a status counts as failure.
    pub error: Option<String>,
    /// Round trip.
    pub duration_ms: i64,
}

/// What an attempt leads to.
#[derive(Clone, Copy, Debug)]
pub enum AttemptOutcome {
    /// 2xx.
    Delivered,
    /// Try again at this time.
    RetryAt(i64),
    /// Attempts exhausted.
    Failed,
}

/// The columns `delivery_from` reads, in order (a macro so queries stay `&'static str`).
macro_rules! delivery_columns {
    () => {
        "id, endpoint_id, event, session_id, payload, status, attempts, next_attempt_at"
    };
}

fn delivery_from(r: &AnyRow) -> Result<DeliveryRow, StoreError> {
    Ok(DeliveryRow {
        id: col(r, 0)?,
        endpoint_id: col(r, 1)?,
        event: col(r, 2)?,
        session_id: col(r, 3)?,
        payload: col(r, 4)?,
        status: col(r, 5)?,
        attempts: col(r, 6)?,
        next_attempt_at: col(r, 7)?,
    })
}

fn endpoint_from(r: &AnyRow) -> Result<EndpointRow, StoreError> {
    Ok(EndpointRow {
        id: col(r, 0)?,
        url: col(r, 1)?,
        secret: col(r, 2)?,
        created_at: col(r, 3)?,
        tenant_id: col(r, 4)?,
    })
}

impl Store {
    /// Registers an endpoint.
    pub async fn create_endpoint(&self, e: &EndpointRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, url, secret, created_at, tenant_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&e.id)
        .bind(&e.url)
        .bind(&e.secret)
        .bind(e.created_at)
        .bind(&e.tenant_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A tenant's endpoints.
    pub async fn endpoints(&self, tenant: &str) -> Result<Vec<EndpointRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, url, secret, created_at, tenant_id FROM webhook_endpoints WHERE tenant_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(endpoint_from).collect()
    }

    /// One endpoint.
    pub async fn endpoint(&self, id: &str) -> Result<Option<EndpointRow>, StoreError> {
        let row = sqlx::query("SELECT id, url, secret, created_at, tenant_id FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(endpoint_from).transpose()
    }

    /// Removes a tenant's endpoint and its log. Returns false when absent (or another
    /// tenant's).
    pub async fn delete_endpoint(&self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let owned = sqlx::query("SELECT 1 FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?;
        if owned.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Queues `event` about a session (or document, invitee) for every endpoint of `tenant`,
    /// inside the caller's transaction: one tenant's endpoints never hear of another's events.
    pub(super) async fn enqueue_in(
        tx: &mut sqlx::AnyConnection,
        tenant: &str,
        session_id: &str,
        event: &str,
        payload: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event, session_id, payload, status, attempts, \
             next_attempt_at, locked_until, created_at) \
             SELECT id || ':' || $1 || ':' || $2, id, $2, $1, $3, 'pending', 0, $4, 0, $4 FROM webhook_endpoints \
             WHERE tenant_id = $5 ON CONFLICT DO NOTHING",
        )
        .bind(session_id)
        .bind(event)
        .bind(payload)
        .bind(now)
        .bind(tenant)
        .execute(tx)
        .await?;
        Ok(())
    }

    /// Claims the most overdue pending delivery for `lease_ms` and counts the attempt. Two
    /// workers (or servers) never claim the same delivery while its lease runs.
    pub async fn claim_delivery(&self, now: i64, lease_ms: i64) -> Result<Option<DeliveryRow>, StoreError> {
        let row = sqlx::query(concat!(
            "UPDATE webhook_deliveries SET locked_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
                         AND locked_until <= $1 ORDER BY next_attempt_at LIMIT 1) \
             AND status = 'pending' AND locked_until <= $1 RETURNING ",
            delivery_columns!()
        ))
        .bind(now)
        .bind(now + lease_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(delivery_from).transpose()
    }

    /// Logs an attempt and moves the delivery on, in one transaction.
    pub async fn record_attempt(
        &self,
        delivery: &DeliveryRow,
        attempt: &DeliveryAttempt,
        outcome: AttemptOutcome,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&delivery.id)
        .bind(attempt.attempt)
        .bind(attempt.at)
        .bind(attempt.status_code)
        .bind(&attempt.error)
        .bind(attempt.duration_ms)
        .execute(&mut *tx)
        .await?;
        let (status, next) = match outcome {
            AttemptOutcome::Delivered => ("delivered", delivery.next_attempt_at),
            AttemptOutcome::RetryAt(at) => ("pending", at),
            AttemptOutcome::Failed => ("failed", delivery.next_attempt_at),
        };
        sqlx::query("UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, locked_until = 0 WHERE id = $1")
            .bind(&delivery.id)
            .bind(status)
            .bind(next)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An endpoint's deliveries, newest first.
    pub async fn deliveries(&self, endpoint_id: &str, limit: i64) -> Result<Vec<DeliveryRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at DESC, id LIMIT $2"
        ))
        .bind(endpoint_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from).collect()
    }

    /// A delivery's attempts, in order.
    pub async fn attempts(&self, delivery_id: &str) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let rows = sqlx::query(
            "SELECT attempt, at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = $1 \
             ORDER BY attempt",
        )
        .bind(delivery_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryAttempt {
                    attempt: col(r, 0)?,
                    at: col(r, 1)?,
                    status_code: col(r, 2)?,
                    error: col(r, 3)?,
                    duration_ms: col(r, 4)?,
                })
            })
            .collect()
    }
}
