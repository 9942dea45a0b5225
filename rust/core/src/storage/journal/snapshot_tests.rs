use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;

use proptest::prelude::*;

use super::*;
use crate::error::Error;
use crate::space::Distribution;
use crate::storage::test_support::{dir, dump, float};
use crate::storage::{read_with, AttrKind, Claim, Storage};

fn new_trial(s: &dyn Storage, id: StudyId, t: TrialTemplate) -> TrialId {
    s.create_trial(id, &mut |_| Ok(Claim::New(t.clone()))).unwrap().unwrap().trial_id
}

/// Appends raw records, as another process (or an older writer) would have.
fn append_ops(path: &Path, ops: &[Op]) {
    let mut buf = Vec::new();
    for op in ops {
        let mut body = Vec::new();
        op.encode(&mut body);
        frame::frame(&body, &mut buf);
    }
    OpenOptions::new().append(true).open(path).unwrap().write_all(&buf).unwrap();
}

fn used_snapshot(p: &Path) -> bool {
    load(&JournalFile::open(p).unwrap()).is_ok()
}

#[test]
fn snapshot_keeps_what_row_order_cannot_tell() {
    let d = dir();
    let p = d.path().join("j.log");
    let a = JournalStorage::open(&p, false).unwrap();
    let gone = a.create_study("gone", &[StudyDirection::Minimize]).unwrap();
    let id = a.create_study("s", &[StudyDirection::Minimize]).unwrap();
    let t_gone = new_trial(&a, gone, TrialTemplate::default());
    let t0 = new_trial(&a, id, TrialTemplate::default());
    let t1 = new_trial(&a, id, TrialTemplate::default());
    // Interleaved parameters: the columns are "b", "a", "c" although row 0 sets "a" first.
    a.set_trial_param(t1, "b", 0.1, &float()).unwrap();
    a.set_trial_param(t0, "a", 0.2, &float()).unwrap();
    a.set_trial_param(t1, "c", 0.3, &float()).unwrap();
    a.set_trial_param(t0, "b", 0.4, &float()).unwrap();
    // Equal values: the best trial is the one that completed first (row 1).
    a.set_trial_state_values(t1, TrialState::Complete, Some(&[1.0])).unwrap();
    a.set_trial_state_values(t0, TrialState::Complete, Some(&[1.0])).unwrap();
    // A WAITING trial failed before it started keeps no start time.
    let w = new_trial(&a, id, TrialTemplate { state: TrialState::Waiting, ..Default::default() });
    a.set_trial_state_values(w, TrialState::Fail, None).unwrap();
    let run = new_trial(&a, id, TrialTemplate::default());
    a.record_heartbeat(run).unwrap();
    a.set_trial_intermediate_value(run, 3, 0.5).unwrap();
    a.set_trial_attr(run, AttrKind::User, "u", "[1]").unwrap();
    a.set_study_attr(id, AttrKind::System, "k", "\"v\"").unwrap();
    a.delete_study(gone).unwrap();
    // A creation the file holds but replay rejects (its study index does not exist).
    append_ops(&p, &[Op::NewTrial { study: 7, time: 1.0, template: Template(TrialTemplate::default()) }]);
    let after = new_trial(&a, id, TrialTemplate::default());
    assert_eq!(after, run + 2);
    assert!(matches!(a.trial_ref(t_gone), Err(Error::TrialNotFound(_))));

    let snap = a.snapshot().unwrap();
    assert_eq!(snap, snapshot_path(&p));
    assert!(used_snapshot(&p));
    let b = JournalStorage::open(&p, false).unwrap();
    assert!(b.take_warnings().is_empty());
    assert_eq!(dump(&a), dump(&b));
    assert_eq!(read_with(&b, b.study_id("s").unwrap(), |h| h.best_row()).unwrap(), Some(1));
    // Records appended after the snapshot resolve study indices and trial ids as before.
    let bid = b.study_id("s").unwrap();
    b.set_trial_state_values(run, TrialState::Complete, Some(&[0.5])).unwrap();
    new_trial(&b, bid, TrialTemplate::default());
    b.create_study("later", &[StudyDirection::Maximize]).unwrap();
    let c = JournalStorage::open(&p, false).unwrap();
    assert_eq!(dump(&b), dump(&c));
    assert_eq!(dump(&a), dump(&b));
    std::fs::remove_file(&snap).unwrap();
    assert_eq!(dump(&JournalStorage::open(&p, false).unwrap()), dump(&c));
}

