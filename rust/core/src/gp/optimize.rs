//! Maximizing the acquisition function over the encoded search space.
//!
//! 1. Sweep: a scrambled Sobol set of candidates (discrete coordinates snapped to their grids)
//!    is scored in one batched posterior evaluation.
//! 2. Starts: the best candidate, the warm starts given by the caller (the best trial so far)
//!    and further candidates drawn with probability proportional to `exp(acq - max)`
//!    (a roulette that favours good regions but keeps some diversity), `n_local` in all.
//! 3. Local search from each start, alternating until nothing moves: box-constrained L-BFGS
//!    over the continuous coordinates (scaled by the lengthscales, which equalizes the
//!    curvature between dimensions), then each discrete coordinate on its own: every value
//!    of small grids and categoricals, an expanding neighbour search on large grids.

use rand::RngCore;

use super::acquisition::{AcqFn, Surface};
use super::lbfgsb::{self, Options};
use super::space::{Dim, EncodedSpace, EXHAUSTIVE_GRID};
use crate::error::Result;
use crate::qmc::Sobol;

/// Candidates of the sweep whose acquisition value is provably this far below the best one are
/// not evaluated exactly.
pub const SCREEN_MARGIN: f64 = 20.0;
pub const SCREEN_MIN_TRIALS: usize = 200;

#[derive(Clone, Copy, Debug)]
pub struct SearchOptions {
    pub n_candidates: usize,
    pub n_local: usize,
    /// Tolerance of the local searches (the continuous one stops at `sqrt(tol)` gradient).
    pub tol: f64,
    pub max_rounds: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { n_candidates: 2048, n_local: 10, tol: 1e-4, max_rounds: 100 }
    }
}

/// Returns the best point found (encoded coordinates) and its acquisition value.
pub fn maximize<R: RngCore>(
    f: &AcqFn,
    space: &EncodedSpace,
    warm: &[Vec<f64>],
    opts: SearchOptions,
    rng: &mut R,
) -> Result<(Vec<f64>, f64)> {
    let cands = candidates(space, opts.n_candidates, rng)?;
    let vals = if screens(f) { f.eval_batch_screened(&cands, SCREEN_MARGIN) } else { f.eval_batch(&cands) };
    maximize_from(f, space, warm, &cands, &vals, opts, rng)
}

/// With many trials, rows more than `SCREEN_MARGIN` nats below the best get an upper bound
/// instead of their value (their roulette weight is below e^-20 of the best one's either way):
/// the exact variance costs O(n^2) per row. Below 200 trials the kernel rows cost as much as
/// the variances, and the screening does not pay.
pub fn screens(f: &AcqFn) -> bool {
    f.gp.n() >= SCREEN_MIN_TRIALS
}

/// The sweep's candidates: a scrambled Sobol set, discrete coordinates on their grids.
pub fn candidates<R: RngCore>(space: &EncodedSpace, n: usize, rng: &mut R) -> Result<Vec<f64>> {
    let d = space.dim();
    let mut sobol = Sobol::new(d, true, rng.next_u64())?;
    let mut cands = sobol.points(n.max(1));
    for row in cands.chunks_mut(d) {
        for (i, u) in row.iter_mut().enumerate() {
            *u = space.coords[i].from_unit(*u);
        }
    }
    Ok(cands)
}

