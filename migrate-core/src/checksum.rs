//! Checksums of migration SQL (SPEC §2.3).

use std::fmt;

use sha2::{Digest, Sha256};

/// SHA-256 of a migration's up section after normalisation: a leading UTF-8 BOM removed, CRLF
/// and lone CR turned into LF. A Windows checkout and a Linux checkout of the same file agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    /// SHA-256 of bytes as they are, with no normalisation (for cache keys, not migrations).
    pub fn of_bytes(bytes: &[u8]) -> Checksum {
        Checksum(Sha256::digest(bytes).into())
    }

    /// The checksum of `sql`, normalised as described on the type.
    pub fn of(sql: &str) -> Checksum {
        let sql = sql.strip_prefix('\u{feff}').unwrap_or(sql);
        let mut hasher = Sha256::new();
        let bytes = sql.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\r' {
                hasher.update(&bytes[start..i]);
                hasher.update(b"\n");
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            i += 1;
        }
        hasher.update(&bytes[start..]);
        Checksum(hasher.finalize().into())
    }

    /// Parses 64 hexadecimal digits, as stored in the history table.
    pub fn from_hex(hex: &str) -> Option<Checksum> {
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Checksum(out))
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_and_bom_do_not_matter() {
        let lf = Checksum::of("a\nb\n");
        assert_eq!(Checksum::of("a\r\nb\r\n"), lf);
        assert_eq!(Checksum::of("a\rb\r"), lf);
        assert_eq!(Checksum::of("\u{feff}a\nb\n"), lf);
        assert_ne!(Checksum::of("a\n\tb\n"), lf);
    }

    #[test]
    fn known_value_and_hex_round_trip() {
        let empty = Checksum::of("");
        assert_eq!(
            empty.to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Checksum::from_hex(&empty.to_string()), Some(empty));
        assert_eq!(Checksum::from_hex("zz"), None);
    }
}
