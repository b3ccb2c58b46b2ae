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
    ignored_ranges: Vec<(u32, u32)>,
    pub ignore_file: bool,
}

fn parse_hint(text: &str) -> Option<&str> {
    let t = text.trim_start();
    let rest = ["istanbul", "c8", "v8"].iter().find_map(|p| t.strip_prefix(p))?;
    let rest = rest.strip_prefix(|c: char| c.is_whitespace())?.trim_start();
    let rest = rest.strip_prefix("ignore")?;
    let rest = rest.strip_prefix(|c: char| c.is_whitespace())?.trim_start();
    let word_end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    Some(&rest[..word_end])
}

/// Offsets of the node a hint comment ending at `i` leads: Babel attaches it
/// to the next node, which may start at a `(` or inside it, or after `else`.
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
        } else if rest.starts_with("else") && !rest[4..].starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            i += 4;
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
            let Some(word) = parse_hint(text) else { continue };
            let hint = match word {
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
            for at in hinted_offsets(source, c.span.end as usize) {
                hints.by_offset.insert(at, hint);
            }
        }
        if let Some(s) = open_start {
            hints.ignored_ranges.push((s, source.len() as u32));
        }
        hints
    }

    /// The hint for a node starting at `start` (ranges count as `next`).
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
        assert_eq!(parse_hint(" istanbul ignore next "), Some("next"));
        assert_eq!(parse_hint("c8 ignore start"), Some("start"));
        assert_eq!(parse_hint("v8 ignore else: reason"), Some("else"));
        assert_eq!(parse_hint("istanbulignore next"), None);
        assert_eq!(parse_hint("some comment"), None);
    }
}
