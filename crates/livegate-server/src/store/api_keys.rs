//! API keys: stored by the sha256 of their secret only, with a name, scopes, a tenant, and the
//! times they were created, last used and revoked; and the migration that gave every tenant-owned
//! table its `tenant_id` column (rows from before it belong to the default tenant).

use sqlx::any::AnyRow;

use super::{col, hash_secret, Store, StoreError};
use crate::keys::DEFAULT_TENANT;

/// Schema version 6: API keys become a resource; sessions, workflows, webhook endpoints,
/// departments, templates, documents and outbox messages belong to a tenant. Keys stored
/// before (the bootstrap key) become admin keys of the default tenant with an id derived from
/// their hash, so every server names them alike.
pub(super) const MIGRATION: &str = r#"
ALTER TABLE api_keys ADD COLUMN id TEXT;
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT 'bootstrap';
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT;
UPDATE api_keys SET id = 'key_' || substr(hash, 1, 24) WHERE id IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_id ON api_keys (id);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id, created_at);
ALTER TABLE sessions ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE workflows ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE webhook_endpoints ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE departments ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE templates ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE documents ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE outbox ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS documents_tenant ON documents (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
"#;

/// Schema version 7 on SQLite: workflow and department names become unique per tenant rather
/// than per server (a name taken in another tenant must not answer `409`). SQLite cannot drop a
/// column's UNIQUE, so both tables are rebuilt (run with foreign keys off: documents and
/// department changes point at departments).
pub(super) const SQLITE_NAMES_PER_TENANT: &str = r#"
CREATE TABLE workflows_v7 (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    profile TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    allowed_origins TEXT,
    tenant_id TEXT NOT NULL DEFAULT 'default'
);
INSERT INTO workflows_v7 (id, name, profile, created_at, updated_at, allowed_origins, tenant_id)
    SELECT id, name, profile, created_at, updated_at, allowed_origins, tenant_id FROM workflows;
DROP TABLE workflows;
ALTER TABLE workflows_v7 RENAME TO workflows;
CREATE UNIQUE INDEX IF NOT EXISTS workflows_tenant_name ON workflows (tenant_id, name);
CREATE TABLE departments_v7 (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    smart_liveliness BIGINT NOT NULL,
    acceptance_percentage BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    tenant_id TEXT NOT NULL DEFAULT 'default'
);
INSERT INTO departments_v7 (id, name, smart_liveliness, acceptance_percentage, created_at, updated_at, tenant_id)
    SELECT id, name, smart_liveliness, acceptance_percentage, created_at, updated_at, tenant_id FROM departments;
DROP TABLE departments;
ALTER TABLE departments_v7 RENAME TO departments;
CREATE UNIQUE INDEX IF NOT EXISTS departments_tenant_name ON departments (tenant_id, name);
"#;

/// Schema version 7 on PostgreSQL (see [`SQLITE_NAMES_PER_TENANT`]).
pub(super) const POSTGRES_NAMES_PER_TENANT: &str = r#"
ALTER TABLE workflows DROP CONSTRAINT IF EXISTS workflows_name_key;
CREATE UNIQUE INDEX IF NOT EXISTS workflows_tenant_name ON workflows (tenant_id, name);
ALTER TABLE departments DROP CONSTRAINT IF EXISTS departments_name_key;
CREATE UNIQUE INDEX IF NOT EXISTS departments_tenant_name ON departments (tenant_id, name);
"#;

/// `last_used_at` is written at most this often per key, so a busy key does not turn every
/// request into a write.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// A stored API key (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRow {
    /// `key_…`.
    pub id: String,
    /// For people.
    pub name: String,
    /// Scope names separated by spaces.
    pub scopes: String,
    /// The tenant whose rows it sees.
    pub tenant_id: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms (to the minute).
    pub last_used_at: Option<i64>,
    /// Unix ms from which it no longer works (in the future during a rotation's grace).
    pub revoked_at: Option<i64>,
}

impl ApiKeyRow {
    /// Whether the key works at `now`.
    pub fn active(&self, now: i64) -> bool {
        self.revoked_at.is_none_or(|at| at > now)
    }
}

macro_rules! key_columns {
    () => {
        "id, name, scopes, tenant_id, created_at, last_used_at, revoked_at"
    };
}

fn key_from(r: &AnyRow) -> Result<ApiKeyRow, StoreError> {
    Ok(ApiKeyRow {
        id: col(r, 0)?,
        name: col(r, 1)?,
        scopes: col(r, 2)?,
        tenant_id: col(r, 3)?,
        created_at: col(r, 4)?,
        last_used_at: col(r, 5)?,
        revoked_at: col(r, 6)?,
    })
}

