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
    Trial(u64),
}

pub fn touched(op: &Op) -> Vec<Key> {
    match op {
        Op::CreateStudy { .. } => vec![Key::Studies],
        Op::DeleteStudy { study } => vec![Key::Studies, Key::Study(*study)],
        Op::SetStudyAttr { study, .. } | Op::ClaimWaiting { study, .. } => vec![Key::Study(*study)],
        // A new trial is a new row: choices made on the other rows still hold.
        Op::NewTrial { .. } => Vec::new(),
        Op::SetParam { trial, .. }
        | Op::SetState { trial, .. }
        | Op::SetIntermediate { trial, .. }
        | Op::SetTrialAttr { trial, .. }
        | Op::Heartbeat { trial, .. } => vec![Key::Trial(*trial)],
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
        // Failing trial 3 as stale: another trial's heartbeat leaves it standing; its own does not.
        assert!(!invalidated(&[state(3)], &[beat(4), state(5)]));
        assert!(invalidated(&[state(3)], &[beat(4), beat(3)]));
        // Claiming a waiting trial of study 0 is chosen again after another claim there.
        let claim = |study, row| Op::ClaimWaiting { study, row, system_attrs: Default::default(), time: 0.0 };
        assert!(invalidated(&[claim(0, 2)], &[claim(0, 2)]));
        assert!(!invalidated(&[claim(0, 2)], &[claim(1, 2), beat(9)]));
        // A new study's name is checked against every study created meanwhile.
        let create = Op::CreateStudy { name: "a".into(), directions: vec![] };
        assert!(invalidated(std::slice::from_ref(&create), std::slice::from_ref(&create)));
    }
}
