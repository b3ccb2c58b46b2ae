//! Composing an input source map into a coverage skeleton, so that reports
//! name the original files and positions (`composeSourceMap: true`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::coverage::{Branch, BranchPath, FileCoverage, Function, Location, Position, Statement};
use crate::error::{ErrorKind, InstrumentError};

/// One mapping: a generated column on its line, and where it points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    col: u32,
    source: u32,
    line: u32,
    column: u32,
}

/// A decoded input map: segments per generated line (sorted by column).
/// Decoding is tolerant, because real bundler maps are not always valid:
/// segments that do not decode or point nowhere are skipped, index maps
/// (`sections`) are flattened.
#[derive(Debug, Default)]
pub struct InputMap {
    pub sources: Vec<String>,
    pub source_root: Option<String>,
    lines: Vec<Vec<Segment>>,
    /// Per source id, the length of each original line (UTF-16 units, as map
    /// columns), where the map carries the source's text.
    line_lengths: Vec<Option<Vec<u32>>>,
}

/// The length of each line of `text` in UTF-16 units.
fn line_lengths(text: &str) -> Vec<u32> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).encode_utf16().count() as u32).collect()
}

fn vlq_values(segment: &str) -> Option<Vec<i64>> {
    let mut out = Vec::with_capacity(5);
    let (mut value, mut shift) = (0i64, 0u32);
    for b in segment.bytes() {
        let digit = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as i64;
        if shift > 60 {
            return None;
        }
        value += (digit & 31) << shift;
        if digit & 32 != 0 {
            shift += 5;
        } else {
            out.push(if value & 1 == 1 { -(value >> 1) } else { value >> 1 });
            value = 0;
            shift = 0;
        }
    }
    (shift == 0).then_some(out)
}

impl InputMap {
    pub fn parse(json: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
        let mut map = InputMap::default();
        map.add(&v, 0, 0)?;
        Ok(map)
    }

    /// Add a (section's) map whose generated positions start at (line, col).
    fn add(&mut self, v: &Value, line_offset: u32, col_offset: u32) -> Result<(), String> {
        if let Some(sections) = v.get("sections").and_then(Value::as_array) {
            for s in sections {
                let off = s.get("offset");
                let line = off.and_then(|o| o.get("line")).and_then(Value::as_u64).unwrap_or(0) as u32;
                let col = off.and_then(|o| o.get("column")).and_then(Value::as_u64).unwrap_or(0) as u32;
                // Sections that reference their map by `url` are not supported: skip them.
                if let Some(m) = s.get("map") {
                    self.add(m, line_offset + line, col_offset * (line == 0) as u32 + col)?;
                }
            }
            return Ok(());
        }
        let mappings = v.get("mappings").and_then(Value::as_str).ok_or("no \"mappings\"")?;
        let sources: Vec<String> = v
            .get("sources")
            .and_then(Value::as_array)
            .ok_or("no \"sources\"")?
            .iter()
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect();
        if self.source_root.is_none() {
            self.source_root =
                v.get("sourceRoot").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        }
        // Source ids of this (section) map, in the flattened list.
        let ids: Vec<u32> = sources
            .into_iter()
            .map(|s| match self.sources.iter().position(|x| *x == s) {
                Some(i) => i as u32,
                None => {
                    self.sources.push(s);
                    self.sources.len() as u32 - 1
                }
            })
            .collect();
        // Only for sources reports keep: a blank one (a dependency the caller
        // left out, a bundler's pseudo source) is dropped with its entries,
        // and a bundle's map may carry megabytes of their text.
        let contents = v.get("sourcesContent").and_then(Value::as_array);
        for (i, &id) in ids.iter().enumerate() {
            if self.sources[id as usize].is_empty() {
                continue;
            }
            let text = contents.and_then(|c| c.get(i)).and_then(Value::as_str);
            if self.line_lengths.len() <= id as usize {
                self.line_lengths.resize(id as usize + 1, None);
            }
            if let (Some(text), None) = (text, &self.line_lengths[id as usize]) {
                self.line_lengths[id as usize] = Some(line_lengths(text));
            }
        }
        let (mut source, mut src_line, mut src_col) = (0i64, 0i64, 0i64);
        for (i, text) in mappings.split(';').enumerate() {
            let gen_line = line_offset as usize + i;
            let mut gen_col = 0i64;
            let col_base = if i == 0 { col_offset as i64 } else { 0 };
            for seg in text.split(',').filter(|s| !s.is_empty()) {
                let Some(n) = vlq_values(seg) else { continue };
                if n.is_empty() {
                    continue;
                }
                gen_col += n[0];
                if n.len() < 4 {
                    continue;
                }
                source += n[1];
                src_line += n[2];
                src_col += n[3];
                let Some(&id) = usize::try_from(source).ok().and_then(|s| ids.get(s)) else { continue };
                if gen_col < 0 || src_line < 0 || src_col < 0 {
                    continue;
                }
                if self.lines.len() <= gen_line {
                    self.lines.resize(gen_line + 1, Vec::new());
                }
                self.lines[gen_line].push(Segment {
                    col: (col_base + gen_col) as u32,
                    source: id,
                    line: src_line as u32,
                    column: src_col as u32,
                });
            }
        }
        for l in &mut self.lines {
            l.sort_by_key(|s| s.col);
        }
        Ok(())
    }

