//! Byte offsets (what oxc spans hold) to Istanbul positions: 1-based lines and
//! 0-based columns counted in UTF-16 code units, which is what Babel reports.

use crate::coverage::Position;

pub struct LineIndex<'s> {
    source: &'s str,
    /// Byte offset where each line starts.
    starts: Vec<u32>,
    /// Whether each line is pure ASCII (then column = byte distance).
    ascii: Vec<bool>,
}

impl<'s> LineIndex<'s> {
    pub fn new(source: &'s str) -> Self {
        let bytes = source.as_bytes();
        let mut starts = vec![0u32];
        let mut ascii = Vec::new();
        let mut line_ascii = true;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // JS line terminators: \n, \r\n, \r, U+2028, U+2029.
            let term_len = match b {
                b'\n' => 1,
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => 2,
                b'\r' => 1,
                0xE2 if bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8) | Some(0xA9)) => 3,
                _ => 0,
            };
            if term_len > 0 {
                ascii.push(line_ascii);
                line_ascii = true;
                i += term_len;
                starts.push(i as u32);
                continue;
            }
            if b >= 0x80 {
                line_ascii = false;
            }
            i += 1;
        }
        ascii.push(line_ascii);
        Self { source, starts, ascii }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        }
    }

    pub fn position(&self, offset: u32) -> Position {
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = if self.ascii[line] {
            offset - start
        } else {
            let slice = &self.source[start as usize..offset as usize];
            slice.chars().map(|c| c.len_utf16() as u32).sum()
        };
        Position { line: line as u32 + 1, column }
    }

    /// Byte offset of a 1-based line and UTF-16 column (clamped to the line).
    pub fn offset(&self, line: u32, column: u32) -> Option<u32> {
        let l = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(l)?;
        let end = self.starts.get(l + 1).copied().unwrap_or(self.source.len() as u32);
        if self.ascii[l] {
            return Some((start + column).min(end));
        }
        let mut units = 0;
        for (i, c) in self.source[start as usize..end as usize].char_indices() {
            if units >= column {
                return Some(start + i as u32);
            }
            units += c.len_utf16() as u32;
        }
        Some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_all_line_terminators() {
        let src = "a\r\nbé😀c\rd\u{2028}e";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_count(), 4);
        let c = src.find('c').unwrap() as u32;
        // 'b' 'é' (1 unit) '😀' (2 units) then 'c' at column 4
        assert_eq!(idx.position(c), Position { line: 2, column: 4 });
        let d = src.find('d').unwrap() as u32;
        assert_eq!(idx.position(d), Position { line: 3, column: 0 });
        let e = src.find('e').unwrap() as u32;
        assert_eq!(idx.position(e), Position { line: 4, column: 0 });
        assert_eq!(idx.offset(2, 4), Some(c));
    }
}
