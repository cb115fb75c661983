//! Workflows: named liveness profiles.

use sqlx::any::AnyRow;

use super::{col, conflict, Store, StoreError};

/// A stored workflow.
#[derive(Clone, Debug)]
pub struct WorkflowRow {
    /// `wf_<uuid>`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// The validated profile (JSON).
    pub profile: String,
    /// Origins a session's `redirect_url` may point to (JSON array; `None` for none).
    pub allowed_origins: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// The tenant it belongs to.
    pub tenant_id: String,
}

fn workflow_from(r: &AnyRow) -> Result<WorkflowRow, StoreError> {
    Ok(WorkflowRow {
        id: col(r, 0)?,
        name: col(r, 1)?,
        profile: col(r, 2)?,
        created_at: col(r, 3)?,
        updated_at: col(r, 4)?,
        allowed_origins: col(r, 5)?,
        tenant_id: col(r, 6)?,
    })
}

impl Store {
    /// Inserts a workflow; a taken name is a [`StoreError::Conflict`].
    pub async fn create_workflow(&self, w: &WorkflowRow) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO workflows (id, name, profile, created_at, updated_at, allowed_origins, tenant_id) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&w.id)
            .bind(&w.name)
            .bind(&w.profile)
            .bind(w.created_at)
            .bind(w.updated_at)
            .bind(&w.allowed_origins)
            .bind(&w.tenant_id)
            .execute(&self.pool)
            .await
            .map_err(|e| conflict(e, &format!("a workflow named {:?}", w.name)))?;
        Ok(())
    }

    /// A workflow by id.
    pub async fn workflow(&self, id: &str) -> Result<Option<WorkflowRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, profile, created_at, updated_at, allowed_origins, tenant_id FROM workflows WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(workflow_from).transpose()
    }

    /// A tenant's workflows, by name.
    pub async fn workflows(&self, tenant: &str) -> Result<Vec<WorkflowRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, profile, created_at, updated_at, allowed_origins, tenant_id FROM workflows \
             WHERE tenant_id = $1 ORDER BY name",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(workflow_from).collect()
    }

    /// Replaces a workflow's name and profile. Returns false when it does not exist in its
    /// tenant.
    pub async fn update_workflow(&self, w: &WorkflowRow) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE workflows SET name = $2, profile = $3, updated_at = $4, allowed_origins = $5 \
             WHERE id = $1 AND tenant_id = $6",
        )
        .bind(&w.id)
        .bind(&w.name)
        .bind(&w.profile)
        .bind(w.updated_at)
        .bind(&w.allowed_origins)
        .bind(&w.tenant_id)
        .execute(&self.pool)
        .await
        .map_err(|e| conflict(e, &format!("a workflow named {:?}", w.name)))?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a tenant's workflow (sessions keep their copy of its profile). Returns false when
    /// absent (or another tenant's).
    pub async fn delete_workflow(&self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM workflows WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
