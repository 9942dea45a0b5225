//! Quasi-Monte Carlo search: Optuna's `QMCSampler`, on the sequences of [`crate::qmc`].
//!
//! The search space is the distributions of the study's first finished (COMPLETE or PRUNED)
//! trial, in the order that trial suggested them; while no trial has finished, the union of the
//! running trials' distributions (Optuna 5). The first trial of a study has no space yet and is
//! sampled by the independent sampler (random by default).
//!
//! Every later trial claims the next point of the sequence in `before_trial`, which runs under
//! the storage's write lock: its number `k` (counting from 0) and the sequence/space key are
//! stored as the trial's system attributes `qmc_id` and `qmc_key`, and the next claim for the
//! same key takes one more than the largest stored. So threads and processes sharing a storage
//! never get the same point, and a resumed study (a fresh sampler over the stored trials)
//! continues the sequence. With `scramble=false` the first point is all lows, as in Optuna and
//! SciPy.
//!
//! A point `u` in `[0, 1)^d` becomes parameter values as Optuna's `_SearchSpaceTransform`
//! (`transform_0_1=True`) untransforms it: floats linearly (in log space for `log=True`,
//! clipped below `high`); stepped floats and integers over `[low - step/2, high + step/2]`, then
//! rounded to the grid; log integers over `[ln(low - 0.5), ln(high + 0.5)]`, then rounded;
//! categoricals as `floor(u * n_choices)`.
//!
//! Parameters outside the space, or suggested with another distribution, go to the
//! independent sampler, with Optuna's warning once a trial has finished (when
//! `warn_independent_sampling` is on).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use super::{NewTrial, RandomSampler, Sampler};
use crate::error::{Error, Result};
use crate::history::{RowScan, TrialHistory, TrialState, Visit};
use crate::qmc::{Qmc, QmcType, HALTON_MAX_DIM, SOBOL_MAX_DIM};
use crate::rng::{hash_str, os_seed};
use crate::space::Distribution;
use crate::storage::StudyId;

/// The system attribute holding a trial's point number in its sequence.
pub const QMC_ID_ATTR: &str = "qmc_id";
/// The system attribute naming the sequence and search space the point belongs to.
pub const QMC_KEY_ATTR: &str = "qmc_key";

/// A relative search space: (name, distribution) in dimension order.
type Space = Vec<(String, Distribution)>;

/// Optuna's text for a parameter the QMC sequence does not cover.
fn independent_warning(name: &str, number: usize, independent: &str) -> String {
    format!(
        "The parameter `{name}` in Trial#{number} is sampled independently using `{independent}` instead of `QMCSampler`, \
         potentially degrading the optimization performance. This fallback happened because dynamic search space is not \
         supported by `QMCSampler`. You can suppress this warning by setting `warn_independent_sampling` to `False` in the \
         constructor of `QMCSampler` if this independent sampling is intended behavior."
    )
}

const CONDITIONAL_WARNING: &str = "`QMCSampler` assumes that the search space does not include any conditions. \
                                   Please make sure the provided search space is non-conditional.";

pub struct QmcSampler {
    qmc_type: QmcType,
    scramble: bool,
    seed: u64,
    independent: Arc<dyn Sampler>,
    independent_name: String,
    warn_independent_sampling: bool,
    state: Mutex<HashMap<StudyId, StudyState>>,
    /// One generator per dimension count (a generator's point `k` is a pure function).
    engines: Mutex<HashMap<usize, Arc<Qmc>>>,
    warnings: Mutex<Vec<String>>,
}

/// What the sampler knows about one study, synced incrementally from the history.
#[derive(Default)]
struct StudyState {
    /// Running and waiting rows are visited again (they may finish, or be claimed, later).
    scan: RowScan,
    /// The lowest-numbered COMPLETE or PRUNED trial: its distributions are the space.
    first_finished: Option<usize>,
    /// Per sequence/space key: one more than the largest point number claimed.
    next_id: HashMap<String, u64>,
    /// The space of each key claimed through this sampler.
    spaces: HashMap<String, Arc<Space>>,
}

