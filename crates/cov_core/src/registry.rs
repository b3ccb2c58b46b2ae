//! The instrumented files of this process and the reports they feed.
//!
//! A report is one original path. Usually one file feeds one report; with
//! composed source maps one bundle chunk can feed several reports, and one
//! original file compiled into several chunks feeds one report from all of
//! them: entries at the same location merge and their counts add up. Such a
//! merged report lists its entries by source location, not in the order the
//! chunks happened to load, so its ids (and its run-store unit) are the same
//! in every run of one build.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use once_cell::sync::OnceCell;
use parking_lot::RwLock;

use crate::coverage::{Branch, BranchKind, BranchPath, FileCoverage, Function, Location, Statement};
use crate::tables::Counts;
use crate::unit::{flat_counts, Unit};

/// One instrumented file as it is registered, and as a live arena's index
/// records it (a reader replays the records into its own registry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub id: u32,
    pub filename: String,
    /// The header hash of its instrumented code.
    pub hash: String,
    /// Length of its counter table.
    pub counters: u32,
    /// Its coverage skeletons, one per reported file.
    pub files: Vec<FileCoverage>,
    /// The earlier version of the same module this one replaces (a dev
    /// server's hot update), so that old and new versions never mix.
    pub supersedes: Option<u32>,
}

pub struct RegisteredFile {
    pub filename: String,
    pub hash: String,
    pub counters: u32,
}

/// A merged report: its skeleton's slots index `sources`, and each merged
/// slot adds up the (file id, slot) counters that feed it.
struct Report {
    cov: FileCoverage,
    sources: Vec<Vec<(u32, u32)>>,
    /// The count-independent JSON, its hash and its run-store unit, built on
    /// first use after a change.
    rendered: OnceCell<Rendered>,
    /// Entries by location, to merge the same code seen in several files.
    statement_at: HashMap<Location, usize>,
    function_at: HashMap<(Location, Location), usize>,
    branch_at: HashMap<BranchKey, usize>,
    /// The one file feeding this report, while there is only one: then the
    /// report keeps that file's own branch keys (Istanbul's, with their gaps).
    only_file: Option<u32>,
}

struct Rendered {
    /// The maps' JSON is the start of the unit's (`{` + maps + `,"_coverageSchema"..`):
    /// kept once, for every file of the process's life.
    maps_len: usize,
    hash: String,
    unit: Unit,
}

impl Rendered {
    fn maps_json(&self) -> &str {
        &self.unit.maps[1..1 + self.maps_len]
    }
}

/// A branch's identity: its location, kind and arms' locations (in that
/// order, which is also the order of a merged report's branches).
type BranchKey = (Location, BranchKind, Vec<Option<Location>>);

fn branch_key(b: &Branch) -> BranchKey {
    (b.loc, b.kind, b.paths.iter().map(|p| p.loc).collect())
}

impl Report {
    fn new(path: &str) -> Self {
        Self {
            cov: FileCoverage { path: path.to_string(), ..Default::default() },
            sources: Vec::new(),
            rendered: OnceCell::new(),
            statement_at: HashMap::new(),
            function_at: HashMap::new(),
            branch_at: HashMap::new(),
            only_file: None,
        }
    }

    fn new_slot(&mut self, source: (u32, u32)) -> u32 {
        self.sources.push(vec![source]);
        self.sources.len() as u32 - 1
    }

