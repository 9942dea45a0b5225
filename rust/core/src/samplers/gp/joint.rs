//! Suggestions of constrained and multi-objective studies, as Optuna's GPSampler makes them.
//!
//! One GP per objective and one per constraint are fitted to the complete trials (each warm
//! started from its own last fit). Constraint values are modelled negated and standardized,
//! the standardized 0 being each constraint's threshold; a trial is feasible when all its
//! values are <= 0 (a missing or unknown value violates and is modelled as the largest value
//! seen, at least 0). The acquisition ([`crate::gp::joint`]) is log EI over the best feasible
//! value (one objective) or log EHVI over the feasible outputs (several), plus the log
//! probability of every constraint; with no feasible trial, the probability alone.
//!
//! Running trials enter as with one objective: each model gets them as fantasies (the
//! posterior mean, or the worst value seen for the constant liar), and fantasies predicted
//! feasible count in the incumbent (the best value, or the front the hypervolume grows from).

use std::collections::BTreeSet;

use super::{BatchMode, GpSampler, LastFit, LARGE_STUDY, LARGE_STUDY_MIN_GAIN_PER_PARAM, MAX_EXTENDED};
use crate::error::{Error, Result};
use crate::gp::boxes::front;
use crate::gp::ehvi::{normal_draws, LogEhvi, N_SAMPLES};
use crate::gp::fit::{self, FitOptions, Work, DEFAULT_MIN_NOISE};
use crate::gp::joint::{Gain, JointAcq};
use crate::gp::kernel::KernelParams;
use crate::gp::lbfgsb::Memory;
use crate::gp::optimize::{self, SearchOptions};
use crate::gp::regressor::Gp;
use crate::gp::space::EncodedSpace;
use crate::history::constraints;
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::rng::stream;
use crate::space::Distribution;
use crate::storage::StudyId;
use rand::RngCore;

/// Whether a complete trial of the study has constraint values (Optuna's test for a
/// constrained study).
pub(super) fn constrained(h: &TrialHistory) -> bool {
    h.rows_in(TrialState::Complete).any(|r| constraints::violation(&h.meta[r].system_attrs).is_some())
}

/// Negated, standardized constraint values, and the threshold (the standardized 0) at or
/// above which the constraint holds.
fn constraint_outputs(raw: &[f64]) -> (Vec<f64>, f64) {
    let finite_max = raw.iter().cloned().filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max);
    let fill = if finite_max.is_finite() { finite_max.max(0.0) } else { 0.0 };
    let v: Vec<f64> = raw.iter().map(|&c| -(if c.is_nan() { fill } else { c })).collect();
    let v = super::clip_non_finite(&v);
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt().max(1e-10);
    (v.iter().map(|x| (x - mean) / sd).collect(), -mean / sd)
}

/// The last GP of one model of a large study: the next suggestion extends its factorization by
/// the trials completed since (O(n^2) per trial) when its hyperparameters stay.
pub(super) struct KeptModel {
    space: Vec<(String, Distribution)>,
    /// The history rows of its points, in order.
    rows: Vec<usize>,
    gp: Gp,
    /// Points added by extension since the last full factorization.
    extended: usize,
}

/// A fitted model with its fantasized copy (when there are running trials).
struct Model {
    gp: Gp,
    with_fantasies: Option<Gp>,
    /// The fantasy outputs at the running points.
    fantasies: Vec<f64>,
    /// Kept for the next suggestion under this name, with its count of extended points.
    keep: Option<(String, usize)>,
}

impl Model {
    fn acq_gp(&self) -> &Gp {
        self.with_fantasies.as_ref().unwrap_or(&self.gp)
    }
}

