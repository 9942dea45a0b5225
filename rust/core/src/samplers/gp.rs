//! Gaussian-process Bayesian optimization (Optuna's GPSampler, in Rust).
//!
//! After `n_startup_trials` complete trials, each trial's parameters in the intersection search
//! space (those every complete trial has, with one distribution) are proposed jointly:
//! 1. objective values of complete trials are turned to "larger is better", non-finite ones
//!    clipped to the finite range, and standardized;
//! 2. a Matérn-5/2 ARD GP is fitted (MAP hyperparameters, warm-started from the last fit);
//! 3. running trials, when there are any, are added as fantasies: the kriging believer gives them
//!    the posterior mean, the constant liar the worst value seen, so parallel workers do not
//!    propose the same point;
//! 4. the acquisition function (log EI by default) is maximized by a Sobol sweep and local search.
//!
//! Other parameters, start-up trials and multi-objective studies go to the independent sampler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{NewTrial, RandomSampler, Sampler};
use crate::error::{Error, Result};
use crate::gp::acquisition::{AcqFn, Acquisition};
use crate::gp::fit::{self, FitOptions, Work, DEFAULT_MIN_NOISE};
use crate::gp::kernel::KernelParams;
use crate::gp::lbfgsb::Memory;
use crate::gp::optimize::{self, SearchOptions};
use crate::gp::regressor::Gp;
use crate::gp::space::EncodedSpace;
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::rng::{os_seed, stream};
use crate::space::Distribution;
use crate::storage::StudyId;

/// How running trials enter the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BatchMode {
    /// Fantasize the posterior mean at running trials (kriging believer).
    Believer,
    /// Fantasize the worst value observed so far (constant liar, pessimistic).
    Liar,
    /// Ignore running trials.
    Ignore,
}

impl BatchMode {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "believer" | "kriging_believer" => Ok(BatchMode::Believer),
            "liar" | "constant_liar" => Ok(BatchMode::Liar),
            "none" => Ok(BatchMode::Ignore),
            _ => Err(Error::InvalidValue(format!("batch_mode must be 'believer', 'liar' or 'none', got '{s}'"))),
        }
    }
}

#[derive(Clone)]
pub struct GpConfig {
    pub seed: Option<u64>,
    pub n_startup_trials: usize,
    pub deterministic_objective: bool,
    pub acquisition: Acquisition,
    pub batch_mode: BatchMode,
    pub n_candidates: usize,
    pub n_local_search: usize,
    pub warn_independent_sampling: bool,
    /// Yeo-Johnson warping of the standardized objective values (see [`crate::gp::warp`]).
    pub warp_outputs: bool,
    /// Sampler for start-up trials and parameters outside the joint space (random when `None`).
    pub independent: Option<Arc<dyn Sampler>>,
}

impl Default for GpConfig {
    fn default() -> Self {
        GpConfig {
            seed: None,
            n_startup_trials: 10,
            deterministic_objective: false,
            acquisition: Acquisition::LogEi,
            batch_mode: BatchMode::Believer,
            n_candidates: 2048,
            n_local_search: 10,
            warn_independent_sampling: true,
            warp_outputs: true,
            independent: None,
        }
    }
}

/// The space of a fit, its hyperparameters and the optimizer's curvature pairs.
type LastFit = (Vec<(String, Distribution)>, KernelParams, Memory);

#[derive(Default)]
struct StudyState {
    /// The last fit (the next fit's warm start).
    fitted: Option<LastFit>,
    /// This sampler's proposals for trials still running: their parameters may not be in the
    /// history yet, but they are where other workers should not look.
    proposals: HashMap<usize, Vec<(String, f64)>>,
    warned_multi: bool,
    /// The fit's buffers, lent to each suggestion (taken while a suggestion runs).
    work: Option<Work>,
}

pub struct GpSampler {
    cfg: GpConfig,
    seed: u64,
    independent: Arc<dyn Sampler>,
    state: Mutex<HashMap<StudyId, StudyState>>,
    warnings: Mutex<Vec<String>>,
}

/// The data of one study as the GP sees it.
struct Data {
    space: Vec<(String, Distribution)>,
    enc: EncodedSpace,
    /// Encoded inputs of complete trials (row-major) and their standardized scores.
    x: Vec<f64>,
    y: Vec<f64>,
    /// Encoded inputs of running trials.
    x_running: Vec<f64>,
}

