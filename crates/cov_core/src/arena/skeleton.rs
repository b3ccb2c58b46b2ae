//! A file record's payload: its skeletons in a compact binary form (`varint`
//! numbers, length-prefixed strings), a few bytes per counter; JSON would be
//! several times larger and slower to write at every registration.

use crate::coverage::{Branch, BranchKind, BranchPath, FileCoverage, Function, Location, Position, Statement};
use crate::registry::Registration;
use crate::varint::{self, VarintError};

const KINDS: [BranchKind; 5] =
    [BranchKind::If, BranchKind::CondExpr, BranchKind::BinaryExpr, BranchKind::DefaultArg, BranchKind::Switch];

fn num(out: &mut Vec<u8>, n: u32) {
    varint::write(out, n as u64);
}

fn text(out: &mut Vec<u8>, s: &str) {
    num(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn loc(out: &mut Vec<u8>, l: &Location) {
    for n in [l.start.line, l.start.column, l.end.line, l.end.column] {
        num(out, n);
    }
}

pub(super) fn encode(file: &Registration) -> Vec<u8> {
    let Registration { id, ref filename, ref hash, counters, ref files, supersedes } = *file;
    let mut out =
        Vec::with_capacity(64 + files.iter().map(|f| 12 * (f.statements.len() + 2 * f.branches.len())).sum::<usize>());
    num(&mut out, id);
    text(&mut out, filename);
    text(&mut out, hash);
    num(&mut out, counters);
    num(&mut out, files.len() as u32);
    for f in files {
        text(&mut out, &f.path);
        out.push(f.report_logic as u8);
        match &f.input_source_map {
            Some(m) => {
                out.push(1);
                text(&mut out, m);
            }
            None => out.push(0),
        }
        num(&mut out, f.statements.len() as u32);
        for st in &f.statements {
            loc(&mut out, &st.loc);
            num(&mut out, st.slot);
        }
        num(&mut out, f.functions.len() as u32);
        for func in &f.functions {
            text(&mut out, &func.name);
            loc(&mut out, &func.decl);
            loc(&mut out, &func.loc);
            num(&mut out, func.slot);
        }
        num(&mut out, f.branches.len() as u32);
        for b in &f.branches {
            num(&mut out, b.key);
            out.push(KINDS.iter().position(|k| *k == b.kind).expect("a known kind") as u8);
            loc(&mut out, &b.loc);
            num(&mut out, b.paths.len() as u32);
            for p in &b.paths {
                out.push(p.loc.is_some() as u8 | (p.true_slot.is_some() as u8) << 1);
                if let Some(l) = &p.loc {
                    loc(&mut out, l);
                }
                num(&mut out, p.slot);
                if let Some(t) = p.true_slot {
                    num(&mut out, t);
                }
            }
        }
    }
    if let Some(old) = supersedes {
        out.push(1);
        num(&mut out, old);
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("truncated")?;
        self.at += 1;
        Ok(b)
    }

    fn num(&mut self) -> Result<u32, String> {
        let n = varint::read(self.bytes, &mut self.at).map_err(|e| match e {
            VarintError::Truncated => "truncated",
            VarintError::TooLong => "number too long",
        })?;
        u32::try_from(n).map_err(|_| "number out of range".into())
    }

    fn count(&mut self) -> Result<usize, String> {
        let n = self.num()? as usize;
        // Every entry takes at least a byte: a count beyond the rest is corrupt.
        if n > self.bytes.len() - self.at {
            return Err("count beyond the record".into());
        }
        Ok(n)
    }

    fn text(&mut self) -> Result<String, String> {
        let n = self.count()?;
        let s = std::str::from_utf8(&self.bytes[self.at..self.at + n]).map_err(|_| "text is not UTF-8")?;
        self.at += n;
        Ok(s.to_string())
    }

    fn loc(&mut self) -> Result<Location, String> {
        let (line, column, end_line, end_column) = (self.num()?, self.num()?, self.num()?, self.num()?);
        Ok(Location { start: Position { line, column }, end: Position { line: end_line, column: end_column } })
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<Registration, String> {
    let mut r = Reader { bytes, at: 0 };
    let (id, filename, hash, counters) = (r.num()?, r.text()?, r.text()?, r.num()?);
    let mut files = Vec::new();
    for _ in 0..r.count()? {
        let path = r.text()?;
        let report_logic = r.byte()? != 0;
        let input_source_map = if r.byte()? != 0 { Some(r.text()?) } else { None };
        let mut statements = Vec::new();
        for _ in 0..r.count()? {
            statements.push(Statement { loc: r.loc()?, slot: r.num()? });
        }
        let mut functions = Vec::new();
        for _ in 0..r.count()? {
            functions.push(Function { name: r.text()?, decl: r.loc()?, loc: r.loc()?, slot: r.num()? });
        }
        let mut branches = Vec::new();
        for _ in 0..r.count()? {
            let key = r.num()?;
            let kind = *KINDS.get(r.byte()? as usize).ok_or("unknown branch kind")?;
            let loc = r.loc()?;
            let mut paths = Vec::new();
            for _ in 0..r.count()? {
                let flags = r.byte()?;
                let loc = if flags & 1 != 0 { Some(r.loc()?) } else { None };
                let slot = r.num()?;
                let true_slot = if flags & 2 != 0 { Some(r.num()?) } else { None };
                paths.push(BranchPath { loc, slot, true_slot });
            }
            branches.push(Branch { key, kind, loc, paths });
        }
        files.push(FileCoverage { path, statements, functions, branches, input_source_map, report_logic });
    }
    // Optional tail: the version a hot update supersedes.
    let supersedes = if r.at < bytes.len() && r.byte()? == 1 { Some(r.num()?) } else { None };
    if r.at != bytes.len() {
        return Err("trailing bytes".into());
    }
    Ok(Registration { id, filename, hash, counters, files, supersedes })
}
