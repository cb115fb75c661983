//! The parsed signals of open sessions' frames, kept in memory so a frame upload does not re-read
//! and re-parse the whole session: `frame committed → FrameCache::committed → [FrameSignals]
//! (seq order) → gate, progress, the next frame's history, the verdict`.
//!
//! The database stays the truth. A session's frames are append-only with gap-free sequence
//! numbers, so what the cache holds is always a correct *prefix* of them; it is checked against
//! the session's `frame_count` (on the session row every request reads anyway, so validation
//! costs no query) and, when another server or request committed frames it has not seen, only
//! those are read (`seq >= cached`). Entries are dropped when a session completes or expires, and
//! the least recently used ones are evicted beyond a total frame budget.
//!
//! A snapshot is an `Arc` of the frames: cheap to hand to a worker thread, never changed under
//! it. Appending while a snapshot is out copies the vector once (only parallel uploads to one
//! session do that; the SDK uploads one frame at a time).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use livegate_engine::FrameSignals;

use crate::store::{Store, StoreError};

/// Why a session's frames could not be read into the cache.
#[derive(Debug, thiserror::Error)]
pub enum FrameCacheError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored frame's signals do not parse.
    #[error("stored signals of frame {seq} of {session}: {source}")]
    Record {
        /// Session id.
        session: String,
        /// The frame.
        seq: i64,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The store has fewer frames than the session row counts (never expected: both are written
    /// in one transaction).
    #[error("session {session} should have {wanted} frames, the store has {found}")]
    Missing {
        /// Session id.
        session: String,
        /// Frames the caller knows were committed.
        wanted: usize,
        /// Frames found.
        found: usize,
    },
}

/// A session's frames in arrival order (`seq` 0, 1, …), as far as this server knows them.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The frames; at least as many as the caller asked for.
    pub frames: Arc<Vec<FrameSignals>>,
    /// Arrival order is also capture order (no frame's `t` is below an earlier frame's).
    pub capture_ordered: bool,
}

impl Snapshot {
    /// The frames captured before `t`, in capture order: the history the engine's
    /// `analyze_next` takes. Borrowed when arrival order is capture order (the usual case).
    pub fn history_before(&self, t: f64) -> Cow<'_, [FrameSignals]> {
        if self.capture_ordered {
            let n = self.frames.partition_point(|f| f.t < t);
            return Cow::Borrowed(&self.frames[..n]);
        }
        let mut earlier: Vec<FrameSignals> = self.frames.iter().filter(|f| f.t < t).cloned().collect();
        earlier.sort_by(|a, b| a.t.total_cmp(&b.t));
        Cow::Owned(earlier)
    }
}

struct Entry {
    frames: Arc<Vec<FrameSignals>>,
    capture_ordered: bool,
    used: u64,
}

impl Entry {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            frames: self.frames.clone(),
            capture_ordered: self.capture_ordered,
        }
    }

    /// Appends the frames of `more` that follow what the entry has (`more` starts at `from`).
    fn extend_from(&mut self, from: usize, more: &[FrameSignals]) -> usize {
        let have = self.frames.len();
        let skip = have.saturating_sub(from);
        if from > have || skip >= more.len() {
            return 0;
        }
        let new = &more[skip..];
        let mut last_t = self.frames.last().map_or(f64::NEG_INFINITY, |f| f.t);
        for f in new {
            self.capture_ordered &= f.t >= last_t;
            last_t = f.t;
        }
        Arc::make_mut(&mut self.frames).extend_from_slice(new);
        new.len()
    }
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Last use → session, for eviction in least-recently-used order.
    by_use: BTreeMap<u64, String>,
    tick: u64,
    total: usize,
}

impl Inner {
    fn touch(&mut self, id: &str) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(e) = self.entries.get_mut(id) {
            self.by_use.remove(&e.used);
            e.used = tick;
            self.by_use.insert(tick, id.to_string());
        }
    }

    fn remove(&mut self, id: &str) {
        if let Some(e) = self.entries.remove(id) {
            self.by_use.remove(&e.used);
            self.total -= e.frames.len();
        }
    }

    /// Evicts least recently used sessions, never `keep`, until the budget holds.
    fn evict(&mut self, budget: usize, keep: &str) {
        while self.total > budget {
            let Some(id) = self.by_use.values().find(|id| id.as_str() != keep).cloned() else {
                return;
            };
            self.remove(&id);
        }
    }
}

/// Per-session caches of parsed frame signals, bounded by a total number of frames.
pub struct FrameCache {
    inner: Mutex<Inner>,
    max_frames: usize,
    parsed: AtomicU64,
}

impl std::fmt::Debug for FrameCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameCache")
            .field("max_frames", &self.max_frames)
            .field("frames_parsed", &self.frames_parsed())
            .finish_non_exhaustive()
    }
}

