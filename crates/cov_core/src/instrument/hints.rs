//! Coverage hints in comments: `istanbul|c8|v8 ignore next|if|else|file`, and
//! c8/v8 `ignore start` ... `ignore stop` ranges.

use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    Next,
    If,
    Else,
}

#[derive(Default)]
pub struct Hints {
    /// Hint by the offset of the first token after the comment, as Babel
    /// attaches it to the node that follows.
    by_offset: HashMap<u32, Hint>,
    /// Hints that reached an offset through `(`: offset -> the `(`'s offset.
    /// They belong to the parenthesized node only if no larger node starts at
    /// the `(` (Babel gives the comment to `(f)()` or `(a) + 1` as a whole).
    pub through_paren: HashMap<u32, u32>,
    hinted_parens: std::collections::HashSet<u32>,
    ignored_ranges: Vec<(u32, u32)>,
    pub ignore_file: bool,
}

struct ParsedHint<'t> {
    /// `istanbul`, or `c8`/`v8`.
    istanbul: bool,
    word: &'t str,
    /// What follows the word (c8's `next N` takes a line count).
    rest: &'t str,
}

fn parse_hint(text: &str) -> Option<ParsedHint<'_>> {
    let t = text.trim_start();
    let (tool, rest) = ["istanbul", "c8", "v8"].iter().find_map(|p| t.strip_prefix(p).map(|r| (*p, r)))?;
    let rest = rest.strip_prefix(|c: char| c.is_whitespace())?.trim_start();
    let rest = rest.strip_prefix("ignore")?;
    let rest = rest.strip_prefix(|c: char| c.is_whitespace())?.trim_start();
    let word_end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    // Istanbul's `(?=\W|$)`: `next1` or `next_x` is no hint.
    if rest[word_end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some(ParsedHint { istanbul: tool == "istanbul", word: &rest[..word_end], rest: &rest[word_end..] })
}

/// Offsets of the node a hint comment ending at `i` leads: Babel attaches it
/// to the next node, which may start at a `(` or inside it. (A comment before
/// `else` trails the block before it and leads nothing.)
fn hinted_offsets(source: &str, mut i: usize) -> Vec<u32> {
    let b = source.as_bytes();
    let mut found = Vec::new();
    loop {
        let rest = &source[i..];
        if rest.starts_with(|c: char| c.is_whitespace()) {
            i += rest.chars().next().map_or(1, char::len_utf8);
        } else if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if i < b.len() && b[i] == b'(' {
            found.push(i as u32);
            i += 1;
        } else {
            found.push(i as u32);
            return found;
        }
    }
}

impl Hints {
    pub fn new(source: &str, comments: &[oxc_ast::ast::Comment]) -> Self {
        let mut hints = Hints::default();
        let mut open_start: Option<u32> = None;
        for c in comments {
            let text = &source[c.content_span().start as usize..c.content_span().end as usize];
            let Some(parsed) = parse_hint(text) else { continue };
            // c8/v8 `ignore next N`: the next N lines, as c8 reads it.
            if !parsed.istanbul && parsed.word == "next" {
                if let Ok(n) = parsed.rest.split_whitespace().next().unwrap_or("").parse::<usize>() {
                    let from = c.span.end as usize;
                    let mut end = from;
                    for _ in 0..=n {
                        end += source[end..].find('\n').map_or(source.len() - end, |e| e + 1);
                    }
                    hints.ignored_ranges.push((from as u32, end as u32));
                    continue;
                }
            }
            let hint = match parsed.word {
                "file" => {
                    hints.ignore_file = true;
                    continue;
                }
                "start" => {
                    open_start.get_or_insert(c.span.end);
                    continue;
                }
                "stop" => {
                    if let Some(s) = open_start.take() {
                        hints.ignored_ranges.push((s, c.span.start));
                    }
                    continue;
                }
                "next" => Hint::Next,
                "if" => Hint::If,
                "else" => Hint::Else,
                _ => continue,
            };
            let offsets = hinted_offsets(source, c.span.end as usize);
            let first = offsets[0];
            for &at in &offsets {
                hints.by_offset.insert(at, hint);
                if at != first {
                    hints.through_paren.insert(at, first);
                    hints.hinted_parens.insert(first);
                }
            }
        }
        if let Some(s) = open_start {
            hints.ignored_ranges.push((s, source.len() as u32));
        }
        hints
    }

    /// The hint for a node starting at `start` (ranges count as `next`).
    /// Whether `offset` is a `(` that a hint comment leads.
    pub fn is_hinted_paren(&self, offset: u32) -> bool {
        self.hinted_parens.contains(&offset)
    }

    pub fn at(&self, start: u32) -> Option<Hint> {
        if let Some(h) = self.by_offset.get(&start) {
            return Some(*h);
        }
        self.ignored_ranges.iter().any(|&(s, e)| start >= s && start < e).then_some(Hint::Next)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_hint;

    #[test]
    fn recognises_hint_words() {
        let word = |t| parse_hint(t).map(|h| h.word);
        assert_eq!(word(" istanbul ignore next "), Some("next"));
        assert_eq!(word("c8 ignore start"), Some("start"));
        assert_eq!(word("v8 ignore else: reason"), Some("else"));
        assert_eq!(word("istanbulignore next"), None);
        assert_eq!(word("istanbul ignore next1"), None);
        assert_eq!(word("istanbul ignore next_x"), None);
        assert_eq!(word("some comment"), None);
    }
}