/// Local searches from the best of the scored candidates `cands` (values `vals`), from `warm`
/// (observed points: a search that stays at one does not count) and from candidates drawn by a
/// roulette on the values.
pub fn maximize_from<F: Surface, R: RngCore>(
    f: &F,
    space: &EncodedSpace,
    warm: &[Vec<f64>],
    cands: &[f64],
    vals: &[f64],
    opts: SearchOptions,
    rng: &mut R,
) -> Result<(Vec<f64>, f64)> {
    let d = space.dim();
    let n = vals.len();
    let imax = (0..n).fold(0, |b, i| if vals[i] > vals[b] || (vals[b].is_nan() && !vals[i].is_nan()) { i } else { b });
    let mut starts: Vec<Vec<f64>> = vec![cands[imax * d..(imax + 1) * d].to_vec()];
    // Roulette over the remaining candidates, without replacement.
    let n_extra = opts.n_local.saturating_sub(1 + warm.len());
    if n_extra > 0 && vals[imax].is_finite() {
        let mut w: Vec<f64> = vals.iter().map(|v| if v.is_finite() { (v - vals[imax]).exp() } else { 0.0 }).collect();
        w[imax] = 0.0;
        for _ in 0..n_extra {
            let total: f64 = w.iter().sum();
            if total.is_nan() || total <= 0.0 {
                break;
            }
            let mut r = crate::rng::uniform01(rng) * total;
            let mut pick = n - 1;
            for (i, wi) in w.iter().enumerate() {
                if r < *wi {
                    pick = i;
                    break;
                }
                r -= wi;
            }
            if w[pick] == 0.0 {
                pick = match w.iter().rposition(|&x| x > 0.0) {
                    Some(p) => p,
                    None => break,
                };
            }
            w[pick] = 0.0;
            starts.push(cands[pick * d..(pick + 1) * d].to_vec());
        }
    }
    let first_warm = starts.len();
    starts.extend(warm.iter().cloned());
    let mut best: (Vec<f64>, f64) = (starts[0].clone(), vals[imax]);
    let found = super::parallel::map(starts.len(), |k| local_search(f, space, starts[k].clone(), opts));
    for (k, (x, v)) in found.into_iter().enumerate() {
        // A warm start is an observed point (the best trial): a search that never left it would
        // propose that trial again, where the acquisition function is merely stationary (the
        // variance has its minimum there).
        if k >= first_warm && x == starts[k] {
            continue;
        }
        if v > best.1 || best.1.is_nan() {
            best = (x, v);
        }
    }
    Ok(best)
}

/// What changed last in the alternating local search.
#[derive(Clone, Copy, PartialEq)]
enum Last {
    Continuous,
    Discrete(usize),
}

fn local_search<F: Surface>(f: &F, space: &EncodedSpace, x0: Vec<f64>, opts: SearchOptions) -> (Vec<f64>, f64) {
    let cont = space.continuous();
    let disc = space.discrete();
    let mut x = x0;
    let mut fx = f.eval(&x);
    let mut last = Last::Continuous;
    for _ in 0..opts.max_rounds {
        if continuous_step(f, &cont, &mut x, &mut fx, opts.tol) {
            last = Last::Continuous;
        }
        for &i in &disc {
            if last == Last::Discrete(i) {
                return (x, fx);
            }
            if discrete_step(f, space, i, &mut x, &mut fx) {
                last = Last::Discrete(i);
            }
        }
        if last == Last::Continuous {
            return (x, fx);
        }
    }
    (x, fx)
}

/// L-BFGS over the continuous coordinates in units of their lengthscales; true if it improved.
fn continuous_step<F: Surface>(f: &F, cont: &[usize], x: &mut [f64], fx: &mut f64, tol: f64) -> bool {
    if cont.is_empty() {
        return false;
    }
    let ls = f.lengthscales();
    let scale: Vec<f64> = cont.iter().map(|&i| ls[i].min(1e6)).collect();
    let z0: Vec<f64> = cont.iter().zip(&scale).map(|(&i, s)| x[i] / s).collect();
    let lo = vec![0.0; cont.len()];
    let hi: Vec<f64> = scale.iter().map(|s| 1.0 / s).collect();
    let mut full = x.to_vec();
    let mut g = vec![0.0; x.len()];
    let out = lbfgsb::minimize(
        |z, gz| {
            for (k, &i) in cont.iter().enumerate() {
                full[i] = (z[k] * scale[k]).clamp(0.0, 1.0);
            }
            let v = f.eval_grad(&full, &mut g);
            for (k, &i) in cont.iter().enumerate() {
                gz[k] = -g[i] * scale[k];
            }
            -v
        },
        &z0,
        &lo,
        &hi,
        Options { gtol: tol.sqrt(), max_iter: 200, ..Options::default() },
    );
    let v = -out.f;
    if out.iterations > 0 && v > *fx {
        for (k, &i) in cont.iter().enumerate() {
            x[i] = (out.x[k] * scale[k]).clamp(0.0, 1.0);
        }
        *fx = v;
        return true;
    }
    false
}

