//! Whether a choice made on the log as it ended at some record still holds after records that
//! other processes appended since, for backends that check a choice after making it (the gRPC
//! proxy, Redis) rather than under a lock held while choosing.

use super::record::Op;

/// What an operation depends on or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The set of studies (their names).
    Studies,
    /// A study's attributes and which of its trials wait.
    Study(u32),
    /// A trial's state and last heartbeat (what makes it stale or finished).
    TrialState(u64),
    /// A trial's parameters, attributes and intermediate values.
    TrialData(u64),
}

pub fn touched(op: &Op) -> Vec<Key> {
    match op {
        Op::CreateStudy { .. } => vec![Key::Studies],
        Op::DeleteStudy { study } => vec![Key::Studies, Key::Study(*study)],
        Op::SetStudyAttr { study, .. } | Op::ClaimWaiting { study, .. } => vec![Key::Study(*study)],
        // A new trial is a new row: choices made on the other rows still hold.
        Op::NewTrial { .. } => Vec::new(),
        // Failing a trial as stale depends on its state and heartbeat, not on the parameters
        // its worker is still writing.
        Op::SetState { trial, .. } | Op::Heartbeat { trial, .. } => vec![Key::TrialState(*trial)],
        Op::SetParam { trial, .. } | Op::SetIntermediate { trial, .. } | Op::SetTrialAttr { trial, .. } => vec![Key::TrialData(*trial)],
    }
}

/// Whether `mine`, chosen before `since` was appended, must be chosen again.
pub fn invalidated<'a>(mine: &[Op], since: impl IntoIterator<Item = &'a Op>) -> bool {
    let keys: Vec<Key> = mine.iter().flat_map(touched).collect();
    since.into_iter().flat_map(touched).any(|k| keys.contains(&k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TrialState;

    fn state(trial: u64) -> Op {
        Op::SetState { trial, state: TrialState::Fail, values: None, time: 0.0 }
    }

    #[test]
    fn a_choice_stands_unless_a_later_record_touches_the_same_thing() {
        let beat = |trial| Op::Heartbeat { trial, time: 1.0 };
        // Failing trial 3 as stale: another trial's heartbeat leaves it standing; its own does
        // does, and so does its completion; a parameter its worker wrote meanwhile does not.
        assert!(!invalidated(&[state(3)], &[beat(4), state(5)]));
        assert!(invalidated(&[state(3)], &[beat(4), beat(3)]));
        assert!(invalidated(&[state(3)], &[state(3)]));
        let param = Op::SetParam {
            trial: 3,
            name: "x".into(),
            value: 0.5,
            dist: crate::space::Distribution::Float { low: 0.0, high: 1.0, log: false, step: None },
        };
        assert!(!invalidated(&[state(3)], &[param]));
        // Claiming a waiting trial of study 0 is chosen again after another claim there.
        let claim = |study, row| Op::ClaimWaiting { study, row, system_attrs: Default::default(), time: 0.0 };
        assert!(invalidated(&[claim(0, 2)], &[claim(0, 2)]));
        assert!(!invalidated(&[claim(0, 2)], &[claim(1, 2), beat(9)]));
        // A new study's name is checked against every study created meanwhile.
        let create = Op::CreateStudy { name: "a".into(), directions: vec![] };
        assert!(invalidated(std::slice::from_ref(&create), std::slice::from_ref(&create)));
    }
}
