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
        Ok(self.list_dated(prefix).await?.into_iter().map(|(k, _)| k).collect())
    }

    /// [`Objects::list`] with each object's last change, Unix milliseconds.
    pub async fn list_dated(&self, prefix: &str) -> Result<Vec<(String, i64)>, ObjectError> {
        let full = self.key(prefix);
        let strip = if self.prefix.is_empty() {
            0
        } else {
            self.prefix.len() + 1
        };
        let metas: Vec<_> = self.inner.list(Some(&full)).try_collect().await?;
        let mut keys: Vec<(String, i64)> = metas
            .into_iter()
            .map(|m| {
                let key = m.location.as_ref().get(strip..).unwrap_or_default().to_string();
                (key, m.last_modified.timestamp_millis())
            })
            .collect();
        keys.sort();
        Ok(keys)
    }
}

impl Objects {
    /// Deletes up to `limit` objects under `prefix` last changed before `before` (Unix ms)
    /// whose owner is gone: `owner` names it from the key (`None`: not swept) and `alive` says
    /// whether it still exists (asked once per owner). Returns how many were deleted.
    pub async fn sweep<O, F, Fut, E>(
        &self,
        prefix: &str,
        before: i64,
        limit: usize,
        owner: impl Fn(&str) -> Option<O>,
        mut alive: F,
    ) -> Result<usize, E>
    where
        O: Eq + std::hash::Hash + Clone,
        F: FnMut(O) -> Fut,
        Fut: std::future::Future<Output = Result<bool, E>>,
        E: From<ObjectError>,
    {
        let mut known = std::collections::HashMap::new();
        let mut deleted = 0;
        for (key, modified) in self.list_dated(prefix).await? {
            if deleted >= limit {
                break;
            }
            let Some(o) = owner(&key).filter(|_| modified < before) else {
                continue;
            };
            let live = match known.get(&o) {
                Some(&live) => live,
                None => {
                    let live = alive(o.clone()).await?;
                    known.insert(o, live);
                    live
                }
            };
            if !live {
                self.delete(&key).await?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

/// Objects written ahead of the database write that refers to them: when that write does not
/// happen, [`Staged::settle`] deletes them again, so a failed request leaves nothing behind. (A
/// crash in between leaves them to the orphan sweep, [`crate::evidence::orphan_pass`].)
#[derive(Debug, Default)]
#[must_use = "settle the staged objects with the result of the write that refers to them"]
pub struct Staged {
    keys: Vec<String>,
}

impl Staged {
    /// Nothing staged yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes an object and remembers it.
    pub async fn put(&mut self, objects: &Objects, key: &str, bytes: Bytes) -> Result<(), ObjectError> {
        self.keys.push(key.to_string());
        objects.put(key, bytes).await
    }

    /// Copies an object and remembers the copy.
    pub async fn copy(&mut self, objects: &Objects, from: &str, to: &str) -> Result<(), ObjectError> {
        self.keys.push(to.to_string());
        objects.copy(from, to).await
    }

    /// Keeps the objects when `result` is `Ok` and `kept` says so, deletes them otherwise;
    /// returns `result`.
    pub async fn settle<T, E>(
        self,
        objects: &Objects,
        result: Result<T, E>,
        kept: impl FnOnce(&T) -> bool,
    ) -> Result<T, E> {
        if !matches!(&result, Ok(v) if kept(v)) {
            self.discard(objects).await;
        }
        result
    }

    /// Deletes the staged objects (failures are logged: the orphan sweep retries).
    pub async fn discard(self, objects: &Objects) {
        for key in self.keys {
            if let Err(e) = objects.delete(&key).await {
                eprintln!("objects: deleting {key} after a failed write: {e}");
            }
        }
    }
}
