//! Journal snapshots: `<journal>.snapshot` holds the replica as of a journal offset, so opening
//! a long journal loads it and replays only the records after that offset.
//!
//! ```text
//! header  40 bytes
//!   "FTSNAP" version '\n'                                      8 bytes
//!   journal offset covered                                    u64 LE
//!   check window length w (<= 4096)                           u32 LE
//!   CRC-32 of the journal bytes [offset - w, offset)          u32 LE
//!   body length                                               u64 LE
//!   CRC-32 of the body                                        u32 LE
//!   CRC-32 of the 36 header bytes above                       u32 LE
//! body    frames (frame.rs) of journal records that rebuild the replica when replayed
//! ```
//!
//! The body recreates every study index (a deleted one as a placeholder created and deleted,
//! so later records' indices still resolve), every trial id in order (one `NewTrial` per trial
//! with its full content; a dead slot as a creation that replay rejects), study attributes and
//! heartbeats. Two snapshot-only records keep what row order cannot tell: the order in which a
//! study's parameter columns were created, and its best trial among equal values.
//!
//! A snapshot is only a cache: a missing, foreign, mismatched (the journal was replaced) or
//! newer-format one is ignored, a damaged one too with a warning, and the journal is replayed.

use std::fs::{self, File};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::file::{create_beside, JournalFile};
use super::frame::{self, Tail, HEADER_LEN};
use super::Inner;
#[cfg(test)]
use super::JournalStorage;
use crate::error::{Error, Result};
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::storage::log::codec::{DResult, DecodeError, Reader, Writer};
use crate::storage::log::record::{Op, Template};
use crate::storage::log::replica::{Applied, Replica};
use crate::storage::{template_from_row, StudyId, TrialId, TrialTemplate};

const MAGIC: &[u8; 6] = b"FTSNAP";
const VERSION: u8 = 1;
const HEAD_LEN: usize = 40;
/// Journal bytes before the covered offset whose checksum ties a snapshot to its journal.
const WINDOW: u64 = 4096;
/// Snapshot-only record tags (journal records use 1 to 10).
const TAG_COLUMNS: u8 = 0xF0;
const TAG_BEST: u8 = 0xF1;
/// A trial slot that must stay dead names this study index, which replay never resolves.
const NO_STUDY: u32 = u32::MAX;

/// `open` writes a snapshot when it replayed more than this many bytes of records after the
/// last one: about 200,000 records (a trial's records average about 40 bytes each), which
/// take about 0.05 s to replay; below that a snapshot saves less than it costs to write.
pub const AUTO_SNAPSHOT_BYTES: u64 = 8 << 20;

/// Where the snapshot of `journal` lives.
pub fn snapshot_path(journal: &Path) -> PathBuf {
    let mut p = journal.as_os_str().to_owned();
    p.push(".snapshot");
    PathBuf::from(p)
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Storage(format!("journal snapshot {}: {what} failed: {e}", path.display()))
}

