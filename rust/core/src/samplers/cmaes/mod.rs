//! CMA-ES (Optuna's `CmaEsSampler`, in Rust), with generations shared by every worker.
//!
//! The search space is the intersection of the complete trials' float and integer parameters
//! (categorical and single-value ones go to the independent sampler, as in Optuna). Once
//! `n_startup_trials` trials have finished, each new trial belongs to a generation: it is tagged
//! with the system attribute `cma:generation` (`sepcma:` / `cmawm:` for the separable and
//! margin variants) and draws its point from that generation's distribution.
//!
//! The optimizer's state is never stored; it is a pure function of the study's history and the
//! seed, so threads and processes sharing a storage all derive the same one:
//! - the first tagged trial records the search space (`cma:space`);
//! - a trial's point is drawn from a stream keyed by (seed, trial number), so any process can
//!   draw it again (the margin variant updates from the raw draw, not the rounded value);
//! - `before_trial` (which runs once per trial, under the storage's write lock) opens generation
//!   g + 1 when at least `popsize` complete trials of generation g are visible: it records their
//!   numbers on the new trial (`cma:tell`), and generation g's update uses exactly those.
//!
//! Each sampler keeps, per study, the derived state and the rows still running, synced
//! incrementally: a trial costs O(d^2) plus one O(popsize d^2 + d^3) update per generation,
//! whatever the history's length (Optuna rescans every trial on each ask).

mod cma;
mod eigen;
mod margin;
mod params;
mod restart;
mod space;
mod warm_start;

pub use cma::Cma;
pub use params::{default_popsize, Params};
pub use restart::Strategy as RestartStrategy;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rand_chacha::ChaCha8Rng;

use super::{NewTrial, RandomSampler, Sampler};
use crate::error::{Error, Result};
use crate::history::{RowScan, StudyDirection, TrialHistory, TrialState, Visit};
use crate::rng::{os_seed, stream, uniform01};
use crate::space::Distribution;
use crate::storage::StudyId;
use margin::Margin;
use restart::Restarts;
use space::Coord;

/// A search space: (name, distribution), sorted by name.
type Space = Vec<(String, Distribution)>;

/// Snapshots of past generations kept for trials that sample after the next update.
const KEPT_GENERATIONS: usize = 8;

/// A finished trial of a related study, for the warm start.
#[derive(Clone, Debug)]
pub struct SourceTrial {
    pub state: TrialState,
    /// Its objective value (None when it has none).
    pub value: Option<f64>,
    /// The names of all its parameters.
    pub names: Vec<String>,
    /// Internal values of its float and integer parameters.
    pub values: Vec<(String, f64)>,
}

#[derive(Clone)]
pub struct CmaEsConfig {
    /// Initial mean as parameter values (others start mid-range).
    pub x0: Option<Vec<(String, f64)>>,
    /// Initial step size in the [0, 1] coordinates (default 1/6).
    pub sigma0: Option<f64>,
    pub n_startup_trials: usize,
    /// The sampler for start-up trials and parameters outside the space, and its class name.
    pub independent: Option<(Arc<dyn Sampler>, String)>,
    pub warn_independent_sampling: bool,
    pub seed: Option<u64>,
    pub consider_pruned_trials: bool,
    pub restart_strategy: Option<String>,
    pub popsize: Option<usize>,
    /// Population growth per restart; -1 means the default, 2.
    pub inc_popsize: i64,
    pub use_separable_cma: bool,
    pub with_margin: bool,
    pub lr_adapt: bool,
    pub source_trials: Option<Vec<SourceTrial>>,
}

impl Default for CmaEsConfig {
    fn default() -> Self {
        CmaEsConfig {
            x0: None,
            sigma0: None,
            n_startup_trials: 1,
            independent: None,
            warn_independent_sampling: true,
            seed: None,
            consider_pruned_trials: false,
            restart_strategy: None,
            popsize: None,
            inc_popsize: -1,
            use_separable_cma: false,
            with_margin: false,
            lr_adapt: false,
            source_trials: None,
        }
    }
}