    /// Fold one file's skeleton for this path into the report.
    fn merge(&mut self, file_id: u32, fc: &FileCoverage) {
        let single = self.sources.is_empty() || self.only_file == Some(file_id);
        self.only_file = if single { Some(file_id) } else { None };
        self.cov.report_logic |= fc.report_logic;
        // The smallest of the maps carried, whichever chunk came first.
        if let Some(map) = &fc.input_source_map {
            if self.cov.input_source_map.as_ref().is_none_or(|mine| map < mine) {
                self.cov.input_source_map = Some(map.clone());
            }
        }
        for s in &fc.statements {
            match self.statement_at.get(&s.loc) {
                Some(&i) => {
                    let slot = self.cov.statements[i].slot;
                    self.sources[slot as usize].push((file_id, s.slot));
                }
                None => {
                    let slot = self.new_slot((file_id, s.slot));
                    self.statement_at.insert(s.loc, self.cov.statements.len());
                    self.cov.statements.push(Statement { loc: s.loc, slot });
                }
            }
        }
        for f in &fc.functions {
            match self.function_at.get(&(f.decl, f.loc)) {
                Some(&i) => {
                    let mine = &mut self.cov.functions[i];
                    // Named over anonymous, then the smallest name: the same whatever the order.
                    let anonymous = |name: &str| name.starts_with("(anonymous_");
                    if !anonymous(&f.name) && (anonymous(&mine.name) || f.name < mine.name) {
                        mine.name = f.name.clone();
                    }
                    let slot = mine.slot;
                    self.sources[slot as usize].push((file_id, f.slot));
                }
                None => {
                    let slot = self.new_slot((file_id, f.slot));
                    self.function_at.insert((f.decl, f.loc), self.cov.functions.len());
                    self.cov.functions.push(Function { name: f.name.clone(), decl: f.decl, loc: f.loc, slot });
                }
            }
        }
        for b in &fc.branches {
            let key = branch_key(b);
            match self.branch_at.get(&key) {
                Some(&i) => {
                    let paths = self.cov.branches[i].paths.clone();
                    for (mine, theirs) in paths.iter().zip(&b.paths) {
                        self.sources[mine.slot as usize].push((file_id, theirs.slot));
                        if let (Some(m), Some(t)) = (mine.true_slot, theirs.true_slot) {
                            self.sources[m as usize].push((file_id, t));
                        }
                    }
                }
                None => {
                    let paths = b
                        .paths
                        .iter()
                        .map(|p| BranchPath {
                            loc: p.loc,
                            slot: self.new_slot((file_id, p.slot)),
                            true_slot: p.true_slot.map(|t| self.new_slot((file_id, t))),
                        })
                        .collect();
                    self.branch_at.insert(key, self.cov.branches.len());
                    self.cov.branches.push(Branch { key: b.key, kind: b.kind, loc: b.loc, paths });
                }
            }
        }
        if !single {
            self.order_by_location();
        }
        self.rendered = OnceCell::new();
    }

    /// A report fed by several files: entries sorted by location (functions
    /// by declaration then body, branches by location, then kind and the
    /// arms' locations), numbered in that order, anonymous functions named
    /// by their number. One file's report keeps that file's own numbering
    /// (Istanbul's, with its key gaps).
    fn order_by_location(&mut self) {
        let c = &mut self.cov;
        c.statements.sort_unstable_by_key(|s| s.loc);
        c.functions.sort_unstable_by_key(|f| (f.decl, f.loc));
        c.branches.sort_by_cached_key(branch_key);
        for (i, f) in c.functions.iter_mut().enumerate() {
            if f.name.starts_with("(anonymous_") {
                f.name = format!("(anonymous_{i})");
            }
        }
        for (i, b) in c.branches.iter_mut().enumerate() {
            b.key = i as u32;
        }
        self.statement_at = c.statements.iter().enumerate().map(|(i, s)| (s.loc, i)).collect();
        self.function_at = c.functions.iter().enumerate().map(|(i, f)| ((f.decl, f.loc), i)).collect();
        self.branch_at = c.branches.iter().enumerate().map(|(i, b)| (branch_key(b), i)).collect();
    }

