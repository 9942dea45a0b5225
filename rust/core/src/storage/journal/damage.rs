//! Damage in the middle of a journal (a flipped bit, an overwritten block), as opposed to a bad
//! tail: bytes that fail their checksum with valid frames after them.
//!
//! Readers skip the damaged bytes and go on at the next valid frame (`frame::scan_resync`),
//! every reader alike, and never cut the file. A damaged record that one flipped bit explains
//! (its checksum tells which) is read corrected. Otherwise: records name studies and trials by their
//! creation order in the file, so a lost creation would shift every later record onto the
//! wrong study or trial: a damaged creation is replaced by a stand-in (`stand_ins`) that keeps
//! the order. A copy of the damaged bytes goes to `<journal>.corrupt-<offset>`, and `repair`
//! writes a clean journal that replays to what a reader of the damaged one sees.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use super::file::create_beside;
use super::frame::{self, Piece, Tail, HEADER_LEN, MAGIC};
use crate::error::{Error, Result};
use crate::history::StudyDirection;
use crate::storage::log::codec::Reader;
use crate::storage::log::record::{Op, Template};
use crate::storage::TrialTemplate;

/// The system attribute of a trial recreated in place of a damaged creation record: the byte
/// offset of the damage (JSON number).
pub const DAMAGED_ATTR: &str = "ferrotune:damaged_record_at";

/// What a damaged region is read as.
pub enum Salvage {
    /// The record with one flipped bit put back.
    Corrected(Vec<u8>),
    /// Stand-ins for its creations, and how many records it probably held.
    StandIns(usize, Vec<Op>),
}

/// How every reader reads the damaged `region` at byte `at` of the file.
pub fn salvage(region: &[u8], at: u64) -> Salvage {
    match frame::correct_one_bit(region) {
        Some(body) => Salvage::Corrected(body),
        None => {
            let (n, ops) = stand_ins(region, at);
            Salvage::StandIns(n, ops)
        }
    }
}

/// Records that stand in for the damaged records of `region` (at byte `at` of the file), and
/// how many records the region probably held. A trial creation becomes a running trial with no
/// content (the intact records after it still give it its parameters and result), a study
/// creation a study named after the damage; other records change no index and are lost.
/// Depends on the bytes only, so every reader makes the same stand-ins.
pub fn stand_ins(region: &[u8], at: u64) -> (usize, Vec<Op>) {
    let bodies = frame::damaged_bodies(region);
    let mut ops = Vec::new();
    // The first body starts where a valid frame ended; a later one only surely starts at a
    // record when the body before it decoded (else a damaged length may have split a record,
    // and its second half must not be read by its first bytes).
    let mut at_record = true;
    for b in &bodies {
        ops.extend(stand_in(b, at, at_record));
        at_record = Op::decode(b).is_ok();
    }
    (bodies.len(), ops)
}

/// The stand-in for one damaged body; by its leading bytes alone only when `at_record`.
fn stand_in(body: &[u8], at: u64, at_record: bool) -> Option<Op> {
    let trial = |study: u32, time: f64| {
        // The time may be one of the damaged bytes: keep it only when it is a plausible date
        // (1973 to 2286), else say nothing of when the trial started (the epoch).
        let time = if (1e8..1e10).contains(&time) { time } else { 0.0 };
        let mut t = TrialTemplate::default();
        t.system_attrs.insert(DAMAGED_ATTR.to_string(), at.to_string());
        Op::NewTrial { study, time, template: Template(t) }
    };
    let study = |name: Option<String>, directions: Vec<StudyDirection>| {
        let name = match name {
            Some(n) => format!("{n} (damaged record at byte {at})"),
            None => format!("damaged record at byte {at}"),
        };
        Op::CreateStudy { name, directions }
    };
    match Op::decode(body) {
        Ok(Op::NewTrial { study, time, .. }) => Some(trial(study, time)),
        Ok(Op::CreateStudy { name, directions }) => Some(study(Some(name), directions)),
        Ok(_) => None,
        Err(_) if !at_record => None,
        // A damaged kind byte: a body that decodes whole under another kind was a record of
        // that kind (the rest of a record's layout rarely fits another kind).
        Err(_) if body.is_empty() => None,
        Err(_) => match (1u8..=10).filter(|&k| k != body[0]).find_map(|k| with_kind(body, k)) {
            Some(Op::NewTrial { study, time, .. }) => Some(trial(study, time)),
            Some(Op::CreateStudy { directions, .. }) => Some(study(None, directions)),
            Some(_) => None,
            // Else a creation's leading fields often survive damage further on.
            None => {
                let mut r = Reader::new(body);
                match r.u8().ok()? {
                    1 => {
                        let name = r.string().ok()?;
                        Some(study(Some(name), r.directions().ok().filter(|d| !d.is_empty())?))
                    }
                    4 => {
                        let s = r.u32().ok()?;
                        Some(trial(s, r.f64().unwrap_or(0.0)))
                    }
                    _ => None,
                }
            }
        },
    }
}