/// The distribution of one generation and what the run's restarts decided.
#[derive(Clone, Debug)]
struct Optimizer {
    cma: Cma,
    margin: Option<Margin>,
    restarts: Option<Restarts>,
    /// The study-wide generation number (it keeps counting across restarts).
    generation: u64,
}

/// The space the optimizer searches, as recorded by the first tagged trial.
struct Model {
    space: Space,
    coords: Vec<Coord>,
}

#[derive(Default)]
struct StudyState {
    scan: RowScan,
    /// Pending rows whose records were read already.
    read: HashSet<usize>,
    /// Intersection of the complete trials' parameters (None before the first).
    inter: Option<Space>,
    /// Complete trials, plus pruned ones with a value when those count.
    n_done: usize,
    model: Option<Arc<Model>>,
    /// A space record not yet turned into the model.
    space_record: Option<Space>,
    /// The current generation and a few before it, oldest first.
    kept: VecDeque<Arc<Optimizer>>,
    /// Complete trials per generation (current and later only).
    by_gen: HashMap<u64, Vec<usize>>,
    /// Update records not applied yet: generation g + 1 -> the rows that form generation g.
    tells: BTreeMap<u64, Vec<usize>>,
    /// Keep the optimizer of this generation when it passes (a rebuild for an old trial).
    want: Option<u64>,
    wanted: Option<Arc<Optimizer>>,
    /// An init or update that failed (recorded by a sampler with other arguments): no model.
    broken: bool,
    /// Rows visited by syncs and generations rebuilt from scratch (for the tests).
    #[cfg(test)]
    visits: usize,
    #[cfg(test)]
    rebuilds: usize,
}

pub struct CmaEsSampler {
    cfg: CmaEsConfig,
    seed: u64,
    restart: Option<restart::Strategy>,
    inc_popsize: usize,
    independent: Arc<dyn Sampler>,
    independent_name: String,
    /// System attribute keys: a trial's generation, an update's rows, the space.
    gen_key: String,
    tell_key: String,
    space_key: String,
    state: Mutex<HashMap<StudyId, StudyState>>,
    warnings: Mutex<Vec<String>>,
    /// Cleared after the dynamic-space warning, as Optuna does.
    warn_independent: AtomicBool,
    warned_separable: AtomicBool,
}

fn invalid(msg: String) -> Error {
    Error::InvalidValue(msg)
}

