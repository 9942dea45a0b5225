//! The Parzen estimator of TPE: a weighted mixture of product kernels, one component per
//! observation plus an optional prior component.
//!
//! Numerical dimensions use Gaussians truncated to the (adapted) bounds, in log space for log
//! parameters and integrated over the step cell for stepped and integer parameters; their
//! bandwidth is the larger distance to the neighbouring observations (or bounds), clipped to
//! [range / min(100, 1 + n_kernels), range]. Categorical dimensions use a per-observation
//! distribution over the choices: mass 1 on the observed choice (spread to nearby choices when
//! a distance function is given) plus `prior_weight / n_kernels` on every choice.

use rand::RngCore;

use super::columns::{neighbour_sigmas, Geometry, KernelConsts};
use super::truncnorm::{log_gauss_mass, ppf};
pub use crate::math::fast_exp;
use crate::rng::uniform01;
use crate::space::{Choice, Distribution};

/// Widest cell, in kernel standard deviations, whose mass the midpoint rule approximates.
const MIDPOINT_MAX_WIDTH: f64 = 0.3;

/// A categorical dimension's distances between its choices, row-major `k × k` (row `a`: the
/// distances from choice `a`), computed from the user's function before sampling.
pub type DistanceTable = [f64];

pub struct ParzenParams<'a> {
    pub consider_prior: bool,
    pub prior_weight: f64,
    pub consider_magic_clip: bool,
    pub consider_endpoints: bool,
    /// Distance tables of categorical dimensions (by dimension index).
    pub distances: Vec<Option<&'a DistanceTable>>,
}

enum Kernel {
    Numeric {
        mu: Vec<f64>,
        sigma: Vec<f64>,
        /// ln(Φ(b) - Φ(a)) of each component's truncation.
        log_norm: Vec<f64>,
        /// Per component: 1/σ, and -ln σ - ln Z - ln √(2π) (the log density at the mean).
        inv: Vec<f64>,
        c0: Vec<f64>,
        /// Bounds in the kernel's space (log space for log parameters, widened by half a step).
        low: f64,
        high: f64,
        log: bool,
        /// Values are multiplied by this before the kernel sees them: 1, or a power of two
        /// below 1 for float ranges wider than `f64::MAX` (which would overflow `high - low`).
        scale: f64,
        /// 0 for continuous parameters.
        step: f64,
        /// The distribution's own bounds, for rounding samples onto the grid.
        grid_low: f64,
        grid_high: f64,
    },
    Categorical {
        n_choices: usize,
        /// Components that observed the same choice share a distribution, so the kernel keeps
        /// one row per distinct row: `row_of[component]` indexes the row-major tables below.
        row_of: Vec<u32>,
        log_probs: Vec<f64>,
        probs: Vec<f64>,
    },
}

pub struct Parzen {
    log_weights: Vec<f64>,
    cum_weights: Vec<f64>,
    kernels: Vec<Kernel>,
}