/// `body` decoded with its kind byte replaced by `kind`.
fn with_kind(body: &[u8], kind: u8) -> Option<Op> {
    let mut b = body.to_vec();
    b[0] = kind;
    Op::decode(&b).ok()
}

/// What `repair` recovered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairReport {
    /// Intact records copied.
    pub records: usize,
    /// Damaged regions skipped, as (offset, length in bytes).
    pub damaged: Vec<(u64, u64)>,
    /// Records the damaged regions probably held.
    pub damaged_records: usize,
    /// Stand-in records written for damaged study and trial creations.
    pub stand_ins: usize,
    /// Damaged records read back whole by flipping one bit back.
    pub corrected: usize,
    /// Bytes of a bad tail left out (a write cut short), at the end of the source.
    pub tail_bytes: u64,
}

/// Writes to `dst` (which must not exist) a journal holding every intact record of `src`, in
/// order, with stand-ins for damaged creations: it replays to what a reader of `src` sees, and
/// opens without warnings. `src` is read under the shared lock and left as it is.
pub fn repair(src: &Path, dst: &Path) -> Result<RepairReport> {
    let io = |p: &Path, what: &str, e: std::io::Error| Error::Storage(format!("journal repair: {what} {} failed: {e}", p.display()));
    let mut f = File::open(src)
        .map_err(|e| Error::InvalidValue(format!("journal repair: cannot open the source journal '{}': {e}", src.display())))?;
    let bytes = {
        f.lock_shared().map_err(|e| io(src, "locking", e))?;
        let mut b = Vec::new();
        let r = f.read_to_end(&mut b).map_err(|e| io(src, "reading", e));
        let _ = f.unlock();
        r?;
        b
    };
    if bytes.len() < HEADER_LEN || &bytes[..HEADER_LEN] != MAGIC {
        return Err(Error::InvalidValue(format!("journal repair: '{}' is not a ferrotune journal", src.display())));
    }
    let out = create_beside(src, dst).map_err(|e| {
        Error::InvalidValue(format!("journal repair: cannot create '{}' ({e}); give the path of a new file", dst.display()))
    })?;
    let mut w = BufWriter::new(out);
    let mut report = RepairReport::default();
    let mut buf = Vec::with_capacity(1 << 16);
    buf.extend_from_slice(MAGIC);
    let body = &bytes[HEADER_LEN..];
    let mut body_buf = Vec::new();
    let tail = frame::scan_resync(body, |piece| match piece {
        Piece::Record { body, .. } => {
            report.records += 1;
            frame::frame(body, &mut buf);
        }
        Piece::Damaged { at, end } => {
            let offset = (HEADER_LEN + at) as u64;
            report.damaged.push((offset, (end - at) as u64));
            match salvage(&body[at..end], offset) {
                Salvage::Corrected(b) => {
                    report.damaged_records += 1;
                    report.corrected += 1;
                    frame::frame(&b, &mut buf);
                }
                Salvage::StandIns(n, ops) => {
                    report.damaged_records += n;
                    report.stand_ins += ops.len();
                    for op in ops {
                        body_buf.clear();
                        op.encode(&mut body_buf);
                        frame::frame(&body_buf, &mut buf);
                    }
                }
            }
        }
    });
    if let Tail::Incomplete { at } | Tail::Corrupt { at } = tail {
        report.tail_bytes = (body.len() - at) as u64;
    }
    w.write_all(&buf).map_err(|e| io(dst, "writing", e))?;
    let out = w.into_inner().map_err(|e| io(dst, "writing", e.into_error()))?;
    out.sync_all().map_err(|e| io(dst, "syncing", e))?;
    Ok(report)
}
