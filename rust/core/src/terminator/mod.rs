//! When to stop a study: estimates of the room left for improvement, compared by the Python
//! terminator with the statistical error of the objective.
//!
//! - [`regret_bound`]: a high-probability upper bound on the simple regret of the best trial
//!   (Makarova et al., 2022, "Automatic termination for hyperparameter optimization"): a GP fitted
//!   on the top trials, the largest upper confidence bound over the search space minus the largest
//!   lower confidence bound over those trials.
//! - [`emmr`]: the expected minimum model regret (Ishibashi et al., 2023, "A stopping criterion
//!   for Bayesian optimization by the gap of expected minimum simple regrets"): how much the
//!   expected regret of the incumbent moved with the last observation, from GPs fitted with and
//!   without it.
//!
//! Both work on the maximized form of the objective (minimized studies are negated) and on
//! the GP's encoding of the intersection search space (see [`crate::gp::space`]).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::gp::fit::{self, FitOptions, DEFAULT_MIN_NOISE};
use crate::gp::normal::{cdf, pdf};
use crate::gp::optimize;
use crate::gp::regressor::Gp;
use crate::gp::space::EncodedSpace;
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::space::Distribution;
use crate::{Error, Result};

/// Points of the search space sampled to find the largest upper confidence bound.
pub const N_SAMPLES: usize = 2048;
/// The confidence parameter of the regret bound's `beta`.
pub const DEFAULT_DELTA: f64 = 0.1;
/// What "never stop" is reported as (a tenth of the largest float, so that sums stay finite).
pub const NEVER: f64 = f64::MAX * 0.1;

/// The complete trials an estimate reads: encoded inputs and objective values to maximize.
pub struct Observations {
    /// Row-major `n` x `dim`, in the GP's encoding of `space`.
    pub x: Vec<f64>,
    /// The objective, negated for minimized studies.
    pub y: Vec<f64>,
    pub space: EncodedSpace,
    /// The parameters' names, in the order of the columns of `x` (sorted).
    pub names: Vec<String>,
}

impl Observations {
    pub fn n(&self) -> usize {
        self.y.len()
    }

    pub fn dim(&self) -> usize {
        self.space.dim()
    }

    /// The complete trials of `h` (only the trial numbers in `numbers`, when given) in trial
    /// order, on their intersection search space: the parameters all of them have, each with one
    /// distribution. Single-objective studies only.
    pub fn from_history(h: &TrialHistory, numbers: Option<&[usize]>) -> Result<Observations> {
        if h.directions.len() != 1 {
            return Err(Error::InvalidValue(
                "the terminator supports single-objective studies only; this study has several objectives".into(),
            ));
        }
        let wanted = numbers.map(|ns| {
            let total = h.n_trials();
            let mut keep = vec![false; total];
            for &n in ns.iter().filter(|&&n| n < total) {
                keep[n] = true;
            }
            keep
        });
        let rows: Vec<usize> = h.rows_in(TrialState::Complete).filter(|&r| wanted.as_ref().is_none_or(|k| k[r])).collect();
        let mut inter: Option<Vec<(String, Distribution)>> = None;
        for &r in &rows {
            let params = h.params_of(r);
            inter = Some(match inter {
                None => params.iter().map(|(n, _, d)| (n.to_string(), (*d).clone())).collect(),
                Some(cur) => cur.into_iter().filter(|(n, d)| params.iter().any(|(pn, _, pd)| pn == n && *pd == d)).collect(),
            });
        }
        let mut space = inter.unwrap_or_default();
        space.sort_by(|a, b| a.0.cmp(&b.0));
        let enc = EncodedSpace::new(&space);
        let sign = if h.directions[0] == StudyDirection::Maximize { 1.0 } else { -1.0 };
        let mut x = Vec::with_capacity(rows.len() * space.len());
        for &r in &rows {
            for (i, (name, _)) in space.iter().enumerate() {
                let (v, _) = h.param(r, name).expect("a complete trial has every parameter of the intersection");
                x.push(enc.coords[i].encode(v));
            }
        }
        let y = rows.iter().map(|&r| sign * h.values[0][r]).collect();
        Ok(Observations { x, y, space: enc, names: space.into_iter().map(|(n, _)| n).collect() })
    }

