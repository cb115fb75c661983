//! Persistence: API keys (hashed), sessions, frames' signals and verdicts in SQLite. Every write
//! that spans rows runs in one transaction, so a failed request leaves nothing half-written.

use std::str::FromStr;

use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

const MIGRATION: &str = r#"
CREATE TABLE IF NOT EXISTS api_keys (
    hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    plan TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    verdict TEXT,
    model_version TEXT,
    policy_version TEXT,
    completed_at INTEGER
);
CREATE TABLE IF NOT EXISTS frames (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    t REAL NOT NULL,
    signals TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"#;

/// The hex sha256 of a secret (API keys and session tokens are stored only hashed).
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A stored session.
#[derive(Clone, Debug)]
pub struct SessionRow {
    /// `ses_<uuid>`.
    pub id: String,
    /// created / in_progress / approved / declined / review / expired.
    pub status: String,
    /// The validated liveness configuration (JSON).
    pub config: String,
    /// The challenge plan (JSON).
    pub plan: String,
    /// sha256 of the client token.
    pub token_hash: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub expires_at: i64,
    /// Verdict JSON once completed.
    pub verdict: Option<String>,
    /// Model set version of the verdict.
    pub model_version: Option<String>,
    /// Scoring policy version of the verdict.
    pub policy_version: Option<String>,
}

/// SQLite-backed store.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or `sqlite::memory:`).
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true);
        // An in-memory database lives in one connection.
        let max = if url.contains(":memory:") { 1 } else { 4 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        sqlx::raw_sql(MIGRATION).execute(&pool).await?;
        Ok(Self { pool })
    }

    /// Stores an API key (hashed); idempotent.
    pub async fn add_api_key(&self, key: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT OR IGNORE INTO api_keys (hash, created_at) VALUES (?, ?)")
            .bind(hash_secret(key))
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the key is known.
    pub async fn api_key_valid(&self, key: &str) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT 1 FROM api_keys WHERE hash = ?")
            .bind(hash_secret(key))
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Inserts a new session.
    pub async fn create_session(&self, s: &SessionRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sessions (id, status, config, plan, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.id)
        .bind(&s.status)
        .bind(&s.config)
        .bind(&s.plan)
        .bind(&s.token_hash)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A session by id.
    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, status, config, plan, token_hash, created_at, expires_at, verdict, model_version, policy_version FROM sessions WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| SessionRow {
            id: r.get(0),
            status: r.get(1),
            config: r.get(2),
            plan: r.get(3),
            token_hash: r.get(4),
            created_at: r.get(5),
            expires_at: r.get(6),
            verdict: r.get(7),
            model_version: r.get(8),
            policy_version: r.get(9),
        }))
    }

    /// Appends a frame's signals and moves the session to `in_progress`, in one transaction.
    /// Returns the frame's sequence number.
    pub async fn add_frame(
        &self,
        id: &str,
        t: f64,
        signals: &str,
        sha256: &str,
        bytes: usize,
    ) -> Result<i64, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let seq: i64 = sqlx::query("SELECT COUNT(*) FROM frames WHERE session_id = ?")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        sqlx::query("INSERT INTO frames (session_id, seq, t, signals, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(id)
            .bind(seq)
            .bind(t)
            .bind(signals)
            .bind(sha256)
            .bind(bytes as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sessions SET status = 'in_progress' WHERE id = ? AND status = 'created'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Every frame's signals JSON, in capture order.
    pub async fn frame_signals(&self, id: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query("SELECT signals FROM frames WHERE session_id = ? ORDER BY t, seq")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    /// Records the verdict and final status (only once: a completed session stays completed).
    /// Returns false when the session was already completed.
    pub async fn complete(
        &self,
        id: &str,
        status: &str,
        verdict: &str,
        versions: (&str, &str),
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE sessions SET status = ?, verdict = ?, model_version = ?, policy_version = ?, completed_at = ? \
             WHERE id = ? AND verdict IS NULL",
        )
        .bind(status)
        .bind(verdict)
        .bind(versions.0)
        .bind(versions.1)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a session expired (when read after its deadline without a verdict).
    pub async fn expire(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET status = 'expired' WHERE id = ? AND verdict IS NULL")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
