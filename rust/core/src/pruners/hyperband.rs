//! `HyperbandPruner`: brackets of asynchronous successive halving with different budgets.
//!
//! With `R = max_resource / min_resource` and `eta = reduction_factor`, there are
//! `s_max + 1` brackets, `s_max = floor(log_eta R)` (computed exactly, in integers). Bracket `b`
//! runs successive halving whose first rung ends at `min_resource * eta^b`; trials are dealt to
//! brackets in proportion to the paper's bracket sizes `ceil((s_max + 1) eta^s / (s + 1))`,
//! `s = s_max - b`, by hashing the study name and the trial number (CRC-32, as Optuna does), so
//! every worker puts a trial in the same bracket. A trial competes only with its bracket, and a
//! model-based sampler sees only its bracket's trials (see [`super::bracket_view`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::bracket_view::BracketHistory;
use super::successive_halving::{AshaParams, Rungs};
use super::{reported, single_direction, PruneCx, Pruner, Verdict};
use crate::error::{Error, Result};
use crate::history::{RowScan, TrialHistory, TrialState, Visit};
use crate::storage::StudyId;

pub struct HyperbandPruner {
    min_resource: i64,
    /// `None`: the largest last step of the first complete trials, plus one ("auto").
    max_resource: Option<i64>,
    reduction_factor: i64,
    bootstrap_count: i64,
    studies: Mutex<HashMap<StudyId, Arc<HbStudy>>>,
}

/// Number of brackets for a resource range: `floor(log_eta(max / min)) + 1`, 0 when
/// `max < min`.
pub fn n_brackets(min_resource: i64, max_resource: i64, reduction_factor: i64) -> usize {
    let mut n = 0;
    let mut r = min_resource as i128;
    while r <= max_resource as i128 {
        n += 1;
        r *= reduction_factor as i128;
    }
    n
}

/// Each bracket's share of the trials: `ceil(n * eta^s / (s + 1))` for bracket `b`,
/// `s = n - 1 - b` (bracket 0 starts pruning earliest and gets the most trials).
pub fn bracket_budgets(n_brackets: usize, reduction_factor: i64) -> Vec<u128> {
    (0..n_brackets)
        .map(|b| {
            let s = (n_brackets - 1 - b) as u32;
            let num = (n_brackets as u128).saturating_mul((reduction_factor as u128).saturating_pow(s));
            num.div_ceil(s as u128 + 1)
        })
        .collect()
}

/// The brackets of a study, fixed once `max_resource` is known.
struct Layout {
    budgets: Vec<u128>,
    total: u128,
    /// What each bracket's sampler sees, created on first use.
    views: Vec<Mutex<Option<BracketHistory>>>,
}

impl Layout {
    fn bracket(&self, study_name: &str, number: usize) -> usize {
        let mut n = crc32(format!("{study_name}_{number}").as_bytes()) as u128 % self.total;
        for (b, budget) in self.budgets.iter().enumerate() {
            if n < *budget {
                return b;
            }
            n -= budget;
        }
        self.budgets.len() - 1
    }
}

#[derive(Default)]
struct HbStudy {
    layout: Mutex<Option<Arc<Layout>>>,
    /// Largest last step of a complete trial, while `max_resource` is still unknown.
    probe: Mutex<(RowScan, Option<i64>)>,
    rungs: Mutex<Rungs>,
}

impl HyperbandPruner {
    pub fn new(min_resource: i64, max_resource: Option<i64>, reduction_factor: i64, bootstrap_count: i64) -> Result<Self> {
        if min_resource < 1 {
            return Err(Error::InvalidValue(format!(
                "min_resource must be >= 1, got {min_resource}; it is the step at which the first rung of the first bracket ends"
            )));
        }
        AshaParams::new(min_resource, reduction_factor, 0, bootstrap_count)?;
        if let Some(max) = max_resource {
            if max < min_resource {
                return Err(Error::InvalidValue(format!(
                    "max_resource must be >= min_resource, got max_resource={max}, min_resource={min_resource}; \
                     max_resource is the number of steps of a full trial"
                )));
            }
        }
        if bootstrap_count > 0 && max_resource.is_none() {
            return Err(Error::InvalidValue(format!(
                "bootstrap_count={bootstrap_count} needs an explicit max_resource; max_resource='auto' cannot be combined with bootstrap_count > 0"
            )));
        }
        Ok(HyperbandPruner { min_resource, max_resource, reduction_factor, bootstrap_count, studies: Mutex::new(HashMap::new()) })
    }