#[test]
fn bad_snapshots_are_ignored() {
    let d = dir();
    let p = d.path().join("j.log");
    let a = JournalStorage::open(&p, false).unwrap();
    let id = a.create_study("s", &[StudyDirection::Minimize]).unwrap();
    for i in 0..20 {
        let t = new_trial(&a, id, TrialTemplate::default());
        a.set_trial_param(t, "x", i as f64 / 20.0, &float()).unwrap();
        a.set_trial_state_values(t, TrialState::Complete, Some(&[i as f64])).unwrap();
    }
    let snap = a.snapshot().unwrap();
    let good = std::fs::read(&snap).unwrap();
    let want = dump(&a);
    let reopen = |warnings: usize| {
        let s = JournalStorage::open(&p, false).unwrap();
        assert_eq!(s.take_warnings().len(), warnings);
        assert_eq!(dump(&s), want);
    };
    // Damaged: cut short, flipped bytes, garbage.
    for cut in [0, 10, HEAD_LEN, HEAD_LEN + 5, good.len() - 1] {
        std::fs::write(&snap, &good[..cut]).unwrap();
        reopen(1);
    }
    for at in [3, 9, 30, HEAD_LEN + 2, good.len() - 3] {
        let mut bad = good.clone();
        bad[at] ^= 0x40;
        std::fs::write(&snap, &bad).unwrap();
        reopen(1);
    }
    std::fs::write(&snap, b"not a snapshot at all, just some text that is long enough").unwrap();
    reopen(1);
    // A newer format is skipped quietly.
    let mut newer = good.clone();
    newer[6] = VERSION + 1;
    let h = crc(&newer[..36]);
    newer[36..40].copy_from_slice(&h.to_le_bytes());
    std::fs::write(&snap, &newer).unwrap();
    assert!(!used_snapshot(&p));
    reopen(0);
    // The intact snapshot is used again.
    std::fs::write(&snap, &good).unwrap();
    assert!(used_snapshot(&p));
    reopen(0);
}

#[test]
fn snapshot_of_a_replaced_journal_is_ignored() {
    let d = dir();
    let p = d.path().join("j.log");
    let a = JournalStorage::open(&p, false).unwrap();
    let id = a.create_study("s", &[StudyDirection::Minimize]).unwrap();
    for _ in 0..30 {
        let t = new_trial(&a, id, TrialTemplate::default());
        a.set_trial_state_values(t, TrialState::Complete, Some(&[1.0])).unwrap();
    }
    let snap = a.snapshot().unwrap();
    let kept = std::fs::read(&snap).unwrap();
    drop(a);
    // Another journal of equal, then greater, then smaller length takes the file's place.
    for n in [30, 45, 3] {
        std::fs::remove_file(&p).unwrap();
        let o = JournalStorage::open(&p, false).unwrap();
        let id = o.create_study("t", &[StudyDirection::Maximize]).unwrap();
        for i in 0..n {
            let t = new_trial(&o, id, TrialTemplate::default());
            o.set_trial_state_values(t, TrialState::Complete, Some(&[i as f64 + 0.5])).unwrap();
        }
        std::fs::write(&snap, &kept).unwrap();
        assert!(!used_snapshot(&p), "{n} trials");
        let r = JournalStorage::open(&p, false).unwrap();
        assert!(r.take_warnings().is_empty());
        assert_eq!(dump(&r), dump(&o));
        assert!(r.study_id("s").is_err());
    }
}