    /// Original (source id, position) of a generated position: the segment at
    /// or before it on its line (or the line's first), advancing column for
    /// column inside the segment, as bundlers emit one segment per token.
    fn position(&self, p: Position) -> Option<(u32, Position)> {
        let segs = self.lines.get(p.line.checked_sub(1)? as usize)?;
        let i = segs.partition_point(|s| s.col <= p.column);
        let s = if i == 0 { segs.first()? } else { &segs[i - 1] };
        Some(Self::within(s, p.column))
    }

    /// Where generated `column` lands inside segment `s`.
    fn within(s: &Segment, column: u32) -> (u32, Position) {
        (s.source, Position { line: s.line + 1, column: s.column + column.saturating_sub(s.col) })
    }

    /// Like `position`, for an end: when nothing on its line maps at or
    /// before it (compilers put a closing `});` or a lone `;` on lines of
    /// their own, without mappings), the last mapping before it counts.
    fn end_position(&self, p: Position) -> Option<(u32, Position)> {
        let line = p.line.checked_sub(1)? as usize;
        if let Some(segs) = self.lines.get(line) {
            let i = segs.partition_point(|s| s.col <= p.column);
            if i > 0 {
                return Some(Self::within(&segs[i - 1], p.column));
            }
        }
        let earlier = self.lines.get(..line.min(self.lines.len()))?;
        let s = earlier.iter().rev().find_map(|l| l.last())?;
        Some((s.source, Position { line: s.line + 1, column: s.column }))
    }

    fn location(&self, loc: &Location) -> Option<(u32, Location)> {
        let (s_src, start) = self.position(loc.start)?;
        // The end is exclusive: map its last character, then step past it.
        let last = Position { line: loc.end.line, column: loc.end.column.saturating_sub(1) };
        let (e_src, mut end) = self.end_position(last)?;
        if s_src != e_src {
            return None;
        }
        end.column += 1;
        // A column advanced past the end of its original line is generated
        // code beyond the segment's token (Turbopack's import bindings and
        // export registrations): such a start is no original code; an end is
        // cut at the line's end.
        if let Some(Some(lengths)) = self.line_lengths.get(s_src as usize) {
            let length = |p: Position| lengths.get(p.line as usize - 1).copied();
            if length(start).is_some_and(|n| start.column >= n) {
                return None;
            }
            if let Some(n) = length(end) {
                end.column = end.column.min(n);
            }
        }
        if end < start {
            return None;
        }
        Some((s_src, Location { start, end }))
    }
}