impl GpSampler {
    /// Fits the model `key` to `(x, y)`, warm started from its last fit in this space.
    #[allow(clippy::too_many_arguments)]
    fn fit_model(
        &self,
        study: StudyId,
        key: &str,
        space: &[(String, Distribution)],
        (x, y, rows): (&[f64], &[f64], &[usize]),
        cat: &[bool],
        x_running: &[f64],
        work: &mut Work,
    ) -> Result<Model> {
        let (warm, kept): (Option<LastFit>, Option<KeptModel>) = {
            let mut st = self.lock();
            let s = st.entry(study).or_default();
            (s.models.get(key).filter(|(sp, _, _)| sp == space).cloned(), s.kept_models.remove(key))
        };
        let (warm, mut memory) = match warm {
            Some((_, p, m)) => (Some(p), m),
            None => (None, Memory::default()),
        };
        let d = cat.len();
        let extend = y.len() >= LARGE_STUDY && self.cfg.extend_large_studies;
        // The kept GP extended by the new trials, when its points are the first ones and its
        // hyperparameters the warm start.
        let (mut pre, mut extended) = (None, 0);
        if let Some(k) = kept {
            let m = k.rows.len();
            let fits = extend
                && k.space == space
                && warm.as_ref() == Some(&k.gp.params)
                && rows.len() >= m
                && rows[..m] == k.rows[..]
                && k.extended + (rows.len() - m) <= MAX_EXTENDED;
            if fits {
                if let Some(gp) = k.gp.extend(&x[m * d..]) {
                    pre = Some(gp.into_factorization());
                    extended = k.extended + rows.len() - m;
                }
            } else {
                work.recycle(k.gp);
            }
        }
        let opts = FitOptions {
            deterministic: self.cfg.deterministic_objective,
            min_noise: DEFAULT_MIN_NOISE,
            restart: warm.is_none() || y.len() < LARGE_STUDY,
            min_gain: if extend { LARGE_STUDY_MIN_GAIN_PER_PARAM * (d + 2) as f64 } else { FitOptions::default().min_gain },
            ..FitOptions::default()
        };
        let fitted = fit::fit_gp(x, y, cat, warm.as_ref(), pre, &mut memory, work, opts);
        if !fitted.reused {
            extended = 0;
        }
        let params = fitted.params;
        let gp = fitted
            .gp
            .or_else(|| Gp::new(x.to_vec(), y.to_vec(), cat.to_vec(), params.clone()))
            .or_else(|| Gp::new(x.to_vec(), y.to_vec(), cat.to_vec(), KernelParams::default_for(cat.len())))
            .ok_or_else(|| Error::InvalidValue("the Gaussian process could not be conditioned on the trials (non-finite inputs)".into()))?;
        {
            let mut st = self.lock();
            st.entry(study).or_default().models.insert(key.to_string(), (space.to_vec(), params, memory));
        }
        let d = d.max(1);
        let (with_fantasies, fantasies) = if x_running.is_empty() {
            (None, Vec::new())
        } else {
            let f: Vec<f64> = match self.cfg.batch_mode {
                BatchMode::Liar => vec![y.iter().cloned().fold(f64::INFINITY, f64::min); x_running.len() / d],
                _ => gp.posterior_batch(x_running).0,
            };
            (gp.with_extra(x_running, &f), f)
        };
        let keep = extend && gp.jitter() == 0.0;
        Ok(Model { gp, with_fantasies, fantasies, keep: keep.then(|| (key.to_string(), extended)) })
    }

