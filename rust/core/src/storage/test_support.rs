//! Helpers shared by the storage backends' tests.

use crate::history::StudyDirection;
use crate::space::Distribution;
use crate::storage::{read_with, AttrKind, Claim, Storage, StudyId, TrialRef, TrialTemplate};

/// Everything a storage holds, in a form that compares exactly (NaN-safe via Debug).
pub fn dump(s: &dyn Storage) -> Vec<String> {
    let mut out = Vec::new();
    for info in s.studies() {
        out.push(format!("{} {:?} {}", info.name, info.directions, info.n_trials));
        out.push(format!("{:?}", s.study_attrs(info.id, AttrKind::User).unwrap()));
        out.push(format!("{:?}", s.study_attrs(info.id, AttrKind::System).unwrap()));
        read_with(s, info.id, |h| {
            for r in 0..h.n_trials() {
                out.push(format!("{r} {:?} {:?} {:?} {:?}", h.states[r], h.values_of(r), h.params_of(r), h.meta[r]));
            }
        })
        .unwrap();
        let ids = read_with(s, info.id, |h| h.meta.iter().map(|m| m.trial_id).collect::<Vec<_>>()).unwrap();
        for t in ids {
            out.push(format!("{t} {:?}", s.last_heartbeat(t).unwrap()));
        }
    }
    out
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