/// Resolve a map's source name to the path reports should use.
pub fn resolve_source(source_root: Option<&str>, source: &str, generated_file: &str) -> String {
    let joined = match source_root {
        Some(root) if !root.is_empty() && !source.starts_with('/') => {
            format!("{}/{}", root.trim_end_matches('/'), source)
        }
        _ => source.to_string(),
    };
    let joined = joined.strip_prefix("file://").unwrap_or(&joined).to_string();
    if joined.starts_with('/') || joined.contains("://") {
        return normalize(&joined);
    }
    let dir =
        std::path::Path::new(generated_file).parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
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
    let mapper = InputMap::parse(map_json).map_err(|e| InstrumentError {
        kind: ErrorKind::SourceMap,
        filename: generated_file.to_string(),
        message: format!("invalid input source map: {e}"),
        line: 0,
        column: 0,
    })?;
    let mut by_source: BTreeMap<u32, FileCoverage> = BTreeMap::new();
    let new_file = |id: u32| FileCoverage {
        path: mapper
            .sources
            .get(id as usize)
            .filter(|s| !s.is_empty())
            .map(|s| resolve_source(mapper.source_root.as_deref(), s, generated_file))
            .unwrap_or_default(),
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
        let (Some((src, loc)), Some((dsrc, decl))) = (mapper.location(&f.loc), mapper.location(&f.decl)) else {
            continue;
        };
        if src != dsrc {
            continue;
        }
        let fc = entry!(src);
        let name = if f.name.starts_with("(anonymous_") {
            format!("(anonymous_{})", fc.functions.len())
        } else {
            f.name.clone()
        };
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
    fn decodes_vlq_and_skips_invalid_segments() {
        // Line 1: col 0 -> (0,0); col 1 names source 5 (absent: skipped, but
        // its delta counts); a malformed segment (skipped); col 10 -> source
        // 5-5 = 0 at (0,4). Line 2: col 2 -> (1, 0).
        let map = r#"{"version":3,"sources":["a.ts"],"mappings":"AAAA,CKAA,!!,SLAI;EACJ"}"#;
        let m = InputMap::parse(map).unwrap();
        assert_eq!(m.position(Position { line: 1, column: 0 }), Some((0, Position { line: 1, column: 0 })));
        assert_eq!(m.position(Position { line: 1, column: 12 }), Some((0, Position { line: 1, column: 6 })));
        assert_eq!(m.position(Position { line: 2, column: 2 }), Some((0, Position { line: 2, column: 0 })));
        assert_eq!(m.position(Position { line: 9, column: 0 }), None);
    }

    #[test]
    fn an_end_on_an_unmapped_line_maps_to_the_last_mapping_before_it() {
        // Generated: line 1 `return jsx(` (mapped), line 2 `  a: 1` (mapped),
        // line 3 `});` (no mapping), as SWC emits a multi-line JSX return.
        let map = r#"{"version":3,"sources":["page.tsx"],"mappings":"AAAA;EACE;"}"#;
        let m = InputMap::parse(map).unwrap();
        let loc = Location { start: Position { line: 1, column: 0 }, end: Position { line: 3, column: 3 } };
        let (src, mapped) = m.location(&loc).expect("kept");
        assert_eq!(src, 0);
        assert_eq!(mapped.start, Position { line: 1, column: 0 });
        assert_eq!(mapped.end, Position { line: 2, column: 3 });
    }

    #[test]
    fn a_start_advanced_past_its_original_line_is_dropped_and_an_end_is_cut_at_the_line() {
        // Turbopack: `import { a } from './a'` (line 1, 23 characters) becomes a
        // long generated line with one segment at its start; `}` (line 3) is
        // followed on its generated line by an export registration.
        let map = r#"{"version":3,"sources":["route.ts"],"sourcesContent":["import { a } from './a'\nexport function GET() {\n}\n"],
            "mappings":"AAAA;AACA;AAEA"}"#;
        let m = InputMap::parse(map).unwrap();
        let at =
            |line, from, to| Location { start: Position { line, column: from }, end: Position { line, column: to } };
        // A binding statement at generated column 40 on the import's line: past the line's 23.
        assert_eq!(m.location(&at(1, 40, 80)), None);
        // The registration after `}`: starts past the 1-character line.
        assert_eq!(m.location(&at(3, 1, 23)), None);
        // A statement starting on the line and running past it: cut at the line's end.
        assert_eq!(m.location(&at(1, 0, 60)), Some((0, at(1, 0, 23))));
        // A blank source (left out by the caller) is not measured.
        let blank =
            InputMap::parse(r#"{"version":3,"sources":["",""],"sourcesContent":["x\n","y\n"],"mappings":"AAAA"}"#)
                .unwrap();
        assert!(blank.line_lengths.iter().all(Option::is_none));
        // Without sourcesContent nothing is known of the lines: as before.
        let bare = InputMap::parse(r#"{"version":3,"sources":["route.ts"],"mappings":"AAAA"}"#).unwrap();
        assert_eq!(bare.location(&at(1, 40, 80)), Some((0, at(1, 40, 80))));
    }

    #[test]
    fn flattens_index_maps() {
        let map = r#"{"version":3,"sections":[
            {"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.ts"],"mappings":"AAAA"}},
            {"offset":{"line":3,"column":5},"map":{"version":3,"sources":["b.ts"],"mappings":"AAAA;AACA"}}]}"#;
        let m = InputMap::parse(map).unwrap();
        assert_eq!(m.sources, vec!["a.ts", "b.ts"]);
        assert_eq!(m.position(Position { line: 4, column: 5 }), Some((1, Position { line: 1, column: 0 })));
        assert_eq!(m.position(Position { line: 5, column: 0 }), Some((1, Position { line: 2, column: 0 })));
    }

    #[test]
    fn composes_into_one_skeleton_per_original_source_and_drops_pseudo_sources() {
        let cov = FileCoverage {
            path: "/out/chunk.js".into(),
            statements: vec![
                Statement {
                    loc: Location { start: Position { line: 1, column: 0 }, end: Position { line: 1, column: 3 } },
                    slot: 0,
                },
                Statement {
                    loc: Location { start: Position { line: 2, column: 0 }, end: Position { line: 2, column: 3 } },
                    slot: 1,
                },
            ],
            ..Default::default()
        };
        let map = r#"{"version":3,"sources":["../src/a.ts",""],"mappings":"AAAA;ACAA"}"#;
        let files = compose(&cov, map, "/out/chunk.js").unwrap();
        let named: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(named, vec!["/src/a.ts", ""]);
        assert_eq!(files[0].statements.len(), 1);
    }

    #[test]
    fn resolves_sources_against_the_generated_file() {
        assert_eq!(resolve_source(None, "../src/a.ts", "/app/dist/a.js"), "/app/src/a.ts");
        assert_eq!(resolve_source(Some("/root/"), "x.ts", "/app/a.js"), "/root/x.ts");
        assert_eq!(resolve_source(None, "file:///abs/b.ts", "/app/a.js"), "/abs/b.ts");
    }
}