impl GpSampler {
    pub fn new(cfg: GpConfig) -> Result<Self> {
        if cfg.n_candidates == 0 {
            return Err(Error::InvalidValue("n_preliminary_samples must be at least 1".into()));
        }
        if cfg.n_local_search == 0 {
            return Err(Error::InvalidValue("n_local_search must be at least 1".into()));
        }
        if let Acquisition::Ucb { beta } = cfg.acquisition {
            if !(beta.is_finite() && beta >= 0.0) {
                return Err(Error::InvalidValue(format!("beta must be a finite number >= 0, got {beta}")));
            }
        }
        let seed = cfg.seed.unwrap_or_else(os_seed);
        let independent = cfg.independent.clone().unwrap_or_else(|| Arc::new(RandomSampler::new(Some(seed))));
        Ok(GpSampler { cfg, seed, independent, state: Mutex::new(HashMap::new()), warnings: Mutex::new(Vec::new()) })
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StudyId, StudyState>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn warn(&self, msg: String) {
        self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(msg);
    }

    /// Parameters every complete trial has with one distribution (sorted by name, without
    /// single-value ones), and the number of complete trials.
    fn intersection(h: &TrialHistory) -> (Vec<(String, Distribution)>, usize) {
        let mut inter: Option<Vec<(String, Distribution)>> = None;
        let mut n = 0;
        for row in h.rows_in(TrialState::Complete) {
            n += 1;
            let params = h.params_of(row);
            inter = Some(match inter {
                None => params.iter().map(|(n, _, d)| (n.to_string(), (*d).clone())).collect(),
                Some(cur) => cur.into_iter().filter(|(n, d)| params.iter().any(|(pn, _, pd)| pn == n && *pd == d)).collect(),
            });
            if inter.as_ref().is_some_and(|v| v.is_empty()) {
                n += h.rows_in(TrialState::Complete).filter(|&r| r > row).count();
                break;
            }
        }
        let mut space: Vec<(String, Distribution)> = inter.unwrap_or_default().into_iter().filter(|(_, d)| !d.single()).collect();
        space.sort_by(|a, b| a.0.cmp(&b.0));
        (space, n)
    }

    fn collect(&self, study: StudyId, h: &TrialHistory, row: usize, space: Vec<(String, Distribution)>) -> Data {
        let enc = EncodedSpace::new(&space);
        let d = space.len();
        let sign = if h.directions[0] == StudyDirection::Maximize { 1.0 } else { -1.0 };
        let cols: Vec<_> = space.iter().map(|(n, _)| h.column(n).expect("intersection parameter has a column")).collect();
        let (mut x, mut raw) = (Vec::new(), Vec::new());
        for r in h.rows_in(TrialState::Complete) {
            for (i, c) in cols.iter().enumerate() {
                x.push(enc.coords[i].encode(c.get(r).expect("complete trial has every intersection parameter")));
            }
            raw.push(sign * h.values[0][r]);
        }
        let y = if self.cfg.warp_outputs { crate::gp::warp::warp(&clip_non_finite(&raw)) } else { standardize(&raw) };
        // Running trials: their stored parameters, else this sampler's proposal for them.
        let mut x_running = Vec::new();
        let proposals = {
            let mut st = self.lock();
            let s = st.entry(study).or_default();
            s.proposals.retain(|&r, _| r < h.n_trials() && !h.states[r].is_finished());
            s.proposals.clone()
        };
        if self.cfg.batch_mode != BatchMode::Ignore {
            for r in 0..h.n_trials() {
                if r == row || h.states[r] != TrialState::Running {
                    continue;
                }
                let mut point = Vec::with_capacity(d);
                for (i, (name, dist)) in space.iter().enumerate() {
                    let v = match h.param(r, name) {
                        Some((v, pd)) if pd == dist => Some(v),
                        _ => proposals.get(&r).and_then(|p| p.iter().find(|(n, _)| n == name).map(|(_, v)| *v)),
                    };
                    match v {
                        Some(v) => point.push(enc.coords[i].encode(v)),
                        None => break,
                    }
                }
                if point.len() == d {
                    x_running.extend(point);
                }
            }
        }
        Data { space, enc, x, y, x_running }
    }

    fn propose(&self, study: StudyId, h: &TrialHistory, row: usize, data: Data) -> Result<Vec<(String, f64, Distribution)>> {
        let cat = data.enc.categorical();
        let warm = {
            let st = self.lock();
            st.get(&study).and_then(|s| s.fitted.as_ref()).filter(|(sp, _, _)| *sp == data.space).map(|(_, p, m)| (p.clone(), m.clone()))
        };
        let mut work = self.lock().get_mut(&study).and_then(|s| s.work.take()).unwrap_or_default();
        let n = data.y.len();
        let fit_opts = FitOptions {
            deterministic: self.cfg.deterministic_objective,
            min_noise: DEFAULT_MIN_NOISE,
            // A second start from the defaults guards against a warm start stuck in a poor
            // optimum; it costs one more fit, so large studies rely on the warm start alone.
            restart: warm.is_none() || n <= 200,
            ..FitOptions::default()
        };
        let (warm, mut memory) = match warm {
            Some((p, m)) => (Some(p), m),
            None => (None, Memory::default()),
        };
        let fitted = fit::fit_gp(&data.x, &data.y, &cat, warm.as_ref(), &mut memory, &mut work, fit_opts);
        let params = fitted.params;
        let gp = fitted
            .gp
            .or_else(|| Gp::new(data.x.clone(), data.y.clone(), cat.clone(), params.clone()))
            .or_else(|| Gp::new(data.x.clone(), data.y.clone(), cat.clone(), KernelParams::default_for(cat.len())))
            .ok_or_else(|| Error::InvalidValue("the Gaussian process could not be conditioned on the trials (non-finite inputs)".into()))?;
        let mut best = data.y.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let gp = if data.x_running.is_empty() {
            gp
        } else {
            let fantasies: Vec<f64> = match self.cfg.batch_mode {
                BatchMode::Liar => vec![data.y.iter().cloned().fold(f64::INFINITY, f64::min); data.x_running.len() / cat.len()],
                _ => gp.posterior_batch(&data.x_running).0,
            };
            best = fantasies.iter().cloned().fold(best, f64::max);
            gp.with_extra(&data.x_running, &fantasies).unwrap_or(gp)
        };
        // Warm start of the local search: the best complete trial.
        let d = cat.len();
        let ibest = (0..n).fold(0, |b, i| if data.y[i] > data.y[b] { i } else { b });
        let warm_x = vec![data.x[ibest * d..(ibest + 1) * d].to_vec()];
        let f = AcqFn { gp: &gp, acq: self.cfg.acquisition, best };
        let mut rng = stream(self.seed, row as u64, "gp");
        let opts = SearchOptions { n_candidates: self.cfg.n_candidates, n_local: self.cfg.n_local_search, ..SearchOptions::default() };
        let (xbest, _) = optimize::maximize(&f, &data.enc, &warm_x, opts, &mut rng)?;
        let out: Vec<(String, f64, Distribution)> = data
            .space
            .iter()
            .enumerate()
            .map(|(i, (name, dist))| (name.clone(), data.enc.coords[i].decode(xbest[i]), dist.clone()))
            .collect();
        work.recycle(gp);
        let mut st = self.lock();
        let s = st.entry(study).or_default();
        s.fitted = Some((data.space, params, memory));
        s.work = Some(work);
        if h.states.get(row).is_some_and(|s| !s.is_finished()) {
            s.proposals.insert(row, out.iter().map(|(n, v, _)| (n.clone(), *v)).collect());
        }
        Ok(out)
    }
}

/// Sign-adjusted objective values to zero mean and unit variance; non-finite values are clipped
/// to the finite range (all zero when none is finite).
pub fn standardize(v: &[f64]) -> Vec<f64> {
    crate::gp::warp::standardize(&clip_non_finite(v))
}

/// Non-finite values clipped to the finite range (NaN to its low end); zeros when none is finite.
pub fn clip_non_finite(v: &[f64]) -> Vec<f64> {
    let finite: Vec<f64> = v.iter().cloned().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        return vec![0.0; v.len()];
    }
    let (lo, hi) = finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    v.iter().map(|&x| if x.is_nan() { lo } else { x.clamp(lo, hi) }).collect()
}

