//! Persistence behind one [`Store`] over SQLite (default) or PostgreSQL, with the same portable
//! migrations and queries (`$n` placeholders, BIGINT/DOUBLE PRECISION/TEXT columns). Every write
//! that spans rows runs in one transaction or one conditional statement, so a failed or killed
//! request leaves nothing half-written, and two servers sharing PostgreSQL see one truth.

mod api_keys;
mod departments;
mod esign;
mod sessions;
mod webhooks;
mod workflows;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

pub use api_keys::ApiKeyRow;
pub use departments::{ChangeRow, DepartmentRow, TemplateRow};
pub use esign::{sortable_id, AuditEventRow, DocumentRow, ExpiredCapture, InviteeRow, OutboxRow};
pub use sessions::{AddFrame, AuditImage, Completion, FrameLimits, FrameObject, FrameRefusal, FrameRow, SessionRow};
pub use webhooks::{AttemptOutcome, DeliveryAttempt, DeliveryRow, EndpointRow};
pub use workflows::WorkflowRow;

/// Schema versions, applied in order once each. Portable SQL only.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE IF NOT EXISTS api_keys (
    hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS workflows (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    profile TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    workflow_id TEXT,
    profile TEXT NOT NULL,
    config TEXT NOT NULL,
    plan TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    retry_of TEXT,
    reference_key TEXT,
    reference_embedding TEXT,
    frame_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    result TEXT,
    model_version TEXT,
    policy_version TEXT,
    completed_at BIGINT,
    frames_purged_at BIGINT
);
CREATE UNIQUE INDEX IF NOT EXISTS sessions_retry_of ON sessions (retry_of);
CREATE INDEX IF NOT EXISTS sessions_token ON sessions (token_hash);
CREATE TABLE IF NOT EXISTS frames (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq BIGINT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    signals TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    object_key TEXT NOT NULL,
    client_key TEXT,
    PRIMARY KEY (session_id, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS frames_client_key ON frames (session_id, client_key);
CREATE TABLE IF NOT EXISTS audit_images (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    idx BIGINT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    sha256 TEXT NOT NULL,
    object_key TEXT NOT NULL,
    PRIMARY KEY (session_id, idx)
);
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event TEXT NOT NULL,
    session_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
"#,
    ),
    (2, esign::MIGRATION),
    (
        3,
        r#"
ALTER TABLE sessions ADD COLUMN redirect_url TEXT;
ALTER TABLE workflows ADD COLUMN allowed_origins TEXT;
"#,
    ),
    (4, "ALTER TABLE invitees ADD COLUMN reference_embedding TEXT;"),
    (
        5,
        r#"
ALTER TABLE sessions ADD COLUMN subject TEXT;
CREATE INDEX IF NOT EXISTS sessions_subject ON sessions (subject, completed_at);
"#,
    ),
    (6, api_keys::MIGRATION),
    (8, esign::JOURNEY_MIGRATION),
    (
        9,
        r#"
CREATE INDEX IF NOT EXISTS invitees_first_session ON invitees (first_session_id);
CREATE INDEX IF NOT EXISTS sessions_open_deadline ON sessions (status, expires_at);
"#,
    ),
];

/// Schema changes portable SQL cannot express: (version, SQLite, PostgreSQL). On SQLite they run
/// with foreign keys off, for the table rebuilds its ALTER TABLE needs.
const KIND_MIGRATIONS: &[(i64, &str, &str)] = &[(
    7,
    api_keys::SQLITE_NAMES_PER_TENANT,
    api_keys::POSTGRES_NAMES_PER_TENANT,
)];

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A unique name is taken.
    #[error("{0} already exists")]
    Conflict(String),
}

/// The hex sha256 of a secret (API keys and session tokens are stored only hashed).
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Which database is behind the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    kind: DbKind,
    /// Frame rows read with their signals, over this store's clones (see
    /// [`Store::frame_signals_read`]).
    signals_read: Arc<AtomicU64>,
}

/// Rows that own objects in the object store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    /// `sessions/<id>/…`: frames, reference, audit images.
    Session,
    /// `esign/<id>/…`: the PDFs, references and signatures of a document.
    Document,
    /// `esign/templates/<id>.pdf`.
    Template,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:`, `postgres://…`) and
    /// applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else {
            DbKind::Postgres
        };
        // An in-memory SQLite database lives in one connection.
        let max = match kind {
            DbKind::Sqlite if url.contains(":memory:") => 1,
            DbKind::Sqlite => 4,
            DbKind::Postgres => 8,
        };
        let pool = AnyPoolOptions::new().max_connections(max).connect(url).await?;
        if kind == DbKind::Sqlite && !url.contains(":memory:") {
            // Readers do not block the writer; a busy writer is waited for, not failed.
            sqlx::raw_sql("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;")
                .execute(&pool)
                .await?;
        }
        let store = Self {
            pool,
            kind,
            signals_read: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The database kind.
    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// How many frame rows this store (and its clones) has read with their signals: what the
    /// frame upload path must not do for earlier frames (it keeps them in the frame cache).
    pub fn frame_signals_read(&self) -> u64 {
        self.signals_read.load(Ordering::Relaxed)
    }

    fn count_signals_read(&self, rows: usize) {
        self.signals_read.fetch_add(rows as u64, Ordering::Relaxed);
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT)")
            .execute(&self.pool)
            .await?;
        let mut steps: Vec<(i64, &str, bool)> = MIGRATIONS.iter().map(|(v, sql)| (*v, *sql, false)).collect();
        steps.extend(KIND_MIGRATIONS.iter().map(|(v, sqlite, postgres)| match self.kind {
            DbKind::Sqlite => (*v, *sqlite, true),
            DbKind::Postgres => (*v, *postgres, true),
        }));
        steps.sort_by_key(|s| s.0);
        for (version, sql, rebuild) in steps {
            let applied = sqlx::query("SELECT 1 FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
            if applied.is_some() {
                continue;
            }
            // One connection for the step: SQLite's foreign-key switch is per connection and
            // ignored inside a transaction.
            let mut conn = self.pool.acquire().await?;
            let keys_off = rebuild && self.kind == DbKind::Sqlite;
            if keys_off {
                sqlx::raw_sql("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
            }
            let applied: Result<(), StoreError> = async {
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(version)
                .bind(0i64)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
            .await;
            if keys_off {
                sqlx::raw_sql("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
            }
            applied?;
        }
        Ok(())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Whether the row owning objects under a key still exists (the orphan sweeps).
    pub async fn owner_exists(&self, owner: Owner, id: &str) -> Result<bool, StoreError> {
        let sql = match owner {
            Owner::Session => "SELECT 1 FROM sessions WHERE id = $1",
            Owner::Document => "SELECT 1 FROM documents WHERE id = $1",
            Owner::Template => "SELECT 1 FROM templates WHERE id = $1",
        };
        Ok(sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?.is_some())
    }
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
fn conflict(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what.into()),
        _ => StoreError::Database(e),
    }
}

/// Reads column `i` (shorthand for rows whose shape the query fixes).
fn col<'r, T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>>(row: &'r AnyRow, i: usize) -> Result<T, StoreError> {
    Ok(row.try_get(i)?)
}
