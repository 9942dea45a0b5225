//! Trials out of one storage and into another: a history row back to the template that
//! recreates it (used by `copy_study` and by journal snapshots).

use super::{read_with, AttrKind, Storage, StudyId, TrialTemplate};
use crate::error::Result;
use crate::history::TrialHistory;

/// Everything trial `row` of `h` holds, as a template: state, values, parameters with their
/// distributions in suggestion order, intermediate values, attributes, fixed parameters and
/// timestamps. Creating a trial from it gives the same row.
pub fn template_from_row(h: &TrialHistory, row: usize) -> TrialTemplate {
    let m = &h.meta[row];
    TrialTemplate {
        state: h.states[row],
        values: h.values_of(row),
        params: h.params_of(row).into_iter().map(|(n, v, d)| (n.to_string(), v, d.clone())).collect(),
        intermediate: m.intermediate.clone(),
        user_attrs: m.user_attrs.clone(),
        system_attrs: m.system_attrs.clone(),
        fixed_params: m.fixed_params.clone(),
        datetime_start: m.datetime_start,
        datetime_complete: m.datetime_complete,
    }
}

/// Copies study `from_study` of `from` into a new study `to_name` of `to`: directions, user and
/// system attributes and every trial in number order. Fails with `DuplicatedStudy` when `to`
/// already has a study of that name and `StudyNotFound` when the source does not exist; a copy
/// that fails half-way deletes the partial destination study.
pub fn copy_study(from: &dyn Storage, from_study: StudyId, to: &dyn Storage, to_name: &str) -> Result<StudyId> {
    let info = from.study_info(from_study)?;
    let user = from.study_attrs(from_study, AttrKind::User)?;
    let system = from.study_attrs(from_study, AttrKind::System)?;
    let trials = read_with(from, from_study, |h| (0..h.n_trials()).map(|r| template_from_row(h, r)).collect::<Vec<_>>())?;
    let id = to.create_study(to_name, &info.directions)?;
    let filled = (|| {
        for (kind, attrs) in [(AttrKind::User, &user), (AttrKind::System, &system)] {
            for (k, json) in attrs {
                to.set_study_attr(id, kind, k, json)?;
            }
        }
        to.import_trials(id, trials)
    })();
    match filled {
        Ok(_) => Ok(id),
        Err(e) => {
            // Leave no half-copied study behind; the error that stopped the copy is what matters.
            let _ = to.delete_study(id);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::history::{StudyDirection, TrialState};
    use crate::storage::test_support::{dump, float};
    use crate::storage::{Claim, InMemoryStorage, JournalStorage};

    #[test]
    fn copies_every_trial_and_attribute_across_backends() {
        let mem = InMemoryStorage::new();
        let id = mem.create_study("src", &[StudyDirection::Minimize, StudyDirection::Maximize]).unwrap();
        mem.set_study_attr(id, AttrKind::User, "u", "1").unwrap();
        mem.set_study_attr(id, AttrKind::System, "s", "\"x\"").unwrap();
        for (i, state) in
            [TrialState::Complete, TrialState::Pruned, TrialState::Fail, TrialState::Running, TrialState::Waiting].into_iter().enumerate()
        {
            let t = mem.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate::default()))).unwrap().unwrap().trial_id;
            mem.set_trial_param(t, "x", i as f64 / 10.0, &float()).unwrap();
            mem.set_trial_intermediate_value(t, 2, 0.5).unwrap();
            mem.set_trial_attr(t, AttrKind::User, "k", "[1]").unwrap();
            if state != TrialState::Running && state != TrialState::Waiting {
                let values = (state == TrialState::Complete).then_some(&[1.0, 2.0][..]);
                mem.set_trial_state_values(t, state, values).unwrap();
            }
        }
        mem.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate { state: TrialState::Waiting, ..Default::default() }))).unwrap();
        let d = tempfile::tempdir().unwrap();
        let journal = JournalStorage::open(d.path().join("c.log"), false).unwrap();
        let jid = copy_study(&mem, id, &journal, "src").unwrap();
        let back = InMemoryStorage::new();
        copy_study(&journal, jid, &back, "src").unwrap();
        assert_eq!(dump(&mem), dump(&journal));
        assert_eq!(dump(&mem), dump(&back));
        assert!(matches!(copy_study(&mem, id, &journal, "src"), Err(Error::DuplicatedStudy(_))));
        assert!(matches!(copy_study(&mem, 999_999, &journal, "new"), Err(Error::StudyNotFound(_))));
        assert_eq!(journal.studies().len(), 1);
    }
}