    /// Observations from internal parameter values (row-major `n` x `space.len()`, in the order
    /// of `space`) and objective values.
    pub fn from_internal(space: &[(String, Distribution)], internal: &[f64], values: &[f64], maximize: bool) -> Result<Observations> {
        let d = space.len();
        if internal.len() != values.len() * d {
            return Err(Error::InvalidValue(format!(
                "{} parameter values do not fill {} trials of {d} parameters",
                internal.len(),
                values.len()
            )));
        }
        let enc = EncodedSpace::new(space);
        let x = internal
            .chunks(d.max(1))
            .take(values.len())
            .flat_map(|row| row.iter().enumerate().map(|(i, &v)| enc.coords[i].encode(v)))
            .collect();
        let sign = if maximize { 1.0 } else { -1.0 };
        let y = values.iter().map(|v| sign * v).collect();
        Ok(Observations { x, y, space: enc, names: space.iter().map(|(n, _)| n.clone()).collect() })
    }
}

/// The `beta` of the confidence bounds for `dim` parameters and `n` observations: Srinivas et
/// al.'s `2 ln(|D| n^2 pi^2 / (6 delta))` with the dimension as `|D|`, scaled down by 5 as
/// Makarova et al. do in their experiments.
pub fn beta(dim: usize, n: usize, delta: f64) -> f64 {
    let n = n as f64;
    2.0 * (dim as f64 * n * n * std::f64::consts::PI.powi(2) / 6.0 / delta).ln() / 5.0
}

/// Population mean and standard deviation.
fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Fits the GP's hyperparameters on `(x, y)` (standardized outputs) and conditions it.
fn fit_gp(x: &[f64], y: &[f64], categorical: &[bool], warm: Option<&crate::gp::kernel::KernelParams>, deterministic: bool) -> Result<Gp> {
    // A warm start (the fit without the last trial) is trusted as Optuna trusts its cache: no
    // second fit from the default parameters.
    let opts = FitOptions { deterministic, restart: warm.is_none(), ..FitOptions::default() };
    let params = fit::fit(x, y, categorical, warm, opts);
    Gp::new(x.to_vec(), y.to_vec(), categorical.to_vec(), params)
        .ok_or_else(|| Error::InvalidValue("the covariance matrix of the trials could not be factored".into()))
}

/// The regret bound of a fitted GP in its standardized units: the largest upper confidence bound
/// over the search space (the training points and `n_samples` points drawn from it) minus the
/// largest lower confidence bound over the training points.
pub fn standardized_regret_bound(gp: &Gp, space: &EncodedSpace, delta: f64, n_samples: usize, seed: u64) -> Result<f64> {
    let b = beta(gp.dim, gp.n(), delta);
    let (m, v) = gp.posterior_batch(&gp.x);
    let ucb = |m: f64, v: f64| m + (b * v).sqrt();
    let ucb_top = m.iter().zip(&v).map(|(&m, &v)| ucb(m, v)).fold(f64::NEG_INFINITY, f64::max);
    let lcb_top = m.iter().zip(&v).map(|(&m, &v)| m - (b * v).sqrt()).fold(f64::NEG_INFINITY, f64::max);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cands = optimize::candidates(space, n_samples, &mut rng)?;
    let (cm, cv) = gp.posterior_batch(&cands);
    let ucb_space = cm.iter().zip(&cv).map(|(&m, &v)| ucb(m, v)).fold(f64::NEG_INFINITY, f64::max);
    Ok(ucb_top.max(ucb_space) - lcb_top)
}

/// Settings of [`regret_bound`].
#[derive(Clone, Copy, Debug)]
pub struct RegretBound {
    /// The share of the best trials the GP is fitted on.
    pub top_trials_ratio: f64,
    /// The least number of trials it is fitted on (all of them when there are fewer).
    pub min_n_trials: usize,
}

impl RegretBound {
    /// Indices of the top trials: the `clamp(floor(n ratio), min_n, n)` best, ties at the
    /// threshold all included.
    pub fn top(&self, y: &[f64]) -> Vec<usize> {
        let n = y.len();
        let k = ((n as f64 * self.top_trials_ratio).floor().max(0.0) as usize).max(self.min_n_trials).min(n);
        if k == 0 {
            return Vec::new();
        }
        let mut sorted = y.to_vec();
        sorted.sort_by(f64::total_cmp);
        let threshold = sorted[n - k];
        (0..n).filter(|&i| y[i] >= threshold).collect()
    }