impl StudyState {
    fn sync(&mut self, h: &TrialHistory) {
        if self.scan.is_stale(h.n_trials()) {
            *self = StudyState::default();
        }
        let mut scan = std::mem::take(&mut self.scan);
        scan.scan(h.n_trials(), |row| {
            if let Some((key, id)) = claim_of(h, row) {
                let next = self.next_id.entry(key).or_insert(0);
                *next = (*next).max(id.saturating_add(1));
            }
            match h.states[row] {
                TrialState::Complete | TrialState::Pruned => {
                    if self.first_finished.is_none_or(|f| row < f) {
                        self.first_finished = Some(row);
                    }
                    Visit::Done
                }
                TrialState::Fail => Visit::Done,
                TrialState::Running | TrialState::Waiting => Visit::Later,
            }
        });
        self.scan = scan;
    }
}

/// The (key, point number) a trial claimed, if any.
fn claim_of(h: &TrialHistory, row: usize) -> Option<(String, u64)> {
    let attrs = &h.meta[row].system_attrs;
    let id = attrs.get(QMC_ID_ATTR)?.parse::<u64>().ok()?;
    let key = serde_json::from_str::<String>(attrs.get(QMC_KEY_ATTR)?).ok()?;
    Some((key, id))
}

impl QmcSampler {
    /// `seed = None` draws one from the operating system (it matters only with `scramble`,
    /// and for the default independent sampler, a `RandomSampler` with the same seed).
    /// `independent_name` is the independent sampler's class name, for warnings.
    pub fn new(
        qmc_type: QmcType,
        scramble: bool,
        seed: Option<u64>,
        independent: Option<(Arc<dyn Sampler>, String)>,
        warn_independent_sampling: bool,
    ) -> Self {
        let seed = seed.unwrap_or_else(os_seed);
        let (independent, independent_name) =
            independent.unwrap_or_else(|| (Arc::new(RandomSampler::new(Some(seed))) as Arc<dyn Sampler>, "RandomSampler".into()));
        QmcSampler {
            qmc_type,
            scramble,
            seed,
            independent,
            independent_name,
            warn_independent_sampling,
            state: Mutex::new(HashMap::new()),
            engines: Mutex::new(HashMap::new()),
            warnings: Mutex::new(Vec::new()),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn qmc_type(&self) -> QmcType {
        self.qmc_type
    }

    pub fn scramble(&self) -> bool {
        self.scramble
    }

    /// The space for the next trial, as Optuna's `infer_relative_search_space`; pushes the
    /// conditional-space warning into `warnings` when given.
    fn infer_space(st: &StudyState, h: &TrialHistory, warnings: Option<&mut Vec<String>>) -> Space {
        if let Some(row) = st.first_finished {
            return h.params_of(row).into_iter().map(|(n, _, d)| (n.to_string(), d.clone())).collect();
        }
        // No finished trial yet: the union of what running trials have suggested so far.
        let mut union: Space = Vec::new();
        let mut common: Option<BTreeSet<&str>> = None;
        for &row in st.scan.pending() {
            if h.states[row] != TrialState::Running {
                continue;
            }
            let params = h.params_of(row);
            if params.is_empty() {
                continue;
            }
            for (name, _, d) in &params {
                match union.iter_mut().find(|(n, _)| n == name) {
                    Some(e) => e.1 = (*d).clone(),
                    None => union.push((name.to_string(), (*d).clone())),
                }
            }
            let names: BTreeSet<&str> = params.iter().map(|p| p.0).collect();
            common = Some(match common {
                None => names,
                Some(c) => c.intersection(&names).copied().collect(),
            });
        }
        if let (Some(w), Some(c)) = (warnings, common) {
            if c.len() != union.len() {
                w.push(CONDITIONAL_WARNING.into());
            }
        }
        union
    }

    /// The key of a (sequence, space) pair: trials with equal keys share one sequence.
    fn key_of(&self, space: &Space) -> String {
        let seed = if self.scramble { Some(self.seed) } else { None };
        let desc = serde_json::to_string(&(self.qmc_type.name(), self.scramble, seed, space)).unwrap_or_default();
        format!("{}-{:016x}", self.qmc_type.name(), hash_str(&desc))
    }

    fn check_dims(&self, n: usize) -> Result<()> {
        let max = match self.qmc_type {
            QmcType::Sobol => SOBOL_MAX_DIM,
            QmcType::Halton => HALTON_MAX_DIM,
        };
        if n > max {
            return Err(Error::InvalidValue(format!(
                "QMCSampler: the search space has {n} parameters, more than the {max} dimensions of the {} sequence; \
                 suggest at most {max} parameters per trial or use another sampler",
                self.qmc_type.name()
            )));
        }
        Ok(())
    }

    fn engine(&self, dim: usize) -> Result<Arc<Qmc>> {
        let mut engines = self.engines.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = engines.get(&dim) {
            return Ok(e.clone());
        }
        let e = Arc::new(Qmc::new(self.qmc_type, dim, self.scramble, self.seed)?);
        engines.insert(dim, e.clone());
        Ok(e)
    }

    /// The space a claimed trial's key stands for.
    fn space_of_key(&self, study: StudyId, h: &TrialHistory, key: &str) -> Option<Arc<Space>> {
        let mut states = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let st = states.entry(study).or_default();
        if let Some(s) = st.spaces.get(key) {
            return Some(s.clone());
        }
        // Claimed through another sampler object (a resumed study): the key is reproducible
        // from the space the claim was made for, which is the current one unless it changed.
        st.sync(h);
        let space = Self::infer_space(st, h, None);
        if self.key_of(&space) != key {
            return None;
        }
        let space = Arc::new(space);
        st.spaces.insert(key.to_string(), space.clone());
        Some(space)
    }
}

/// Optuna's `_SearchSpaceTransform(transform_0_1=True).untransform` for one coordinate, as an
/// internal value (categoricals: the choice's index).
pub(crate) fn untransform(dist: &Distribution, u: f64) -> f64 {
    let affine = |lo: f64, hi: f64| lo + u * (hi - lo);
    match dist {
        Distribution::Float { low, .. } if dist.single() => *low,
        Distribution::Float { low, high, log: true, .. } => {
            let v = affine(low.ln(), high.ln()).exp();
            v.clamp(*low, high.next_down())
        }
        Distribution::Float { low, high, step: Some(step), .. } => {
            let t = affine(low - 0.5 * step, high + 0.5 * step);
            (((t - low) / step).round_ties_even() * step + low).clamp(*low, *high)
        }
        Distribution::Float { low, high, .. } => {
            let span = high - low;
            let t = if span.is_finite() { affine(*low, *high) } else { low * (1.0 - u) + high * u };
            t.min(high.next_down()).max(*low)
        }
        Distribution::Int { low, high, log: true, .. } => {
            let v = affine((*low as f64 - 0.5).ln(), (*high as f64 + 0.5).ln()).exp().round_ties_even();
            v.clamp(*low as f64, *high as f64)
        }
        Distribution::Int { low, high, step, .. } => {
            let (lo, hi, st) = (*low as f64, *high as f64, *step as f64);
            let t = affine(lo - 0.5 * st, hi + 0.5 * st);
            let k = ((t - lo) / st + 0.5).floor() as i64;
            k.saturating_mul(*step).saturating_add(*low).clamp(*low, *high) as f64
        }
        Distribution::Categorical { choices } => {
            let n = choices.len() as f64;
            (u * n).min(n.next_down()).floor().min(n - 1.0)
        }
    }
}

impl Sampler for QmcSampler {
    fn before_trial_claims(&self) -> bool {
        true
    }

    fn before_trial(&self, study: StudyId, h: &TrialHistory, trial: &mut NewTrial) -> Result<()> {
        {
            let mut states = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let st = states.entry(study).or_default();
            st.sync(h);
            let space = Self::infer_space(st, h, Some(trial.warnings));
            if !space.is_empty() {
                self.check_dims(space.len())?;
                let key = self.key_of(&space);
                let next = st.next_id.entry(key.clone()).or_insert(0);
                let id = *next;
                // Count the claim now so a second ask under the same lock sees it.
                *next = id + 1;
                st.spaces.entry(key.clone()).or_insert_with(|| Arc::new(space));
                trial.system_attrs.insert(QMC_ID_ATTR.into(), id.to_string());
                trial.system_attrs.insert(QMC_KEY_ATTR.into(), serde_json::to_string(&key).unwrap_or_default());
            }
        }
        self.independent.before_trial(study, h, trial)
    }

    fn relative_search_space(&self, study: StudyId, h: &TrialHistory) -> Vec<(String, Distribution)> {
        let mut states = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let st = states.entry(study).or_default();
        st.sync(h);
        Self::infer_space(st, h, None)
    }

    fn sample_relative(&self, study: StudyId, h: &TrialHistory, row: usize) -> Result<Vec<(String, f64, Distribution)>> {
        let Some((key, id)) = claim_of(h, row) else { return Ok(Vec::new()) };
        let Some(space) = self.space_of_key(study, h, &key) else { return Ok(Vec::new()) };
        self.check_dims(space.len())?;
        let engine = self.engine(space.len())?;
        let mut u = vec![0.0; space.len()];
        engine.point_at(id, &mut u);
        Ok(space.iter().zip(u).map(|((name, d), u)| (name.clone(), untransform(d, u), d.clone())).collect())
    }

    fn sample_independent(&self, study: StudyId, h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        if self.warn_independent_sampling {
            let finished = {
                let mut states = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let st = states.entry(study).or_default();
                st.sync(h);
                st.first_finished.is_some()
            };
            // warned once the value is drawn: a draw the engine retries (deferred work) warns once
            let v = self.independent.sample_independent(study, h, row, name, dist)?;
            if finished {
                self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(independent_warning(name, row, &self.independent_name));
            }
            return Ok(v);
        }
        self.independent.sample_independent(study, h, row, name, dist)
    }

    fn take_warnings(&self) -> Vec<String> {
        let mut w = std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()));
        w.extend(self.independent.take_warnings());
        w
    }