    /// Whether `fc` has exactly this report's statements, functions and
    /// branches (in any order: a merged report's are sorted).
    fn same_maps(&self, fc: &FileCoverage) -> bool {
        fn sorted<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
            let mut v: Vec<T> = items.collect();
            v.sort_unstable();
            v
        }
        let c = &self.cov;
        c.statements.len() == fc.statements.len()
            && c.functions.len() == fc.functions.len()
            && c.branches.len() == fc.branches.len()
            && sorted(c.statements.iter().map(|s| s.loc)) == sorted(fc.statements.iter().map(|s| s.loc))
            && sorted(c.functions.iter().map(|f| (f.decl, f.loc)))
                == sorted(fc.functions.iter().map(|f| (f.decl, f.loc)))
            && sorted(c.branches.iter().map(branch_key)) == sorted(fc.branches.iter().map(branch_key))
    }

    fn rendered(&self) -> &Rendered {
        self.rendered.get_or_init(|| {
            let maps_json = self.cov.maps_json();
            let hash = crate::coverage::content_hash(&maps_json);
            let unit = Unit::from_file_coverage(&self.cov, &maps_json, &hash);
            debug_assert_eq!(&unit.maps[1..1 + maps_json.len()], maps_json);
            Rendered { maps_len: maps_json.len(), hash, unit }
        })
    }

    fn count(&self, counts: &Counts, slot: u32) -> u64 {
        self.sources[slot as usize]
            .iter()
            .map(|(file, s)| counts.get(file).and_then(|c| c.get(*s as usize)).copied().unwrap_or(0))
            .sum()
    }

    /// At least the length of what `write` writes (plus its path as the key):
    /// the maps, and per counter its key, separators and the widest count.
    fn json_len_bound(&self, path: &str) -> usize {
        let arms: usize = self.cov.branches.iter().map(|b| b.paths.len() + 8).sum();
        let counters = self.cov.statements.len() + self.cov.functions.len() + arms;
        // `"<key>":<u64>,` is at most 10 + 3 + 20 + 1 bytes; bT at most doubles the arms.
        path.len() * 6 + 8 + self.rendered().maps_len + 128 + (counters + arms) * 34
    }

    fn write(&self, out: &mut String, counts: &Counts) {
        let r = self.rendered();
        self.cov.write_json_with_counts(out, r.maps_json(), &r.hash, &|slot| self.count(counts, slot));
    }
}

#[derive(Default)]
struct Reports {
    order: Vec<String>,
    by_path: HashMap<String, Report>,
    /// The paths each file id feeds, so a flush visits only what a test touched.
    by_file: HashMap<u32, Vec<String>>,
    /// Reports replaced by a new version whose maps differ (a hot update that
    /// moved code), and the retired reports each file id fed: counts made by
    /// those versions are in no report any more, and a flush says so.
    retired: Vec<Retired>,
    retired_by_file: HashMap<u32, Vec<usize>>,
}

/// What a replaced report fed on: enough to tell how many counts it would have taken.
struct Retired {
    path: String,
    sources: Vec<Vec<(u32, u32)>>,
}

impl Retired {
    fn total(&self, counts: &Counts) -> u64 {
        self.sources
            .iter()
            .flatten()
            .map(|(file, s)| counts.get(file).and_then(|c| c.get(*s as usize)).copied().unwrap_or(0))
            .sum()
    }
}

impl Reports {
    /// Drop the report at `fc.path` when file `old` feeds it and its maps differ from `fc`'s.
    fn retire_if_changed(&mut self, old: u32, fc: &FileCoverage) {
        let fed_by_old = self.by_file.get(&old).is_some_and(|paths| paths.contains(&fc.path));
        let Some(report) = self.by_path.get(&fc.path) else { return };
        if !fed_by_old || report.same_maps(fc) {
            return;
        }
        let mut feeders: Vec<u32> = report.sources.iter().flatten().map(|(file, _)| *file).collect();
        feeders.sort_unstable();
        feeders.dedup();
        let n = self.retired.len();
        for file in feeders {
            if let Some(paths) = self.by_file.get_mut(&file) {
                paths.retain(|p| p != &fc.path);
            }
            self.retired_by_file.entry(file).or_default().push(n);
        }
        if let Some(old) = self.by_path.insert(fc.path.clone(), Report::new(&fc.path)) {
            self.retired.push(Retired { path: old.cov.path, sources: old.sources });
        }
    }
}

/// A report a test touched: its run-store unit and its counts in unit order.
pub struct TouchedUnit {
    pub path: String,
    pub unit: String,
    pub counts: Vec<u64>,
}

#[derive(Default)]
pub struct Registry {
    files: RwLock<Vec<Option<Arc<RegisteredFile>>>>,
    reports: RwLock<Reports>,
}

impl Registry {
    /// Reserve the id the instrumented code's header will name.
    pub fn reserve(&self) -> u32 {
        let mut files = self.files.write();
        files.push(None);
        files.len() as u32 - 1
    }

