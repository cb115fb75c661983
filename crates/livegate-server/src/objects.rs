//! Frame, reference and audit images behind one [`Objects`] handle over any `object_store`
//! backend: a local directory by default, or an S3-compatible bucket (`s3://bucket[/prefix]`,
//! endpoint and credentials from the standard `AWS_*` variables).

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// Object storage failures.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The backend failed.
    #[error("object store: {0}")]
    Backend(#[from] object_store::Error),
    /// The configuration names no usable store.
    #[error("object store configuration: {0}")]
    Config(String),
}

/// Where images live.
#[derive(Clone)]
pub struct Objects {
    inner: Arc<dyn ObjectStore>,
    prefix: String,
    description: String,
}

impl Objects {
    /// Opens `spec` (`s3://bucket[/prefix]` or a directory), or `<data_dir>/objects` by default.
    pub fn open(spec: Option<&str>, data_dir: &Path) -> Result<Self, ObjectError> {
        match spec {
            Some(url) if url.starts_with("s3://") => {
                let rest = &url["s3://".len()..];
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(ObjectError::Config(format!("{url:?} names no bucket")));
                }
                let s3 = AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
                Ok(Self {
                    inner: Arc::new(s3),
                    prefix: prefix.trim_matches('/').to_string(),
                    description: url.to_string(),
                })
            }
            other => {
                let dir = other
                    .map(Path::new)
                    .map_or_else(|| data_dir.join("objects"), Path::to_path_buf);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| ObjectError::Config(format!("creating {}: {e}", dir.display())))?;
                let local = LocalFileSystem::new_with_prefix(&dir)?;
                Ok(Self {
                    inner: Arc::new(local),
                    prefix: String::new(),
                    description: dir.display().to_string(),
                })
            }
        }
    }

    /// Human-readable location.
    pub fn describe(&self) -> &str {
        &self.description
    }

    fn key(&self, key: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(key)
        } else {
            Key::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Writes an object (whole, atomically visible).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), ObjectError> {
        self.inner.put(&self.key(key), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// Reads an object.
    pub async fn get(&self, key: &str) -> Result<Bytes, ObjectError> {
        Ok(self.inner.get(&self.key(key)).await?.bytes().await?)
    }

    /// Whether an object exists.
    pub async fn exists(&self, key: &str) -> Result<bool, ObjectError> {
        match self.inner.head(&self.key(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Copies an object.
    pub async fn copy(&self, from: &str, to: &str) -> Result<(), ObjectError> {
        self.inner.copy(&self.key(from), &self.key(to)).await?;
        Ok(())
    }

    /// Deletes an object; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        match self.inner.delete(&self.key(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Keys (without the store's prefix) under `prefix`.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, ObjectError> {
        let full = self.key(prefix);
        let strip = if self.prefix.is_empty() {
            0
        } else {
            self.prefix.len() + 1
        };
        let metas: Vec<_> = self.inner.list(Some(&full)).try_collect().await?;
        let mut keys: Vec<String> = metas
            .into_iter()
            .map(|m| m.location.as_ref().get(strip..).unwrap_or_default().to_string())
            .collect();
        keys.sort();
        Ok(keys)
    }
}
