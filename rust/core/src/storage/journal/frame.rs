//! Record framing. A journal file is an 8-byte header followed by frames:
//!
//! ```text
//! u32 LE body length | u32 LE CRC-32 of (length bytes ++ body) | body
//! ```
//!
//! A frame is used only when it is complete and its checksum verifies, so a frame cut short by
//! a crash, or random bytes after the last frame, are never read as a record.

/// Identifies a ferrotune journal and its format version.
pub const MAGIC: &[u8; 8] = b"FTJRNL\x01\n";
pub const HEADER_LEN: usize = 8;
const FRAME_HEAD: usize = 8;
/// Larger bodies are rejected as corrupt lengths (no real record comes close).
pub const MAX_BODY: usize = 1 << 28;

fn crc(len: [u8; 4], body: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&len);
    h.update(body);
    h.finalize()
}

/// Appends the frame of `body` to `out`.
pub fn frame(body: &[u8], out: &mut Vec<u8>) {
    let len = (body.len() as u32).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&crc(len, body).to_le_bytes());
    out.extend_from_slice(body);
}

/// Where scanning stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// Every byte belonged to a valid frame.
    Clean,
    /// The bytes from `at` on are an unfinished frame (a write in progress, or one cut short).
    Incomplete { at: usize },
    /// The frame at `at` has a bad length or checksum.
    Corrupt { at: usize },
}

/// Splits `buf` into frame bodies, stopping at the first frame that does not verify.
/// Calls `f(offset_after_frame, body)` for each valid one.
pub fn scan(buf: &[u8], mut f: impl FnMut(usize, &[u8])) -> Tail {
    let mut pos = 0;
    while pos < buf.len() {
        let rest = &buf[pos..];
        if rest.len() < FRAME_HEAD {
            return Tail::Incomplete { at: pos };
        }
        let len_bytes = [rest[0], rest[1], rest[2], rest[3]];
        let len = u32::from_le_bytes(len_bytes) as usize;
        let want = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len > MAX_BODY {
            return Tail::Corrupt { at: pos };
        }
        if rest.len() - FRAME_HEAD < len {
            return Tail::Incomplete { at: pos };
        }
        let body = &rest[FRAME_HEAD..FRAME_HEAD + len];
        if crc(len_bytes, body) != want {
            return Tail::Corrupt { at: pos };
        }
        pos += FRAME_HEAD + len;
        f(pos, body);
    }
    Tail::Clean
}