impl Parzen {
    /// `obs[d][i]`: internal value of dimension `d` in observation `i`; `weights[i]` its weight;
    /// `ties[i]` orders equal values for the bandwidths (see `columns::tie_key`).
    pub fn new(obs: &[Vec<f64>], ties: &[u64], dists: &[&Distribution], weights: &[f64], p: &ParzenParams) -> Result<Self, String> {
        let n = weights.len();
        let mut w: Vec<f64> = weights.to_vec();
        if n == 0 {
            w = vec![1.0];
        } else if p.consider_prior {
            w.push(p.prior_weight);
        }
        let total: f64 = w.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err("the mixture weights must be finite and not all zero".into());
        }
        let with_prior = n == 0 || p.consider_prior;
        let n_kernels = n + usize::from(with_prior);
        let log_weights: Vec<f64> = w.iter().map(|x| (x / total).ln()).collect();
        let mut cum_weights = Vec::with_capacity(w.len());
        let mut acc = 0.0;
        for x in &w {
            acc += x / total;
            cum_weights.push(acc);
        }
        let mut kernels = Vec::with_capacity(dists.len());
        for (d, dist) in dists.iter().enumerate() {
            let k = match dist {
                Distribution::Categorical { choices } => categorical_kernel(&obs[d], choices, n_kernels, with_prior, p, d)?,
                _ => numeric_kernel(&obs[d], ties, dist, n_kernels, with_prior, p),
            };
            kernels.push(k);
        }
        Ok(Parzen { log_weights, cum_weights, kernels })
    }

    /// Draws `k` points; returns `out[d][j]`, internal values.
    pub fn sample<R: RngCore>(&self, rng: &mut R, k: usize) -> Vec<Vec<f64>> {
        let comps: Vec<usize> = (0..k)
            .map(|_| {
                let u = uniform01(rng);
                self.cum_weights.partition_point(|c| *c <= u).min(self.cum_weights.len() - 1)
            })
            .collect();
        self.kernels
            .iter()
            .map(|kern| match kern {
                Kernel::Numeric { mu, sigma, low, high, log, scale, step, grid_low, grid_high, .. } => comps
                    .iter()
                    .map(|&c| {
                        let (m, s) = (mu[c], sigma[c]);
                        let u = uniform01(rng).max(f64::MIN_POSITIVE);
                        let z = ppf(u, (low - m) / s, (high - m) / s);
                        let mut x = (m + s * z) / scale;
                        if *log {
                            x = x.exp();
                        }
                        if *step > 0.0 {
                            x = grid_low + ((x - grid_low) / step).round() * step;
                        }
                        x.clamp(*grid_low, *grid_high)
                    })
                    .collect(),
                Kernel::Categorical { n_choices, probs, row_of, .. } => comps
                    .iter()
                    .map(|&c| {
                        let r = row_of[c] as usize;
                        let row = &probs[r * n_choices..(r + 1) * n_choices];
                        let u = uniform01(rng);
                        let mut acc = 0.0;
                        let mut pick = n_choices - 1;
                        for (j, pr) in row.iter().enumerate() {
                            acc += pr;
                            if u < acc {
                                pick = j;
                                break;
                            }
                        }
                        pick as f64
                    })
                    .collect(),
            })
            .collect()
    }

    /// Log density (log mass for discrete dimensions) of each point `x[d][j]`.
    pub fn log_pdf(&self, x: &[Vec<f64>]) -> Vec<f64> {
        let m = x.first().map_or(0, |v| v.len());
        let c = self.log_weights.len();
        // acc[j * c + i]: log weight of component i plus its log kernels at point j.
        let mut acc = vec![0.0; m * c];
        for j in 0..m {
            acc[j * c..(j + 1) * c].copy_from_slice(&self.log_weights);
        }
        for (d, kern) in self.kernels.iter().enumerate() {
            let xs = &x[d];
            match kern {
                Kernel::Numeric { mu, inv, c0, log, scale, step, .. } if *step == 0.0 => {
                    for (j, &xj) in xs.iter().enumerate() {
                        let t = if *log { xj.ln() } else { xj * scale };
                        let row = &mut acc[j * c..(j + 1) * c];
                        for (((a, m), iv), k) in row.iter_mut().zip(mu).zip(inv).zip(c0) {
                            let z = (t - m) * iv;
                            *a += k - 0.5 * z * z;
                        }
                    }
                }
                Kernel::Numeric { mu, sigma, log_norm, inv, c0, log, scale, step, .. } => {
                    // Stepped values repeat among candidates and observations: the kernel of
                    // each distinct (candidate, μ, σ) is computed once.
                    let mut order: Vec<usize> = (0..c).collect();
                    order.sort_unstable_by(|&a, &b| mu[a].total_cmp(&mu[b]).then(sigma[a].total_cmp(&sigma[b])));
                    let mut cache: Vec<(f64, Vec<f64>)> = Vec::new();
                    for (j, &xj) in xs.iter().enumerate() {
                        let pos = match cache.iter().position(|(v, _)| *v == xj) {
                            Some(p) => p,
                            None => {
                                let (mut l, mut r) = (xj - step / 2.0, xj + step / 2.0);
                                if *log {
                                    l = l.ln();
                                    r = r.ln();
                                } else {
                                    l *= scale;
                                    r *= scale;
                                }
                                let mut vals = vec![0.0; c];
                                let mut last: Option<(f64, f64, f64)> = None;
                                for &i in &order {
                                    vals[i] = match last {
                                        Some((m, sg, v)) if m == mu[i] && sg == sigma[i] => v,
                                        _ => {
                                            let k = KernelConsts { mu: mu[i], sigma: sigma[i], inv: inv[i], lnz: log_norm[i], lc: c0[i] };
                                            let v = discrete_log_kernel(l, r, mu[i], &k);
                                            last = Some((mu[i], sigma[i], v));
                                            v
                                        }
                                    };
                                }
                                cache.push((xj, vals));
                                cache.len() - 1
                            }
                        };
                        for (a, v) in acc[j * c..(j + 1) * c].iter_mut().zip(&cache[pos].1) {
                            *a += v;
                        }
                    }
                }
                Kernel::Categorical { n_choices, log_probs, row_of, .. } => {
                    for (j, &xj) in xs.iter().enumerate() {
                        let k = xj as usize;
                        let row = &mut acc[j * c..(j + 1) * c];
                        // one log probability per distinct row, looked up per component
                        let col: Vec<f64> = (0..log_probs.len() / n_choices).map(|r| log_probs[r * n_choices + k]).collect();
                        for (a, r) in row.iter_mut().zip(row_of) {
                            *a += col[*r as usize];
                        }
                    }
                }
            }
        }
        (0..m).map(|j| log_sum_exp(&acc[j * c..(j + 1) * c])).collect()
    }
}

