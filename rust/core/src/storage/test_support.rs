//! Helpers shared by the storage backends' tests.

use crate::history::StudyDirection;
use crate::space::Distribution;
use crate::storage::{read_with, AttrKind, Claim, Storage, StudyId, TrialRef, TrialTemplate};

/// The whole observable state, compared exactly (NaN-safe via Debug): studies, attributes,
/// every trial (meta includes the column indices of its parameters, so column order counts),
/// best rows, heartbeats, and what every trial id resolves to.
pub fn dump(s: &dyn Storage) -> Vec<String> {
    let mut out = Vec::new();
    let mut max_id = 0;
    for info in s.studies() {
        out.push(format!("{} {:?} {}", info.name, info.directions, info.n_trials));
        out.push(format!("{:?}", s.study_attrs(info.id, AttrKind::User).unwrap()));
        out.push(format!("{:?}", s.study_attrs(info.id, AttrKind::System).unwrap()));
        read_with(s, info.id, |h| {
            let cols: Vec<_> = h.columns.iter().map(|c| c.name.clone()).collect();
            out.push(format!("columns {cols:?} best {:?} complete {} waiting {:?}", h.best_row(), h.n_complete(), h.first_waiting()));
            for r in 0..h.n_trials() {
                out.push(format!("{r} {:?} {:?} {:?} {:?}", h.states[r], h.values_of(r), h.params_of(r), h.meta[r]));
                max_id = max_id.max(h.meta[r].trial_id + 1);
            }
        })
        .unwrap();
    }
    for t in 0..max_id + 3 {
        out.push(format!("{t} {:?} {:?}", s.trial_ref(t).map(|r| r.number).map_err(|e| e.to_string()), s.last_heartbeat(t).ok()));
    }
    out
}

pub fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Starts the study's oldest waiting trial, as a worker draining an enqueued queue does;
/// `None` once none is left.
pub fn claim_first_waiting(s: &dyn Storage, id: StudyId) -> Option<TrialRef> {
    s.create_trial(id, &mut |h| {
        Ok(match h.first_waiting() {
            Some(row) => Claim::Waiting { row, system_attrs: Default::default() },
            None => Claim::Skip,
        })
    })
    .unwrap()
}

pub fn float() -> Distribution {
    Distribution::Float { low: 0.0, high: 1.0, log: false, step: None }
}

pub fn study(s: &dyn Storage, name: &str) -> StudyId {
    s.create_study(name, &[StudyDirection::Minimize]).unwrap()
}

pub fn new_trial(s: &dyn Storage, id: StudyId) -> TrialRef {
    s.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate::default()))).unwrap().unwrap()
}

/// Three workers create trials and set their parameters (which may wait for the trial's next
/// write) while another instance fails their trials as stale at random moments; afterwards
/// every instance, brought up to date by one checked write, equals a fresh one. `open` opens
/// another instance on the same journal file or database.
pub fn race_workers_against_stale_sweeper<S: Storage + Sync>(open: impl Fn() -> S + Sync) {
    let failed = race_workers_against_stale_sweeper_counting(open);
    assert!(failed > 0, "no trial was failed as stale: the test raced nothing");
}