    pub(super) fn propose_joint(
        &self,
        study: StudyId,
        h: &TrialHistory,
        row: usize,
        space: Vec<(String, Distribution)>,
    ) -> Result<Vec<(String, f64, Distribution)>> {
        let enc = EncodedSpace::new(&space);
        let cat = enc.categorical();
        let d = cat.len();
        let cols: Vec<_> = space.iter().map(|(n, _)| h.column(n).expect("intersection parameter has a column")).collect();
        let rows: Vec<usize> = h.rows_in(TrialState::Complete).collect();
        let mut x = Vec::with_capacity(rows.len() * d);
        for &r in &rows {
            for (i, c) in cols.iter().enumerate() {
                x.push(enc.coords[i].encode(c.get(r).expect("complete trial has every intersection parameter")));
            }
        }
        // Objectives, larger is better.
        let k = h.directions.len();
        let ys: Vec<Vec<f64>> = (0..k)
            .map(|j| {
                let sign = if h.directions[j] == StudyDirection::Maximize { 1.0 } else { -1.0 };
                let raw: Vec<f64> = rows.iter().map(|&r| sign * h.values[j][r]).collect();
                if self.cfg.warp_outputs {
                    crate::gp::warp::warp(&super::clip_non_finite(&raw))
                } else {
                    super::standardize(&raw)
                }
            })
            .collect();
        // Constraints: the names of every complete trial's values.
        let per_trial: Vec<_> = rows.iter().map(|&r| constraints::values(&h.meta[r].system_attrs)).collect();
        let names: BTreeSet<&String> = per_trial.iter().flat_map(|v| v.keys()).collect();
        let feasible: Vec<bool> = rows
            .iter()
            .zip(&per_trial)
            .map(|(&r, v)| constraints::feasible(&h.meta[r].system_attrs) && names.iter().all(|n| v.contains_key(*n)))
            .collect();
        let x_running = self.running_points(study, h, row, &space, &enc);
        let mut work = {
            let mut st = self.lock();
            st.entry(study).or_default().work.take().unwrap_or_default()
        };
        let mut objectives = Vec::with_capacity(k);
        for (j, y) in ys.iter().enumerate() {
            objectives.push(self.fit_model(study, &format!("objective {j}"), &space, (&x, y, &rows), &cat, &x_running, &mut work)?);
        }
        let mut cons = Vec::with_capacity(names.len());
        for name in &names {
            let raw: Vec<f64> = per_trial.iter().map(|v| v.get(*name).copied().unwrap_or(f64::NAN)).collect();
            let (y, thr) = constraint_outputs(&raw);
            cons.push((self.fit_model(study, &format!("constraint {name}"), &space, (&x, &y, &rows), &cat, &x_running, &mut work)?, thr));
        }
        // The feasible outputs, with the fantasies predicted feasible.
        let feasible_rows: Vec<usize> = (0..rows.len()).filter(|&i| feasible[i]).collect();
        let observed: Vec<Vec<f64>> = feasible_rows.iter().map(|&i| ys.iter().map(|y| y[i]).collect()).collect();
        let n_running = x_running.len().checked_div(d).unwrap_or(0);
        let mut with_fantasies = observed.clone();
        for q in 0..n_running {
            let ok = cons.iter().all(|(m, thr)| m.fantasies.get(q).is_some_and(|f| f >= thr));
            if ok && !observed.is_empty() {
                with_fantasies.push(objectives.iter().map(|m| m.fantasies[q]).collect());
            }
        }
        let mut rng = stream(self.seed, row as u64, "gp");
        let gain = if observed.is_empty() {
            Gain::Nothing
        } else if k == 1 {
            let best = with_fantasies.iter().map(|v| v[0]).fold(f64::NEG_INFINITY, f64::max);
            Gain::Ei { gp: objectives[0].acq_gp(), best }
        } else {
            let z = normal_draws(k, N_SAMPLES, rng.next_u64())?;
            Gain::Ehvi(LogEhvi::new(objectives.iter().map(|m| m.acq_gp()).collect(), &observed, &with_fantasies, z))
        };
        // Warm starts of the local search: the best feasible trial, or up to half the local
        // searches' worth of the feasible front, drawn at random.
        let mut warm: Vec<Vec<f64>> = Vec::new();
        if k == 1 {
            if let Some(&i) = feasible_rows.iter().max_by(|&&a, &&b| ys[0][a].total_cmp(&ys[0][b]).then(b.cmp(&a))) {
                warm.push(x[i * d..(i + 1) * d].to_vec());
            }
        } else {
            let loss: Vec<Vec<f64>> = observed.iter().map(|p| p.iter().map(|v| -v).collect()).collect();
            let mut pareto: Vec<usize> = front(&loss).into_iter().map(|i| feasible_rows[i]).collect();
            let take = (self.cfg.n_local_search / 2).min(pareto.len());
            for t in 0..take {
                let pick = t + (rng.next_u64() % (pareto.len() - t) as u64) as usize;
                pareto.swap(t, pick);
                let i = pareto[t];
                warm.push(x[i * d..(i + 1) * d].to_vec());
            }
        }
        let lengthscales: Vec<f64> = {
            let all: Vec<Vec<f64>> = objectives.iter().map(|m| m.gp.params.lengthscales()).collect();
            (0..d).map(|i| all.iter().map(|l| l[i]).sum::<f64>() / all.len() as f64).collect()
        };
        let f = JointAcq { gain, constraints: cons.iter().map(|(m, thr)| (m.acq_gp(), *thr)).collect(), lengthscales, dim: d };
        let opts = SearchOptions { n_candidates: self.cfg.n_candidates, n_local: self.cfg.n_local_search, ..SearchOptions::default() };
        let cands = optimize::candidates(&enc, opts.n_candidates, &mut rng)?;
        // A large study's sweep computes exact values only where they can matter.
        let vals = if rows.len() >= optimize::SCREEN_MIN_TRIALS {
            f.eval_batch_screened(&cands, optimize::SCREEN_MARGIN)
        } else {
            crate::gp::acquisition::Surface::eval_batch(&f, &cands)
        };
        let (xbest, _) = optimize::maximize_from(&f, &enc, &warm, &cands, &vals, opts, &mut rng)?;
        drop(f);
        let out: Vec<(String, f64, Distribution)> =
            space.iter().enumerate().map(|(i, (name, dist))| (name.clone(), enc.coords[i].decode(xbest[i]), dist.clone())).collect();
        let mut kept = Vec::new();
        for m in objectives.into_iter().chain(cons.into_iter().map(|(m, _)| m)) {
            if let Some(g) = m.with_fantasies {
                work.recycle(g);
            }
            match m.keep {
                Some((key, extended)) => kept.push((key, KeptModel { space: space.clone(), rows: rows.clone(), gp: m.gp, extended })),
                None => work.recycle(m.gp),
            }
        }
        let mut st = self.lock();
        let s = st.entry(study).or_default();
        s.kept_models.extend(kept);
        s.work = Some(work);
        if h.states.get(row).is_some_and(|s| !s.is_finished()) {
            s.proposals.insert(row, out.iter().map(|(n, v, _)| (n.clone(), *v)).collect());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::GpConfig;
    use super::*;
    use crate::history::TrialMeta;
    use crate::samplers::{RandomSampler, Sampler};

    #[test]
    fn constraint_outputs_put_zero_at_the_threshold() {
        let (y, thr) = constraint_outputs(&[-2.0, 0.0, 2.0, 4.0]);
        // Negated: 2, 0, -2, -4; mean -1, sd sqrt(5); the threshold is the standardized 0.
        let sd = 5f64.sqrt();
        assert!((thr - 1.0 / sd).abs() < 1e-12);
        assert!((y[1] - thr).abs() < 1e-12 && y[0] > thr && y[2] < thr);
        // An unknown value is modelled as the largest seen (at least 0): violated.
        let (y, thr) = constraint_outputs(&[-1.0, f64::NAN, -3.0]);
        assert!((y[1] - thr).abs() < 1e-12, "{y:?} {thr}");
    }

    /// A study driven trial by trial: `n` trials of `f(x) -> (values, constraints)` in two
    /// float parameters, suggested by `sampler`.
    fn run(sampler: &GpSampler, directions: Vec<StudyDirection>, n: usize, f: impl Fn(&[f64]) -> (Vec<f64>, Vec<f64>)) -> TrialHistory {
        let dist = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let names = ["x0", "x1"];
        let mut h = TrialHistory::new(directions);
        for _ in 0..n {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            let rel = sampler.sample_relative(0, &h, r).unwrap();
            let x: Vec<f64> = if rel.is_empty() {
                names.iter().map(|n| sampler.sample_independent(0, &h, r, n, &dist).unwrap()).collect()
            } else {
                rel.iter().map(|(_, v, _)| *v).collect()
            };
            assert!(x.iter().all(|v| (0.0..=1.0).contains(v)), "{x:?}");
            for (nm, &v) in names.iter().zip(&x) {
                h.set_param(r, nm, v, &dist);
            }
            let (values, cons) = f(&x);
            for (i, c) in cons.iter().enumerate() {
                h.meta[r].system_attrs.insert(format!("constraints:c{i}"), c.to_string());
            }
            h.set_state(r, TrialState::Complete, Some(&values));
        }
        h
    }

    #[test]
    fn constrained_studies_find_feasible_optima_deterministically() {
        // Minimize x0 + x1 subject to (x0 - 1)^2 + (x1 - 1)^2 <= 0.5: the optimum is on the
        // circle, 2 - 1 = 1.
        let f = |x: &[f64]| (vec![x[0] + x[1]], vec![(x[0] - 1.0).powi(2) + (x[1] - 1.0).powi(2) - 0.5]);
        let s = || GpSampler::new(GpConfig { seed: Some(1), ..GpConfig::default() }).unwrap();
        let h = run(&s(), vec![StudyDirection::Minimize], 30, f);
        let h2 = run(&s(), vec![StudyDirection::Minimize], 30, f);
        assert_eq!(h.values[0], h2.values[0], "not deterministic");
        let feasible: Vec<usize> = (0..30).filter(|&r| constraints::feasible(&h.meta[r].system_attrs)).collect();
        let best = feasible.iter().map(|&r| h.values[0][r]).fold(f64::INFINITY, f64::min);
        assert!(best < 1.1, "best feasible {best}");
        // The optimum is on the boundary: the last proposals straddle it, closely.
        for r in 20..30 {
            let c: f64 = h.meta[r].system_attrs["constraints:c0"].parse().unwrap();
            assert!(c < 1e-3, "trial {r} violates by {c}");
        }
    }

    #[test]
    fn infeasible_only_histories_look_for_feasibility() {
        // Feasible only near (0.9, 0.9); the first trials all miss it.
        let f = |x: &[f64]| (vec![x[0]], vec![(x[0] - 0.9).powi(2) + (x[1] - 0.9).powi(2) - 0.01]);
        let sampler = GpSampler::new(GpConfig { seed: Some(4), n_startup_trials: 5, ..GpConfig::default() }).unwrap();
        let h = run(&sampler, vec![StudyDirection::Minimize], 25, f);
        let first = (0..25).find(|&r| constraints::feasible(&h.meta[r].system_attrs));
        assert!(first.is_some_and(|r| r < 20), "no feasible trial in 25: {first:?}");
    }

    #[test]
    fn two_objectives_beat_random_hypervolume() {
        use crate::samplers::tpe::hypervolume::hypervolume;
        let f = |x: &[f64]| (vec![x[0] * x[0] + x[1] * x[1], (x[0] - 1.0).powi(2) + (x[1] - 1.0).powi(2)], vec![]);
        let dirs = vec![StudyDirection::Minimize, StudyDirection::Minimize];
        let hv = |h: &TrialHistory| {
            let pts: Vec<Vec<f64>> = (0..h.n_trials()).map(|r| vec![h.values[0][r], h.values[1][r]]).collect();
            hypervolume(&pts, &[2.0, 2.0])
        };
        let gp = GpSampler::new(GpConfig { seed: Some(2), ..GpConfig::default() }).unwrap();
        let h = run(&gp, dirs.clone(), 30, f);
        let a = hv(&h);
        // The front is the diagonal: most of the last proposals are close to it.
        let x = |r: usize, i: usize| h.param(r, ["x0", "x1"][i]).unwrap().0;
        let near = (20..30).filter(|&r| (x(r, 0) - x(r, 1)).abs() < 0.1).count();
        assert!(near >= 6, "{near} of the last 10 near the front");
        let rnd = GpSampler::new(GpConfig {
            seed: Some(2),
            n_startup_trials: 1000,
            independent: Some(std::sync::Arc::new(RandomSampler::new(Some(2)))),
            ..GpConfig::default()
        })
        .unwrap();
        let b = hv(&run(&rnd, dirs, 30, f));
        // The front (x0 = x1) bounds 4 - 2/3 = 3.33 below the reference point; Optuna's
        // GPSampler reaches 3.08 to 3.26 in 30 trials (seeds 0 to 2).
        assert!(a > 3.05 && a > b, "GP hypervolume {a} vs random {b}");
    }

    /// A trial asked while another is running gets another point: the running trial's
    /// proposal is a fantasy in every model.
    #[test]
    fn running_trials_are_fantasies() {
        let f = |x: &[f64]| (vec![x[0] + x[1], x[0] - x[1]], vec![0.3 - x[0]]);
        let dirs = vec![StudyDirection::Minimize, StudyDirection::Maximize];
        for mode in [BatchMode::Believer, BatchMode::Liar] {
            let sampler = GpSampler::new(GpConfig { seed: Some(3), batch_mode: mode, ..GpConfig::default() }).unwrap();
            let mut h = run(&sampler, dirs.clone(), 12, f);
            let a = h.push_trial(TrialState::Running, TrialMeta::default());
            let pa = sampler.sample_relative(0, &h, a).unwrap();
            let b = h.push_trial(TrialState::Running, TrialMeta::default());
            let pb = sampler.sample_relative(0, &h, b).unwrap();
            assert!(pa.iter().zip(&pb).any(|(p, q)| (p.1 - q.1).abs() > 1e-6), "{mode:?}: {pa:?} {pb:?}");
        }
    }

    /// In a large study each model's GP is kept and extended by the trials completed since
    /// the last suggestion (its hyperparameters staying), and the suggestions stay good.
    #[test]
    fn large_studies_extend_every_model() {
        let f = |x: &[f64]| (vec![(x[0] - 0.2).powi(2) + (x[1] - 0.7).powi(2)], vec![x[0] + x[1] - 1.2]);
        let sampler = GpSampler::new(GpConfig { seed: Some(5), n_startup_trials: 210, ..GpConfig::default() }).unwrap();
        let h = run(&sampler, vec![StudyDirection::Minimize], 216, f);
        let st = sampler.lock();
        let kept = &st.get(&0).unwrap().kept_models;
        for key in ["objective 0", "constraint c0"] {
            let k = kept.get(key).unwrap_or_else(|| panic!("{key} was not kept"));
            assert!(k.extended > 0, "{key} was factored afresh every time");
            assert_eq!(k.rows.len(), 215);
        }
        let best = (210..216).map(|r| h.values[0][r]).fold(f64::INFINITY, f64::min);
        assert!(best < 2e-3, "{best}");
    }
}