/// ln Σ e^v; the maximum is taken in lanes of 8 so that loop vectorizes.
pub fn log_sum_exp(row: &[f64]) -> f64 {
    const L: usize = 8;
    let mut mxs = [f64::NEG_INFINITY; L];
    let chunks = row.chunks_exact(L);
    let rest = chunks.remainder();
    for ch in chunks {
        for k in 0..L {
            mxs[k] = mxs[k].max(ch[k]);
        }
    }
    let mx = rest.iter().chain(mxs.iter()).cloned().fold(f64::NEG_INFINITY, f64::max);
    if mx == f64::NEG_INFINITY {
        return mx;
    }
    // Terms more than 40 below the largest add under 1e-17 each: skipping them keeps the sum
    // exact to rounding and saves most exponentials in wide mixtures.
    let floor = mx - 40.0;
    let live = row.iter().filter(|v| **v > floor).count();
    let total: f64 = if 4 * live < row.len() {
        row.iter().filter(|v| **v > floor).map(|v| fast_exp(v - mx)).sum()
    } else {
        // Dense: a branch-free loop in lanes vectorizes (terms below the floor are clamped to
        // e^-60, under 1e-26 each, which leaves the sum unchanged).
        let mut sums = [0.0; L];
        let chunks = row.chunks_exact(L);
        let rest = chunks.remainder();
        for ch in chunks {
            for k in 0..L {
                sums[k] += fast_exp((ch[k] - mx).max(-60.0));
            }
        }
        sums.iter().sum::<f64>() + rest.iter().map(|v| fast_exp((v - mx).max(-60.0))).sum::<f64>()
    };
    mx + total.ln()
}

/// ln x for positive normal x, to a few ulps: x = m · 2^e with m in [√½, √2), then
/// ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its odd series. Branch-free so
/// loops over weights vectorize (libm's log is a call per element).
#[inline(always)]
pub fn fast_ln(x: f64) -> f64 {
    const LN2: f64 = std::f64::consts::LN_2;
    let bits = x.to_bits();
    // exponent and mantissa, with the mantissa moved into [√½, √2)
    let e0 = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m0 = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = m0 > std::f64::consts::SQRT_2;
    let m = if big { m0 * 0.5 } else { m0 };
    let e = (e0 + i64::from(big)) as f64;
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // 2 (s + s³/3 + ... + s^23/23): the next term is below 1e-18 relative
    const C: [f64; 11] =
        [1.0 / 23.0, 1.0 / 21.0, 1.0 / 19.0, 1.0 / 17.0, 1.0 / 15.0, 1.0 / 13.0, 1.0 / 11.0, 1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0];
    let mut p = C[0];
    for c in &C[1..] {
        p = p * s2 + c;
    }
    e * LN2 + 2.0 * s * (1.0 + s2 * p)
}

