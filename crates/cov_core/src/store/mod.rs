//! The run store: one SQLite database per run directory holding each unit's
//! maps once and, per test and half (`server`, `browser`), only the non-zero
//! counters of the units it touched. See docs/run-store.md.

pub mod lines;
pub mod live;
pub mod redundant;
pub mod sparse;
pub mod summary;
pub mod which;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::unit::{Layout, Unit};

/// Bumped whenever the tables change meaning.
pub const SCHEMA_VERSION: &str = "1";

/// The store's file name in a run directory.
pub const STORE_FILE: &str = "cov-als.db";

/// The store of the run directory `out_dir`.
pub fn path_in(out_dir: &Path) -> std::path::PathBuf {
    out_dir.join(STORE_FILE)
}

pub const PARTS: [&str; 2] = ["server", "browser"];

#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(format!("run store: {e}"))
    }
}

impl From<String> for StoreError {
    fn from(e: String) -> Self {
        StoreError(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Counts of one unit for one test and half, dense by flat slot.
pub struct UnitHits<'a> {
    pub unit: &'a str,
    pub counts: &'a [u64],
}

pub struct Store {
    conn: Connection,
    path: String,
}

fn check_part(part: &str) -> Result<()> {
    if PARTS.contains(&part) {
        Ok(())
    } else {
        Err(StoreError(format!("part must be \"server\" or \"browser\", got {part:?}")))
    }
}

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Run `f` until it is not refused with SQLITE_BUSY (for at most
/// `BUSY_TIMEOUT`): switching the journal mode does not wait through the
/// busy handler while another connection opens the same new database.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// The store's schema and package version, written when it is new; another
/// schema or version is an error naming both.
fn check_versions(tx: &Transaction, shown: &str, package_version: &str) -> Result<()> {
    let get = |key: &str| -> Result<Option<String>> {
        Ok(tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    };
    match (get("schema")?, get("package_version")?) {
        (None, _) => {
            tx.execute(
                "INSERT INTO meta VALUES ('schema', ?1), ('package_version', ?2)",
                [SCHEMA_VERSION, package_version],
            )?;
        }
        (Some(schema), version) => {
            let version = version.unwrap_or_default();
            if schema != SCHEMA_VERSION || version != package_version {
                return Err(StoreError(format!(
                    "run store {shown} has schema {schema} (written by cov-als-native {version}); this is schema {SCHEMA_VERSION} (cov-als-native {package_version}): export it with that version or start a new run directory"
                )));
            }
        }
    }
    Ok(())
}

impl Store {
    /// Open (creating if needed) the store at `path`, written by package
    /// `package_version`. A store of another schema or package version is an error.
    pub fn open(path: &Path, package_version: &str) -> Result<Self> {
        let shown = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| StoreError(format!("cannot open run store {shown}: {e}")))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers never block the writer, and several processes can write in turn.
        retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Schema and version check in one write transaction: processes opening
        // a new store at once (cluster workers' first flushes) take turns.
        let tx = Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)
            .map_err(|e| StoreError(format!("cannot open run store {shown}: {e}")))?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS units(hash TEXT PRIMARY KEY, path TEXT NOT NULL, part TEXT NOT NULL,
               counters INTEGER NOT NULL, maps TEXT NOT NULL, layout TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS units_by_path ON units(path);
             CREATE TABLE IF NOT EXISTS tests(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
             CREATE TABLE IF NOT EXISTS hits(test INTEGER NOT NULL, unit TEXT NOT NULL, part TEXT NOT NULL,
               counts BLOB NOT NULL, PRIMARY KEY(test, unit, part)) WITHOUT ROWID;
             CREATE INDEX IF NOT EXISTS hits_by_unit ON hits(unit);
             CREATE TABLE IF NOT EXISTS marks(arena TEXT NOT NULL, tbl INTEGER NOT NULL, counts BLOB NOT NULL,
               PRIMARY KEY(arena, tbl)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS arenas(name TEXT PRIMARY KEY, state TEXT NOT NULL, tables INTEGER NOT NULL,
               counts INTEGER NOT NULL, problems TEXT NOT NULL);",
        )
        .map_err(|e| StoreError(format!("cannot open run store {shown}: {e}")))?;
        check_versions(&tx, &shown, package_version)?;
        tx.commit()?;
        Ok(Self { conn, path: shown })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn test_id(tx: &Transaction, name: &str) -> Result<i64> {
        tx.execute("INSERT OR IGNORE INTO tests(name) VALUES (?1)", [name])?;
        Ok(tx.query_row("SELECT id FROM tests WHERE name = ?1", [name], |r| r.get(0))?)
    }

    pub(crate) fn insert_units(tx: &Transaction, units: &[Unit], part: &str) -> Result<()> {
        let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO units VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        for u in units {
            let layout = serde_json::to_string(&u.layout).map_err(|e| e.to_string())?;
            stmt.execute(params![u.hash, u.path, part, u.layout.counters() as i64, u.maps, layout])?;
        }
        Ok(())
    }

    pub(crate) fn add_hits(tx: &Transaction, test: i64, part: &str, hits: &[UnitHits]) -> Result<()> {
        let mut get = tx.prepare_cached("SELECT counts FROM hits WHERE test = ?1 AND unit = ?2 AND part = ?3")?;
        let mut put = tx.prepare_cached("INSERT OR REPLACE INTO hits VALUES (?1, ?2, ?3, ?4)")?;
        for h in hits {
            if h.counts.iter().all(|c| *c == 0) {
                continue;
            }
            let previous: Option<Vec<u8>> = get.query_row(params![test, h.unit, part], |r| r.get(0)).optional()?;
            let bytes = match previous {
                Some(prev) => {
                    let mut dense = h.counts.to_vec();
                    sparse::add_into(&mut dense, &prev)?;
                    sparse::encode(&dense)
                }
                None => sparse::encode(h.counts),
            };
            put.execute(params![test, h.unit, part, bytes])?;
        }
        Ok(())
    }

    /// One flush: new units and a test's hits, in one transaction.
    pub fn record(&mut self, test: &str, part: &str, units: &[Unit], hits: &[UnitHits]) -> Result<()> {
        check_part(part)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        Self::insert_units(&tx, units, part)?;
        let id = Self::test_id(&tx, test)?;
        Self::add_hits(&tx, id, part, hits)?;
        tx.commit()?;
        Ok(())
    }

    /// Record an Istanbul coverage map (JSON text) as one half of a test.
    pub fn record_istanbul(&mut self, test: &str, part: &str, json: &str) -> Result<()> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| StoreError(format!("coverage of test {test:?} is not JSON: {e}")))?;
        let map = value.as_object().ok_or_else(|| {
            StoreError(format!("coverage of test {test:?} is not an Istanbul coverage map (an object)"))
        })?;
        let mut units = Vec::with_capacity(map.len());
        let mut counts = Vec::with_capacity(map.len());
        for (key, fc) in map {
            let (u, c) = Unit::from_istanbul(key, fc)?;
            units.push(u);
            counts.push(c);
        }
        let hits: Vec<UnitHits> =
            units.iter().zip(&counts).map(|(u, c)| UnitHits { unit: &u.hash, counts: c }).collect();
        self.record(test, part, &units, &hits)
    }

    /// Test names, sorted by SQLite (callers sort again in their own order).
    pub fn tests(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT name FROM tests ORDER BY name")?;
        let names = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }

    fn load_unit(&self, hash: &str) -> Result<Unit> {
        let (path, maps, layout): (String, String, String) =
            self.conn.query_row("SELECT path, maps, layout FROM units WHERE hash = ?1", [hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let layout: Layout = serde_json::from_str(&layout).map_err(|e| format!("unit {hash}: bad layout: {e}"))?;
        Ok(Unit { hash: hash.to_string(), path, maps, layout })
    }

    /// The summed counts of `tests` (all tests when None) in `part` (both when
    /// None), by unit hash. None when a named test is unknown to this store.
    pub fn counts(&self, tests: Option<&[String]>, part: Option<&str>) -> Result<Option<BTreeMap<String, Vec<u64>>>> {
        if let Some(p) = part {
            check_part(p)?;
        }
        let mut by_unit: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let mut add = |unit: String, bytes: Vec<u8>| -> Result<()> {
            sparse::add_into(by_unit.entry(unit).or_default(), &bytes)?;
            Ok(())
        };
        match tests {
            None => {
                let mut stmt = self.conn.prepare("SELECT unit, counts FROM hits WHERE ?1 IS NULL OR part = ?1")?;
                let mut rows = stmt.query([part])?;
                while let Some(r) = rows.next()? {
                    add(r.get(0)?, r.get(1)?)?;
                }
            }
            Some(names) => {
                let mut id_of = self.conn.prepare_cached("SELECT id FROM tests WHERE name = ?1")?;
                let mut stmt = self
                    .conn
                    .prepare_cached("SELECT unit, counts FROM hits WHERE test = ?1 AND (?2 IS NULL OR part = ?2)")?;
                for name in names {
                    let Some(id) = id_of.query_row([name], |r| r.get::<_, i64>(0)).optional()? else {
                        return Ok(None);
                    };
                    let mut rows = stmt.query(params![id, part])?;
                    while let Some(r) = rows.next()? {
                        add(r.get(0)?, r.get(1)?)?;
                    }
                }
            }
        }
        Ok(Some(by_unit))
    }

    /// Istanbul file coverages (JSON array, sorted by path) of `tests` in
    /// `part`. With `all_units`, the server units no chosen test touched come
    /// too, with zero counts (what a full flush answers). Browser units come
    /// only from the chosen tests' own hits: another test's pages loaded them.
    pub fn export(&self, tests: Option<&[String]>, part: Option<&str>, all_units: bool) -> Result<Option<String>> {
        let Some(mut counts) = self.counts(tests, part)? else { return Ok(None) };
        if all_units && part.is_none_or(|p| p == "server") {
            let mut stmt = self.conn.prepare("SELECT hash FROM units WHERE part = 'server'")?;
            let hashes = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            for h in hashes {
                counts.entry(h).or_default();
            }
        }
        let mut units: Vec<(Unit, Vec<u64>)> =
            counts.into_iter().map(|(h, c)| Ok((self.load_unit(&h)?, c))).collect::<Result<_>>()?;
        units.sort_by(|a, b| (&a.0.path, &a.0.hash).cmp(&(&b.0.path, &b.0.hash)));
        let mut out = String::from("[");
        for (i, (u, c)) in units.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            u.write_json(&mut out, c);
        }
        out.push(']');
        Ok(Some(out))
    }

    /// Add another store's units, tests and hits into this one (CI shards).
    pub fn merge_from(&mut self, other: &Store) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut units = other.conn.prepare("SELECT hash, path, part, counters, maps, layout FROM units")?;
            let mut put = tx.prepare("INSERT OR IGNORE INTO units VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            let mut rows = units.query([])?;
            while let Some(r) = rows.next()? {
                put.execute(params![
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?
                ])?;
            }
            let mut ids: HashMap<i64, i64> = HashMap::new();
            let mut tests = other.conn.prepare("SELECT id, name FROM tests")?;
            let mut rows = tests.query([])?;
            while let Some(r) = rows.next()? {
                let name: String = r.get(1)?;
                ids.insert(r.get(0)?, Self::test_id(&tx, &name)?);
            }
            let mut hits = other.conn.prepare("SELECT test, unit, part, counts FROM hits")?;
            let mut rows = hits.query([])?;
            while let Some(r) = rows.next()? {
                let test = ids[&r.get::<_, i64>(0)?];
                let unit: String = r.get(1)?;
                let part: String = r.get(2)?;
                let mut dense = Vec::new();
                sparse::add_into(&mut dense, &r.get::<_, Vec<u8>>(3)?)?;
                Self::add_hits(&tx, test, &part, &[UnitHits { unit: &unit, counts: &dense }])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
