//! Byte offsets (what oxc spans hold) to Istanbul positions: 1-based lines and
//! 0-based columns counted in UTF-16 code units, which is what Babel reports.

use crate::coverage::Position;

pub struct LineIndex<'s> {
    source: &'s str,
    /// Byte offset where each line starts.
    starts: Vec<u32>,
    /// Whether each line is pure ASCII (then column = byte distance).
    ascii: Vec<bool>,
    /// In lines that are not: (byte offset, UTF-16 column) at each line's
    /// start and then every `CHECKPOINT` bytes, so that a position costs a
    /// short scan rather than one from the line's start (minified bundles
    /// have lines of megabytes).
    checkpoints: Vec<(u32, u32)>,
}

/// Bytes between two checkpoints of a line that is not pure ASCII.
const CHECKPOINT: usize = 64;

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
        let mut index = Self { source, starts, ascii, checkpoints: Vec::new() };
        index.checkpoints = index.build_checkpoints();
        index
    }

    fn build_checkpoints(&self) -> Vec<(u32, u32)> {
        let mut checkpoints = Vec::new();
        for (l, _) in self.ascii.iter().enumerate().filter(|(_, ascii)| !**ascii) {
            let start = self.starts[l] as usize;
            let end = self.line_end(l) as usize;
            let (mut units, mut last) = (0u32, start);
            checkpoints.push((start as u32, 0));
            for (i, c) in self.source[start..end].char_indices() {
                if start + i - last >= CHECKPOINT {
                    last = start + i;
                    checkpoints.push((last as u32, units));
                }
                units += c.len_utf16() as u32;
            }
        }
        checkpoints
    }

    /// Byte offset where line `l` (0-based) ends, its terminator included.
    fn line_end(&self, l: usize) -> u32 {
        self.starts.get(l + 1).copied().unwrap_or(self.source.len() as u32)
    }

    /// The checkpoints of a line that is not pure ASCII.
    fn line_checkpoints(&self, l: usize) -> &[(u32, u32)] {
        let (start, end) = (self.starts[l], self.line_end(l));
        let from = self.checkpoints.partition_point(|(b, _)| *b < start);
        let to = self.checkpoints.partition_point(|(b, _)| *b < end);
        &self.checkpoints[from..to]
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
            // The line's start is a checkpoint: the last one at or before `offset` is on this line.
            let (from, units) = self.checkpoints[self.checkpoints.partition_point(|(b, _)| *b <= offset) - 1];
            units + utf16_len(&self.source.as_bytes()[from as usize..offset as usize])
        };
        Position { line: line as u32 + 1, column }
    }

    /// Byte offset of a 1-based line and UTF-16 column (clamped to the line).
    pub fn offset(&self, line: u32, column: u32) -> Option<u32> {
        let l = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(l)?;
        let end = self.line_end(l);
        if self.ascii[l] {
            return Some((start + column).min(end));
        }
        let marks = self.line_checkpoints(l);
        let (from, mut units) = marks[marks.partition_point(|(_, u)| *u <= column).saturating_sub(1)];
        for (i, c) in self.source[from as usize..end as usize].char_indices() {
            if units >= column {
                return Some(from + i as u32);
            }
            units += c.len_utf16() as u32;
        }
        Some(end)
    }
}

/// UTF-16 code units of a UTF-8 slice (whole characters): one per character,
/// two for those of four bytes. Counts bytes, so the loop vectorizes.
fn utf16_len(bytes: &[u8]) -> u32 {
    bytes.iter().map(|&b| ((b & 0xC0) != 0x80) as u32 + (b >= 0xF0) as u32).sum()
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

    #[test]
    fn long_lines_that_are_not_ascii_give_the_positions_a_full_scan_gives() {
        // Lines of several checkpoints, with 2- and 4-byte characters across their boundaries.
        let line: String = (0..3000).map(|i| ["é", "a", "😀", "bc"][i % 4]).collect();
        let src = format!("x\n{line}\r\n{line}");
        let idx = LineIndex::new(&src);
        for (offset, _) in src.char_indices().step_by(7) {
            let o = offset as u32;
            let line = idx.line_of(o);
            let start = idx.starts[line] as usize;
            let column: u32 = src[start..offset].chars().map(|c| c.len_utf16() as u32).sum();
            assert_eq!(idx.position(o), Position { line: line as u32 + 1, column }, "offset {offset}");
            assert_eq!(idx.offset(line as u32 + 1, column), Some(o), "line {line} column {column}");
        }
    }
}
