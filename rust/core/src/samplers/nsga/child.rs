//! A child's parameters from the parent population, as Optuna's
//! `NSGAIIChildGenerationStrategy`: with probability `crossover_prob` a crossover of parents
//! chosen by binary tournament (constrained domination when the population has constraints),
//! otherwise a copy of a random parent; then each parameter is mutated with probability
//! `mutation_prob` (polynomial mutation, or left out so the independent sampler draws it).

use rand::RngCore;

use super::config::NsgaConfig;
use super::transform::{backward, bounds, forward};
use crate::history::{constraints::violation, StudyDirection, TrialHistory};
use crate::pareto;
use crate::rng::{below, uniform01};
use crate::space::Distribution;

/// Crossovers tried before a child outside the space is clipped into it (Optuna retries
/// without a bound; a plain float's lower bound is the only way out, see `transform`).
const MAX_TRIES: usize = 1000;

/// What the tournament compares: each parent row's objectives and, in a constrained
/// population, its violation. Built once per generation (its trials are finished).
pub struct Population {
    pub rows: Vec<usize>,
    values: Vec<Vec<f64>>,
    violation: Option<Vec<f64>>,
    directions: Vec<StudyDirection>,
}

impl Population {
    pub fn new(h: &TrialHistory, rows: &[usize]) -> Self {
        let k = h.directions.len();
        let values = rows.iter().map(|&r| (0..k).map(|j| h.values[j][r]).collect()).collect();
        let v: Vec<Option<f64>> = rows.iter().map(|&r| violation(&h.meta[r].system_attrs)).collect();
        let violation = v.iter().any(Option::is_some).then(|| v.iter().map(|x| x.unwrap_or(0.0)).collect());
        Population { rows: rows.to_vec(), values, violation, directions: h.directions.clone() }
    }

    fn dominates(&self, a: usize, b: usize) -> bool {
        let Some(v) = &self.violation else { return pareto::dominates(&self.values[a], &self.values[b], &self.directions) };
        match (v[a] <= 0.0, v[b] <= 0.0) {
            (true, true) => pareto::dominates(&self.values[a], &self.values[b], &self.directions),
            (true, false) => true,
            (false, true) => false,
            (false, false) => v[a] < v[b],
        }
    }

    /// Binary tournament among the members not in `taken`.
    fn tournament<R: RngCore>(&self, taken: &[usize], rng: &mut R) -> usize {
        let pool: Vec<usize> = (0..self.rows.len()).filter(|i| !taken.contains(i)).collect();
        let a = pool[below(rng, pool.len() as u64) as usize];
        let b = pool[below(rng, pool.len() as u64) as usize];
        if self.dominates(a, b) {
            a
        } else {
            b
        }
    }
}

fn is_numerical(d: &Distribution) -> bool {
    !matches!(d, Distribution::Categorical { .. })
}

/// The child's internal values for the parameters of `space`; a parameter left out is drawn
/// by the independent sampler.
pub fn make_child<R: RngCore>(
    h: &TrialHistory,
    space: &[(String, Distribution)],
    pop: &Population,
    cfg: &NsgaConfig,
    rng: &mut R,
) -> Vec<(String, f64, Distribution)> {
    let value = |row: usize, name: &str| h.param(row, name).map_or(f64::NAN, |(v, _)| v);
    let mut child: Vec<f64> = if uniform01(rng) < cfg.crossover_prob && pop.rows.len() >= cfg.crossover.n_parents() {
        crossover(h, space, pop, cfg, rng)
    } else {
        let parent = pop.rows[below(rng, pop.rows.len() as u64) as usize];
        space.iter().map(|(n, _)| value(parent, n)).collect()
    };
    let p = cfg.mutation_prob.unwrap_or(1.0 / (space.len().max(1) as f64));
    let mut out = Vec::with_capacity(space.len());
    for (i, (name, d)) in space.iter().enumerate() {
        if uniform01(rng) >= p {
            out.push((name.clone(), child[i], d.clone()));
        } else if let (Some(m), true) = (&cfg.mutation, is_numerical(d)) {
            let (lb, ub) = bounds(d);
            child[i] = backward(d, m.apply(forward(d, child[i]), lb, ub, uniform01(rng)));
            out.push((name.clone(), child[i], d.clone()));
        }
    }
    out.retain(|(_, v, d)| d.contains(*v));
    out
}

fn crossover<R: RngCore>(h: &TrialHistory, space: &[(String, Distribution)], pop: &Population, cfg: &NsgaConfig, rng: &mut R) -> Vec<f64> {
    let numerical: Vec<usize> = (0..space.len()).filter(|&i| is_numerical(&space[i].1)).collect();
    let b: Vec<(f64, f64)> = numerical.iter().map(|&i| bounds(&space[i].1)).collect();
    let multi = h.directions.len() > 1;
    let mut child = vec![f64::NAN; space.len()];
    for attempt in 0..MAX_TRIES {
        let mut chosen: Vec<usize> = Vec::with_capacity(cfg.crossover.n_parents());
        for _ in 0..cfg.crossover.n_parents() {
            let p = pop.tournament(&chosen, rng);
            chosen.push(p);
        }
        let rows: Vec<usize> = chosen.iter().map(|&i| pop.rows[i]).collect();
        let value = |row: usize, i: usize| h.param(row, &space[i].0).map_or(f64::NAN, |(v, _)| v);
        // categorical parameters: uniform crossover of the first and last parent
        for (i, (_, d)) in space.iter().enumerate() {
            if !is_numerical(d) {
                let from = if uniform01(rng) >= cfg.swapping_prob { rows[rows.len() - 1] } else { rows[0] };
                child[i] = value(from, i);
            }
        }
        if numerical.is_empty() {
            return child;
        }
        let parents: Vec<Vec<f64>> = rows.iter().map(|&r| numerical.iter().map(|&i| forward(&space[i].1, value(r, i))).collect()).collect();
        let refs: Vec<&[f64]> = parents.iter().map(Vec::as_slice).collect();
        let t = cfg.crossover.apply(&refs, &b, multi, rng);
        let mut inside = true;
        for (j, &i) in numerical.iter().enumerate() {
            let d = &space[i].1;
            let mut v = backward(d, t[j]);
            if !d.contains(v) {
                inside = false;
                if attempt + 1 == MAX_TRIES {
                    let (lo, hi) = bounds(d);
                    v = backward(d, if t[j].is_nan() { lo } else { t[j].clamp(lo, hi) });
                }
            }
            child[i] = v;
        }
        if inside {
            break;
        }
    }
    child
}
