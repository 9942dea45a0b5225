use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::history::{StudyDirection, TrialMeta};

fn int(n: i64) -> Distribution {
    Distribution::Int { low: 0, high: n - 1, log: false, step: 1 }
}

/// The conditional space: a in 0..3; a == 1 adds b in 0..2 and c in {0, 0.5, 1}; else d in 0..2.
fn next_param(params: &[(String, f64)]) -> Option<(&'static str, Distribution)> {
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| *v);
    match (get("a"), params.len()) {
        (None, _) => Some(("a", int(3))),
        (Some(1.0), 1) => Some(("b", int(2))),
        (Some(1.0), 2) => Some(("c", Distribution::Float { low: 0.0, high: 1.0, log: false, step: Some(0.5) })),
        (Some(a), 1) if a != 1.0 => Some(("d", int(2))),
        _ => None,
    }
}
const N_COMBINATIONS: usize = 2 * 2 + 2 * 3;

fn create(s: &BruteForceSampler, h: &mut TrialHistory) -> usize {
    let mut attrs = BTreeMap::new();
    let mut warnings = Vec::new();
    let number = h.n_trials();
    s.before_trial(0, h, &mut NewTrial { number, fixed_params: &[], system_attrs: &mut attrs, warnings: &mut warnings }).unwrap();
    h.push_trial(TrialState::Running, TrialMeta { system_attrs: attrs, ..Default::default() })
}

/// Suggests the next parameter of `row`; false when the objective has no more.
fn step(s: &BruteForceSampler, h: &mut TrialHistory, row: usize) -> bool {
    let params: Vec<(String, f64)> = h.params_of(row).into_iter().map(|(n, v, _)| (n.to_string(), v)).collect();
    let Some((name, dist)) = next_param(&params) else { return false };
    let v = s.sample_independent(0, h, row, name, &dist).unwrap();
    assert!(dist.contains(v));
    h.set_param(row, name, v, &dist);
    true
}

fn key(h: &TrialHistory, row: usize) -> String {
    format!("{:?}", h.params_of(row).into_iter().map(|(n, v, _)| (n.to_string(), v)).collect::<Vec<_>>())
}

#[test]
fn one_worker_tries_every_combination_once_then_stops() {
    for seed in 0..20 {
        let s = BruteForceSampler::new(Some(seed), false);
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let mut seen = HashMap::new();
        while !s.is_exhausted(0, &h) {
            let row = create(&s, &mut h);
            while step(&s, &mut h, row) {}
            h.set_state(row, TrialState::Complete, Some(&[0.0]));
            *seen.entry(key(&h, row)).or_insert(0) += 1;
            assert!(h.n_trials() <= N_COMBINATIONS);
        }
        assert_eq!(seen.len(), N_COMBINATIONS);
    }
}

#[test]
fn interleaved_workers_never_repeat_and_cover_the_space() {
    // Workers create trials while others are still running, advancing in a seeded order; a
    // worker whose ask finds nothing open stops, as in `optimize`.
    for seed in 0..30 {
        let s = BruteForceSampler::new(Some(seed), false);
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let mut live: Vec<Option<usize>> = vec![None; 4];
        let mut stopped = [false; 4];
        let mut rng = stream(seed, 0, "test");
        while stopped.iter().any(|s| !s) {
            let w = below(&mut rng, 4) as usize;
            if stopped[w] {
                continue;
            }
            match live[w] {
                None => {
                    if s.is_exhausted(0, &h) {
                        stopped[w] = true;
                    } else {
                        live[w] = Some(create(&s, &mut h));
                    }
                }
                Some(row) => {
                    if !step(&s, &mut h, row) {
                        h.set_state(row, TrialState::Complete, Some(&[0.0]));
                        live[w] = None;
                    }
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for row in 0..h.n_trials() {
            assert!(seen.insert(key(&h, row)), "seed {seed}: {} repeated", key(&h, row));
        }
        assert_eq!(seen.len(), N_COMBINATIONS, "seed {seed}");
    }
}

#[test]
fn failed_trials_count_as_tried_and_the_same_seed_gives_the_same_order() {
    let run = |seed| {
        let s = BruteForceSampler::new(Some(seed), false);
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let mut order = Vec::new();
        while !s.is_exhausted(0, &h) {
            let row = create(&s, &mut h);
            while step(&s, &mut h, row) {}
            h.set_state(row, TrialState::Fail, None);
            order.push(key(&h, row));
        }
        order
    };
    assert_eq!(run(3).len(), N_COMBINATIONS);
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}

#[test]
fn avoid_premature_stop_waits_for_running_trials() {
    let d = int(2);
    for avoid in [false, true] {
        let s = BruteForceSampler::new(Some(0), avoid);
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let r0 = create(&s, &mut h);
        h.set_param(r0, "x", 0.0, &d);
        h.set_state(r0, TrialState::Complete, Some(&[0.0]));
        // a running trial holds x = 1 and has not suggested further
        let r1 = create(&s, &mut h);
        assert_eq!(claim_of(&h, r1).unwrap(), vec![("x".to_string(), 1.0)]);
        assert_eq!(s.is_exhausted(0, &h), !avoid);
        assert_eq!(s.sample_independent(0, &h, r1, "x", &d).unwrap(), 1.0);
    }
}

#[test]
fn a_float_without_step_and_a_changed_range_are_refused() {
    let s = BruteForceSampler::new(Some(0), false);
    let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
    let row = create(&s, &mut h);
    let e = s.sample_independent(0, &h, row, "lr", &Distribution::Float { low: 0.0, high: 1.0, log: false, step: None }).unwrap_err();
    assert!(e.to_string().contains("'lr'"), "{e}");
    h.set_param(row, "x", 0.0, &int(2));
    h.set_state(row, TrialState::Complete, Some(&[0.0]));
    let row = create(&s, &mut h);
    let e = s.sample_independent(0, &h, row, "x", &int(3)).unwrap_err();
    assert!(e.to_string().contains("changed search space"), "{e}");
}