impl Store {
    /// Stores the bootstrap key (hashed) as an admin key of the default tenant; idempotent, and
    /// a bootstrap key revoked through the API stays revoked across restarts.
    pub async fn add_api_key(&self, key: &str, now: i64) -> Result<(), StoreError> {
        let hash = hash_secret(key);
        sqlx::query(
            "INSERT INTO api_keys (hash, created_at, id, name, scopes, tenant_id) \
             VALUES ($1, $2, $3, 'bootstrap', 'admin', $4) ON CONFLICT DO NOTHING",
        )
        .bind(&hash)
        .bind(now)
        .bind(format!("key_{}", &hash[..24]))
        .bind(DEFAULT_TENANT)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether the key is known and not revoked at `now`.
    pub async fn api_key_valid(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        Ok(self.api_key_by_secret(key, now).await?.is_some())
    }

    /// The working key with this secret at `now`, marking it used.
    pub async fn api_key_by_secret(&self, secret: &str, now: i64) -> Result<Option<ApiKeyRow>, StoreError> {
        let hash = hash_secret(secret);
        let row = sqlx::query(concat!("SELECT ", key_columns!(), " FROM api_keys WHERE hash = $1"))
            .bind(&hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(key) = row.as_ref().map(key_from).transpose()? else {
            return Ok(None);
        };
        if !key.active(now) {
            return Ok(None);
        }
        if key.last_used_at.is_none_or(|at| now - at >= LAST_USED_RESOLUTION_MS) {
            sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE hash = $1")
                .bind(&hash)
                .bind(now)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(key))
    }

    /// Stores a new key under the hash of `secret`.
    pub async fn create_api_key(&self, k: &ApiKeyRow, secret: &str) -> Result<(), StoreError> {
        insert_key(&self.pool, k, secret).await
    }

    /// A key by id.
    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKeyRow>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", key_columns!(), " FROM api_keys WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(key_from).transpose()
    }

    /// Keys, oldest first: of one tenant, or of every tenant.
    pub async fn api_keys(&self, tenant: Option<&str>) -> Result<Vec<ApiKeyRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys WHERE $1 IS NULL OR tenant_id = $1 ORDER BY created_at, id"
        ))
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from).collect()
    }

    /// Revokes a key from `at` on (kept earlier when it was already revoked sooner); false when
    /// there is no such key.
    pub async fn revoke_api_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = CASE WHEN revoked_at IS NOT NULL AND revoked_at < $2 \
             THEN revoked_at ELSE $2 END WHERE id = $1",
        )
        .bind(id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces key `old_id` by `new` (same name, scopes and tenant, the caller builds it): the
    /// old key stops at `old_until`; both in one transaction. False when the old key is gone or
    /// already revoked at `now`.
    pub async fn rotate_api_key(
        &self,
        old_id: &str,
        old_until: i64,
        now: i64,
        new: &ApiKeyRow,
        secret: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND (revoked_at IS NULL OR revoked_at > $3)",
        )
        .bind(old_id)
        .bind(old_until)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        insert_key(&mut *tx, new, secret).await?;
        tx.commit().await?;
        Ok(true)
    }
}

async fn insert_key<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    k: &ApiKeyRow,
    secret: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO api_keys (hash, id, name, scopes, tenant_id, created_at, last_used_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hash_secret(secret))
    .bind(&k.id)
    .bind(&k.name)
    .bind(&k.scopes)
    .bind(&k.tenant_id)
    .bind(k.created_at)
    .bind(k.last_used_at)
    .bind(k.revoked_at)
    .execute(executor)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::MIGRATIONS;
    use super::*;

    /// A database written before tenants (schema 5) upgrades in place: its rows belong to the
    /// default tenant, its key is an admin key, the rebuilt tables keep their rows and the
    /// foreign keys pointing at them, and names become unique per tenant.
    #[tokio::test]
    async fn a_schema_5_database_upgrades_to_tenants() {
        sqlx::any::install_default_drivers();
        let path = std::env::temp_dir().join(format!("livegate-upgrade-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        {
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            sqlx::raw_sql("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT)")
                .execute(&pool)
                .await
                .unwrap();
            for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v <= 5) {
                sqlx::raw_sql(*sql).execute(&pool).await.unwrap();
                sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)")
                    .bind(*version)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            sqlx::raw_sql(
                "INSERT INTO api_keys (hash, created_at) VALUES ('abcdef0123456789abcdef0123456789', 1);
                 INSERT INTO workflows (id, name, profile, created_at, updated_at) VALUES ('wf_1', 'onboarding', '{}', 1, 1);
                 INSERT INTO departments (id, name, smart_liveliness, acceptance_percentage, created_at, updated_at)
                     VALUES ('dep_1', 'Loans', 1, 65, 1, 1);
                 INSERT INTO department_changes (id, department_id, at, actor, field, new_value)
                     VALUES ('c1', 'dep_1', 1, 'api-key', 'name', 'Loans');
                 INSERT INTO documents (id, department_id, title, object_key, sha256, pages, status, created_at)
                     VALUES ('doc_1', 'dep_1', 'T', 'k', 's', 1, 'sent', 1);",
            )
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }
        let store = Store::open(&url).await.unwrap();
        let keys = store.api_keys(Some(DEFAULT_TENANT)).await.unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(
            (keys[0].id.as_str(), keys[0].scopes.as_str()),
            ("key_abcdef0123456789abcdef01", "admin")
        );
        assert_eq!(store.workflows(DEFAULT_TENANT).await.unwrap()[0].id, "wf_1");
        let dep = store.department("dep_1").await.unwrap().unwrap();
        assert_eq!((dep.name.as_str(), dep.tenant_id.as_str()), ("Loans", DEFAULT_TENANT));
        assert_eq!(
            store.documents(DEFAULT_TENANT, 10).await.unwrap()[0].department_id,
            "dep_1"
        );
        assert_eq!(store.department_changes("dep_1").await.unwrap().len(), 1);
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        assert!(broken.is_empty(), "foreign keys still hold after the rebuild");
        // Unique per tenant now: the same name in another tenant is fine, twice in one is not.
        let mut other = dep.clone();
        other.id = "dep_2".into();
        other.tenant_id = "acme".into();
        store.create_department(&other, &[]).await.unwrap();
        other.id = "dep_3".into();
        assert!(matches!(
            store.create_department(&other, &[]).await,
            Err(StoreError::Conflict(_))
        ));
        drop(store);
        let _ = std::fs::remove_file(&path);
    }
}
