//! Record framing. A journal file is an 8-byte header followed by frames:
//!
//! ```text
//! u32 LE body length | u32 LE CRC-32 of (length bytes ++ body) | body
//! ```
//!
//! A frame is used only when it is complete and its checksum verifies, so a frame cut short by
//! a crash, or random bytes after the last frame, are never read as a record.
//!
//! Damage in the middle of the file (a flipped bit, a overwritten block) is told apart from a
//! bad tail by what follows it: `scan_resync` looks for the next frame that verifies and, when
//! there is one, reports the bytes before it as damaged and goes on from there. Bytes with no
//! valid frame after them are a tail: a write cut short, or one still in progress.

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

/// The body length of the frame at the start of `rest` when the frame verifies, else how it
/// fails (`at` 0).
fn verify(rest: &[u8]) -> Result<usize, Tail> {
    if rest.len() < FRAME_HEAD {
        return Err(Tail::Incomplete { at: 0 });
    }
    let len_bytes = [rest[0], rest[1], rest[2], rest[3]];
    let len = u32::from_le_bytes(len_bytes) as usize;
    let want = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    if len > MAX_BODY {
        return Err(Tail::Corrupt { at: 0 });
    }
    if rest.len() - FRAME_HEAD < len {
        return Err(Tail::Incomplete { at: 0 });
    }
    if crc(len_bytes, &rest[FRAME_HEAD..FRAME_HEAD + len]) != want {
        return Err(Tail::Corrupt { at: 0 });
    }
    Ok(len)
}

fn at(tail: Tail, pos: usize) -> Tail {
    match tail {
        Tail::Incomplete { .. } => Tail::Incomplete { at: pos },
        _ => Tail::Corrupt { at: pos },
    }
}

/// Splits `buf` into frame bodies, stopping at the first frame that does not verify.
/// Calls `f(offset_after_frame, body)` for each valid one.
pub fn scan(buf: &[u8], mut f: impl FnMut(usize, &[u8])) -> Tail {
    let mut pos = 0;
    while pos < buf.len() {
        let len = match verify(&buf[pos..]) {
            Ok(len) => len,
            Err(t) => return at(t, pos),
        };
        let body = &buf[pos + FRAME_HEAD..pos + FRAME_HEAD + len];
        pos += FRAME_HEAD + len;
        f(pos, body);
    }
    Tail::Clean
}

/// What `scan_resync` found next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A frame that verifies, ending at `end`.
    Record { end: usize, body: &'a [u8] },
    /// Bytes `at..end` hold no valid frame, and a valid frame starts at `end`.
    Damaged { at: usize, end: usize },
}

/// `scan`, but past damage: bytes that do not verify and are followed by a valid frame are
/// reported as `Piece::Damaged` and the scan goes on at that frame (as is a last frame that one
/// flipped bit explains). Stops only at a tail with no valid frame after it (which it returns,
/// as `scan` does).
pub fn scan_resync<'a>(buf: &'a [u8], mut f: impl FnMut(Piece<'a>)) -> Tail {
    let mut pos = 0;
    while pos < buf.len() {
        match verify(&buf[pos..]) {
            Ok(len) => {
                let body = &buf[pos + FRAME_HEAD..pos + FRAME_HEAD + len];
                pos += FRAME_HEAD + len;
                f(Piece::Record { end: pos, body });
            }
            Err(t) => match next_valid(buf, pos + 1) {
                Some(next) => {
                    f(Piece::Damaged { at: pos, end: next });
                    pos = next;
                }
                // The last record with one flipped bit: whole, so not a write in progress.
                None if correct_one_bit(&buf[pos..]).is_some() => {
                    f(Piece::Damaged { at: pos, end: buf.len() });
                    pos = buf.len();
                }
                None => return at(t, pos),
            },
        }
    }
    Tail::Clean
}

/// The first offset from `from` on where a frame verifies. A random 8-byte header verifies by
/// chance once in 2^32 tries, and only with a length that fits what follows.
fn next_valid(buf: &[u8], from: usize) -> Option<usize> {
    (from..buf.len().saturating_sub(FRAME_HEAD - 1)).find(|&p| verify(&buf[p..]).is_ok())
}

/// Largest damaged region tried for one flipped bit: up to this size CRC-32 tells every 1-bit
/// error apart and never takes a 2-bit error for one (its Hamming distance is 4 there).
const CORRECTABLE: usize = 360;

/// The body of the frame that `region` is with one bit flipped back, when exactly one frame
/// verifies that way (a single flipped bit, the commonest damage a disk or memory leaves).
pub fn correct_one_bit(region: &[u8]) -> Option<Vec<u8>> {
    if region.len() < FRAME_HEAD || region.len() > CORRECTABLE {
        return None;
    }
    let mut c = region.to_vec();
    for i in 0..c.len() {
        for bit in 0..8 {
            c[i] ^= 1 << bit;
            if matches!(verify(&c), Ok(len) if FRAME_HEAD + len == c.len()) {
                return Some(c.split_off(FRAME_HEAD));
            }
            c[i] ^= 1 << bit;
        }
    }
    None
}

/// The record bodies a damaged region probably held, read by their length fields without
/// their checksums, in order. A length that runs past the region makes the rest one body (the
/// region ends where the next valid frame starts, so that is where the last one ended). A
/// damaged length can split a body in two: only a body that starts where a body that decodes
/// ended is sure to start at a record (see `damage::stand_ins`).
pub fn damaged_bodies(region: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut p = 0;
    while p + FRAME_HEAD <= region.len() {
        let len = u32::from_le_bytes([region[p], region[p + 1], region[p + 2], region[p + 3]]) as usize;
        let end = p + FRAME_HEAD + len;
        if len > MAX_BODY || end > region.len() {
            out.push(&region[p + FRAME_HEAD..]);
            break;
        }
        out.push(&region[p + FRAME_HEAD..end]);
        p = end;
    }
    out
}