    fn after_trial(&self, study: StudyId, h: &TrialHistory, row: usize) {
        self.independent.after_trial(study, h, row);
    }

    /// Each point of the sequence goes to one trial of the study, whatever its Hyperband bracket.
    fn per_bracket(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StudyEngine;
    use crate::history::StudyDirection;
    use crate::qmc::Sobol;
    use crate::space::Choice;
    use crate::storage::{InMemoryStorage, Storage};
    use std::collections::BTreeMap;

    fn engine_on(st: Arc<InMemoryStorage>, sampler: Arc<dyn Sampler>) -> StudyEngine {
        let id = match st.study_id("s") {
            Ok(id) => id,
            Err(_) => st.create_study("s", &[StudyDirection::Minimize]).unwrap(),
        };
        StudyEngine::new(st, id, Some(sampler))
    }

    fn space() -> Vec<(&'static str, Distribution)> {
        vec![
            ("x", Distribution::Float { low: -2.0, high: 3.0, log: false, step: None }),
            ("lr", Distribution::Float { low: 1e-5, high: 1e-1, log: true, step: None }),
            ("n", Distribution::Int { low: 1, high: 9, log: false, step: 2 }),
            ("units", Distribution::Int { low: 8, high: 512, log: true, step: 1 }),
            ("drop", Distribution::Float { low: 0.0, high: 0.5, log: false, step: Some(0.1) }),
            ("act", Distribution::Categorical { choices: vec![Choice::Str("relu".into()), Choice::Str("tanh".into()), Choice::None] }),
        ]
    }

    /// Runs `n` trials suggesting the whole space; returns each trial's internal values.
    fn run(e: &StudyEngine, n: usize) -> Vec<Vec<f64>> {
        (0..n)
            .map(|_| {
                let a = e.ask(false).unwrap().unwrap();
                let vals: Vec<f64> = space().iter().map(|(name, d)| e.suggest(a.trial_id, name, d).unwrap()).collect();
                e.tell(a.trial_id, TrialState::Complete, Some(&[vals[0]])).unwrap();
                vals
            })
            .collect()
    }

    #[test]
    fn trial_k_takes_point_k_minus_one_and_the_first_point_is_all_lows() {
        for kind in [QmcType::Sobol, QmcType::Halton] {
            let e = engine_on(Arc::new(InMemoryStorage::new()), Arc::new(QmcSampler::new(kind, false, Some(0), None, true)));
            let rows = run(&e, 40);
            assert_eq!(rows[1], vec![-2.0, 1e-5, 1.0, 8.0, 0.0, 0.0], "{kind:?}");
            let mut q = Qmc::new(kind, 6, false, 0).unwrap();
            for (t, row) in rows.iter().enumerate().skip(1) {
                let mut u = [0.0; 6];
                q.next_point(&mut u);
                let expect: Vec<f64> = space().iter().zip(u).map(|((_, d), u)| untransform(d, u)).collect();
                assert_eq!(row, &expect, "{kind:?} trial {t}");
                for ((_, d), v) in space().iter().zip(row) {
                    assert!(d.contains(*v), "{v} not in {d:?}");
                }
            }
            let ids: Vec<Option<String>> =
                e.read(|h| (0..h.n_trials()).map(|r| h.meta[r].system_attrs.get(QMC_ID_ATTR).cloned()).collect()).unwrap();
            assert_eq!(ids[0], None);
            assert_eq!(ids[39].as_deref(), Some("38"));
        }
    }

    #[test]
    fn untransform_matches_optuna_mapping() {
        let x = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        assert_eq!(untransform(&x, 0.5), 0.5);
        assert!(untransform(&x, 1.0 - 1e-17) < 1.0);
        let s = Distribution::Float { low: 0.0, high: 1.0, log: false, step: Some(0.25) };
        // [low - step/2, high + step/2] = [-0.125, 1.125]; 0.5 -> 0.5 -> 2 steps
        assert_eq!(untransform(&s, 0.5), 0.5);
        assert_eq!(untransform(&s, 0.0), 0.0);
        assert_eq!(untransform(&s, 0.999), 1.0);
        // u = 0.3 -> t = 0.25 exactly -> (t - low) / step = 1 -> 0.25
        assert_eq!(untransform(&s, 0.3), 0.25);
        let i = Distribution::Int { low: 0, high: 10, log: false, step: 1 };
        assert_eq!(untransform(&i, 0.0), 0.0);
        assert_eq!(untransform(&i, 0.5), 5.0);
        assert_eq!(untransform(&i, 0.9999), 10.0);
        let c = Distribution::Categorical { choices: vec![Choice::Int(1), Choice::Int(2), Choice::Int(3)] };
        assert_eq!(untransform(&c, 0.0), 0.0);
        assert_eq!(untransform(&c, 0.34), 1.0);
        assert_eq!(untransform(&c, 0.999_999), 2.0);
        let single = Distribution::Float { low: 0.3, high: 0.3, log: true, step: None };
        assert_eq!(untransform(&single, 0.7), 0.3);
        let li = Distribution::Int { low: 1, high: 1000, log: true, step: 1 };
        for k in 0..1000 {
            assert!(li.contains(untransform(&li, k as f64 / 1000.0)));
        }
    }

    #[test]
    fn claims_are_unique_under_interleaved_asks_and_resume_continues() {
        let st = Arc::new(InMemoryStorage::new());
        let e = engine_on(st.clone(), Arc::new(QmcSampler::new(QmcType::Sobol, true, Some(5), None, false)));
        run(&e, 1);
        // several trials started before any finishes
        let asked: Vec<_> = (0..5).map(|_| e.ask(false).unwrap().unwrap()).collect();
        for a in &asked {
            e.tell(a.trial_id, TrialState::Fail, None).unwrap();
        }
        // a new sampler object over the same storage continues after the largest claim
        let e2 = engine_on(st.clone(), Arc::new(QmcSampler::new(QmcType::Sobol, true, Some(5), None, false)));
        let a = e2.ask(false).unwrap().unwrap();
        let vals: Vec<f64> = space().iter().map(|(n, d)| e2.suggest(a.trial_id, n, d).unwrap()).collect();
        let ids: Vec<Option<u64>> =
            e2.read(|h| (0..h.n_trials()).map(|r| h.meta[r].system_attrs.get(QMC_ID_ATTR).map(|s| s.parse().unwrap())).collect()).unwrap();
        assert_eq!(ids, vec![None, Some(0), Some(1), Some(2), Some(3), Some(4), Some(5)]);
        let mut u = [0.0; 6];
        Sobol::new(6, true, 5).unwrap().point_at(5, &mut u);
        let expect: Vec<f64> = space().iter().zip(u).map(|((_, d), u)| untransform(d, u)).collect();
        assert_eq!(vals, expect);
    }

    #[test]
    fn parameters_outside_the_space_are_random_with_a_warning() {
        let e = engine_on(Arc::new(InMemoryStorage::new()), Arc::new(QmcSampler::new(QmcType::Halton, false, Some(1), None, true)));
        let x = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let a = e.ask(false).unwrap().unwrap();
        e.suggest(a.trial_id, "x", &x).unwrap();
        assert!(e.take_warnings().is_empty(), "the first trial is independent without a warning");
        e.tell(a.trial_id, TrialState::Complete, Some(&[0.0])).unwrap();
        let a = e.ask(false).unwrap().unwrap();
        assert_eq!(e.suggest(a.trial_id, "x", &x).unwrap(), 0.0);
        assert!(e.take_warnings().is_empty());
        let y = e.suggest(a.trial_id, "y", &x).unwrap();
        assert!((0.0..1.0).contains(&y));
        let w = e.take_warnings();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("`y` in Trial#1") && w[0].contains("RandomSampler"), "{w:?}");
        // a different distribution for a parameter of the space is independent too
        let x2 = Distribution::Float { low: 0.0, high: 2.0, log: false, step: None };
        let a = e.ask(false).unwrap().unwrap();
        e.suggest(a.trial_id, "x", &x2).unwrap();
        assert_eq!(e.take_warnings().len(), 1);
        // the warning can be switched off
        let quiet = QmcSampler::new(QmcType::Halton, false, Some(1), None, false);
        e.read(|h| quiet.sample_independent(0, h, 2, "z", &x).unwrap()).unwrap();
        assert!(quiet.take_warnings().is_empty());
    }