impl FrameCache {
    /// A cache holding at most `max_frames` frames over all sessions (the session in use is
    /// kept even when it alone is larger).
    pub fn new(max_frames: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_frames,
            parsed: AtomicU64::new(0),
        }
    }

    /// How many stored frames' signals the cache has parsed since it was made: a session of N
    /// frames costs at most N over its life on one server, whatever the number of uploads.
    pub fn frames_parsed(&self) -> u64 {
        self.parsed.load(Ordering::Relaxed)
    }

    /// Frames held now, over all sessions.
    pub fn frames_held(&self) -> usize {
        self.lock().total
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The data is append-only and every update completes before it is visible, so a panic
        // elsewhere while holding the lock leaves nothing half-changed.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session's first `n` frames at least (`n` from the session row's `frame_count`, or a
    /// committed `seq + 1`), reading from the store only the frames this cache does not hold.
    pub async fn at_least(&self, store: &Store, id: &str, n: usize) -> Result<Snapshot, FrameCacheError> {
        let mut found = 0;
        // A second round only when the entry was evicted or forgotten during the read.
        for _ in 0..3 {
            let have = {
                let mut inner = self.lock();
                inner.touch(id);
                match inner.entries.get(id) {
                    Some(e) if e.frames.len() >= n => return Ok(e.snapshot()),
                    Some(e) => e.frames.len(),
                    // A new session's first frame: nothing to read.
                    None if n == 0 => {
                        return Ok(Snapshot {
                            frames: Arc::default(),
                            capture_ordered: true,
                        })
                    }
                    None => 0,
                }
            };
            let loaded = self.load(store, id, have).await?;
            found = have + loaded.len();
            let snapshot = self.merge(id, have, &loaded);
            if snapshot.frames.len() >= n {
                return Ok(snapshot);
            }
            if found < n {
                break;
            }
        }
        Err(FrameCacheError::Missing {
            session: id.to_string(),
            wanted: n,
            found,
        })
    }

    /// Parses the stored frames from `from` on, up to the first gap (there is none in a sound
    /// store: seqs are claimed in the frame's own transaction).
    async fn load(&self, store: &Store, id: &str, from: usize) -> Result<Vec<FrameSignals>, FrameCacheError> {
        let rows = store.frame_signals_from(id, from as i64).await?;
        let mut loaded = Vec::with_capacity(rows.len());
        for (seq, text) in rows {
            if seq != (from + loaded.len()) as i64 {
                break;
            }
            let signals = serde_json::from_str(&text).map_err(|source| FrameCacheError::Record {
                session: id.to_string(),
                seq,
                source,
            })?;
            loaded.push(signals);
        }
        self.parsed.fetch_add(loaded.len() as u64, Ordering::Relaxed);
        Ok(loaded)
    }

    /// Records the frame this server committed at `seq` (its signals as stored), and returns the
    /// session's frames up to it at least. Frames before it that this cache has not seen
    /// (committed by a parallel request or another server) are read from the store.
    pub async fn committed(
        &self,
        store: &Store,
        id: &str,
        seq: i64,
        signals: FrameSignals,
    ) -> Result<Snapshot, FrameCacheError> {
        let seq = usize::try_from(seq).unwrap_or(0);
        let snapshot = self.merge(id, seq, std::slice::from_ref(&signals));
        if snapshot.frames.len() > seq {
            return Ok(snapshot);
        }
        // A gap before this frame: read it and what precedes it from the store.
        self.at_least(store, id, seq + 1).await
    }

    /// Adds `frames` (the session's frames from `from` on) to what the entry holds.
    fn merge(&self, id: &str, from: usize, frames: &[FrameSignals]) -> Snapshot {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let entry = inner.entries.entry(id.to_string()).or_insert_with(|| Entry {
            frames: Arc::new(Vec::new()),
            capture_ordered: true,
            used: 0,
        });
        inner.total += entry.extend_from(from, frames);
        let snapshot = entry.snapshot();
        inner.touch(id);
        inner.evict(self.max_frames, id);
        snapshot
    }

    /// Drops a session's frames (completed, expired or purged: no more uploads will come).
    pub fn forget(&self, id: &str) {
        self.lock().remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(t: f64) -> FrameSignals {
        let quality = livegate_engine::quality::Quality::default();
        let json = serde_json::json!({"t": t, "size": [640, 480], "face_count": 0, "faces": [],
            "quality": quality, "mesh_points": [], "fingerprint": []});
        serde_json::from_value(json).expect("minimal signals")
    }

    #[test]
    fn history_is_the_frames_captured_before_in_capture_order() {
        let ordered = Snapshot {
            frames: Arc::new(vec![frame(0.0), frame(0.1), frame(0.2)]),
            capture_ordered: true,
        };
        assert!(matches!(ordered.history_before(0.15), Cow::Borrowed(h) if h.len() == 2));
        assert!(ordered.history_before(0.0).is_empty());
        let shuffled = Snapshot {
            frames: Arc::new(vec![frame(0.2), frame(0.0), frame(0.1)]),
            capture_ordered: false,
        };
        let h = shuffled.history_before(0.15);
        assert_eq!(h.iter().map(|f| f.t).collect::<Vec<_>>(), vec![0.0, 0.1]);
    }

    #[test]
    fn merging_keeps_one_prefix_tracks_order_and_evicts_the_least_recent() {
        let cache = FrameCache::new(4);
        cache.merge("a", 0, &[frame(0.0), frame(0.1)]);
        // An overlapping or out-of-place append adds only what follows.
        let s = cache.merge("a", 1, &[frame(0.1), frame(0.2)]);
        assert_eq!(s.frames.len(), 3);
        assert!(
            cache.merge("a", 9, &[frame(9.0)]).frames.len() == 3,
            "a gap is not filled"
        );
        let s = cache.merge("a", 3, &[frame(0.05)]);
        assert!(!s.capture_ordered);
        cache.merge("b", 0, &[frame(0.0)]);
        assert_eq!(cache.frames_held(), 1, "a was evicted for b");
        cache.merge("b", 1, &[frame(0.1), frame(0.2), frame(0.3), frame(0.4)]);
        assert_eq!(cache.frames_held(), 5, "the session in use stays");
        cache.forget("b");
        assert_eq!(cache.frames_held(), 0);
    }
}
