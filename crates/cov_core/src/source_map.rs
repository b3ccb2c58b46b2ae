//! Composing an input source map into a coverage skeleton, so that reports
//! name the original files and positions (`composeSourceMap: true`).

use std::collections::BTreeMap;

use oxc_sourcemap::SourceMap;

use crate::coverage::{Branch, BranchPath, FileCoverage, Function, Location, Position, Statement};
use crate::instrument::InstrumentError;

struct Mapper<'m> {
    map: &'m SourceMap<'m>,
    table: Vec<&'m [oxc_sourcemap::Token]>,
}

impl Mapper<'_> {
    /// Original (source id, position) of a generated position. Within a
    /// segment the column advances one for one, as bundlers emit segments per token.
    fn position(&self, p: Position) -> Option<(u32, Position)> {
        let t = self.map.lookup_token_approx(&self.table, p.line.checked_sub(1)?, p.column)?;
        let source = t.get_source_id()?;
        let column = t.get_src_col() + p.column.saturating_sub(t.get_dst_col());
        Some((source, Position { line: t.get_src_line() + 1, column }))
    }

    fn location(&self, loc: &Location) -> Option<(u32, Location)> {
        let (s_src, start) = self.position(loc.start)?;
        // The end is exclusive: map its last character, then step past it.
        let last = Position { line: loc.end.line, column: loc.end.column.saturating_sub(1) };
        let (e_src, mut end) = self.position(last)?;
        if s_src != e_src {
            return None;
        }
        end.column += 1;
        if end < start {
            return None;
        }
        Some((s_src, Location { start, end }))
    }
}

/// Resolve a map's source name to the path reports should use.
pub fn resolve_source(source_root: Option<&str>, source: &str, generated_file: &str) -> String {
    let joined = match source_root {
        Some(root) if !root.is_empty() && !source.starts_with('/') => format!("{}/{}", root.trim_end_matches('/'), source),
        _ => source.to_string(),
    };
    let joined = joined.strip_prefix("file://").unwrap_or(&joined).to_string();
    if joined.starts_with('/') || joined.contains("://") {
        return normalize(&joined);
    }
    let dir = std::path::Path::new(generated_file).parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    if dir.is_empty() {
        normalize(&joined)
    } else {
        normalize(&format!("{dir}/{joined}"))
    }
}

/// Remove `.` and `..` segments without touching the file system.
fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    if absolute {
        format!("/{body}")
    } else {
        body
    }
}

/// Split `cov` (generated positions) into one skeleton per original source.
/// Entries that do not map cleanly into one source are dropped, as
/// istanbul-lib-source-maps does.
pub fn compose(cov: &FileCoverage, map_json: &str, generated_file: &str) -> Result<Vec<FileCoverage>, InstrumentError> {
    let map = SourceMap::from_json_string(map_json).map_err(|e| InstrumentError {
        filename: generated_file.to_string(),
        message: format!("invalid input source map: {e:?}"),
        line: 0,
        column: 0,
    })?;
    let mapper = Mapper { table: map.generate_lookup_table(), map: &map };
    let mut by_source: BTreeMap<u32, FileCoverage> = BTreeMap::new();
    let source_root = map.get_source_root().map(str::to_string);
    let new_file = |id: u32| FileCoverage {
        path: map.get_source(id).map(|s| resolve_source(source_root.as_deref(), s, generated_file)).unwrap_or_default(),
        report_logic: cov.report_logic,
        ..Default::default()
    };
    macro_rules! entry {
        ($id:expr) => {
            by_source.entry($id).or_insert_with(|| new_file($id))
        };
    }
    for s in &cov.statements {
        if let Some((src, loc)) = mapper.location(&s.loc) {
            entry!(src).statements.push(Statement { loc, slot: s.slot });
        }
    }
    for f in &cov.functions {
        let (Some((src, loc)), Some((dsrc, decl))) = (mapper.location(&f.loc), mapper.location(&f.decl)) else { continue };
        if src != dsrc {
            continue;
        }
        let fc = entry!(src);
        let name = if f.name.starts_with("(anonymous_") { format!("(anonymous_{})", fc.functions.len()) } else { f.name.clone() };
        fc.functions.push(Function { name, decl, loc, slot: f.slot });
    }
    'branches: for b in &cov.branches {
        let Some((src, loc)) = mapper.location(&b.loc) else { continue };
        let mut paths = Vec::with_capacity(b.paths.len());
        for p in &b.paths {
            let ploc = match &p.loc {
                Some(l) => match mapper.location(l) {
                    Some((psrc, pl)) if psrc == src => Some(pl),
                    _ => continue 'branches,
                },
                None => None,
            };
            paths.push(BranchPath { loc: ploc, ..p.clone() });
        }
        let fc = entry!(src);
        let key = fc.branches.len() as u32;
        fc.branches.push(Branch { key, kind: b.kind, loc, paths });
    }
    Ok(by_source.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_sources_against_the_generated_file() {
        assert_eq!(resolve_source(None, "../src/a.ts", "/app/dist/a.js"), "/app/src/a.ts");
        assert_eq!(resolve_source(Some("/root/"), "x.ts", "/app/a.js"), "/root/x.ts");
        assert_eq!(resolve_source(None, "file:///abs/b.ts", "/app/a.js"), "/abs/b.ts");
    }
}