fn crc(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// CRC-32 and length of the journal bytes just before `offset`, or `None` when the journal is
/// shorter than `offset`.
fn window_check(file: &JournalFile, offset: u64) -> Result<Option<(u32, u32)>> {
    if file.len()? < offset {
        return Ok(None);
    }
    let w = offset.min(WINDOW);
    let mut buf = vec![0u8; w as usize];
    if file.read_at(offset - w, &mut buf)? < buf.len() {
        return Ok(None);
    }
    Ok(Some((w as u32, crc(&buf))))
}

/// Streams framed records into the snapshot file, counting and checksumming the body.
struct Body {
    out: BufWriter<File>,
    hash: crc32fast::Hasher,
    len: u64,
    body: Vec<u8>,
    framed: Vec<u8>,
    err: Option<std::io::Error>,
}

impl Body {
    fn put(&mut self, fill: impl FnOnce(&mut Vec<u8>)) {
        self.body.clear();
        fill(&mut self.body);
        self.framed.clear();
        frame::frame(&self.body, &mut self.framed);
        self.hash.update(&self.framed);
        self.len += self.framed.len() as u64;
        if self.err.is_none() {
            self.err = self.out.write_all(&self.framed).err();
        }
    }

    fn op(&mut self, op: &Op) {
        self.put(|b| op.encode(b));
    }
}

/// Writes the records that rebuild trial `row` of `h`, whose id is `trial_id`.
fn put_trial(b: &mut Body, h: &TrialHistory, row: usize, study: u32, trial_id: TrialId) {
    let mut t = template_from_row(h, row);
    let (state, start, complete) = (t.state, t.datetime_start, t.datetime_complete);
    // Creating a trial stamps a start on every trial but a WAITING one. A trial finished
    // without starting (a WAITING trial failed directly), or a WAITING one that had started,
    // is created in the state that gives its timestamps and then moved to its own.
    let via = match (state, start) {
        (TrialState::Waiting, Some(_)) => Some(TrialState::Running),
        (s, None) if s.is_finished() => Some(TrialState::Waiting),
        _ => None,
    };
    let time = start.or(complete).unwrap_or(0.0);
    match via {
        None => b.op(&Op::NewTrial { study, time, template: Template(t) }),
        Some(first) => {
            let values = t.values.take();
            t.state = first;
            b.op(&Op::NewTrial { study, time, template: Template(t) });
            b.op(&Op::SetState { trial: trial_id, state, values, time: complete.unwrap_or(time) });
        }
    }
}

/// Writes every record of the replica `g` into `b`.
fn put_replica(b: &mut Body, g: &Replica) {
    let st = &g.state;
    let mut index_of = std::collections::HashMap::new();
    for (idx, slot) in g.study_slots().enumerate() {
        let idx = idx as u32;
        match slot.and_then(|id| st.studies.get(&id).map(|s| (id, s))) {
            Some((id, s)) => {
                index_of.insert(id, idx);
                b.op(&Op::CreateStudy { name: s.name.clone(), directions: s.history.directions.clone() });
                b.put(|body| {
                    let mut w = Writer(body);
                    w.u8(TAG_COLUMNS);
                    w.uvar(u64::from(idx));
                    w.uvar(s.history.columns.len() as u64);
                    for c in &s.history.columns {
                        w.str(&c.name);
                    }
                });
                for (user, attrs) in [(true, &s.user_attrs), (false, &s.system_attrs)] {
                    for (key, json) in attrs {
                        b.op(&Op::SetStudyAttr { study: idx, user, key: key.clone(), json: json.clone() });
                    }
                }
            }
            None => {
                // Keeps the index taken; the study itself is gone.
                let name = format!("\u{0}ferrotune-deleted-study-{idx}");
                b.op(&Op::CreateStudy { name, directions: vec![StudyDirection::Minimize] });
                b.op(&Op::DeleteStudy { study: idx });
            }
        }
    }
    for (trial_id, &(sid, row)) in st.trial_slots().iter().enumerate() {
        match (index_of.get(&sid), st.studies.get(&sid)) {
            (Some(&idx), Some(s)) => put_trial(b, &s.history, row as usize, idx, trial_id as TrialId),
            // A rejected creation or a trial of a deleted study: its id stays taken.
            _ => b.op(&Op::NewTrial { study: NO_STUDY, time: 0.0, template: Template(TrialTemplate::default()) }),
        }
    }
    for (trial, time) in st.heartbeats() {
        b.op(&Op::Heartbeat { trial, time });
    }
    for (id, &idx) in &index_of {
        if let Some(row) = st.studies.get(id).and_then(|s| s.history.best_row()) {
            b.put(|body| {
                let mut w = Writer(body);
                w.u8(TAG_BEST);
                w.uvar(u64::from(idx));
                w.uvar(row as u64);
            });
        }
    }
}

/// Writes the snapshot of `g` (the replica of `file`) atomically: into a temporary file in
/// the same directory, synced, then renamed over the old one (of concurrent writers the last
/// rename wins; each snapshot is consistent on its own).
pub(super) fn write(file: &JournalFile, g: &Replica) -> Result<PathBuf> {
    let path = snapshot_path(&file.path);
    let Some((wlen, wcrc)) = window_check(file, g.offset)? else {
        return Err(Error::Storage(format!(
            "journal {}: the file is shorter than the state read from it (was it replaced?); reopen the storage",
            file.path.display()
        )));
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}-{nanos}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let r = write_to(&file.path, &tmp, g, wlen, wcrc).and_then(|()| fs::rename(&tmp, &path).map_err(|e| io(&path, "rename", e)));
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r?;
    sync_dir(&path);
    Ok(path)
}

fn write_to(journal: &Path, tmp: &Path, g: &Replica, wlen: u32, wcrc: u32) -> Result<()> {
    // The snapshot holds the whole state: it gets the journal's permissions.
    let f = create_beside(journal, tmp).map_err(|e| io(tmp, "create", e))?;
    let mut out = BufWriter::with_capacity(1 << 20, f);
    out.write_all(&[0u8; HEAD_LEN]).map_err(|e| io(tmp, "write", e))?;
    let mut b = Body { out, hash: crc32fast::Hasher::new(), len: 0, body: Vec::new(), framed: Vec::new(), err: None };
    put_replica(&mut b, g);
    if let Some(e) = b.err {
        return Err(io(tmp, "write", e));
    }
    let mut head = Vec::with_capacity(HEAD_LEN);
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&[VERSION, b'\n']);
    head.extend_from_slice(&g.offset.to_le_bytes());
    head.extend_from_slice(&wlen.to_le_bytes());
    head.extend_from_slice(&wcrc.to_le_bytes());
    head.extend_from_slice(&b.len.to_le_bytes());
    head.extend_from_slice(&b.hash.finalize().to_le_bytes());
    let hcrc = crc(&head);
    head.extend_from_slice(&hcrc.to_le_bytes());
    let mut f = b.out.into_inner().map_err(|e| io(tmp, "write", e.into_error()))?;
    f.seek(SeekFrom::Start(0)).and_then(|_| f.write_all(&head)).map_err(|e| io(tmp, "write", e))?;
    f.sync_all().map_err(|e| io(tmp, "fsync", e))
}

