//! Crossover operators on the numerical parameters, in the transformed space of
//! [`super::transform`] (log scale for log parameters, half a step beyond each bound for
//! stepped ones), one file per operator as Optuna defines it. Categorical parameters always
//! use uniform crossover (`child.rs`).

mod blx_alpha;
mod sbx;
mod spx;
mod undx;
mod uniform;
mod vsbx;

use rand::RngCore;

use crate::error::{Error, Result};
use crate::rng::uniform01;

#[derive(Debug, Clone, PartialEq)]
pub enum Crossover {
    Uniform {
        swapping_prob: f64,
    },
    BlxAlpha {
        alpha: f64,
    },
    /// `eta = None`: 20 for several objectives, 2 for one, as in Optuna.
    Sbx {
        eta: Option<f64>,
        uniform_crossover_prob: f64,
        use_child_gene_prob: f64,
    },
    Vsbx {
        eta: Option<f64>,
        uniform_crossover_prob: f64,
        use_child_gene_prob: f64,
    },
    /// `sigma_eta = None`: `0.35 / sqrt(n)`.
    Undx {
        sigma_xi: f64,
        sigma_eta: Option<f64>,
    },
    /// `epsilon = None`: `sqrt(n + 2)`.
    Spx {
        epsilon: Option<f64>,
    },
}

fn check(owner: &str, name: &str, v: f64, ok: bool, rule: &str, fix: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidValue(format!("{owner}: {name} must be {rule}, got {v}; {fix}")))
    }
}

impl Crossover {
    /// Optuna's class name.
    pub fn name(&self) -> &'static str {
        match self {
            Crossover::Uniform { .. } => "UniformCrossover",
            Crossover::BlxAlpha { .. } => "BLXAlphaCrossover",
            Crossover::Sbx { .. } => "SBXCrossover",
            Crossover::Vsbx { .. } => "VSBXCrossover",
            Crossover::Undx { .. } => "UNDXCrossover",
            Crossover::Spx { .. } => "SPXCrossover",
        }
    }

    /// The operator from Optuna's class name and its arguments in the constructor's order
    /// (`None` for an argument left at `None`), checked.
    pub fn from_args(name: &str, args: &[Option<f64>]) -> Result<Self> {
        let arg = |i: usize, default: f64| args.get(i).copied().flatten().unwrap_or(default);
        let opt = |i: usize| args.get(i).copied().flatten();
        let c = match name {
            "UniformCrossover" => Crossover::Uniform { swapping_prob: arg(0, 0.5) },
            "BLXAlphaCrossover" => Crossover::BlxAlpha { alpha: arg(0, 0.5) },
            "SBXCrossover" => Crossover::Sbx { eta: opt(0), uniform_crossover_prob: arg(1, 0.5), use_child_gene_prob: arg(2, 0.5) },
            "VSBXCrossover" => Crossover::Vsbx { eta: opt(0), uniform_crossover_prob: arg(1, 0.5), use_child_gene_prob: arg(2, 0.5) },
            "UNDXCrossover" => Crossover::Undx { sigma_xi: arg(0, 0.5), sigma_eta: opt(1) },
            "SPXCrossover" => Crossover::Spx { epsilon: opt(0) },
            _ => {
                return Err(Error::InvalidValue(format!(
                    "unknown crossover {name:?}; use one of UniformCrossover, BLXAlphaCrossover, SBXCrossover, \
                     VSBXCrossover, UNDXCrossover, SPXCrossover"
                )))
            }
        };
        c.validate()?;
        Ok(c)
    }

    pub fn n_parents(&self) -> usize {
        match self {
            Crossover::Undx { .. } | Crossover::Spx { .. } => 3,
            _ => 2,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let owner = self.name();
        let prob = |name: &str, v: f64| check(owner, name, v, (0.0..=1.0).contains(&v), "in [0, 1]", "pass a probability");
        match self {
            Crossover::Uniform { swapping_prob } => prob("swapping_prob", *swapping_prob),
            Crossover::BlxAlpha { alpha } => {
                check(owner, "alpha", *alpha, alpha.is_finite() && *alpha >= 0.0, "a finite number >= 0", "pass e.g. alpha=0.5")
            }
            Crossover::Sbx { eta, uniform_crossover_prob, use_child_gene_prob }
            | Crossover::Vsbx { eta, uniform_crossover_prob, use_child_gene_prob } => {
                if let Some(eta) = eta {
                    check(owner, "eta", *eta, eta.is_finite() && *eta >= 0.0, "a finite number >= 0", "pass e.g. eta=20.0 or None")?;
                }
                prob("uniform_crossover_prob", *uniform_crossover_prob)?;
                let p = *use_child_gene_prob;
                check(owner, "use_child_gene_prob", p, p > 0.0 && p <= 1.0, "in (0, 1]", "pass a positive probability")
            }
            Crossover::Undx { sigma_xi, sigma_eta } => {
                let s = *sigma_xi;
                check(owner, "sigma_xi", s, s.is_finite() && s >= 0.0, "a finite number >= 0", "pass e.g. sigma_xi=0.5")?;
                if let Some(s) = sigma_eta {
                    check(owner, "sigma_eta", *s, s.is_finite() && *s >= 0.0, "a finite number >= 0", "pass a positive number or None")?;
                }
                Ok(())
            }
            Crossover::Spx { epsilon } => match epsilon {
                Some(e) => check(owner, "epsilon", *e, e.is_finite() && *e > 0.0, "a finite number > 0", "pass a positive number or None"),
                None => Ok(()),
            },
        }
    }

    /// One child from `parents` (each a point of the transformed space, `n_parents()` of them)
    /// within `bounds` (the transformed space's box, which some operators read).
    pub fn apply<R: RngCore>(&self, parents: &[&[f64]], bounds: &[(f64, f64)], multi_objective: bool, rng: &mut R) -> Vec<f64> {
        let default_eta = if multi_objective { 20.0 } else { 2.0 };
        match self {
            Crossover::Uniform { swapping_prob } => uniform::crossover(parents, *swapping_prob, rng),
            Crossover::BlxAlpha { alpha } => blx_alpha::crossover(parents, *alpha, rng),
            Crossover::Sbx { eta, uniform_crossover_prob, use_child_gene_prob } => {
                sbx::crossover(parents, bounds, eta.unwrap_or(default_eta), *uniform_crossover_prob, *use_child_gene_prob, rng)
            }
            Crossover::Vsbx { eta, uniform_crossover_prob, use_child_gene_prob } => {
                vsbx::crossover(parents, eta.unwrap_or(default_eta), *uniform_crossover_prob, *use_child_gene_prob, rng)
            }
            Crossover::Undx { sigma_xi, sigma_eta } => undx::crossover(parents, *sigma_xi, *sigma_eta, rng),
            Crossover::Spx { epsilon } => spx::crossover(parents, *epsilon, rng),
        }
    }
}