    #[test]
    fn running_trials_give_the_space_before_any_finishes() {
        let e = engine_on(Arc::new(InMemoryStorage::new()), Arc::new(QmcSampler::new(QmcType::Sobol, false, Some(1), None, true)));
        let x = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let a = e.ask(false).unwrap().unwrap();
        e.suggest(a.trial_id, "x", &x).unwrap();
        let b = e.ask(false).unwrap().unwrap();
        assert_eq!(e.relative_params(b.trial_id).len(), 1);
        assert_eq!(e.suggest(b.trial_id, "x", &x).unwrap(), 0.0);
        // a running trial with another parameter makes the union conditional: a warning
        e.suggest(b.trial_id, "y", &x).unwrap();
        let c = e.ask(false).unwrap().unwrap();
        assert_eq!(e.relative_params(c.trial_id).len(), 2);
        assert!(c.warnings.iter().any(|w| w.contains("non-conditional")), "{:?}", c.warnings);
    }

    #[test]
    fn enqueued_values_win_and_the_point_is_still_claimed() {
        let e = engine_on(Arc::new(InMemoryStorage::new()), Arc::new(QmcSampler::new(QmcType::Sobol, false, Some(1), None, true)));
        run(&e, 1);
        e.enqueue(vec![("x".into(), Choice::Float(2.5))], BTreeMap::new(), false).unwrap();
        let rows = run(&e, 2);
        assert_eq!(rows[0][0], 2.5);
        // like Optuna, the enqueued trial used point 0: the next trial has point 1
        let mut u = [0.0; 6];
        Sobol::new(6, false, 0).unwrap().point_at(1, &mut u);
        assert_eq!(rows[1][0], untransform(&space()[0].1, u[0]));
        assert_eq!(rows[0][1], untransform(&space()[1].1, 0.0));
    }