fn numeric_kernel(obs: &[f64], ties: &[u64], dist: &Distribution, n_kernels: usize, with_prior: bool, p: &ParzenParams) -> Kernel {
    let g = Geometry::of(dist).expect("numerical distribution");
    let mus: Vec<f64> = obs.iter().map(|v| g.to_kernel(*v)).collect();
    let n = mus.len();
    let mut sigma = vec![0.0; n];
    if n > 0 {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by(|&a, &b| mus[a].total_cmp(&mus[b]).then(ties[a].cmp(&ties[b])));
        let sorted: Vec<f64> = order.iter().map(|&i| mus[i]).collect();
        let min_sigma = g.min_sigma(n_kernels, p.consider_magic_clip);
        neighbour_sigmas(&sorted, &g, min_sigma, p.consider_endpoints, |k, s| sigma[order[k]] = s);
    }
    let mut mu = mus;
    if with_prior {
        mu.push(0.5 * (g.low + g.high));
        sigma.push(g.range());
    }
    let consts: Vec<KernelConsts> = mu.iter().zip(&sigma).map(|(m, s)| KernelConsts::new(&g, *m, *s)).collect();
    let log_norm = consts.iter().map(|c| c.lnz).collect();
    let inv = consts.iter().map(|c| c.inv).collect();
    let c0 = consts.iter().map(|c| c.lc).collect();
    let Geometry { low, high, log, scale, step, grid_low, grid_high } = g;
    Kernel::Numeric { mu, sigma, log_norm, inv, c0, low, high, log, scale, step, grid_low, grid_high }
}

/// Log kernel of a stepped dimension: the log mass of the cell `[l, r]` (kernel space) under a
/// truncated Gaussian at `mu`. Where the cell is narrow next to the kernel (width <= 0.3 σ),
/// the midpoint rule with its second-order correction is accurate to ~1e-5 relative near the
/// kernel (what matters in the mixture) and costs what a density does.
#[inline]
pub fn discrete_log_kernel(l: f64, r: f64, mu: f64, k: &KernelConsts) -> f64 {
    let width = r - l;
    let w = width * k.inv;
    if w <= MIDPOINT_MAX_WIDTH {
        let z = (0.5 * (l + r) - mu) * k.inv;
        k.lc + width.ln() - 0.5 * z * z + w * w * (z * z - 1.0) / 24.0
    } else {
        log_gauss_mass((l - mu) / k.sigma, (r - mu) / k.sigma) - k.lnz
    }
}

fn categorical_kernel(
    obs: &[f64],
    choices: &[Choice],
    n_kernels: usize,
    with_prior: bool,
    p: &ParzenParams,
    d: usize,
) -> Result<Kernel, String> {
    let k = choices.len();
    let mut observed = vec![false; k];
    for v in obs {
        observed[*v as usize] = true;
    }
    let probs = categorical_table(&observed, choices, n_kernels, with_prior, p.prior_weight, p.distances.get(d).copied().flatten())?;
    let mut row_of: Vec<u32> = obs.iter().map(|v| *v as u32).collect();
    if with_prior {
        row_of.push(k as u32);
    }
    let log_probs = probs.iter().map(|x| x.ln()).collect();
    Ok(Kernel::Categorical { n_choices: k, row_of, log_probs, probs })
}

