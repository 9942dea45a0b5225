//! TPE: the Tree-structured Parzen Estimator sampler.
//!
//! Per suggestion: split the finished trials into "below" (the best `gamma(n)`) and "above"
//! (the rest, plus running trials under the constant liar), fit a Parzen estimator `l` to the
//! below group and `g` to the above group, draw `n_ei_candidates` points from `l`, and keep the
//! one maximizing `l(x) / g(x)`. Independent TPE does this per parameter; multivariate TPE does
//! it jointly over the parameters every finished trial shares (or, with `group`, over each group
//! of parameters that always appear together). Multi-objective studies split by
//! non-domination rank with a hypervolume tie-break (MOTPE); trials that violate constraints
//! rank after feasible ones.

mod above;
mod callbacks;
mod columns;
pub(crate) mod hypervolume;
mod parzen;
mod space;
pub(crate) mod split;
pub mod truncnorm;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use above::{Settings, Weights};
use callbacks::Callbacks;
use columns::{tie_key, Column};
use parzen::{DistanceTable, Parzen, ParzenParams};
use space::SpaceCache;
use split::Split;

use super::{RandomSampler, Sampler};
use crate::error::{Error, Result};
use crate::history::TrialHistory;
use crate::rng::{os_seed, stream};
use crate::space::{Choice, Distribution};
use crate::storage::StudyId;

// User callbacks. They are never called under a lock (see `callbacks.rs`); an error they return
// (`Error::Callback` for the user's own) is the suggestion's error, unchanged.
/// `gamma(n)`: how many of `n` trials form the "below" group.
pub type GammaFn = dyn Fn(usize) -> Result<usize> + Send + Sync;
/// `weights(n)`: the weights of `n` observations, oldest first.
pub type WeightsFn = dyn Fn(usize) -> Result<Vec<f64>> + Send + Sync;
/// A user's distance between two choices of a categorical parameter.
pub type DistanceFn = dyn Fn(&Choice, &Choice) -> Result<f64> + Send + Sync;

/// The system attribute holding a trial's constraint values (a JSON list; > 0 is a violation);
/// `history::constraints` reads it, with the values of `Trial.set_constraint`.
pub use crate::history::constraints::CONSTRAINTS_ATTR;

#[derive(Clone)]
pub struct TpeConfig {
    pub consider_prior: bool,
    pub prior_weight: f64,
    pub consider_magic_clip: bool,
    pub consider_endpoints: bool,
    pub n_startup_trials: usize,
    pub n_ei_candidates: usize,
    pub gamma: Option<Arc<GammaFn>>,
    pub weights: Option<Arc<WeightsFn>>,
    pub seed: Option<u64>,
    /// `None`: multivariate for single-objective studies, independent for multi-objective ones.
    pub multivariate: Option<bool>,
    pub group: bool,
    pub constant_liar: bool,
    pub distances: HashMap<String, Arc<DistanceFn>>,
    /// Warn when a multivariate sampler falls back to independent sampling after start-up.
    pub warn_independent_sampling: bool,
    /// A `constraints_func` is in use (the Python layer stores its values). The split reads
    /// every trial's constraint values either way, and a trial without any is feasible, as in
    /// Optuna 5.
    pub constraints: bool,
}

impl Default for TpeConfig {
    fn default() -> Self {
        TpeConfig {
            consider_prior: true,
            prior_weight: 1.0,
            consider_magic_clip: true,
            consider_endpoints: false,
            n_startup_trials: 10,
            n_ei_candidates: 24,
            gamma: None,
            weights: None,
            seed: None,
            multivariate: None,
            group: false,
            constant_liar: true,
            distances: HashMap::new(),
            warn_independent_sampling: false,
            constraints: false,
        }
    }
}

/// `min(ceil(0.1 n), 25)`: the default split of single-objective studies.
pub fn default_gamma(n: usize) -> usize {
    n.div_ceil(10).min(25)
}

/// `ceil(0.1 n)`: the default split of multi-objective studies.
pub fn default_gamma_multi(n: usize) -> usize {
    n.div_ceil(10)
}