/// Improves coordinate `i` alone; true if it moved.
fn discrete_step<F: Surface>(f: &F, space: &EncodedSpace, i: usize, x: &mut [f64], fx: &mut f64) -> bool {
    let c = &space.coords[i];
    let count = c.count();
    if count <= 1 {
        return false;
    }
    let cur = c.grid_index(x[i]);
    let mut y = x.to_vec();
    let mut eval = |k: u64| {
        y[i] = c.grid_point(k);
        f.eval(&y)
    };
    let (mut best_k, mut best_v) = (cur, *fx);
    if matches!(c.dim, Dim::Categorical { .. }) || count <= EXHAUSTIVE_GRID {
        for k in 0..count {
            if k != cur {
                let v = eval(k);
                if v > best_v {
                    (best_k, best_v) = (k, v);
                }
            }
        }
    } else {
        // Expanding steps in both directions from the current point, then again from the
        // best one, until no neighbour improves.
        loop {
            let centre = best_k;
            for dir in [-1i64, 1] {
                let mut step = 1i64;
                loop {
                    let k = centre as i64 + dir * step;
                    if k < 0 || k >= count as i64 {
                        break;
                    }
                    let v = eval(k as u64);
                    if v > best_v {
                        (best_k, best_v) = (k as u64, v);
                        step *= 2;
                    } else {
                        break;
                    }
                }
            }
            if best_k == centre {
                break;
            }
        }
    }
    if best_k != cur && best_v > *fx {
        x[i] = c.grid_point(best_k);
        *fx = best_v;
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::acquisition::Acquisition;
    use crate::gp::kernel::KernelParams;
    use crate::gp::regressor::Gp;
    use crate::space::{Choice, Distribution};
    use rand::SeedableRng;

    #[test]
    fn finds_the_maximum_of_the_posterior_mean_in_a_mixed_space() {
        // Observations peaked at (0.7, grid value 6, choice 2): UCB with beta=0 is the mean.
        let space = vec![
            ("a".to_string(), Distribution::Float { low: 0.0, high: 1.0, log: false, step: None }),
            ("b".to_string(), Distribution::Int { low: 0, high: 99, log: false, step: 1 }),
            ("c".to_string(), Distribution::Categorical { choices: (0..4).map(Choice::Int).collect() }),
        ];
        let es = EncodedSpace::new(&space);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..60 {
            let a = crate::rng::uniform01(&mut rng);
            let b = (crate::rng::uniform01(&mut rng) * 100.0).floor();
            let c = (crate::rng::uniform01(&mut rng) * 4.0).floor();
            let (ea, eb) = (es.coords[0].encode(a), es.coords[1].encode(b));
            x.extend([ea, eb, c]);
            y.push(-(a - 0.7).powi(2) * 10.0 - (b - 60.0).powi(2) / 500.0 - if c == 2.0 { 0.0 } else { 1.0 });
        }
        let gp = Gp::new(x, y, es.categorical(), KernelParams { theta: vec![4.0, 4.0, 1.0], scale: 2.0, noise: 1e-4 }).unwrap();
        let f = AcqFn { gp: &gp, acq: Acquisition::Ucb { beta: 0.0 }, best: 0.0 };
        let (xb, _) = maximize(&f, &es, &[], SearchOptions::default(), &mut rng).unwrap();
        let (a, b, c) = (es.coords[0].decode(xb[0]), es.coords[1].decode(xb[1]), xb[2]);
        assert!((a - 0.7).abs() < 0.08, "a = {a}");
        assert!((b - 60.0).abs() <= 12.0, "b = {b}");
        assert_eq!(c, 2.0);
        // Grid coordinates are on the grid.
        assert_eq!(es.coords[1].snap(xb[1]), xb[1]);
    }
}

#[cfg(test)]
mod warm_starts {
    use super::*;
    use crate::gp::acquisition::Acquisition;
    use crate::gp::kernel::KernelParams;
    use crate::gp::regressor::Gp;
    use crate::space::Distribution;
    use rand::SeedableRng;

    /// The posterior mean of symmetric data peaks at the middle observation, where its gradient
    /// vanishes (to rounding): a search started there does not move, and must not propose the
    /// observed point again; the other searches end next to it.
    #[test]
    fn an_unmoved_warm_start_is_not_proposed() {
        let es = EncodedSpace::new(&[("a".to_string(), Distribution::Float { low: 0.0, high: 1.0, log: false, step: None })]);
        let gp =
            Gp::new(vec![0.25, 0.5, 0.75], vec![0.0, 1.0, 0.0], vec![false], KernelParams { theta: vec![4.0], scale: 1.0, noise: 1e-6 })
                .unwrap();
        let f = AcqFn { gp: &gp, acq: Acquisition::Ucb { beta: 0.0 }, best: 1.0 };
        let mut g = [0.0];
        f.eval_grad(&[0.5], &mut g);
        assert!(g[0].abs() < 1e-12, "the test needs a stationary warm start, gradient {}", g[0]);
        let cands = vec![0.1, 0.9];
        let vals = f.eval_batch(&cands);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let opts = SearchOptions { n_local: 3, ..SearchOptions::default() };
        let (x, _) = maximize_from(&f, &es, &[vec![0.5]], &cands, &vals, opts, &mut rng).unwrap();
        assert_ne!(x, vec![0.5]);
        assert!((x[0] - 0.5).abs() < 0.02, "x = {x:?}");
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::gp::acquisition::Acquisition;
    use crate::gp::fit::{fit_gp, FitOptions};
    use crate::space::Distribution;
    use rand::SeedableRng;
    use std::time::Instant;

    /// Where a suggestion's time goes (run with `--ignored --nocapture`, release build):
    /// `cargo test --release -p ferrotune-core suggestion_timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn suggestion_timing() {
        for &(n, d) in &[(300usize, 5usize), (300, 20), (1000, 5)] {
            let space: Vec<(String, Distribution)> =
                (0..d).map(|i| (format!("x{i}"), Distribution::Float { low: -5.0, high: 5.0, log: false, step: None })).collect();
            let es = EncodedSpace::new(&space);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
            let x: Vec<f64> = (0..n * d).map(|_| crate::rng::uniform01(&mut rng)).collect();
            let raw: Vec<f64> =
                (0..n).map(|r| -(0..d).map(|i| (x[r * d + i] - 0.3).powi(2) + (3.0 * x[r * d + i]).sin() * 0.1).sum::<f64>()).collect();
            let y = crate::samplers::gp::standardize(&raw);
            let cat = vec![false; d];
            let t = Instant::now();
            let _cold = fit_gp(
                &x,
                &y,
                &cat,
                None,
                None,
                &mut crate::gp::lbfgsb::Memory::default(),
                &mut crate::gp::fit::Work::default(),
                FitOptions::default(),
            );
            let t_cold = t.elapsed();
            // Warm start as in a study: the previous fit had one trial fewer.
            let mut mem = crate::gp::lbfgsb::Memory::default();
            let prev = fit_gp(
                &x[..(n - 1) * d],
                &y[..n - 1],
                &cat,
                None,
                None,
                &mut mem,
                &mut crate::gp::fit::Work::default(),
                FitOptions::default(),
            );
            // The buffers as the previous suggestion leaves them.
            let mut work = crate::gp::fit::Work::default();
            let _ =
                fit_gp(&x[..(n - 1) * d], &y[..n - 1], &cat, Some(&prev.params), None, &mut mem.clone(), &mut work, FitOptions::default());
            let t = Instant::now();
            let warm =
                fit_gp(&x, &y, &cat, Some(&prev.params), None, &mut mem, &mut work, FitOptions { restart: false, ..FitOptions::default() });
            let t_warm = t.elapsed();
            let gp = warm.gp.unwrap();
            let best = y.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let f = AcqFn { gp: &gp, acq: Acquisition::LogEi, best };
            let t = Instant::now();
            let (_, v) = maximize(&f, &es, &[], SearchOptions::default(), &mut rng).unwrap();
            let t_acq = t.elapsed();
            let t = Instant::now();
            let mut s = Sobol::new(d, true, 3).unwrap();
            let c = s.points(2048);
            let _ = f.eval_batch(&c);
            let t_sweep = t.elapsed();
            let t = Instant::now();
            for _ in 0..10 {
                let _ = f.eval_batch(&c);
            }
            let t_full = t.elapsed() / 10;
            let t = Instant::now();
            for _ in 0..10 {
                let _ = f.eval_batch_screened(&c, 20.0);
            }
            let te = t.elapsed() / 10;
            let (a, b) = (f.eval_batch(&c), f.eval_batch_screened(&c, 20.0));
            let same = a.iter().zip(&b).filter(|(x, y)| (*x - *y).abs() < 1e-12).count();
            eprintln!("  sweep full {t_full:?} screened {te:?}; exact rows {same} of {}", a.len());
            let t = Instant::now();
            let mut g = vec![0.0; d];
            for i in 0..1000 {
                f.eval_grad(&c[(i % 2048) * d..(i % 2048 + 1) * d], &mut g);
            }
            let t_grad = t.elapsed() / 1000;
            eprintln!(
                "n={n} d={d}: fit cold {t_cold:?} warm {t_warm:?}; acq {t_acq:?} (sweep {t_sweep:?}, one grad eval {t_grad:?}) v={v:.3}"
            );
        }
    }
}