/// The categorical kernels, row-major `(k + 1) × k`: row `a` is the distribution of a component
/// that observed choice `a` (mass 1 on it, spread to nearby choices when a distance function
/// is given, plus `prior_weight / n_kernels` everywhere), row `k` the prior's. Rows of choices
/// not `observed` are only needed without a distance function.
pub fn categorical_table(
    observed: &[bool],
    choices: &[Choice],
    n_kernels: usize,
    with_prior: bool,
    prior_weight: f64,
    distance: Option<&DistanceTable>,
) -> Result<Vec<f64>, String> {
    let k = choices.len();
    let base = if with_prior { prior_weight / n_kernels as f64 } else { 0.0 };
    let mut raw = vec![base; (k + 1) * k];
    for a in 0..k {
        match distance {
            None => raw[a * k + a] += 1.0,
            Some(table) => {
                // Observed choice a spreads its mass to choice j by exp(-(d_aj / max_j d_aj)² · c),
                // sharper when there are more kernels per unit of prior.
                if !observed[a] {
                    continue;
                }
                let coef = (n_kernels as f64 / prior_weight.max(1e-12)).ln() * (k as f64).ln() / 6f64.ln();
                let d = table.get(a * k..(a + 1) * k).ok_or("a distance table does not match its choices")?;
                let dmax = d.iter().cloned().fold(0.0, f64::max);
                for (j, x) in d.iter().enumerate() {
                    raw[a * k + j] += if dmax > 0.0 { (-(x / dmax).powi(2) * coef).exp() } else { 1.0 };
                }
            }
        }
    }
    if base == 0.0 {
        // prior_weight = 0: the prior row is still a proper (uniform) distribution
        raw[k * k..].iter_mut().for_each(|x| *x = 1.0);
    }
    for r in 0..=k {
        let row = &mut raw[r * k..(r + 1) * k];
        let s: f64 = row.iter().sum();
        if s > 0.0 {
            row.iter_mut().for_each(|x| *x /= s);
        } else {
            row.iter_mut().for_each(|x| *x = 1.0 / k as f64);
        }
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samplers::tpe::truncnorm::norm_logpdf;

    fn ties(n: usize) -> Vec<u64> {
        (0..n).map(crate::samplers::tpe::columns::tie_key).collect()
    }

    fn params() -> ParzenParams<'static> {
        ParzenParams { consider_prior: true, prior_weight: 1.0, consider_magic_clip: true, consider_endpoints: false, distances: vec![] }
    }

    #[test]
    fn bandwidths_follow_neighbour_distances_with_magic_clip() {
        let d = Distribution::Float { low: 0.0, high: 10.0, log: false, step: None };
        let obs = vec![vec![1.0, 2.0, 6.0]];
        let p = Parzen::new(&obs, &ties(64), &[&d], &[1.0, 1.0, 1.0], &params()).unwrap();
        let Kernel::Numeric { mu, sigma, .. } = &p.kernels[0] else { panic!() };
        // sorted [0 | 1, 2, 6 | 10]: neighbour gaps (1,1), (1,4), (4,4); endpoints not
        // considered: first = 2-1 = 1, last = 6-2 = 4; minsigma = 10 / min(100, 1 + 4) = 2.
        assert_eq!(&sigma[..3], &[2.0, 4.0, 4.0]);
        assert_eq!(mu[3], 5.0);
        assert_eq!(sigma[3], 10.0);
        // mixture weights: 3 observations + prior, equal
        for lw in &p.log_weights {
            assert!((lw - 0.25f64.ln()).abs() < 1e-12);
        }
    }

    #[test]
    fn density_integrates_to_one_and_matches_hand_value() {
        let d = Distribution::Float { low: -1.0, high: 1.0, log: false, step: None };
        let p = Parzen::new(&[vec![]], &ties(64), &[&d], &[], &params()).unwrap();
        // prior only: N(0, 2) truncated to [-1, 1]
        let z = log_gauss_mass(-0.5, 0.5);
        let expect = norm_logpdf(0.25) - 2f64.ln() - z;
        let got = p.log_pdf(&[vec![0.5]])[0];
        assert!((got - expect).abs() < 1e-12, "{got} {expect}");
        let n = 20_000;
        let h = 2.0 / n as f64;
        let xs: Vec<f64> = (0..n).map(|i| -1.0 + (i as f64 + 0.5) * h).collect();
        let total: f64 = p.log_pdf(&[xs]).iter().map(|l| l.exp() * h).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
    }

    #[test]
    fn discrete_masses_sum_to_one() {
        let d = Distribution::Int { low: 1, high: 9, log: false, step: 2 };
        let obs = vec![vec![3.0, 3.0, 7.0]];
        let p = Parzen::new(&obs, &ties(64), &[&d], &[1.0, 1.0, 1.0], &params()).unwrap();
        let grid = vec![1.0, 3.0, 5.0, 7.0, 9.0];
        let total: f64 = p.log_pdf(std::slice::from_ref(&grid)).iter().map(|l| l.exp()).sum();
        // the wide prior kernel (σ = 10, cells of width 2) goes through the midpoint rule
        assert!((total - 1.0).abs() < 1e-5, "{total}");
        let lp = p.log_pdf(&[grid]);
        assert!(lp[1] > lp[0] && lp[1] > lp[2], "mass peaks at the repeated observation");
    }

    #[test]
    fn narrow_cells_match_exact_masses() {
        // step 0.01 on [0, 10]: cells are far narrower than the kernels (midpoint rule path)
        let d = Distribution::Float { low: 0.0, high: 10.0, log: false, step: Some(0.01) };
        let obs = vec![vec![2.0, 2.5, 7.0]];
        let p = Parzen::new(&obs, &ties(64), &[&d], &[1.0, 1.0, 1.0], &params()).unwrap();
        let Kernel::Numeric { mu, sigma, log_norm, .. } = &p.kernels[0] else { panic!() };
        for x in [0.0, 2.37, 5.0, 9.99] {
            let exact: f64 = (0..mu.len())
                .map(|i| {
                    let (l, r) = ((x - 0.005 - mu[i]) / sigma[i], (x + 0.005 - mu[i]) / sigma[i]);
                    (p.log_weights[i] + log_gauss_mass(l, r) - log_norm[i]).exp()
                })
                .sum::<f64>()
                .ln();
            let got = p.log_pdf(&[vec![x]])[0];
            assert!((got - exact).abs() < 1e-6, "{x}: {got} vs {exact}");
        }
    }

    #[test]
    fn ranges_wider_than_f64_max_are_modelled() {
        let d = Distribution::Float { low: -1e308, high: 1e308, log: false, step: None };
        let obs = vec![vec![-5e307, 1e307, 9e307]];
        let p = Parzen::new(&obs, &ties(64), &[&d], &[1.0, 1.0, 1.0], &params()).unwrap();
        let mut rng = crate::rng::stream(1, 0, "w");
        let s = p.sample(&mut rng, 200);
        assert!(s[0].iter().all(|x| x.is_finite() && (-1e308..=1e308).contains(x)));
        assert!(p.log_pdf(&s).iter().all(|l| l.is_finite()));
    }

    #[test]
    fn fast_ln_matches_libm() {
        let mut rng = crate::rng::stream(9, 0, "ln");
        for i in 0..100_000 {
            let x = if i < 50_000 { uniform01(&mut rng) * 1e-6 + 1e-12 } else { (uniform01(&mut rng) - 0.5) * 1400.0 }.abs();
            let x = if i >= 50_000 { (x - 700.0).exp() } else { x };
            let (a, b) = (fast_ln(x), x.ln());
            assert!((a - b).abs() <= 4e-16 * b.abs().max(1.0), "{x}: {a} vs {b}");
        }
        for x in [1.0, 2.0, 0.5, std::f64::consts::SQRT_2, 1e-300, 1e300] {
            assert!((fast_ln(x) - x.ln()).abs() <= 4e-16 * x.ln().abs().max(1.0), "{x}");
        }
    }

    #[test]
    fn categorical_probabilities_by_hand() {
        let d = Distribution::Categorical { choices: vec![Choice::Int(0), Choice::Int(1), Choice::Int(2)] };
        let obs = vec![vec![1.0, 1.0]];
        let p = Parzen::new(&obs, &ties(64), &[&d], &[1.0, 1.0], &params()).unwrap();
        // rows: obs row = [1/3, 1 + 1/3, 1/3] / 2 ; prior row uniform; mixture 1/3 each.
        let lp = p.log_pdf(&[vec![0.0, 1.0, 2.0]]);
        let p0 = (2.0 * (1.0 / 6.0) + 1.0 / 3.0) / 3.0;
        let p1 = (2.0 * (2.0 / 3.0) + 1.0 / 3.0) / 3.0;
        assert!((lp[0].exp() - p0).abs() < 1e-12);
        assert!((lp[1].exp() - p1).abs() < 1e-12);
        assert!((lp.iter().map(|l| l.exp()).sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn samples_stay_inside_and_follow_the_observations() {
        let d = Distribution::Float { low: 1e-3, high: 1e3, log: true, step: None };
        let obs = vec![vec![1.0; 30]];
        let p = Parzen::new(&obs, &ties(64), &[&d], &vec![1.0; 30], &params()).unwrap();
        let mut rng = crate::rng::stream(1, 0, "t");
        let s = p.sample(&mut rng, 2000);
        assert!(s[0].iter().all(|x| (1e-3..=1e3).contains(x)));
        let near = s[0].iter().filter(|x| (0.1..10.0).contains(*x)).count();
        assert!(near > 1500, "{near}"); // 30 of 31 components sit at 1 with σ = ln(1e6)/31
    }
}