/// Equal weights for the newest 25 observations, a linear ramp from 1/n up to 1 before them.
pub fn default_weights(n: usize) -> Vec<f64> {
    if n < 25 {
        return vec![1.0; n];
    }
    let ramp = n - 25;
    let mut w: Vec<f64> = (0..ramp)
        .map(|i| if ramp == 1 { 1.0 / n as f64 } else { 1.0 / n as f64 + (1.0 - 1.0 / n as f64) * i as f64 / (ramp - 1) as f64 })
        .collect();
    w.extend(std::iter::repeat_n(1.0, 25));
    w
}

pub struct TpeSampler {
    cfg: TpeConfig,
    seed: u64,
    random: RandomSampler,
    callbacks: Callbacks,
    studies: Mutex<HashMap<StudyId, StudyState>>,
    warnings: Mutex<Vec<String>>,
}

impl TpeSampler {
    pub fn new(mut cfg: TpeConfig) -> Result<Self> {
        if cfg.group && cfg.multivariate == Some(false) {
            return Err(Error::InvalidValue("group=True needs multivariate TPE; drop multivariate=False".into()));
        }
        if !(cfg.prior_weight >= 0.0 && cfg.prior_weight.is_finite()) {
            return Err(Error::InvalidValue(format!("prior_weight must be a finite number >= 0, got {}", cfg.prior_weight)));
        }
        if cfg.n_ei_candidates == 0 {
            return Err(Error::InvalidValue("n_ei_candidates must be at least 1".into()));
        }
        let seed = cfg.seed.unwrap_or_else(os_seed);
        cfg.seed = Some(seed);
        let callbacks = Callbacks::new(cfg.gamma.clone(), cfg.weights.clone(), cfg.distances.clone());
        Ok(TpeSampler {
            cfg,
            seed,
            random: RandomSampler::new(Some(seed)),
            callbacks,
            studies: Mutex::new(HashMap::new()),
            warnings: Mutex::new(Vec::new()),
        })
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn multivariate(&self, h: &TrialHistory) -> bool {
        self.cfg.group || self.cfg.multivariate.unwrap_or(h.directions.len() == 1)
    }

    /// Runs `f` on the study's incrementally maintained bookkeeping, brought up to date.
    fn with_state<R>(&self, study: StudyId, h: &TrialHistory, f: impl FnOnce(&mut StudyState) -> R) -> R {
        let mut g = self.studies.lock().unwrap_or_else(|e| e.into_inner());
        let st = g.entry(study).or_insert_with(StudyState::new);
        st.space.update(h);
        f(st)
    }

    fn with_space<R>(&self, study: StudyId, h: &TrialHistory, f: impl FnOnce(&SpaceCache) -> R) -> R {
        self.with_state(study, h, |st| f(&st.space))
    }

    fn gamma(&self, n: usize, multi: bool) -> Result<usize> {
        if !self.callbacks.has_gamma() {
            return Ok(if multi { default_gamma_multi(n) } else { default_gamma(n) });
        }
        self.callbacks.gamma(n)
    }

    fn weights(&self, n: usize) -> Result<Vec<f64>> {
        if !self.callbacks.has_weights() {
            return Ok(default_weights(n));
        }
        let w = self.callbacks.weights(n)?;
        if w.len() < n {
            return Err(Error::InvalidValue(format!("the weights function returned {} weights for {n} observations", w.len())));
        }
        let w = w[..n].to_vec();
        if w.iter().any(|x| !x.is_finite() || *x < 0.0) || (n > 0 && w.iter().sum::<f64>() <= 0.0) {
            return Err(Error::InvalidValue(format!(
                "the weights function must return finite, non-negative, not all zero weights; got {w:?} for n={n}"
            )));
        }
        Ok(w)
    }

    /// Jointly samples `space` for the trial at `row`; returns internal values in `space` order.
    fn sample(&self, study: StudyId, h: &TrialHistory, row: usize, space: &[(String, Distribution)], key: &str) -> Result<Vec<f64>> {
        let multi = h.directions.len() > 1;
        // Distance tables first: computing one is deferred work (see `callbacks.rs`).
        let tables = space
            .iter()
            .map(|(n, d)| match d {
                Distribution::Categorical { choices } if self.callbacks.has_distance(n) => self.callbacks.distance_table(n, choices),
                _ => Ok(None),
            })
            .collect::<Result<Vec<_>>>()?;
        self.with_state(study, h, |st| {
            let split = st.split(h, row, |n| self.gamma(n, multi))?;
            let idx: Vec<usize> = space.iter().map(|(n, d)| st.column(h, n, d)).collect();
            // The observations of this space: rows with a usable value in every dimension.
            let has_all = |r: usize| idx.iter().all(|&i| st.columns[i].present.contains(r));
            let below: Vec<usize> = split.below.iter().copied().filter(|&r| has_all(r)).collect();
            let mut members = split.above.clone();
            for &i in &idx {
                members.intersect(&st.columns[i].present);
            }
            let extras: Vec<usize> = if self.cfg.constant_liar {
                st.space
                    .unsettled()
                    .iter()
                    .copied()
                    .filter(|&r| r != row && h.states[r] == crate::history::TrialState::Running)
                    .filter(|&r| idx.iter().all(|&i| st.columns[i].usable(h, r).is_some()))
                    .collect()
            } else {
                Vec::new()
            };
            let mut extras = extras;
            extras.sort_unstable();

            let dists: Vec<&Distribution> = space.iter().map(|(_, d)| d).collect();
            let distances: Vec<Option<&DistanceTable>> = tables.iter().map(|t| t.as_deref().map(|t| t.as_slice())).collect();
            let params = ParzenParams {
                consider_prior: self.cfg.consider_prior,
                prior_weight: self.cfg.prior_weight,
                consider_magic_clip: self.cfg.consider_magic_clip,
                consider_endpoints: self.cfg.consider_endpoints,
                distances: distances.clone(),
            };
            let w_below = if multi { vec![1.0; below.len()] } else { self.weights(below.len())? };
            let obs_below: Vec<Vec<f64>> = space
                .iter()
                .map(|(n, _)| below.iter().map(|&r| h.column(n).and_then(|c| c.get(r)).unwrap_or(f64::NAN)).collect())
                .collect();
            let ties: Vec<u64> = below.iter().map(|&r| tie_key(r)).collect();
            let l = Parzen::new(&obs_below, &ties, &dists, &w_below, &params).map_err(Error::InvalidValue)?;
            let mut rng = stream(self.seed, row as u64, &format!("tpe:{key}"));
            let cand = l.sample(&mut rng, self.cfg.n_ei_candidates);
            let ll = l.log_pdf(&cand);

            let n_above = members.len() + extras.len();
            let weights = st.above_weights(n_above, || {
                let (consider, pw) = (self.cfg.consider_prior, self.cfg.prior_weight);
                match self.cfg.weights {
                    None => Weights::default_ramp(n_above, consider, pw),
                    Some(_) => Weights::new(&self.weights(n_above)?, consider, pw),
                }
                .map_err(Error::InvalidValue)
            })?;
            let settings = Settings {
                prior_weight: self.cfg.prior_weight,
                consider_magic_clip: self.cfg.consider_magic_clip,
                consider_endpoints: self.cfg.consider_endpoints,
                distances,
            };
            let mut scratch = std::mem::take(&mut st.scratch);
            let mut cols = st.columns_mut(&idx);
            let lg = above::log_pdf(
                &above::Query { h, members: &members, extras: &extras, weights: &weights, settings: &settings, cands: &cand },
                &mut cols,
                &mut scratch,
            );
            st.scratch = scratch;
            let lg = lg.map_err(Error::InvalidValue)?;
            let mut best = 0;
            let mut best_score = f64::NEG_INFINITY;
            for j in 0..ll.len() {
                let s = ll[j] - lg[j];
                if s > best_score {
                    best_score = s;
                    best = j;
                }
            }
            Ok(cand.iter().map(|c| c[best]).collect())
        })
    }
}

/// What the sampler keeps about one study between suggestions.
struct StudyState {
    space: SpaceCache,
    columns: Vec<Column>,
    /// The last split and the history state it was made for (row, trials, finished trials).
    split: Option<((usize, usize, usize), Arc<Split>)>,
    /// The above group's weights for the last group size.
    weights: Option<(usize, Arc<Weights>)>,
    scratch: above::Scratch,
}

impl StudyState {
    fn new() -> Self {
        StudyState { space: SpaceCache::new(), columns: Vec::new(), split: None, weights: None, scratch: above::Scratch::default() }
    }

