//! Byte offsets to `line:column` positions.

use std::fmt;

/// A 1-based line and column in a text file. Columns count characters, as rustc does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    /// The first character of a file.
    pub const START: Position = Position { line: 1, column: 1 };

    /// The position of byte `offset` in `text`. An offset inside a multi-byte character, or past
    /// the end, is clamped to the character boundary before it.
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        Position {
            line: saturating_u32(line),
            column: saturating_u32(column),
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

pub(crate) fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The text of the line that holds byte `offset`, without its line ending.
pub fn line_at(text: &str, offset: usize) -> &str {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[start..end].trim_end_matches('\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_characters() {
        let text = "ab\ncdé\nf";
        assert_eq!(
            Position::of_offset(text, 0),
            Position { line: 1, column: 1 }
        );
        assert_eq!(
            Position::of_offset(text, 3),
            Position { line: 2, column: 1 }
        );
        // 'é' is two bytes; the 'f' line starts after it.
        assert_eq!(
            Position::of_offset(text, 8),
            Position { line: 3, column: 1 }
        );
        assert_eq!(
            Position::of_offset(text, 7),
            Position { line: 2, column: 4 }
        );
        assert_eq!(
            Position::of_offset(text, 6),
            Position { line: 2, column: 3 }
        );
        assert_eq!(
            Position::of_offset(text, 99),
            Position { line: 3, column: 2 }
        );
    }

    #[test]
    fn quotes_the_line() {
        let text = "one\r\ntwo\nthree";
        assert_eq!(line_at(text, 0), "one");
        assert_eq!(line_at(text, 6), "two");
        assert_eq!(line_at(text, text.len()), "three");
    }
}