    #[test]
    fn too_many_dimensions_fail_the_ask_with_a_clear_error() {
        let st = Arc::new(InMemoryStorage::new());
        let e = engine_on(st, Arc::new(QmcSampler::new(QmcType::Halton, false, Some(1), None, false)));
        let x = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let a = e.ask(false).unwrap().unwrap();
        for k in 0..=HALTON_MAX_DIM {
            e.suggest(a.trial_id, &format!("p{k}"), &x).unwrap();
        }
        e.tell(a.trial_id, TrialState::Complete, Some(&[0.0])).unwrap();
        let err = e.ask(false).unwrap_err().to_string();
        assert!(err.contains("1025 parameters") && err.contains("1024"), "{err}");
        assert_eq!(e.read(|h| h.n_trials()).unwrap(), 1, "no trial is left behind");
    }

    #[test]
    fn same_seed_same_suggestions_and_keys_separate_sequences() {
        let go = |seed| {
            let e = engine_on(Arc::new(InMemoryStorage::new()), Arc::new(QmcSampler::new(QmcType::Sobol, true, Some(seed), None, false)));
            run(&e, 10)
        };
        assert_eq!(go(3), go(3));
        assert_ne!(go(3)[1..], go(4)[1..]);
        let s = QmcSampler::new(QmcType::Sobol, false, Some(1), None, false);
        let t = QmcSampler::new(QmcType::Sobol, false, Some(2), None, false);
        let h = QmcSampler::new(QmcType::Halton, false, Some(1), None, false);
        let sp: Space = vec![("x".into(), Distribution::Float { low: 0.0, high: 1.0, log: false, step: None })];
        assert_eq!(s.key_of(&sp), t.key_of(&sp), "the seed does not matter without scrambling");
        assert_ne!(s.key_of(&sp), h.key_of(&sp));
    }
}