/// Makes the rename durable where the platform allows it; a failure only risks an older
/// snapshot coming back after an OS crash, which is as valid as this one.
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Why a snapshot was not used.
enum Skip {
    /// Missing, newer, or made for another journal: nothing to report.
    Quiet,
    /// Damaged: worth a warning.
    Damaged(String),
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Reads and checks the snapshot of `file`, then rebuilds a replica from it.
fn load(file: &JournalFile) -> std::result::Result<Replica, Skip> {
    let path = snapshot_path(&file.path);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Skip::Quiet),
        Err(e) => return Err(Skip::Damaged(format!("reading it failed: {e}"))),
    };
    let damaged = |why: &str| Skip::Damaged(why.to_string());
    if bytes.len() < HEAD_LEN || &bytes[..6] != MAGIC || bytes[7] != b'\n' || crc(&bytes[..36]) != u32_at(&bytes, 36) {
        return Err(damaged("its header is not a valid ferrotune snapshot header"));
    }
    if bytes[6] > VERSION {
        return Err(Skip::Quiet);
    }
    let offset = u64_at(&bytes, 8);
    match window_check(file, offset).map_err(|_| Skip::Quiet)? {
        Some(w) if offset >= HEADER_LEN as u64 && w == (u32_at(&bytes, 16), u32_at(&bytes, 20)) => {}
        _ => return Err(Skip::Quiet),
    }
    let body = &bytes[HEAD_LEN..];
    if body.len() as u64 != u64_at(&bytes, 24) || crc(body) != u32_at(&bytes, 32) {
        return Err(damaged("its length or checksum is wrong (a partial copy?)"));
    }
    let mut g = Replica::default();
    g.reset(offset);
    let mut last_study: Option<StudyId> = None;
    let mut best = Vec::new();
    let mut bad: Option<DecodeError> = None;
    let tail = frame::scan(body, |_, rec| {
        if bad.is_none() {
            bad = decode_rec(rec).and_then(|r| apply_rec(&mut g, r, &mut last_study, &mut best)).err();
        }
    });
    if let Some(e) = bad {
        return Err(Skip::Damaged(format!("a record could not be used ({})", e.0)));
    }
    if tail != Tail::Clean {
        return Err(damaged("its records end early"));
    }
    let slots: Vec<Option<StudyId>> = g.study_slots().collect();
    for (idx, row) in best {
        if let Some(Some(id)) = slots.get(idx as usize) {
            if let Some(s) = g.state.studies.get_mut(id) {
                s.history.restore_best_row(row);
            }
        }
    }
    Ok(g)
}

