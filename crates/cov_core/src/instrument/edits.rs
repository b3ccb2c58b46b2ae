//! Insertions into the untouched source text. Instrumentation only ever adds
//! text, so the output keeps every original byte and a source map back to the
//! input is exact at each copied chunk.

use crate::lines::LineIndex;

struct Edit {
    offset: u32,
    /// Closing text (`)` `}` ...) goes before opening text at the same offset.
    close: bool,
    /// AST depth of the node the edit belongs to: outer opens come first,
    /// inner closes come first.
    depth: u32,
    seq: u32,
    text: String,
}

#[derive(Default)]
pub struct Edits {
    edits: Vec<Edit>,
    seq: u32,
}

impl Edits {
    pub fn open(&mut self, offset: u32, depth: u32, text: impl Into<String>) {
        self.push(offset, false, depth, text.into());
    }

    pub fn close(&mut self, offset: u32, depth: u32, text: impl Into<String>) {
        self.push(offset, true, depth, text.into());
    }

    fn push(&mut self, offset: u32, close: bool, depth: u32, text: String) {
        self.seq += 1;
        self.edits.push(Edit { offset, close, depth, seq: self.seq, text });
    }

    /// Apply the edits; with `map_to`, also build a source map of the output
    /// pointing at `source` under that name.
    pub fn apply<'s>(mut self, source: &'s str, map_to: Option<&'s str>) -> (String, Option<String>) {
        self.edits.sort_by(|a, b| {
            a.offset.cmp(&b.offset).then_with(|| match (a.close, b.close) {
                (true, false) => std::cmp::Ordering::Less,
                (false, true) => std::cmp::Ordering::Greater,
                (true, true) => b.depth.cmp(&a.depth).then(b.seq.cmp(&a.seq)),
                (false, false) => a.depth.cmp(&b.depth).then(a.seq.cmp(&b.seq)),
            })
        });
        let added: usize = self.edits.iter().map(|e| e.text.len()).sum();
        let mut out = String::with_capacity(source.len() + added);
        let mut map = map_to.map(|name| OutputMap::new(source, name));
        let mut copied = 0usize;
        for e in &self.edits {
            let at = e.offset as usize;
            if at > copied {
                if let Some(m) = map.as_mut() {
                    m.copy(&out, copied as u32, &source[copied..at]);
                }
                out.push_str(&source[copied..at]);
                copied = at;
            }
            out.push_str(&e.text);
        }
        if let Some(m) = map.as_mut() {
            m.copy(&out, copied as u32, &source[copied..]);
        }
        out.push_str(&source[copied..]);
        (out, map.map(OutputMap::finish))
    }
}

/// Maps each copied chunk (and each line inside it) of the output back to the input.
struct OutputMap<'s> {
    name: &'s str,
    lines: LineIndex<'s>,
    builder: oxc_sourcemap::SourceMapBuilder<'s>,
    source_id: u32,
    /// Generated line/column of the end of the output written so far.
    gen_line: u32,
    gen_col: u32,
    scanned: usize,
}

impl<'s> OutputMap<'s> {
    fn new(source: &'s str, name: &'s str) -> Self {
        let mut builder = oxc_sourcemap::SourceMapBuilder::default();
        let source_id = builder.add_source_and_content(name, source);
        Self { name, lines: LineIndex::new(source), builder, source_id, gen_line: 0, gen_col: 0, scanned: 0 }
    }

    /// Advance the generated position over output text not yet scanned.
    fn advance(&mut self, out: &str) {
        for c in out[self.scanned..].chars() {
            if c == '\n' {
                self.gen_line += 1;
                self.gen_col = 0;
            } else {
                self.gen_col += c.len_utf16() as u32;
            }
        }
        self.scanned = out.len();
    }

    fn copy(&mut self, out: &str, src_offset: u32, chunk: &str) {
        self.advance(out);
        let p = self.lines.position(src_offset);
        self.builder.add_token(self.gen_line, self.gen_col, p.line - 1, p.column, Some(self.source_id), None);
        // One token at the start of every further line of the chunk.
        let mut line = self.gen_line;
        for (i, c) in chunk.char_indices() {
            if c == '\n' && i + 1 < chunk.len() {
                line += 1;
                let src = self.lines.position(src_offset + i as u32 + 1);
                self.builder.add_token(line, 0, src.line - 1, src.column, Some(self.source_id), None);
            }
        }
    }

    fn finish(self) -> String {
        let mut map = self.builder.into_sourcemap();
        map.set_file(self.name);
        map.to_json_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_opens_first_and_inner_closes_first() {
        let mut e = Edits::default();
        e.open(0, 1, "(a");
        e.open(0, 2, "(b");
        e.close(1, 2, "b)");
        e.close(1, 1, "a)");
        e.open(1, 1, "[");
        let (out, _) = e.apply("xy", None);
        assert_eq!(out, "(a(bxb)a)[y");
    }
}
