//! The invariant instrumentation keeps: every token of the input is in the
//! output, unchanged and in order; inserted code only adds tokens. Parsing
//! the output is not enough (`await(g)()` with text fused after `await` still
//! parses, as an identifier). Checked with oxc's own tokens, at the places
//! the edits copied each input token to.

use oxc_allocator::Allocator;
use oxc_parser::config::TokensParserConfig;
use oxc_parser::{ParseOptions, Parser, Token};
use oxc_span::SourceType;

/// Where the output's text differs from the input's, token-wise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenChange {
    /// Byte offset, in the input, of the first token not kept.
    pub offset: u32,
    /// The input token's text, and what the output has at its place.
    pub expected: String,
    pub found: String,
}

impl std::fmt::Display for TokenChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the token {:?} became {:?}", self.expected, self.found)
    }
}

/// Bytes inserted before source offsets: `(offset, total)`, ascending, one
/// entry per offset, `total` counting everything inserted at or before it.
/// Edits at an offset come before the source byte there, so that byte moves
/// by the total at its offset.
#[derive(Debug, Default)]
pub struct Shifts(Vec<(u32, u32)>);

impl Shifts {
    /// `bytes` more inserted at `offset` (offsets come in ascending order).
    pub fn add(&mut self, offset: u32, bytes: u32) {
        let total = self.0.last().map_or(0, |e| e.1);
        match self.0.last_mut() {
            _ if bytes == 0 => {}
            Some((at, n)) if *at == offset => *n += bytes,
            _ => self.0.push((offset, total + bytes)),
        }
    }

    /// Bytes inserted at offsets `<= offset` (`inclusive`) or `< offset`.
    fn before(&self, offset: u32, inclusive: bool) -> u32 {
        let i = self.0.partition_point(|(at, _)| if inclusive { *at <= offset } else { *at < offset });
        i.checked_sub(1).map_or(0, |i| self.0[i].1)
    }
}

fn tokens<'a>(
    allocator: &'a Allocator,
    code: &'a str,
    source_type: SourceType,
    options: ParseOptions,
) -> Result<Vec<Token>, u32> {
    let ret = Parser::new(allocator, code, source_type).with_options(options).with_config(TokensParserConfig).parse();
    if ret.panicked || ret.diagnostics.has_errors() {
        let first = ret.diagnostics.errors().next();
        return Err(first.and_then(|e| e.labels.first()).map(|l| l.offset()).unwrap_or(0));
    }
    Ok(ret.tokens.iter().copied().collect())
}

/// Check that `output` (the input with `shifts` inserted) holds every token
/// of `input` unchanged, each where its bytes were copied to.
pub fn check(
    input: &str,
    output: &str,
    shifts: &Shifts,
    source_type: SourceType,
    options: ParseOptions,
) -> Result<(), TokenChange> {
    let allocator = Allocator::default();
    let Ok(before) = tokens(&allocator, input, source_type, options) else {
        return Ok(()); // Not ours to judge: instrument() rejected it already.
    };
    let after = match tokens(&allocator, output, source_type, options) {
        Ok(t) => t,
        Err(at) => {
            // Name the input token nearest to where the output stops parsing.
            let found = output.get(at as usize..).unwrap_or("").chars().take(40).collect();
            let t = before.iter().rev().find(|t| t.start() + shifts.before(t.start(), true) <= at);
            let (offset, expected) = t.map_or((0, String::new()), |t| (t.start(), text(input, t).to_string()));
            return Err(TokenChange { offset, expected, found });
        }
    };
    for t in &before {
        let start = t.start() + shifts.before(t.start(), true);
        let end = t.end() + shifts.before(t.end(), false);
        let i = after.partition_point(|o| o.start() < start);
        let kept = after.get(i).filter(|o| {
            o.start() == start && o.end() == end && o.kind() == t.kind() && text(output, o) == text(input, t)
        });
        if kept.is_none() {
            let found = after.get(i).map_or_else(String::new, |o| text(output, o).to_string());
            return Err(TokenChange { offset: t.start(), expected: text(input, t).to_string(), found });
        }
    }
    Ok(())
}

fn text<'s>(code: &'s str, t: &Token) -> &'s str {
    code.get(t.start() as usize..t.end() as usize).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_js(input: &str, output: &str, shifts: &[(u32, u32)]) -> Result<(), TokenChange> {
        let mut s = Shifts::default();
        for &(at, bytes) in shifts {
            s.add(at, bytes);
        }
        check(input, output, &s, SourceType::mjs(), ParseOptions::default())
    }

    #[test]
    fn insertions_between_tokens_keep_them() {
        assert_eq!(
            check_js("async function f(){ await(g)() }", "async function f(){ await (g)() }", &[(25, 1)]),
            Ok(())
        );
    }

    #[test]
    fn a_fused_keyword_is_named_at_its_input_offset() {
        let change = check_js("async function f(){ await(g)() }", "async function f(){ awaitE.s(g)() }", &[(25, 3)])
            .expect_err("fused");
        assert_eq!(change.offset, 20);
        assert_eq!(change.expected, "await");
        assert_eq!(change.found, "awaitE");
    }

    #[test]
    fn a_regex_read_as_division_is_a_change() {
        let change = check_js("x;/re/g", "x;a/re/g", &[(2, 1)]).expect_err("regex became division");
        assert_eq!((change.offset, change.expected.as_str(), change.found.as_str()), (2, "/re/g", "/"));
    }

    #[test]
    fn output_that_stops_parsing_names_the_nearest_token() {
        let change = check_js("f(a, b)", "f(a, , b)", &[(5, 2)]).expect_err("does not parse");
        assert_eq!(change.expected, ",");
    }
}