/// One snapshot record, decoded.
enum Rec {
    Op(Op),
    Columns(u32, Vec<String>),
    Best(u32, usize),
}

/// Applies one record; `last_study` is the study the last `CreateStudy` created, `best` collects
/// the best rows to set once every trial is in.
fn apply_rec(g: &mut Replica, rec: Rec, last_study: &mut Option<StudyId>, best: &mut Vec<(u32, usize)>) -> DResult<()> {
    match rec {
        Rec::Op(op) => {
            let create = matches!(op, Op::CreateStudy { .. });
            // Placeholders and dead trial slots are rejected on purpose; replay keeps their indices.
            let r = g.apply(op, true);
            if create {
                *last_study = match r {
                    Ok(Applied::Study(id)) => Some(id),
                    _ => None,
                };
            }
        }
        Rec::Columns(idx, names) => declare_columns(g, *last_study, idx, &names)?,
        Rec::Best(idx, row) => best.push((idx, row)),
    }
    Ok(())
}

fn decode_rec(rec: &[u8]) -> DResult<Rec> {
    match rec.first() {
        Some(&TAG_COLUMNS) => read_columns(rec).map(|(idx, names)| Rec::Columns(idx, names)),
        Some(&TAG_BEST) => read_best(rec).map(|(idx, row)| Rec::Best(idx, row)),
        _ => Op::decode(rec).map(Rec::Op),
    }
}

fn read_columns(rec: &[u8]) -> DResult<(u32, Vec<String>)> {
    let mut r = Reader::new(rec);
    r.u8()?;
    let idx = r.u32()?;
    let n = r.len(1)?;
    let names = (0..n).map(|_| r.string()).collect::<DResult<Vec<_>>>()?;
    if !r.is_empty() {
        return Err(DecodeError("trailing bytes after the record"));
    }
    Ok((idx, names))
}

/// Declares the columns of the study created just before the record, in their live order.
fn declare_columns(g: &mut Replica, study: Option<StudyId>, idx: u32, names: &[String]) -> DResult<()> {
    let missing = DecodeError("column order of a study that does not exist");
    let id = study.filter(|id| g.index(*id).ok() == Some(idx)).ok_or(missing.clone())?;
    let h = &mut g.state.studies.get_mut(&id).ok_or(missing)?.history;
    for name in names {
        h.declare_column(name);
    }
    Ok(())
}

fn read_best(rec: &[u8]) -> DResult<(u32, usize)> {
    let mut r = Reader::new(rec);
    r.u8()?;
    let idx = r.u32()?;
    let row = r.uvar()? as usize;
    if !r.is_empty() {
        return Err(DecodeError("trailing bytes after the record"));
    }
    Ok((idx, row))
}

impl Inner {
    /// Replaces the (fresh) replica `g` by the snapshot's state when a usable snapshot exists.
    /// Returns the journal offset replay starts from.
    pub(super) fn load_snapshot(&self, g: &mut Replica) -> u64 {
        match load(&self.file) {
            Ok(r) => *g = r,
            Err(Skip::Quiet) => {}
            Err(Skip::Damaged(why)) => self.warn(format!(
                "journal {}: ignored the snapshot {}: {why}; the whole journal was replayed instead and the next snapshot replaces it",
                self.file.path.display(),
                snapshot_path(&self.file.path).display()
            )),
        }
        g.offset
    }

    /// After `open` replayed the records from `from` on: writes a snapshot when they were many.
    pub(super) fn auto_snapshot(&self, g: &Replica, from: u64) {
        if g.stale || g.offset.saturating_sub(from) <= AUTO_SNAPSHOT_BYTES {
            return;
        }
        if let Err(e) = write(&self.file, g) {
            // Opening still succeeded; only the next open stays slow.
            self.warn(format!("{e}; the journal itself is fine, only its snapshot (a cache for faster opening) was not written"));
        }
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