impl CmaEsSampler {
    pub fn new(cfg: CmaEsConfig) -> Result<Self> {
        let restart = restart::Strategy::parse(cfg.restart_strategy.as_deref())?;
        if let Some(s) = cfg.sigma0 {
            if !(s.is_finite() && s > 0.0) {
                return Err(invalid(format!("sigma0 must be a finite number > 0, got {s}; leave it None for 1/6 of the range")));
            }
        }
        if let Some(p) = cfg.popsize {
            if p < 2 {
                return Err(invalid(format!("popsize must be at least 2, got {p}; leave it None for 4 + floor(3 ln(dimensions))")));
            }
        }
        let inc_popsize = match cfg.inc_popsize {
            -1 => 2,
            k if k >= 2 => k as usize,
            k => return Err(invalid(format!("inc_popsize must be at least 2 (or -1 for the default, 2), got {k}"))),
        };
        if let Some(x0) = &cfg.x0 {
            if let Some((name, v)) = x0.iter().find(|(_, v)| !v.is_finite()) {
                return Err(invalid(format!("x0['{name}'] must be a finite number, got {v}")));
            }
        }
        if cfg.source_trials.is_some() && (cfg.x0.is_some() || cfg.sigma0.is_some()) {
            return Err(invalid(
                "source_trials cannot be combined with x0 or sigma0: the warm start sets both; pass one or the other".into(),
            ));
        }
        if cfg.source_trials.is_some() && cfg.use_separable_cma {
            return Err(invalid(
                "source_trials cannot be combined with use_separable_cma=True: the warm start estimates a full covariance".into(),
            ));
        }
        if cfg.lr_adapt && (cfg.use_separable_cma || cfg.with_margin) {
            return Err(invalid("lr_adapt=True cannot be combined with use_separable_cma=True or with_margin=True; choose one".into()));
        }
        if cfg.use_separable_cma && cfg.with_margin {
            return Err(invalid("use_separable_cma=True and with_margin=True cannot be combined; choose one".into()));
        }
        let seed = cfg.seed.unwrap_or_else(os_seed);
        let (independent, independent_name) = cfg
            .independent
            .clone()
            .unwrap_or_else(|| (Arc::new(RandomSampler::new(Some(seed))) as Arc<dyn Sampler>, "RandomSampler".into()));
        let prefix = if cfg.use_separable_cma {
            "sepcma:"
        } else if cfg.with_margin {
            "cmawm:"
        } else {
            "cma:"
        };
        Ok(CmaEsSampler {
            warn_independent: AtomicBool::new(cfg.warn_independent_sampling),
            cfg,
            seed,
            restart,
            inc_popsize,
            independent,
            independent_name,
            gen_key: format!("{prefix}generation"),
            tell_key: format!("{prefix}tell"),
            space_key: format!("{prefix}space"),
            state: Mutex::new(HashMap::new()),
            warnings: Mutex::new(Vec::new()),
            warned_separable: AtomicBool::new(false),
        })
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The system attribute holding a trial's generation.
    pub fn generation_key(&self) -> &str {
        &self.gen_key
    }

    fn warn(&self, msg: String) {
        self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(msg);
    }

    fn with_state<T>(&self, study: StudyId, h: &TrialHistory, f: impl FnOnce(&mut StudyState) -> T) -> T {
        let mut states = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let st = states.entry(study).or_default();
        self.sync(st, h);
        f(st)
    }

    /// The parameters CMA-ES searches: the intersection's float and integer ones with more
    /// than one value.
    fn search_space(st: &StudyState) -> Space {
        st.inter.iter().flatten().filter(|(_, d)| !d.single() && !matches!(d, Distribution::Categorical { .. })).cloned().collect()
    }

    /// The objective value a finished row contributes (to minimize), if it counts.
    fn score(&self, h: &TrialHistory, row: usize) -> Option<f64> {
        let v = match h.states[row] {
            TrialState::Complete => h.values[0][row],
            TrialState::Pruned if self.cfg.consider_pruned_trials => h.meta[row].intermediate.iter().max_by_key(|(s, _)| *s)?.1,
            _ => return None,
        };
        Some(if h.directions[0] == StudyDirection::Maximize { -v } else { v })
    }

    fn generation_of(&self, h: &TrialHistory, row: usize) -> Option<u64> {
        h.meta[row].system_attrs.get(&self.gen_key)?.parse().ok()
    }

    /// Brings the study's state up to the history: new rows, rows that finished, records.
    fn sync(&self, st: &mut StudyState, h: &TrialHistory) {
        if st.scan.is_stale(h.n_trials()) {
            let want = st.want;
            *st = StudyState { want, ..StudyState::default() };
        }
        if h.directions.len() != 1 {
            return;
        }
        let (tell_key, space_key) = (&self.tell_key, &self.space_key);
        let mut scan = std::mem::take(&mut st.scan);
        scan.scan(h.n_trials(), |row| {
            #[cfg(test)]
            {
                st.visits += 1;
            }
            let state = h.states[row];
            if state != TrialState::Waiting && st.read.insert(row) {
                let attrs = &h.meta[row].system_attrs;
                if let (Some(g), Some(rows)) = (self.generation_of(h, row), attrs.get(tell_key)) {
                    if let Ok(rows) = serde_json::from_str::<Vec<usize>>(rows) {
                        st.tells.insert(g, rows);
                    }
                }
                if st.model.is_none() && st.space_record.is_none() {
                    if let Some(sp) = attrs.get(space_key).and_then(|s| serde_json::from_str::<Space>(s).ok()) {
                        st.space_record = Some(sp);
                    }
                }
            }
            let visit = match state {
                TrialState::Running | TrialState::Waiting => return Visit::Later,
                TrialState::Fail => Visit::Done,
                TrialState::Complete | TrialState::Pruned => {
                    if state == TrialState::Complete {
                        let params = h.params_of(row);
                        st.inter = Some(match st.inter.take() {
                            None => {
                                let mut s: Space = params.iter().map(|(n, _, d)| (n.to_string(), (*d).clone())).collect();
                                s.sort_by(|a, b| a.0.cmp(&b.0));
                                s
                            }
                            Some(cur) => cur.into_iter().filter(|(n, d)| params.iter().any(|(pn, _, pd)| pn == n && *pd == d)).collect(),
                        });
                    }
                    if self.score(h, row).is_some() {
                        st.n_done += 1;
                        if let Some(g) = self.generation_of(h, row) {
                            if st.kept.back().is_none_or(|o| g >= o.generation) {
                                st.by_gen.entry(g).or_default().push(row);
                            }
                        }
                    }
                    Visit::Done
                }
            };
            st.read.remove(&row);
            visit
        });
        st.scan = scan;
        self.apply_records(st, h);
    }

    /// Turns the space record into the model and applies the update records in order.
    fn apply_records(&self, st: &mut StudyState, h: &TrialHistory) {
        if st.broken {
            return;
        }
        if st.model.is_none() {
            let Some(space) = st.space_record.take() else { return };
            let coords = space.iter().map(|(_, d)| Coord::new(d, !self.cfg.with_margin)).collect();
            let model = Arc::new(Model { space, coords });
            match self.first_optimizer(&model, maximize(h), None) {
                Ok(o) => {
                    st.model = Some(model);
                    self.keep(st, o);
                }
                Err(_) => {
                    st.broken = true;
                    return;
                }
            }
        }
        let Some(model) = st.model.clone() else { return };
        loop {
            let Some(cur) = st.kept.back().cloned() else { return };
            let Some(rows) = st.tells.remove(&(cur.generation + 1)) else { break };
            let next = self.update(&model, &cur, h, &rows);
            st.by_gen.retain(|&g, _| g > cur.generation);
            self.keep(st, next);
        }
        // records of generations already passed (a trial read late) are dropped
        if let Some(cur) = st.kept.back() {
            let g = cur.generation;
            st.tells.retain(|&k, _| k > g);
        }
    }

    fn keep(&self, st: &mut StudyState, o: Optimizer) {
        let o = Arc::new(o);
        if st.want == Some(o.generation) {
            st.wanted = Some(o.clone());
        }
        st.kept.push_back(o);
        while st.kept.len() > KEPT_GENERATIONS {
            st.kept.pop_front();
        }
    }

    /// The first distribution: warm-started, from x0, or centred; `restart`: (restart number,
    /// population, step factor, restarts so far, generation) for a later run, which starts
    /// from a random mean.
    fn first_optimizer(&self, model: &Model, maximize: bool, restart: Option<(u32, usize, f64, Restarts, u64)>) -> Result<Optimizer> {
        let n = model.space.len();
        let (mut mean, mut sigma, mut cov) = (vec![0.5; n], self.cfg.sigma0.unwrap_or(1.0 / 6.0), None);
        if let Some((k, _, factor, _, _)) = &restart {
            let mut rng = stream(self.seed, u64::from(*k), "cmaes:restart-mean");
            mean = (0..n).map(|_| uniform01(&mut rng)).collect();
            sigma *= factor;
        } else if let Some(src) = &self.cfg.source_trials {
            let names: HashSet<&str> = model.space.iter().map(|(n, _)| n.as_str()).collect();
            let mut sols = Vec::new();
            for t in src {
                let counts = t.state == TrialState::Complete || (t.state == TrialState::Pruned && self.cfg.consider_pruned_trials);
                let same = t.names.len() == names.len() && t.names.iter().all(|n| names.contains(n.as_str()));
                let Some(v) = t.value.filter(|_| counts && same) else { continue };
                let x: Option<Vec<f64>> = model
                    .space
                    .iter()
                    .zip(&model.coords)
                    .map(|((name, _), c)| t.values.iter().find(|(n, _)| n == name).map(|(_, v)| c.encode(*v)))
                    .collect();
                if let Some(x) = x {
                    let sign = if maximize { -1.0 } else { 1.0 };
                    sols.push((x, sign * v));
                }
            }
            if sols.is_empty() {
                return Err(invalid(format!(
                    "source_trials: no compatible source trial; the warm start needs finished trials with exactly the \
                     parameters {:?}",
                    names.iter().collect::<std::collections::BTreeSet<_>>()
                )));
            }
            let (m, s, c) = warm_start::warm_start(sols)?;
            (mean, sigma, cov) = (m, s, Some(c));
        } else if let Some(x0) = &self.cfg.x0 {
            for (i, ((name, _), c)) in model.space.iter().zip(&model.coords).enumerate() {
                if let Some((_, v)) = x0.iter().find(|(n, _)| n == name) {
                    mean[i] = c.encode(*v).clamp(0.0, 1.0);
                }
            }
        }
        let sigma = sigma.max(1e-10);
        let separable = self.cfg.use_separable_cma && n > 1;
        let lambda = restart.as_ref().map(|r| r.1).or(self.cfg.popsize).unwrap_or_else(|| default_popsize(n));
        let cma = Cma::new(mean, sigma, cov, lambda, separable, self.cfg.lr_adapt);
        let margin = if self.cfg.with_margin {
            let steps: Vec<f64> = model.space.iter().map(|(_, d)| space::unit_step(d)).collect();
            steps.iter().any(|s| *s > 0.0).then(|| Margin::new(&vec![(0.0, 1.0); n], &steps, n, lambda))
        } else {
            None
        };
        let (restarts, generation) = match restart {
            Some((_, _, _, r, g)) => (Some(r), g),
            None => (self.restart.map(|s| Restarts::new(s, self.inc_popsize, lambda)), 0),
        };
        Ok(Optimizer { cma, margin, restarts, generation })
    }

    /// The raw draw and the point (rounded by the margin) of the trial at `row`.
    fn draw(&self, o: &Optimizer, row: usize) -> (Vec<f64>, Vec<f64>) {
        let n = o.cma.dim();
        let mut rng = stream(self.seed, row as u64, "cmaes");
        let inside = |x: &[f64]| (0..n).all(|i| o.margin.as_ref().is_some_and(|m| m.idx.contains(&i)) || (0.0..=1.0).contains(&x[i]));
        let mut x = Vec::new();
        for _ in 0..=10 * n {
            x = o.cma.point(&normals(&mut rng, n));
            if inside(&x) {
                break;
            }
        }
        if !inside(&x) {
            for (i, v) in x.iter_mut().enumerate() {
                if !o.margin.as_ref().is_some_and(|m| m.idx.contains(&i)) {
                    *v = v.clamp(0.0, 1.0);
                }
            }
        }
        let point = match &o.margin {
            Some(m) => m.encode(&x, &o.cma.mean),
            None => x.clone(),
        };
        (x, point)
    }

    /// Generation `cur`'s update from the rows recorded for it, and a restart when it stops.
    fn update(&self, model: &Model, cur: &Optimizer, h: &TrialHistory, rows: &[usize]) -> Optimizer {
        let mut next = cur.clone();
        let mut sols: Vec<(Vec<f64>, f64)> = Vec::with_capacity(rows.len());
        for &row in rows.iter().filter(|&&r| r < h.n_trials()) {
            let Some(v) = self.score(h, row) else { continue };
            let x = if cur.margin.is_some() {
                self.draw(cur, row).0
            } else {
                let enc: Option<Vec<f64>> = model
                    .space
                    .iter()
                    .zip(&model.coords)
                    .map(|((name, d), c)| h.param(row, name).filter(|(_, pd)| *pd == d).map(|(v, _)| c.encode(v)))
                    .collect();
                enc.unwrap_or_else(|| self.draw(cur, row).0)
            };
            sols.push((x, v));
        }
        next.generation += 1;
        if sols.len() != cur.cma.popsize() {
            // Rows the record names are missing here (a history from elsewhere): the
            // distribution stays, the generation count moves on so tags stay aligned.
            return next;
        }
        next.cma.tell(&mut sols);
        if let Some(m) = next.margin.as_mut() {
            let n = next.cma.dim();
            let diag: Vec<f64> = if next.cma.separable { next.cma.c.clone() } else { (0..n).map(|i| next.cma.c[i * n + i]).collect() };
            m.correct(&mut next.cma.mean, next.cma.sigma, &diag);
        }
        if let Some(mut r) = next.restarts.clone() {
            if next.cma.should_stop() {
                let mut rng = stream(self.seed, u64::from(r.count), "cmaes:restart-size");
                let (u, v) = (uniform01(&mut rng), uniform01(&mut rng));
                let (lambda, factor) = r.next(next.cma.popsize(), next.cma.g, u, v);
                let k = r.count;
                if let Ok(o) = self.first_optimizer(model, maximize(h), Some((k, lambda, factor, r, next.generation))) {
                    return o;
                }
            }
        }
        next
    }

    /// The optimizer of generation `g` (rebuilt from the history when it is no longer kept).
    fn optimizer_at(&self, study: StudyId, h: &TrialHistory, g: u64) -> Option<(Arc<Model>, Arc<Optimizer>)> {
        let (model, found) = self.with_state(study, h, |st| (st.model.clone(), st.kept.iter().find(|o| o.generation == g).cloned()));
        let model = model?;
        if let Some(o) = found {
            return Some((model, o));
        }
        #[cfg(test)]
        {
            self.state.lock().unwrap_or_else(|e| e.into_inner()).entry(study).or_default().rebuilds += 1;
        }
        let mut fresh = StudyState { want: Some(g), ..StudyState::default() };
        self.sync(&mut fresh, h);
        fresh.wanted.map(|o| (model, o))
    }

    fn multi_objective_error() -> Error {
        invalid(
            "If the study is being used for multi-objective optimization, CmaEsSampler cannot be used; use NSGAIISampler or TPESampler"
                .into(),
        )
    }

    fn log_independent(&self, name: &str, row: usize) {
        self.warn(format!(
            "The parameter `{name}` in Trial#{row} is sampled independently using `{}` instead of `CmaEsSampler`, \
             potentially degrading the optimization performance. This fallback happened because dynamic search space \
             and `CategoricalDistribution` are not supported by `CmaEsSampler`. You can suppress this warning by setting \
             `warn_independent_sampling` to `False` in the constructor of `CmaEsSampler` if this independent sampling \
             is intended behavior.",
            self.independent_name
        ));
    }
}

fn maximize(h: &TrialHistory) -> bool {
    h.directions.first() == Some(&StudyDirection::Maximize)
}

/// `n` standard normal draws (Box-Muller).
fn normals(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    let mut z = Vec::with_capacity(n + 1);
    while z.len() < n {
        let u1 = 1.0 - uniform01(rng); // (0, 1]
        let u2 = uniform01(rng);
        let r = (-2.0 * u1.ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * u2;
        z.push(r * t.cos());
        z.push(r * t.sin());
    }
    z.truncate(n);
    z
}

impl Sampler for CmaEsSampler {
    fn before_trial_claims(&self) -> bool {
        true
    }

    fn before_trial(&self, study: StudyId, h: &TrialHistory, trial: &mut NewTrial) -> Result<()> {
        if h.directions.len() == 1 {
            let gen_key = self.gen_key.clone();
            let decided = self.with_state(study, h, |st| -> Result<Option<Vec<(String, String)>>> {
                let space = Self::search_space(st);
                if space.is_empty() || st.n_done < self.cfg.n_startup_trials || st.broken {
                    return Ok(None);
                }
                let Some(model) = st.model.clone() else {
                    // The first generation: check the distribution can be built, record the space.
                    let coords = space.iter().map(|(_, d)| Coord::new(d, !self.cfg.with_margin)).collect();
                    let model = Model { space, coords };
                    self.first_optimizer(&model, maximize(h), None)?;
                    return Ok(Some(vec![
                        (gen_key.clone(), "0".into()),
                        (self.space_key.clone(), serde_json::to_string(&model.space).unwrap_or_default()),
                    ]));
                };
                if model.space != space {
                    return Ok(None); // a dynamic space: the independent sampler takes over
                }
                let Some(cur) = st.kept.back() else { return Ok(None) };
                let g = cur.generation;
                let mut done = st.by_gen.get(&g).cloned().unwrap_or_default();
                if done.len() < cur.cma.popsize() {
                    return Ok(Some(vec![(gen_key.clone(), g.to_string())]));
                }
                done.sort_unstable();
                done.truncate(cur.cma.popsize());
                Ok(Some(vec![
                    (gen_key.clone(), (g + 1).to_string()),
                    (self.tell_key.clone(), serde_json::to_string(&done).unwrap_or_default()),
                ]))
            })?;
            if let Some(attrs) = decided {
                if self.cfg.use_separable_cma && attrs.iter().any(|(k, _)| k.ends_with("space")) {
                    let one =
                        attrs.iter().any(|(k, v)| k.ends_with("space") && serde_json::from_str::<Space>(v).is_ok_and(|s| s.len() == 1));
                    if one && !self.warned_separable.swap(true, Ordering::Relaxed) {
                        trial.warnings.push(
                            "Separable CMA-ES does not operate meaningfully on single-dimensional search spaces. \
                             The setting `use_separable_cma=True` will be ignored."
                                .into(),
                        );
                    }
                }
                trial.system_attrs.extend(attrs);
            }
        }
        self.independent.before_trial(study, h, trial)
    }

    fn relative_search_space(&self, study: StudyId, h: &TrialHistory) -> Vec<(String, Distribution)> {
        self.with_state(study, h, |st| Self::search_space(st))
    }

    fn sample_relative(&self, study: StudyId, h: &TrialHistory, row: usize) -> Result<Vec<(String, f64, Distribution)>> {
        if h.directions.len() != 1 {
            return Err(Self::multi_objective_error());
        }
        let (space, n_done, model) = self.with_state(study, h, |st| (Self::search_space(st), st.n_done, st.model.clone()));
        if space.is_empty() || n_done < self.cfg.n_startup_trials {
            return Ok(Vec::new());
        }
        let Some(g) = self.generation_of(h, row) else {
            if model.is_some_and(|m| m.space != space) && self.warn_independent.swap(false, Ordering::Relaxed) {
                self.warn(format!(
                    "`CmaEsSampler` does not support dynamic search space. `{}` is used instead of `CmaEsSampler`.",
                    self.independent_name
                ));
            }
            return Ok(Vec::new());
        };
        let Some((model, o)) = self.optimizer_at(study, h, g) else { return Ok(Vec::new()) };
        let (_, point) = self.draw(&o, row);
        Ok(model
            .space
            .iter()
            .zip(&model.coords)
            .zip(point)
            .map(|(((name, d), c), u)| (name.clone(), space::decode(d, c, u), d.clone()))
            .collect())
    }

    fn sample_independent(&self, study: StudyId, h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        if h.directions.len() != 1 {
            return Err(Self::multi_objective_error());
        }
        let v = self.independent.sample_independent(study, h, row, name, dist)?;
        if self.warn_independent.load(Ordering::Relaxed) && self.with_state(study, h, |st| st.n_done) >= self.cfg.n_startup_trials {
            self.log_independent(name, row);
        }
        Ok(v)
    }

    fn take_warnings(&self) -> Vec<String> {
        let mut w = std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()));
        w.extend(self.independent.take_warnings());
        w
    }

    fn after_trial(&self, study: StudyId, h: &TrialHistory, row: usize) {
        if row < h.n_trials() && h.meta[row].system_attrs.contains_key(crate::history::constraints::CONSTRAINTS_ATTR) {
            self.warn("Constraints have been set, but CmaEsSampler will not use them for optimization.".into());
        }
        self.independent.after_trial(study, h, row);
    }

    /// Generations are shared by every trial of the study, whatever its Hyperband bracket.
    fn per_bracket(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests;