    fn study(&self, id: StudyId) -> Arc<HbStudy> {
        self.studies.lock().unwrap_or_else(|e| e.into_inner()).entry(id).or_default().clone()
    }

    /// The study's brackets, fixed on the first call that knows `max_resource` (for "auto":
    /// once a trial has completed with intermediate values, as in Optuna).
    fn layout(&self, st: &HbStudy, h: &TrialHistory) -> Option<Arc<Layout>> {
        let mut g = st.layout.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = g.as_ref() {
            return Some(l.clone());
        }
        let max_resource = match self.max_resource {
            Some(m) => m,
            None => {
                let mut probe = st.probe.lock().unwrap_or_else(|e| e.into_inner());
                let (scan, max_last) = &mut *probe;
                if scan.is_stale(h.n_trials()) {
                    *scan = RowScan::default();
                    *max_last = None;
                }
                scan.scan(h.n_trials(), |r| match h.states[r] {
                    TrialState::Complete => {
                        if let Some(&(s, _)) = h.meta[r].intermediate.last() {
                            *max_last = Some(max_last.map_or(s, |m| m.max(s)));
                        }
                        Visit::Done
                    }
                    TrialState::Running | TrialState::Waiting => Visit::Later,
                    _ => Visit::Done,
                });
                (*max_last)? + 1
            }
        };
        let n = n_brackets(self.min_resource, max_resource, self.reduction_factor);
        let budgets = bracket_budgets(n, self.reduction_factor);
        let total = budgets.iter().sum();
        let views = (0..n).map(|_| Mutex::new(None)).collect();
        let l = Arc::new(Layout { budgets, total, views });
        *g = Some(l.clone());
        Some(l)
    }

    fn known_layout(&self, study: StudyId) -> Option<Arc<Layout>> {
        let st = self.studies.lock().unwrap_or_else(|e| e.into_inner()).get(&study).cloned()?;
        let l = st.layout.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        (!l.budgets.is_empty()).then_some(l)
    }
}

impl Pruner for HyperbandPruner {
    fn prune(&self, cx: &PruneCx) -> Result<Verdict> {
        let direction = single_direction(cx.history)?;
        let st = self.study(cx.study);
        let Some(layout) = self.layout(&st, cx.history) else { return Ok(Verdict::keep()) };
        if layout.budgets.is_empty() || reported(cx).is_empty() {
            return Ok(Verdict::keep());
        }
        let bracket = layout.bracket(cx.study_name, cx.row);
        let mut rungs = st.rungs.lock().unwrap_or_else(|e| e.into_inner());
        rungs.update(cx.history, layout.budgets.len(), |r| layout.bracket(cx.study_name, r));
        let p = AshaParams::new(self.min_resource, self.reduction_factor, bracket as i64, self.bootstrap_count)?;
        Ok(p.decide(cx, direction, &rungs.tables[bracket]))
    }

    fn bracket_of(&self, cx: &PruneCx) -> Option<usize> {
        Some(self.known_layout(cx.study)?.bracket(cx.study_name, cx.row))
    }

    fn with_bracket_history(&self, cx: &PruneCx, f: &mut dyn FnMut(StudyId, &TrialHistory)) -> bool {
        let Some(layout) = self.known_layout(cx.study) else { return false };
        let bracket = layout.bracket(cx.study_name, cx.row);
        let mut g = layout.views[bracket].lock().unwrap_or_else(|e| e.into_inner());
        let view = g.get_or_insert_with(|| BracketHistory::new(cx.history));
        view.sync(cx.history, |r| layout.bracket(cx.study_name, r) == bracket);
        f(view.id, &view.history);
        true
    }
}