#[test]
fn open_writes_a_snapshot_after_a_long_replay() {
    let d = dir();
    let p = d.path().join("j.log");
    let a = JournalStorage::open(&p, false).unwrap();
    let id = a.create_study("s", &[StudyDirection::Minimize]).unwrap();
    new_trial(&a, id, TrialTemplate::default());
    let json = "x".repeat(200);
    let n = AUTO_SNAPSHOT_BYTES as usize / 200 + 10;
    let ops: Vec<Op> =
        (0..n).map(|i| Op::SetStudyAttr { study: 0, user: true, key: format!("k{}", i % 1000), json: json.clone() }).collect();
    append_ops(&p, &ops);
    assert!(!snapshot_path(&p).exists());
    let b = JournalStorage::open(&p, false).unwrap();
    assert!(b.take_warnings().is_empty());
    assert!(used_snapshot(&p));
    assert_eq!(dump(&a), dump(&b));
    assert_eq!(dump(&JournalStorage::open(&p, false).unwrap()), dump(&b));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random operations with a snapshot taken somewhere among them: reopening (snapshot plus
    /// the records after it) gives the live state, and so does a full replay.
    #[test]
    fn snapshot_then_replay_equals_live(
        ops in proptest::collection::vec((0u8..12, 0u8..4, any::<f64>()), 1..60),
        at in 0usize..60,
    ) {
        let d = dir();
        let p = d.path().join("p.log");
        let live = JournalStorage::open(&p, false).unwrap();
        let mut trials: Vec<TrialId> = Vec::new();
        let mut sid = live.create_study("s0", &[StudyDirection::Minimize]).unwrap();
        let n_ops = ops.len();
        let at = at.min(n_ops);
        for (k, (code, pick, x)) in ops.into_iter().enumerate() {
            if k == at {
                live.snapshot().unwrap();
            }
            let t = trials.get(pick as usize % trials.len().max(1)).copied();
            let _ = match (code, t) {
                (0, _) | (_, None) => live.create_trial(sid, &mut |_| Ok(Claim::New(TrialTemplate::default()))).map(|r| trials.push(r.unwrap().trial_id)),
                (1, Some(t)) => live.set_trial_param(t, &format!("p{}", (k + pick as usize) % 5), x, &float()),
                (2, Some(t)) => live.set_trial_state_values(t, TrialState::Complete, Some(&[(x * 4.0).round()])),
                (3, Some(t)) => live.set_trial_intermediate_value(t, pick as i64, x).map(|_| ()),
                (4, Some(t)) => live.set_trial_attr(t, AttrKind::User, "a", &format!("{x:?}")),
                (5, Some(t)) => live.set_trial_state_values(t, TrialState::Pruned, None),
                (6, _) => live.set_study_attr(sid, AttrKind::System, &format!("k{pick}"), "1"),
                (8, Some(t)) => live.record_heartbeat(t),
                (9, _) => {
                    let w = TrialTemplate { state: TrialState::Waiting, system_attrs: BTreeMap::from([("q".into(), "1".into())]), ..Default::default() };
                    live.create_trial(sid, &mut |_| Ok(Claim::New(w.clone()))).map(|r| trials.push(r.unwrap().trial_id))
                }
                (10, _) => {
                    append_ops(&p, &[Op::NewTrial { study: 99, time: x, template: Template(TrialTemplate::default()) }]);
                    Ok(())
                }
                _ => {
                    if pick == 0 {
                        let _ = live.delete_study(sid);
                        trials.clear();
                    }
                    live.create_study(&format!("s{k}"), &[StudyDirection::Maximize]).map(|i| sid = i)
                }
            };
        }
        if at == n_ops {
            live.snapshot().unwrap();
        }
        let want = dump(&live);
        // Parameters of known columns may still wait: dropping the storage writes them.
        drop(live);
        prop_assert!(used_snapshot(&p));
        let fresh = JournalStorage::open(&p, false).unwrap();
        prop_assert!(fresh.take_warnings().is_empty());
        prop_assert_eq!(&want, &dump(&fresh));
        std::fs::remove_file(snapshot_path(&p)).unwrap();
        prop_assert_eq!(&want, &dump(&JournalStorage::open(&p, false).unwrap()));
    }
}

/// Reopening a 1,000,000-trial journal (five float parameters each, the records a random
/// sampler run writes) with and without its snapshot. Run with
/// `cargo test --release -p ferrotune-core reopen_million -- --ignored --nocapture`.
#[test]
#[ignore]
fn reopen_million() {
    let n: u64 = std::env::var("FERROTUNE_REOPEN_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let d = dir();
    let p = d.path().join("big.log");
    let a = JournalStorage::open(&p, false).unwrap();
    a.create_study("big", &[StudyDirection::Minimize]).unwrap();
    drop(a);
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let t0 = 1.7e9;
    let mut ops = Vec::with_capacity(70_000);
    for trial in 0..n {
        let time = t0 + trial as f64 * 1e-3;
        ops.push(Op::NewTrial { study: 0, time, template: Template(TrialTemplate::default()) });
        let mut sum = 0.0;
        for k in 0..5 {
            let v = next() * 10.0 - 5.0;
            sum += v;
            let dist = Distribution::Float { low: -5.0, high: 5.0, log: false, step: None };
            ops.push(Op::SetParam { trial, name: format!("x{k}"), value: v, dist });
        }
        ops.push(Op::SetState { trial, state: TrialState::Complete, values: Some(vec![sum]), time: time + 5e-4 });
        if ops.len() >= 70_000 {
            append_ops(&p, &ops);
            ops.clear();
        }
    }
    append_ops(&p, &ops);
    let size = std::fs::metadata(&p).unwrap().len();
    let clock = std::time::Instant::now();
    let s = JournalStorage::open(&p, false).unwrap();
    let first = clock.elapsed().as_secs_f64();
    let auto = snapshot_path(&p).exists();
    std::fs::remove_file(snapshot_path(&p)).unwrap();
    let clock = std::time::Instant::now();
    s.snapshot().unwrap();
    let write = clock.elapsed().as_secs_f64();
    let snap_size = std::fs::metadata(snapshot_path(&p)).unwrap().len();
    let clock = std::time::Instant::now();
    let r = JournalStorage::open(&p, false).unwrap();
    let with = clock.elapsed().as_secs_f64();
    assert_eq!(r.study_info(r.study_id("big").unwrap()).unwrap().n_trials as u64, n);
    println!(
        "{n} trials, journal {:.1} MB, snapshot {:.1} MB: open without snapshot {first:.3} s (auto snapshot written: {auto}), \
         snapshot() {write:.3} s, open with snapshot {with:.3} s",
        size as f64 / 1e6,
        snap_size as f64 / 1e6
    );
}