/// A standard normal draw (Box-Muller).
pub(crate) fn normal<R: RngCore>(rng: &mut R) -> f64 {
    let u1 = 1.0 - uniform01(rng); // in (0, 1]
    let u2 = uniform01(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// SBX and VSBX end alike: each coordinate comes from the two children or from the two
/// parents (`use_child_gene_prob`), swapped between the pair with `uniform_crossover_prob`,
/// and one of the two resulting individuals is returned.
fn pick_genes<R: RngCore>(c1: &[f64], c2: &[f64], x1: &[f64], x2: &[f64], uniform_prob: f64, child_prob: f64, rng: &mut R) -> Vec<f64> {
    let mut first = Vec::with_capacity(c1.len());
    let mut second = Vec::with_capacity(c1.len());
    for i in 0..c1.len() {
        let (a, b) = if uniform01(rng) < child_prob { (c1[i], c2[i]) } else { (x1[i], x2[i]) };
        if uniform01(rng) >= uniform_prob {
            first.push(a);
            second.push(b);
        } else {
            first.push(b);
            second.push(a);
        }
    }
    if uniform01(rng) < 0.5 {
        first
    } else {
        second
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::Crossover;

    /// `n` children of the same parents: their per-coordinate means and standard deviations.
    pub fn moments(c: &Crossover, parents: &[&[f64]], bounds: &[(f64, f64)], n: usize) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let children: Vec<Vec<f64>> = (0..n).map(|_| c.apply(parents, bounds, true, &mut rng)).collect();
        let d = parents[0].len();
        let mean: Vec<f64> = (0..d).map(|j| children.iter().map(|c| c[j]).sum::<f64>() / n as f64).collect();
        let sd: Vec<f64> =
            (0..d).map(|j| (children.iter().map(|c| (c[j] - mean[j]).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()).collect();
        (mean, sd, children)
    }
}
