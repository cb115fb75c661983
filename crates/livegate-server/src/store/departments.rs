//! Departments (Face Match Verification settings) with their change history, and PDF templates.

use sqlx::any::AnyRow;

use super::esign::sortable_id;
use super::{col, conflict, Store, StoreError};

/// A department and its Face Match Verification settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DepartmentRow {
    /// `dep_<uuid>`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Smart User Liveliness enabled for the department's signers.
    pub smart_liveliness: bool,
    /// Liveness threshold of the department's signers, 0-100.
    pub acceptance_percentage: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// The tenant it belongs to.
    pub tenant_id: String,
    /// Days the signers' capture images are kept after each capture (the sweeper deletes them).
    pub capture_retention_days: i64,
    /// The privacy notice shown before the camera (none: the built-in text).
    pub privacy_notice: Option<String>,
    /// Whom signers contact about their data and their journey.
    pub privacy_contact: Option<String>,
    /// Name shown on the journey pages and in messages (none: the department name).
    pub brand_name: Option<String>,
    /// Accent colour of the journey pages, `#rrggbb`.
    pub brand_colour: Option<String>,
}

/// One recorded change of a department setting.
#[derive(Clone, Debug)]
pub struct ChangeRow {
    /// Unix ms.
    pub at: i64,
    /// Who changed it.
    pub actor: String,
    /// Setting name.
    pub field: String,
    /// Value before (none at creation).
    pub old: Option<String>,
    /// Value after.
    pub new: String,
}

/// A stored PDF template.
#[derive(Clone, Debug)]
pub struct TemplateRow {
    /// `tpl_<uuid>`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where the PDF is.
    pub object_key: String,
    /// Hex sha256 of the PDF.
    pub sha256: String,
    /// Page count.
    pub pages: i64,
    /// Size.
    pub bytes: i64,
    /// Unix ms.
    pub created_at: i64,
    /// The tenant it belongs to.
    pub tenant_id: String,
}

macro_rules! department_columns {
    () => {
        "id, name, smart_liveliness, acceptance_percentage, created_at, updated_at, tenant_id, \
         capture_retention_days, privacy_notice, privacy_contact, brand_name, brand_colour"
    };
}

fn department_from(r: &AnyRow) -> Result<DepartmentRow, StoreError> {
    Ok(DepartmentRow {
        id: col(r, 0)?,
        name: col(r, 1)?,
        smart_liveliness: col::<i64>(r, 2)? != 0,
        acceptance_percentage: col(r, 3)?,
        created_at: col(r, 4)?,
        updated_at: col(r, 5)?,
        tenant_id: col(r, 6)?,
        capture_retention_days: col(r, 7)?,
        privacy_notice: col(r, 8)?,
        privacy_contact: col(r, 9)?,
        brand_name: col(r, 10)?,
        brand_colour: col(r, 11)?,
    })
}

impl Store {
    /// Inserts a department and its initial settings as changes; a taken name is a conflict.
    pub async fn create_department(&self, d: &DepartmentRow, changes: &[ChangeRow]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(concat!(
            "INSERT INTO departments (",
            department_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&d.id)
        .bind(&d.name)
        .bind(i64::from(d.smart_liveliness))
        .bind(d.acceptance_percentage)
        .bind(d.created_at)
        .bind(d.updated_at)
        .bind(&d.tenant_id)
        .bind(d.capture_retention_days)
        .bind(&d.privacy_notice)
        .bind(&d.privacy_contact)
        .bind(&d.brand_name)
        .bind(&d.brand_colour)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, &format!("a department named {:?}", d.name)))?;
        insert_changes(&mut tx, &d.id, changes).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves a department's settings and the changes made, in one transaction; false when the
    /// department changed meanwhile (`expected_updated_at` no longer matches) or is gone.
    pub async fn update_department(
        &self,
        d: &DepartmentRow,
        expected_updated_at: i64,
        changes: &[ChangeRow],
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE departments SET name = $2, smart_liveliness = $3, acceptance_percentage = $4, updated_at = $5, \
             capture_retention_days = $7, privacy_notice = $8, privacy_contact = $9, brand_name = $10, \
             brand_colour = $11 WHERE id = $1 AND updated_at = $6",
        )
        .bind(&d.id)
        .bind(&d.name)
        .bind(i64::from(d.smart_liveliness))
        .bind(d.acceptance_percentage)
        .bind(d.updated_at)
        .bind(expected_updated_at)
        .bind(d.capture_retention_days)
        .bind(&d.privacy_notice)
        .bind(&d.privacy_contact)
        .bind(&d.brand_name)
        .bind(&d.brand_colour)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, &format!("a department named {:?}", d.name)))?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        insert_changes(&mut tx, &d.id, changes).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A department by id.
    pub async fn department(&self, id: &str) -> Result<Option<DepartmentRow>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            department_columns!(),
            " FROM departments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(department_from).transpose()
    }

    /// A tenant's departments, by name.
    pub async fn departments(&self, tenant: &str) -> Result<Vec<DepartmentRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            department_columns!(),
            " FROM departments WHERE tenant_id = $1 ORDER BY name"
        ))
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(department_from).collect()
    }

    /// A department's changes, newest first.
    pub async fn department_changes(&self, id: &str) -> Result<Vec<ChangeRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, field, old_value, new_value FROM department_changes WHERE department_id = $1 \
             ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChangeRow {
                    at: col(r, 0)?,
                    actor: col(r, 1)?,
                    field: col(r, 2)?,
                    old: col(r, 3)?,
                    new: col(r, 4)?,
                })
            })
            .collect()
    }

    /// Inserts a template.
    pub async fn create_template(&self, t: &TemplateRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO templates (id, name, object_key, sha256, pages, bytes, created_at, tenant_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(&t.object_key)
        .bind(&t.sha256)
        .bind(t.pages)
        .bind(t.bytes)
        .bind(t.created_at)
        .bind(&t.tenant_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A tenant's templates, newest first; one when `id` is given.
    pub async fn templates(&self, tenant: &str, id: Option<&str>) -> Result<Vec<TemplateRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, object_key, sha256, pages, bytes, created_at, tenant_id FROM templates \
             WHERE ($1 IS NULL OR id = $1) AND tenant_id = $2 ORDER BY created_at DESC, id",
        )
        .bind(id)
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TemplateRow {
                    id: col(r, 0)?,
                    name: col(r, 1)?,
                    object_key: col(r, 2)?,
                    sha256: col(r, 3)?,
                    pages: col(r, 4)?,
                    bytes: col(r, 5)?,
                    created_at: col(r, 6)?,
                    tenant_id: col(r, 7)?,
                })
            })
            .collect()
    }
}

async fn insert_changes(
    tx: &mut sqlx::AnyConnection,
    department_id: &str,
    changes: &[ChangeRow],
) -> Result<(), StoreError> {
    for c in changes {
        sqlx::query(
            "INSERT INTO department_changes (id, department_id, at, actor, field, old_value, new_value) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sortable_id(c.at))
        .bind(department_id)
        .bind(c.at)
        .bind(&c.actor)
        .bind(&c.field)
        .bind(&c.old)
        .bind(&c.new)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
