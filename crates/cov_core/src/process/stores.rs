//! One open connection per run store file, kept across flushes, with the
//! units this process already stored there (a flush then writes only new
//! units).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use parking_lot::Mutex;

use crate::store::{Store, StoreError};

pub struct OpenStore {
    pub store: Store,
    /// Hashes of the units this process stored there.
    pub known: HashSet<String>,
    /// The file's identity when it was opened: another one means the file was replaced.
    identity: u64,
}

#[derive(Default)]
pub struct Stores {
    open: Mutex<HashMap<String, OpenStore>>,
}

#[cfg(unix)]
fn file_identity(path: &str) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.ino())
}

/// Without inodes (Windows), a file replaced by another has another creation time.
#[cfg(not(unix))]
fn file_identity(path: &str) -> Option<u64> {
    let created = std::fs::metadata(path).ok()?.created().ok()?;
    Some(created.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos() as u64)
}

impl Stores {
    /// Run `f` on the store at `db`, reopening it when the file was replaced
    /// (a test deleting and recreating a run directory).
    pub fn with<T>(
        &self,
        db: &str,
        package_version: &str,
        f: impl FnOnce(&mut OpenStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut open = self.open.lock();
        let current = file_identity(db);
        if open.get(db).is_none_or(|s| Some(s.identity) != current) {
            let store = Store::open(Path::new(db), package_version)?;
            let identity = file_identity(db).unwrap_or(0);
            open.insert(db.to_string(), OpenStore { store, known: HashSet::new(), identity });
        }
        f(open.get_mut(db).expect("just opened"))
    }

    /// Close the connection to `db` (before deleting it).
    pub fn close(&self, db: &str) {
        self.open.lock().remove(db);
    }
}