    /// Record what `instrument` produced for a reserved id. With
    /// `supersedes` (the id of its earlier version, e.g. after a dev server's
    /// hot update), a report that version fed is merged with the new one when
    /// their maps agree, and otherwise starts afresh from the new one: old and
    /// new versions never mix in a report.
    pub fn register(&self, file: &Registration) {
        let Registration { id, ref filename, ref hash, counters, files: ref skeletons, supersedes } = *file;
        {
            let mut files = self.files.write();
            // A reader replaying another process's arena registers ids it never reserved.
            if files.len() <= id as usize {
                files.resize(id as usize + 1, None);
            }
            files[id as usize] =
                Some(Arc::new(RegisteredFile { filename: filename.clone(), hash: hash.clone(), counters }));
        }
        let mut reports = self.reports.write();
        for fc in skeletons {
            if let Some(old) = supersedes {
                reports.retire_if_changed(old, fc);
            }
            if !reports.by_path.contains_key(&fc.path) {
                reports.order.push(fc.path.clone());
                reports.by_path.insert(fc.path.clone(), Report::new(&fc.path));
            }
            if let Some(r) = reports.by_path.get_mut(&fc.path) {
                r.merge(id, fc);
            }
            let feeds = reports.by_file.entry(id).or_default();
            if !feeds.contains(&fc.path) {
                feeds.push(fc.path.clone());
            }
        }
    }

    pub fn file(&self, id: u32) -> Option<Arc<RegisteredFile>> {
        self.files.read().get(id as usize).cloned().flatten()
    }

    pub fn file_count(&self) -> usize {
        self.files.read().iter().filter(|f| f.is_some()).count()
    }