    /// The split for sampling `row`; suggestions of one trial share it while no trial finishes.
    fn split(&mut self, h: &TrialHistory, row: usize, gamma: impl FnOnce(usize) -> Result<usize>) -> Result<Arc<Split>> {
        let at = (row, h.n_trials(), self.space.n_finished);
        if let Some((k, s)) = &self.split {
            if *k == at {
                return Ok(s.clone());
            }
        }
        let k = gamma(self.space.n_finished)?;
        let s = Arc::new(split::split_fast(&self.space, row, k).unwrap_or_else(|| split::split(h, row, &self.space.violations, k)));
        self.split = Some((at, s.clone()));
        Ok(s)
    }

    /// Index of the (up-to-date) column of `name` under `dist`, created on first use.
    fn column(&mut self, h: &TrialHistory, name: &str, dist: &Distribution) -> usize {
        let i = match self.columns.iter().position(|c| c.name == name && c.dist == *dist) {
            Some(i) => i,
            None => {
                self.columns.push(Column::new(name, dist));
                self.columns.len() - 1
            }
        };
        self.columns[i].update(h);
        i
    }

    /// Mutable references to the distinct columns `idx`, in that order.
    fn columns_mut(&mut self, idx: &[usize]) -> Vec<&mut Column> {
        let mut slots: Vec<Option<&mut Column>> = idx.iter().map(|_| None).collect();
        for (i, c) in self.columns.iter_mut().enumerate() {
            if let Some(d) = idx.iter().position(|&x| x == i) {
                slots[d] = Some(c);
            }
        }
        slots.into_iter().map(|c| c.expect("a space names each parameter once")).collect()
    }

