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