    /// Istanbul coverage map JSON of every report, counted from `counts`.
    pub fn coverage_json(&self, counts: &Counts) -> String {
        let reports = self.reports.read();
        // Sized once: growing by doubling copies the text and, with the copy
        // napi makes into a V8 string, tripled the peak memory of a flush.
        let bound = reports.order.iter().map(|p| reports.by_path[p].json_len_bound(p)).sum::<usize>() + 2;
        let mut out = String::with_capacity(bound);
        out.push('{');
        for (i, path) in reports.order.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            crate::coverage::write_json_string(&mut out, path);
            out.push(':');
            reports.by_path[path].write(&mut out, counts);
        }
        out.push('}');
        out
    }

    /// The reports fed by a file with a non-zero count, in registration
    /// order, with their counts laid out as their units lay them.
    pub fn touched(&self, counts: &Counts) -> Vec<TouchedUnit> {
        let reports = self.reports.read();
        self.touched_with(&reports, counts)
    }

    fn touched_with(&self, reports: &Reports, counts: &Counts) -> Vec<TouchedUnit> {
        let mut paths: Vec<&String> = counts
            .iter()
            .filter(|(_, c)| c.iter().any(|n| *n != 0))
            .filter_map(|(id, _)| reports.by_file.get(id))
            .flatten()
            .collect();
        paths.sort();
        paths.dedup();
        let mut out: Vec<TouchedUnit> = paths
            .into_iter()
            .filter_map(|path| {
                let r = &reports.by_path[path];
                let flat = flat_counts(&r.cov, &|slot| r.count(counts, slot));
                flat.iter().any(|n| *n != 0).then(|| TouchedUnit {
                    path: path.clone(),
                    unit: r.rendered().unit.hash.clone(),
                    counts: flat,
                })
            })
            .collect();
        let order: HashMap<&String, usize> = reports.order.iter().enumerate().map(|(i, p)| (p, i)).collect();
        out.sort_by_key(|t| order[&t.path]);
        out
    }

    /// Istanbul coverage map JSON of the reports at `paths` only.
    pub fn coverage_json_of(&self, paths: &[&str], counts: &Counts) -> String {
        let reports = self.reports.read();
        let bound =
            paths.iter().filter_map(|p| reports.by_path.get(*p).map(|r| r.json_len_bound(p))).sum::<usize>() + 2;
        let mut out = String::with_capacity(bound);
        out.push('{');
        for path in paths {
            let Some(r) = reports.by_path.get(*path) else { continue };
            if out.len() > 1 {
                out.push(',');
            }
            crate::coverage::write_json_string(&mut out, path);
            out.push(':');
            r.write(&mut out, counts);
        }
        out.push('}');
        out
    }

    /// Every report (all, or only those `touched` finds) as its unit with its
    /// flat counts: the answer's parts when several processes' counts merge.
    pub fn units_with_counts(&self, counts: &Counts, all: bool) -> Vec<(Unit, Vec<u64>)> {
        let reports = self.reports.read();
        let touched: Option<Vec<String>> =
            (!all).then(|| self.touched_with(&reports, counts).into_iter().map(|t| t.path).collect());
        reports
            .order
            .iter()
            .filter(|p| touched.as_ref().is_none_or(|t| t.contains(p)))
            .map(|p| {
                let r = &reports.by_path[p];
                (r.rendered().unit.clone(), flat_counts(&r.cov, &|slot| r.count(counts, slot)))
            })
            .collect()
    }

    /// What no report takes of `counts`, one line per file: counts of a file
    /// id this registry does not know, or of an earlier version whose report
    /// a hot update replaced. Empty when every count lands in a report.
    pub fn unaccounted(&self, counts: &Counts) -> Vec<String> {
        let reports = self.reports.read();
        let files = self.files.read();
        let mut ids: Vec<u32> = counts.iter().filter(|(_, c)| c.iter().any(|n| *n != 0)).map(|(id, _)| *id).collect();
        ids.sort_unstable();
        let mut out = Vec::new();
        let mut seen: HashSet<usize> = HashSet::new();
        for id in ids {
            let name = files.get(id as usize).cloned().flatten();
            let retired = reports.retired_by_file.get(&id);
            for &r in retired.into_iter().flatten() {
                if !seen.insert(r) {
                    continue;
                }
                let report = &reports.retired[r];
                let lost = report.total(counts);
                if lost > 0 {
                    out.push(format!(
                        "{lost} count(s) of {} are in no report: they were made by an earlier version of it \
                         that a hot update replaced with code that moved (reports keep the newest version)",
                        report.path
                    ));
                }
            }
            let feeds = reports.by_file.get(&id).is_some_and(|paths| !paths.is_empty());
            if !feeds && retired.is_none() {
                let total: u64 = counts[&id].iter().sum();
                out.push(match name {
                    Some(f) => format!("{total} count(s) of {} (file id {id}) are in no report", f.filename),
                    None => format!("{total} count(s) of file id {id} are in no report: no such file was registered"),
                });
            }
        }
        out
    }

    /// The run-store units of every report whose unit `known` does not know.
    pub fn units(&self, known: &dyn Fn(&str) -> bool) -> Vec<Unit> {
        let reports = self.reports.read();
        reports.order.iter().map(|p| &reports.by_path[p].rendered().unit).filter(|u| !known(&u.hash)).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::Position;

    fn loc(line: u32) -> Location {
        Location { start: Position { line, column: 0 }, end: Position { line, column: 4 } }
    }

    #[test]
    fn merges_one_original_file_compiled_into_two_chunks() {
        let reg = Registry::default();
        let a = reg.reserve();
        let b = reg.reserve();
        let chunk = |slot_base: u32| FileCoverage {
            path: "/src/page.tsx".into(),
            statements: vec![
                Statement { loc: loc(1), slot: slot_base },
                Statement { loc: loc(2), slot: slot_base + 1 },
            ],
            ..Default::default()
        };
        reg.register(&Registration {
            id: a,
            filename: "/out/a.js".into(),
            hash: "h".into(),
            counters: 2,
            files: vec![chunk(0)],
            supersedes: None,
        });
        let mut second = chunk(5);
        second.statements.push(Statement { loc: loc(9), slot: 7 });
        reg.register(&Registration {
            id: b,
            filename: "/out/b.js".into(),
            hash: "h".into(),
            counters: 8,
            files: vec![second],
            supersedes: None,
        });
        let mut counts = Counts::new();
        counts.insert(a, vec![1, 0]);
        counts.insert(b, vec![0, 0, 0, 0, 0, 2, 3, 4]);
        let v: serde_json::Value = serde_json::from_str(&reg.coverage_json(&counts)).unwrap();
        let page = &v["/src/page.tsx"];
        assert_eq!(page["s"], serde_json::json!({"0": 3, "1": 3, "2": 4}));
        assert_eq!(page["statementMap"]["2"]["start"]["line"], 9);
        assert_eq!(v.as_object().unwrap().len(), 1);
    }

    fn module(lines: &[u32]) -> FileCoverage {
        FileCoverage {
            path: "/src/route.tsx".into(),
            statements: lines.iter().enumerate().map(|(i, l)| Statement { loc: loc(*l), slot: i as u32 }).collect(),
            ..Default::default()
        }
    }

    /// A version of /src/route.tsx: one statement on each of `lines`.
    fn route_version(id: u32, hash: &str, lines: &[u32], supersedes: Option<u32>) -> Registration {
        Registration {
            id,
            filename: "/src/route.tsx".into(),
            hash: hash.into(),
            counters: lines.len() as u32,
            files: vec![module(lines)],
            supersedes,
        }
    }

    #[test]
    fn a_new_version_with_the_same_maps_adds_up() {
        let reg = Registry::default();
        let (v1, v2) = (reg.reserve(), reg.reserve());
        reg.register(&route_version(v1, "h1", &[1, 2], None));
        reg.register(&route_version(v2, "h2", &[1, 2], Some(v1)));
        let mut counts = Counts::new();
        counts.insert(v1, vec![1, 0]);
        counts.insert(v2, vec![2, 5]);
        let v: serde_json::Value = serde_json::from_str(&reg.coverage_json(&counts)).unwrap();
        assert_eq!(v["/src/route.tsx"]["s"], serde_json::json!({"0": 3, "1": 5}));
    }

    #[test]
    fn a_new_version_with_other_maps_replaces_the_old_one() {
        let reg = Registry::default();
        let (v1, v2) = (reg.reserve(), reg.reserve());
        reg.register(&route_version(v1, "h1", &[1, 2], None));
        reg.register(&route_version(v2, "h2", &[1, 3, 4], Some(v1)));
        let mut counts = Counts::new();
        counts.insert(v1, vec![7, 7]);
        counts.insert(v2, vec![1, 0, 2]);
        let v: serde_json::Value = serde_json::from_str(&reg.coverage_json(&counts)).unwrap();
        let route = &v["/src/route.tsx"];
        assert_eq!(route["s"], serde_json::json!({"0": 1, "1": 0, "2": 2}), "only the new version counts");
        assert_eq!(route["statementMap"]["1"]["start"]["line"], 3);
        // The old version's counts alone touch nothing any more.
        let mut old_only = Counts::new();
        old_only.insert(v1, vec![7, 7]);
        assert!(reg.touched(&old_only).is_empty());
        // ...and a flush says what it drops, instead of losing it silently.
        let dropped = reg.unaccounted(&counts);
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert!(dropped[0].starts_with("14 count(s) of /src/route.tsx are in no report"), "{}", dropped[0]);
        assert!(dropped[0].contains("earlier version"), "{}", dropped[0]);
        let mut new_only = Counts::new();
        new_only.insert(v2, vec![1, 0, 2]);
        assert!(reg.unaccounted(&new_only).is_empty());
    }

    #[test]
    fn counts_of_a_file_no_report_takes_are_named() {
        let reg = Registry::default();
        let id = reg.reserve();
        reg.register(&Registration {
            id,
            filename: "/src/a.js".into(),
            hash: "h".into(),
            counters: 2,
            files: vec![module(&[1, 2])],
            supersedes: None,
        });
        let mut counts = Counts::new();
        counts.insert(id, vec![1, 1]);
        assert!(reg.unaccounted(&counts).is_empty(), "every count lands in a report");
        counts.insert(9, vec![0, 3]);
        assert_eq!(
            reg.unaccounted(&counts),
            vec!["3 count(s) of file id 9 are in no report: no such file was registered"]
        );
        // A registration without skeletons (nothing of it is reported).
        let bare = reg.reserve();
        reg.register(&Registration {
            id: bare,
            filename: "/src/bare.js".into(),
            hash: "h".into(),
            counters: 1,
            files: vec![],
            supersedes: None,
        });
        counts.remove(&9);
        counts.insert(bare, vec![2]);
        assert_eq!(
            reg.unaccounted(&counts),
            vec![format!("2 count(s) of /src/bare.js (file id {bare}) are in no report")]
        );
        // A reader's registry (replaying another process's index) knows ids it never reserved.
        let reader = Registry::default();
        reader.register(&Registration {
            id: 5,
            filename: "/src/b.js".into(),
            hash: "h".into(),
            counters: 2,
            files: vec![module(&[1, 2])],
            supersedes: None,
        });
        assert_eq!(reader.file(5).map(|f| f.filename.clone()).as_deref(), Some("/src/b.js"));
    }
}
