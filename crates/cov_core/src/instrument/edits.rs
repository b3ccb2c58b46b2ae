//! Insertions into the untouched source text. Instrumentation only ever adds
//! text, so the output keeps every original byte and a source map back to the
//! input is exact at each copied chunk.

use super::tokens::Shifts;
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
    /// pointing at `source` under that name. Also says how many bytes went
    /// in before each source offset (what the token check follows).
    pub fn apply<'s>(mut self, source: &'s str, map_to: Option<&'s str>) -> (String, Option<String>, Shifts) {
        self.edits.sort_by(|a, b| {
            a.offset.cmp(&b.offset).then_with(|| match (a.close, b.close) {
                (true, false) => std::cmp::Ordering::Less,
                (false, true) => std::cmp::Ordering::Greater,
                (true, true) => b.depth.cmp(&a.depth).then(b.seq.cmp(&a.seq)),
                (false, false) => a.depth.cmp(&b.depth).then(a.seq.cmp(&b.seq)),
            })
        });
        let added: usize = self.edits.iter().map(|e| e.text.len() + 1).sum();
        let mut out = String::with_capacity(source.len() + added);
        let mut map = map_to.map(|name| OutputMap::new(source, name));
        let mut copied = 0usize;
        let mut shifts = Shifts::default();
        // Whether the output so far ends with inserted text: a source chunk
        // that follows it may need a separator too.
        let mut after_insertion = false;
        for e in self.edits.iter().filter(|e| !e.text.is_empty()) {
            let at = e.offset as usize;
            if at > copied {
                let separator = copy_source(&mut out, map.as_mut(), source, copied, at, after_insertion);
                shifts.add(copied as u32, separator);
                copied = at;
            }
            let separator = separate(&mut out, &e.text);
            out.push_str(&e.text);
            shifts.add(at as u32, separator + e.text.len() as u32);
            after_insertion = true;
        }
        let separator = copy_source(&mut out, map.as_mut(), source, copied, source.len(), after_insertion);
        shifts.add(copied as u32, separator);
        (out, map.map(OutputMap::finish), shifts)
    }
}

/// Copy `source[from..to]` to the output (and its map), separated from
/// inserted text just before it where they would fuse; the separator's length.
fn copy_source(
    out: &mut String,
    map: Option<&mut OutputMap<'_>>,
    source: &str,
    from: usize,
    to: usize,
    after_insertion: bool,
) -> u32 {
    let chunk = &source[from..to];
    let separator = if after_insertion { separate(out, chunk) } else { 0 };
    if let Some(m) = map {
        m.copy(out, from as u32, chunk);
    }
    out.push_str(chunk);
    separator
}

/// Insertions sit between whole tokens, never inside one; but text written
/// against a token can lex as one token with it: `await` + `E.s(..)` is the
/// identifier `awaitE`, `1` + `.y` a number, `+` + `+x` an increment. A space
/// where two tokens meet changes nothing else (it is not a line terminator),
/// so one goes wherever the last character written and the next could fuse.
/// Returns the bytes it wrote.
fn separate(out: &mut String, next: &str) -> u32 {
    match (out.chars().next_back(), next.chars().next()) {
        (Some(before), Some(after)) if fuses(before, after) => {
            out.push(' ');
            1
        }
        _ => 0,
    }
}

/// Whether `before` and `after`, side by side, may belong to one token.
fn fuses(before: char, after: char) -> bool {
    // Identifier parts (escapes and any non-ASCII letter included), keywords, numbers, regex flags.
    let word =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '\\') || (!c.is_ascii() && !c.is_whitespace());
    // Characters that form longer punctuators or comments together (`++`, `=>`, `//`, `?.`, `...`).
    let punct =
        |c: char| matches!(c, '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '!' | '<' | '>' | '=' | '?' | '.');
    (word(before) && (word(after) || after == '`' || (before.is_ascii_digit() && after == '.')))
        || (before == '.' && after.is_ascii_digit())
        || (punct(before) && punct(after))
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
        let (out, ..) = e.apply("xy", None);
        assert_eq!(out, "(a(b x b)a)[y");
    }

    fn insert(source: &str, at: u32, text: &str) -> String {
        let mut e = Edits::default();
        e.open(at, 0, text);
        e.apply(source, None).0
    }

    #[test]
    fn inserted_text_never_fuses_with_the_token_before_or_after() {
        assert_eq!(insert("await(g)()", 5, "E.s("), "await E.s((g)()");
        assert_eq!(insert("yield(0,h.x)()", 5, "C[1]++;"), "yield C[1]++;(0,h.x)()");
        assert_eq!(insert("return x", 7, "y"), "return y x");
        assert_eq!(insert("a+b", 2, "+c"), "a+ +c b");
        assert_eq!(insert("/re/g", 5, "in"), "/re/g in");
        assert_eq!(insert("x = 1", 5, ".y"), "x = 1 .y");
        assert_eq!(insert(r"\u0061b", 0, "x"), r"x \u0061b");
        assert_eq!(insert("é", 0, "a"), "a é");
        // Only where they meet: punctuation and spaces stay as they are.
        assert_eq!(insert("f(a)", 2, "(C, "), "f((C, a)");
        assert_eq!(insert("a ;", 2, "b"), "a b;");
        // Two source characters around an empty insertion are not separated.
        assert_eq!(insert("ab", 1, ""), "ab");
    }

    #[test]
    fn the_output_map_counts_the_separators() {
        let mut e = Edits::default();
        e.open(5, 0, "E");
        let (out, map, _) = e.apply("await(g)\nx", Some("a.js"));
        assert_eq!(out, "await E(g)\nx");
        let map: serde_json::Value = serde_json::from_str(&map.expect("map")).expect("json");
        // `(g)` starts at generated column 7 and maps back to column 5.
        assert!(map["mappings"].as_str().expect("mappings").starts_with("AAAA,OAAK"), "{map}");
    }
}