    fn above_weights(&mut self, n: usize, make: impl FnOnce() -> Result<Weights>) -> Result<Arc<Weights>> {
        if let Some((k, w)) = &self.weights {
            if *k == n {
                return Ok(w.clone());
            }
        }
        let w = Arc::new(make()?);
        self.weights = Some((n, w.clone()));
        Ok(w)
    }
}

impl Sampler for TpeSampler {
    fn relative_search_space(&self, study: StudyId, h: &TrialHistory) -> Vec<(String, Distribution)> {
        if !self.multivariate(h) {
            return Vec::new();
        }
        self.with_space(study, h, |c| if self.cfg.group { c.groups().concat() } else { c.intersection() })
    }

    fn sample_relative(&self, study: StudyId, h: &TrialHistory, row: usize) -> Result<Vec<(String, f64, Distribution)>> {
        if !self.multivariate(h) {
            return Ok(Vec::new());
        }
        let (n_done, groups) =
            self.with_space(study, h, |c| (c.n_finished, if self.cfg.group { c.groups() } else { vec![c.intersection()] }));
        if n_done < self.cfg.n_startup_trials {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (gi, space) in groups.iter().enumerate() {
            if space.is_empty() {
                continue;
            }
            let vals = self.sample(study, h, row, space, &format!("relative{gi}"))?;
            for ((name, dist), v) in space.iter().zip(vals) {
                out.push((name.clone(), v, dist.clone()));
            }
        }
        Ok(out)
    }

    fn sample_independent(&self, study: StudyId, h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        let n_done = self.with_space(study, h, |c| c.n_finished);
        if n_done < self.cfg.n_startup_trials {
            return Ok(self.random.draw(row, name, dist));
        }
        // warned after sampling: a suggestion the engine retries (deferred callbacks) warns once
        let v = self.sample(study, h, row, &[(name.to_string(), dist.clone())], name)?;
        if self.cfg.warn_independent_sampling && self.multivariate(h) && h.column(name).is_some() {
            self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(format!(
                "trial {row}: parameter '{name}' is sampled independently by TPE because it is not in every \
                 finished trial (a dynamic search space); group=True models such parameters jointly"
            ));
        }
        Ok(v[0])
    }

    fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StudyEngine;
    use crate::history::{StudyDirection, TrialState};
    use crate::storage::{InMemoryStorage, Storage};

    #[test]
    fn default_gamma_and_weights() {
        assert_eq!(default_gamma(0), 0);
        assert_eq!(default_gamma(11), 2);
        assert_eq!(default_gamma(1000), 25);
        assert_eq!(default_gamma_multi(1000), 100);
        assert_eq!(default_weights(3), vec![1.0; 3]);
        let w = default_weights(30);
        assert_eq!(w.len(), 30);
        assert!((w[0] - 1.0 / 30.0).abs() < 1e-15);
        assert!((w[4] - 1.0).abs() < 1e-15);
        assert!(w[1] > w[0] && w[2] > w[1]);
    }

    fn run(cfg: TpeConfig, n: usize, f: impl Fn(&[f64]) -> f64) -> f64 {
        let st = Arc::new(InMemoryStorage::new());
        let id = st.create_study("s", &[StudyDirection::Minimize]).unwrap();
        let e = StudyEngine::new(st, id, Some(Arc::new(TpeSampler::new(cfg).unwrap())));
        let d = Distribution::Float { low: -5.0, high: 5.0, log: false, step: None };
        let mut best = f64::INFINITY;
        for _ in 0..n {
            let a = e.ask(false).unwrap().unwrap();
            let x: Vec<f64> = ["x", "y"].iter().map(|p| e.suggest(a.trial_id, p, &d).unwrap()).collect();
            let v = f(&x);
            best = best.min(v);
            e.tell(a.trial_id, TrialState::Complete, Some(&[v])).unwrap();
        }
        best
    }

    #[test]
    fn tpe_beats_random_on_a_sphere() {
        let sphere = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>();
        let mut tpe_wins = 0;
        for seed in 0..5 {
            let tpe = run(TpeConfig { seed: Some(seed), ..Default::default() }, 80, sphere);
            let rnd = run(TpeConfig { seed: Some(seed), n_startup_trials: 10_000, ..Default::default() }, 80, sphere);
            if tpe < rnd {
                tpe_wins += 1;
            }
            assert!(tpe < 0.5, "seed {seed}: {tpe}");
        }
        assert!(tpe_wins >= 4, "{tpe_wins}");
    }

    #[test]
    fn the_split_counts_every_finished_trial_as_optuna_does() {
        // "y" exists in every other trial only; gamma still sees all finished trials.
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let gamma: Arc<GammaFn> = Arc::new(move |n| {
            log.lock().unwrap().push(n);
            Ok(default_gamma(n))
        });
        let cfg = TpeConfig { seed: Some(3), multivariate: Some(false), gamma: Some(gamma), ..Default::default() };
        let st = Arc::new(InMemoryStorage::new());
        let id = st.create_study("s", &[StudyDirection::Minimize]).unwrap();
        let e = StudyEngine::new(st, id, Some(Arc::new(TpeSampler::new(cfg).unwrap())));
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        for i in 0..30 {
            let a = e.ask(false).unwrap().unwrap();
            let x = e.suggest(a.trial_id, "x", &d).unwrap();
            if i % 2 == 0 {
                e.suggest(a.trial_id, "y", &d).unwrap();
            }
            e.tell(a.trial_id, TrialState::Complete, Some(&[x])).unwrap();
        }
        // after the 10 start-up trials, each trial splits once (both parameters share it), over
        // every finished trial
        assert_eq!(*seen.lock().unwrap(), (10..30).collect::<Vec<usize>>());
    }

    #[test]
    fn same_seed_same_suggestions() {
        let f = |x: &[f64]| (x[0] - 1.0).abs() + x[1].abs();
        let a = run(TpeConfig { seed: Some(7), multivariate: Some(false), ..Default::default() }, 30, f);
        let b = run(TpeConfig { seed: Some(7), multivariate: Some(false), ..Default::default() }, 30, f);
        assert_eq!(a, b);
    }
}