/// CRC-32 (IEEE, as zlib's and Python's `binascii.crc32`).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *e = c;
        }
        t
    });
    let mut c = !0u32;
    for b in bytes {
        c = table[((c ^ *b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::StudyDirection;
    use crate::pruners::testing::{add, history};

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn brackets_follow_the_paper() {
        // Li et al., Table 1: R = 81, eta = 3 -> s_max = 4; bracket s has n = ceil(5 * 3^s / (s + 1))
        // configurations starting at r = 81 * 3^-s.
        assert_eq!(n_brackets(1, 81, 3), 5);
        assert_eq!(bracket_budgets(5, 3), vec![81, 34, 15, 8, 5]);
        let p = |b: i64| AshaParams::new(1, 3, b, 0).unwrap();
        let first_rungs: Vec<i64> = (0..5).map(|b| p(b).rung_step(0).unwrap()).collect();
        assert_eq!(first_rungs, vec![1, 3, 9, 27, 81]);
        // exact integer logarithm at powers of eta (a float log gives 4.999... for 243 / 3)
        assert_eq!(n_brackets(1, 243, 3), 6);
        assert_eq!(n_brackets(1, 242, 3), 5);
        assert_eq!(n_brackets(2, 1000, 10), 3);
        assert_eq!(n_brackets(5, 4, 3), 0);
        for (min, max, eta) in [(1, 100, 3), (3, 1000, 2), (1, 27, 3), (7, 7, 4)] {
            let n = n_brackets(min, max, eta);
            assert!(min * eta.pow(n as u32 - 1) <= max && min * eta.pow(n as u32) > max);
            let budgets = bracket_budgets(n, eta);
            for (b, budget) in budgets.iter().enumerate() {
                let s = (n - 1 - b) as f64;
                assert_eq!(*budget as f64, (n as f64 * (eta as f64).powf(s) / (s + 1.0)).ceil());
            }
        }
    }

    #[test]
    fn bracket_shares_match_the_budgets() {
        let budgets = bracket_budgets(4, 3);
        assert_eq!(budgets, vec![27, 12, 6, 4]);
        let l = Layout { budgets: budgets.clone(), total: budgets.iter().sum(), views: Vec::new() };
        let mut counts = [0usize; 4];
        for number in 0..49_000 {
            counts[l.bracket("study", number)] += 1;
        }
        for (c, budget) in counts.iter().zip(&l.budgets) {
            let want = 49_000.0 * *budget as f64 / 49.0;
            assert!((*c as f64 - want).abs() < 0.05 * want, "{counts:?}");
        }
    }

    #[test]
    fn waits_for_max_resource_then_prunes_within_brackets() {
        let p = HyperbandPruner::new(1, None, 3, 0).unwrap();
        let mut h = history(StudyDirection::Minimize);
        let r = add(&mut h, &[5.0, 5.0], TrialState::Running);
        fn cx(h: &TrialHistory, row: usize) -> PruneCx<'_> {
            PruneCx { study: 7, study_name: "hb", history: h, row }
        }
        assert_eq!(p.prune(&cx(&h, r)).unwrap(), Verdict::keep());
        assert_eq!(p.bracket_of(&cx(&h, r)), None, "no brackets before max_resource is known");
        add(&mut h, &[1.0; 9], TrialState::Complete); // last step 8 -> max_resource 9 -> 3 brackets
        p.prune(&cx(&h, r)).unwrap();
        let l = p.known_layout(7).unwrap();
        assert_eq!(l.budgets, vec![9, 5, 3]);
        assert_eq!(p.bracket_of(&cx(&h, r)), Some(l.bracket("hb", r)));
    }

    #[test]
    fn bracket_histories_hold_only_their_bracket() {
        let p = HyperbandPruner::new(1, Some(27), 3, 0).unwrap();
        let mut h = history(StudyDirection::Minimize);
        for _ in 0..40 {
            add(&mut h, &[1.0], TrialState::Complete);
        }
        fn cx(h: &TrialHistory, row: usize) -> PruneCx<'_> {
            PruneCx { study: 3, study_name: "views", history: h, row }
        }
        assert!(!p.with_bracket_history(&cx(&h, 0), &mut |_, _| ()), "nothing before the first decision");
        p.prune(&cx(&h, 0)).unwrap();
        let l = p.known_layout(3).unwrap();
        let mut seen = Vec::new();
        for row in [0, 1, 2, 3, 40] {
            assert!(p.with_bracket_history(&cx(&h, row), &mut |id, v| seen.push((id, v.n_complete()))));
            let b = l.bracket("views", row);
            let members = (0..40).filter(|r| l.bracket("views", *r) == b).count();
            assert_eq!(seen.last().unwrap().1, members);
        }
        // one id per bracket
        let b0 = l.bracket("views", 0);
        let same: Vec<_> = [0, 1, 2, 3, 40].iter().zip(&seen).filter(|(r, _)| l.bracket("views", **r) == b0).map(|(_, s)| s.0).collect();
        assert!(same.windows(2).all(|w| w[0] == w[1]));
    }

    /// (trial number, study id, complete rows) of each sampling call.
    type Seen = Vec<(usize, StudyId, Vec<usize>)>;

    /// Records what the history looks like each time it samples.
    struct Spy {
        per_bracket: bool,
        seen: Mutex<Seen>,
    }

    impl crate::samplers::Sampler for Spy {
        fn sample_independent(&self, study: StudyId, h: &TrialHistory, row: usize, _: &str, _: &crate::space::Distribution) -> Result<f64> {
            let complete = h.rows_in(TrialState::Complete).collect();
            self.seen.lock().unwrap().push((row, study, complete));
            Ok(0.5)
        }

        fn per_bracket(&self) -> bool {
            self.per_bracket
        }
    }

    fn run_study(per_bracket: bool) -> (Seen, crate::engine::StudyEngine, StudyId) {
        use crate::storage::{InMemoryStorage, Storage};
        let st = Arc::new(InMemoryStorage::new());
        let id = st.create_study("engine-hb", &[StudyDirection::Minimize]).unwrap();
        let spy = Arc::new(Spy { per_bracket, seen: Mutex::new(Vec::new()) });
        let e = crate::engine::StudyEngine::new(st, id, Some(spy.clone()));
        e.set_pruner(Some(Arc::new(HyperbandPruner::new(1, Some(9), 3, 0).unwrap())));
        let d = crate::space::Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        for t in 0..30 {
            let a = e.ask(false).unwrap().unwrap();
            e.suggest(a.trial_id, "x", &d).unwrap();
            let mut pruned = false;
            for step in 0..9 {
                e.report(a.trial_id, step, (t % 7) as f64 + 1.0 / (step + 1) as f64).unwrap();
                if e.should_prune(a.trial_id).unwrap().prune {
                    pruned = true;
                    break;
                }
            }
            let value = [(t % 7) as f64];
            let state = if pruned { TrialState::Pruned } else { TrialState::Complete };
            e.tell(a.trial_id, state, if pruned { None } else { Some(&value) }).unwrap();
        }
        let seen = spy.seen.lock().unwrap().clone();
        (seen, e, id)
    }

    #[test]
    fn the_engine_shows_samplers_their_bracket_and_stores_rungs() {
        let (seen, e, study) = run_study(true);
        let brackets = e.trial_brackets().unwrap().unwrap();
        assert_eq!(brackets.len(), 30);
        assert!(brackets.contains(&0) && brackets.iter().any(|b| *b != 0));
        // trial 0 samples before any decision: the whole (empty) study
        assert_eq!(seen[0].1, study);
        let complete: Vec<usize> = e.read(|h| h.rows_in(TrialState::Complete).collect()).unwrap();
        let mut ids = HashMap::new();
        for (row, id, saw) in &seen[1..] {
            let b = brackets[*row];
            assert_ne!(*id, study);
            assert_eq!(*ids.entry(b).or_insert(*id), *id, "one history per bracket");
            let want: Vec<usize> = complete.iter().copied().filter(|r| r < row && brackets[*r] == b).collect();
            assert_eq!(saw, &want, "trial {row} (bracket {b})");
        }
        // rungs are stored with the trials, as Optuna's system attributes
        let n_rung_attrs = e.read(|h| h.meta.iter().filter(|m| m.system_attrs.contains_key("completed_rung_0")).count()).unwrap();
        assert!(n_rung_attrs > 10, "{n_rung_attrs}");
        assert_eq!(e.bracket_of(29).unwrap(), Some(brackets[29]));
    }

    #[test]
    fn samplers_that_hand_out_points_see_every_trial() {
        let (seen, e, study) = run_study(false);
        let complete: Vec<usize> = e.read(|h| h.rows_in(TrialState::Complete).collect()).unwrap();
        for (row, id, saw) in &seen {
            assert_eq!(*id, study);
            assert_eq!(saw, &complete.iter().copied().filter(|r| r < row).collect::<Vec<_>>());
        }
    }

    #[test]
    fn bad_arguments() {
        assert!(HyperbandPruner::new(0, None, 3, 0).is_err());
        assert!(HyperbandPruner::new(1, Some(0), 3, 0).is_err());
        assert!(HyperbandPruner::new(1, None, 1, 0).is_err());
        assert!(HyperbandPruner::new(1, None, 3, 1).is_err());
        assert!(HyperbandPruner::new(1, Some(9), 3, -1).is_err());
        assert!(HyperbandPruner::new(1, Some(9), 3, 2).is_ok());
    }
}