impl Sampler for GpSampler {
    fn before_trial(&self, study: StudyId, h: &TrialHistory, trial: &mut NewTrial) -> Result<()> {
        self.independent.before_trial(study, h, trial)
    }

    fn is_exhausted(&self, study: StudyId, h: &TrialHistory) -> bool {
        self.independent.is_exhausted(study, h)
    }

    fn relative_search_space(&self, _study: StudyId, h: &TrialHistory) -> Vec<(String, Distribution)> {
        Self::intersection(h).0
    }

    fn sample_relative(&self, study: StudyId, h: &TrialHistory, row: usize) -> Result<Vec<(String, f64, Distribution)>> {
        let (space, n_complete) = Self::intersection(h);
        if space.is_empty() || n_complete < self.cfg.n_startup_trials.max(1) {
            return Ok(Vec::new());
        }
        if h.directions.len() > 1 {
            let mut st = self.lock();
            let s = st.entry(study).or_default();
            if !s.warned_multi {
                s.warned_multi = true;
                drop(st);
                self.warn(format!(
                    "GPSampler models single-objective studies only; this study has {} objectives, so its trials are \
                     sampled by the independent sampler (use TPESampler for multi-objective studies)",
                    h.directions.len()
                ));
            }
            return Ok(Vec::new());
        }
        let data = self.collect(study, h, row, space);
        self.propose(study, h, row, data)
    }

    fn sample_independent(&self, study: StudyId, h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        // A trial asked before start-up ended (another worker's) samples independently without
        // a warning; only a parameter outside the joint space is a dynamic search space.
        if self.cfg.warn_independent_sampling
            && h.directions.len() == 1
            && h.n_complete() >= self.cfg.n_startup_trials.max(1)
            && !Self::intersection(h).0.iter().any(|(n, _)| n == name)
        {
            self.warn(format!(
                "trial {row}: parameter '{name}' is sampled by the independent sampler because it is not in every complete \
                 trial (GPSampler models a fixed search space)"
            ));
        }
        self.independent.sample_independent(study, h, row, name, dist)
    }

    fn take_warnings(&self) -> Vec<String> {
        let mut w = std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()));
        w.extend(self.independent.take_warnings());
        w
    }

    fn after_trial(&self, study: StudyId, h: &TrialHistory, row: usize) {
        if let Some(s) = self.lock().get_mut(&study) {
            s.proposals.remove(&row);
        }
        self.independent.after_trial(study, h, row);
    }
}