/// `race_workers_against_stale_sweeper`, returning how many trials the sweeper failed instead
/// of requiring some: through a network round trip, a sweep with a 0.5 ms grace finds every
/// trial it chose already changed, and is chosen again until the workers are done.
pub fn race_workers_against_stale_sweeper_counting<S: Storage + Sync>(open: impl Fn() -> S + Sync) -> usize {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    use std::time::Duration;

    let a = open();
    let id = study(&a, "s");
    let stop = AtomicBool::new(false);
    let workers: Vec<S> = (0..3).map(|_| open()).collect();
    std::thread::scope(|sc| {
        let (stop, open) = (&stop, &open);
        sc.spawn(move || {
            let f = open();
            while !stop.load(Relaxed) {
                f.fail_stale_trials(f.study_id("s").unwrap(), 0.0005).unwrap();
                std::thread::sleep(Duration::from_micros(300));
            }
        });
        let hs: Vec<_> = workers
            .iter()
            .enumerate()
            .map(|(w, s)| {
                sc.spawn(move || {
                    let sid = s.study_id("s").unwrap();
                    for i in 0..150 {
                        let t = new_trial(s, sid);
                        let _ = s.record_heartbeat(t.trial_id);
                        for name in ["x", "y", "z"] {
                            let _ = s.set_trial_param(t.trial_id, name, (i * 3 + w) as f64 / 1000.0, &float());
                            if i % 7 == 0 {
                                std::thread::sleep(Duration::from_micros(700));
                            }
                        }
                        let _ = s.set_trial_state_values(t.trial_id, crate::history::TrialState::Complete, Some(&[1.0]));
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        stop.store(true, Relaxed);
    });
    let failed = read_with(&a, id, |h| h.rows_in(crate::history::TrialState::Fail).count()).unwrap();
    for s in workers.iter().chain([&a]) {
        // A checked write reads every record before it.
        s.set_study_attr(s.study_id("s").unwrap(), AttrKind::User, "sync", "1").unwrap();
        assert_eq!(dump(s), dump(&open()));
    }
    failed
}

/// Whether `op` sets a parameter of trial `t`.
pub fn is_param(op: &crate::storage::log::record::Op, t: u64) -> bool {
    matches!(op, crate::storage::log::record::Op::SetParam { trial, .. } if *trial == t)
}

/// Polls `f` until it holds, failing the test if it does not within `limit`.
pub fn wait_until(what: &str, limit: std::time::Duration, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Creates and deletes a second study next to a study with trials, then keeps working: the
/// replica must not be rebuilt from the whole log by any later call (`rebuilds` reads the
/// storage's count of rebuilds).
pub fn delete_then_work_without_rebuilds(s: &dyn Storage, rebuilds: &dyn Fn() -> u64) {
    let id = study(s, "kept");
    let finish = |s: &dyn Storage| {
        let t = new_trial(s, id);
        s.set_trial_param(t.trial_id, "x", 0.5, &float()).unwrap();
        s.set_trial_state_values(t.trial_id, crate::history::TrialState::Complete, Some(&[1.0])).unwrap();
    };
    for _ in 0..3 {
        finish(s);
    }
    let other = study(s, "deleted");
    finish(s);
    s.delete_study(other).unwrap();
    let before = rebuilds();
    for _ in 0..20 {
        finish(s);
        assert_eq!(s.study_info(id).unwrap().n_trials, s.studies()[0].n_trials);
    }
    assert_eq!(rebuilds(), before, "later calls rebuilt the replica from the whole log");
    assert_eq!(s.study_info(id).unwrap().n_trials, 24);
    assert!(s.study_id("deleted").is_err());
}

/// Forty waiting trials, then four workers (each its own instance from `open`): two claim the
/// waiting trials, two create trials under `Append::Locked` (`create_trial`, whose choice counts
/// the trials it saw, as a grid sampler's does). Each waiting trial goes to exactly one worker,
/// and no locked choice sees a state another locked choice changed before it landed.
pub fn waiting_and_locked_choices_go_to_one_worker<S: Storage + Sync>(open: impl Fn() -> S) {
    use crate::history::TrialState;
    let c = open();
    let id = study(&c, "s");
    for _ in 0..40 {
        c.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate { state: TrialState::Waiting, ..Default::default() }))).unwrap();
    }
    let workers: Vec<S> = (0..4).map(|_| open()).collect();
    let mut claimed: Vec<usize> = std::thread::scope(|sc| {
        let hs: Vec<_> = workers
            .iter()
            .enumerate()
            .map(|(w, s)| {
                sc.spawn(move || {
                    // Study ids are each instance's own: look the study up by name.
                    let id = s.study_id("s").unwrap();
                    let mut mine = Vec::new();
                    if w % 2 == 0 {
                        while let Some(t) = claim_first_waiting(s, id) {
                            mine.push(t.number);
                        }
                    } else {
                        for _ in 0..20 {
                            let mut seen = 0;
                            let t = s
                                .create_trial(id, &mut |h| {
                                    seen = h.n_trials();
                                    Ok(Claim::New(TrialTemplate::default()))
                                })
                                .unwrap()
                                .unwrap();
                            assert!(t.number >= seen);
                        }
                    }
                    mine
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    claimed.sort_unstable();
    assert_eq!(claimed, (0..40).collect::<Vec<_>>(), "each waiting trial claimed exactly once");
    assert_eq!(c.study_info(id).unwrap().n_trials, 80);
}