    /// The regret bound of the best trial of `obs`, in the objective's units.
    pub fn evaluate(&self, obs: &Observations, seed: u64) -> Result<f64> {
        if obs.n() == 0 {
            return Err(Error::InvalidValue("no trial has completed yet, so the regret bound cannot be evaluated".into()));
        }
        if obs.dim() == 0 {
            return Err(Error::InvalidValue(
                "the intersection search space of the completed trials is empty (no parameter is common to all of them), \
                 so the regret bound cannot be evaluated"
                    .into(),
            ));
        }
        let d = obs.dim();
        let top = self.top(&obs.y);
        let x: Vec<f64> = top.iter().flat_map(|&i| obs.x[i * d..(i + 1) * d].iter().copied()).collect();
        let y: Vec<f64> = top.iter().map(|&i| obs.y[i]).collect();
        // Only the top trials are modelled: an infinitely bad trial elsewhere does not matter.
        if y.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidValue(
                "a best trial has a non-finite value (inf or nan); the regret bound needs finite values among the top trials".into(),
            ));
        }
        let (mean, std) = mean_std(&y);
        let std = std.max(1e-10);
        let ys: Vec<f64> = y.iter().map(|v| (v - mean) / std).collect();
        let gp = fit_gp(&x, &ys, &obs.space.categorical(), None, false)?;
        Ok(standardized_regret_bound(&gp, &obs.space, DEFAULT_DELTA, N_SAMPLES, seed)? * std)
    }
}

/// Settings of [`emmr`].
#[derive(Clone, Copy, Debug)]
pub struct Emmr {
    pub deterministic: bool,
    pub delta: f64,
    /// Below this many complete trials the criterion is [`NEVER`].
    pub min_n_trials: usize,
}

/// The outcome of [`Emmr::evaluate`]: the criterion and a warning to show, if any.
pub struct Evaluated {
    pub value: f64,
    pub warning: Option<String>,
}

impl Emmr {
    pub fn new(deterministic: bool, delta: f64, min_n_trials: i64) -> Result<Emmr> {
        if min_n_trials <= 1 {
            return Err(Error::InvalidValue(format!("min_n_trials must be an integer greater than 1, got {min_n_trials}")));
        }
        if !(delta.is_finite() && delta > 0.0) {
            return Err(Error::InvalidValue(format!("delta must be a finite number > 0, got {delta}")));
        }
        Ok(Emmr { deterministic, delta, min_n_trials: min_n_trials as usize })
    }

    /// The expected minimum model regret after the last trial of `obs` (trial order).
    pub fn evaluate(&self, obs: &Observations, seed: u64) -> Result<Evaluated> {
        let n = obs.n();
        if n < self.min_n_trials {
            return Ok(Evaluated { value: NEVER, warning: None });
        }
        let d = obs.dim();
        if d == 0 {
            return Ok(Evaluated {
                value: NEVER,
                warning: Some(
                    "EMMREvaluator found no parameter common to all completed trials, so the study will never be terminated".into(),
                ),
            });
        }
        let y = crate::samplers::gp::clip_non_finite(&obs.y);
        let (mean, std) = mean_std(&y);
        let ys: Vec<f64> = y.iter().map(|v| (v - mean) / std.max(f64::MIN_POSITIVE)).collect();
        let cat = obs.space.categorical();
        // GPs without and with the last observation; the second starts from the first's fit.
        let gp_prev = fit_gp(&obs.x[..(n - 1) * d], &ys[..n - 1], &cat, None, self.deterministic)?;
        let gp_now = fit_gp(&obs.x, &ys, &cat, Some(&gp_prev.params), self.deterministic)?;
        let argmax = |v: &[f64]| (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b });
        let (i_now, i_prev) = (argmax(&ys), argmax(&ys[..n - 1]));
        let point = |i: usize| &obs.x[i * d..(i + 1) * d];
        let (mu_now_best, var_now_best) = gp_now.posterior(point(i_now));
        let (_, var_now_prev_best) = gp_now.posterior(point(i_prev));
        let cov = if i_now == i_prev {
            var_now_best
        } else {
            let pair: Vec<f64> = point(i_now).iter().chain(point(i_prev)).copied().collect();
            gp_now.posterior_cov(&pair)[(0, 1)]
        };
        // The last observation's posterior under the model that includes it (both posteriors
        // of the KL divergence must share one prior, Sec. 4.4 of the paper).
        let (mu_last, var_last) = gp_now.posterior(point(n - 1));
        let (mu_prev_best, _) = gp_prev.posterior(point(i_prev));
        let y_last = ys[n - 1];
        let kappa = standardized_regret_bound(&gp_prev, &obs.space, self.delta, N_SAMPLES, seed)?;

        // Theorem 1: the change of the incumbent's expected regret.
        let v = (var_now_best - 2.0 * cov + var_now_prev_best).max(1e-10).sqrt();
        let g = (mu_now_best - mu_prev_best) / v;
        let shift = mu_prev_best - mu_now_best + v * pdf(g) + v * g * cdf(g);
        // Eq. 4: the KL divergence between the two posteriors, bounded through the last point.
        let lambda = 1.0 / DEFAULT_MIN_NOISE;
        let denom = var_last + 1.0 / lambda;
        let kl =
            0.5 * (1.0 + lambda * var_last).ln() - 0.5 * var_last / denom + 0.5 * var_last * (y_last - mu_last).powi(2) / denom.powi(2);
        let value = shift + kappa * (0.5 * kl).sqrt();
        Ok(Evaluated { value: value.min(f64::MAX * 0.5), warning: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(n: usize, f: impl Fn(f64) -> f64) -> Observations {
        let space = vec![("x".to_string(), Distribution::Float { low: -1.0, high: 1.0, log: false, step: None })];
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let xs: Vec<f64> = (0..n).map(|_| 2.0 * crate::rng::uniform01(&mut rng) - 1.0).collect();
        let ys: Vec<f64> = xs.iter().map(|&x| f(x)).collect();
        Observations::from_internal(&space, &xs, &ys, false).unwrap()
    }

    #[test]
    fn beta_matches_its_formula() {
        let b = beta(3, 10, 0.1);
        let want = 2.0 * (3.0f64 * 100.0 * std::f64::consts::PI.powi(2) / 0.6).ln() / 5.0;
        assert!((b - want).abs() < 1e-12);
    }

    #[test]
    fn top_keeps_ties_and_the_minimum() {
        let rb = RegretBound { top_trials_ratio: 0.5, min_n_trials: 2 };
        assert_eq!(rb.top(&[1.0, 5.0, 3.0, 5.0, 0.0, 2.0]), vec![1, 2, 3]);
        assert_eq!(rb.top(&[1.0, 2.0, 3.0]), vec![1, 2]);
        let rb = RegretBound { top_trials_ratio: 0.5, min_n_trials: 20 };
        assert_eq!(rb.top(&[1.0, 2.0, 3.0]), vec![0, 1, 2]);
    }

    #[test]
    fn regret_bound_ignores_non_finite_values_outside_the_top() {
        let rb = RegretBound { top_trials_ratio: 0.5, min_n_trials: 5 };
        let mut o = obs(30, |x| x * x);
        let worst = (0..o.n()).fold(0, |b, i| if o.y[i] < o.y[b] { i } else { b });
        o.y[worst] = f64::NEG_INFINITY;
        assert!(rb.evaluate(&o, 0).unwrap().is_finite());
        let best = (0..o.n()).fold(0, |b, i| if o.y[i] > o.y[b] { i } else { b });
        o.y[best] = f64::INFINITY;
        assert!(rb.evaluate(&o, 0).is_err());
    }

    #[test]
    fn regret_bound_is_positive_and_shrinks_with_data() {
        let rb = RegretBound { top_trials_ratio: 0.5, min_n_trials: 20 };
        let few = rb.evaluate(&obs(25, |x| x * x), 1).unwrap();
        let many = rb.evaluate(&obs(200, |x| x * x), 1).unwrap();
        assert!(few > 0.0 && many > 0.0);
        assert!(many < few, "{many} !< {few}");
    }

    #[test]
    fn emmr_waits_for_min_trials_and_is_finite_after() {
        let e = Emmr::new(false, 0.1, 5).unwrap();
        assert_eq!(e.evaluate(&obs(4, |x| x * x), 0).unwrap().value, NEVER);
        let v = e.evaluate(&obs(30, |x| x * x), 0).unwrap().value;
        assert!(v.is_finite() && v < NEVER);
        assert!(Emmr::new(false, 0.1, 1).is_err());
    }
}
