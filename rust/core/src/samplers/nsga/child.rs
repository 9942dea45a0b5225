//! A child's parameters from the parent population, as Optuna's
//! `NSGAIIChildGenerationStrategy`: with probability `crossover_prob` a crossover of parents
//! chosen by binary tournament (constrained domination when the population has constraints),
//! otherwise a copy of a random parent; then each parameter is mutated with probability
//! `mutation_prob` (polynomial mutation, or left out so the independent sampler draws it).
//!
//! With `Selection::Pymoo` a child equal to one of its parents' population or to an earlier
//! child of its generation is made again, as pymoo's duplicate elimination, at most
//! `MAX_DUPLICATE_TRIES` times (a small discrete space may hold no other child); a parameter
//! chosen for mutation without a mutation operator is then drawn here, uniformly, so the
//! whole child is known when it is compared.

use rand::RngCore;

use super::config::{NsgaConfig, Selection};
use super::tournament::Population;
use super::transform::{backward, bounds, forward};
use crate::history::TrialHistory;
use crate::rng::{below, uniform01};
use crate::space::{from_unit, Distribution};

/// Crossovers tried before a child outside the space is clipped into it (Optuna retries
/// without a bound; a plain float's lower bound is the only way out, see `transform`).
const MAX_TRIES: usize = 1000;

/// Children made for one trial before a duplicate is kept (pymoo's mating gives up after 100
/// rounds too).
pub const MAX_DUPLICATE_TRIES: usize = 100;

fn is_numerical(d: &Distribution) -> bool {
    !matches!(d, Distribution::Categorical { .. })
}

/// The child's internal values for the parameters of `space`; a parameter left out is drawn
/// by the independent sampler. `siblings`: the rows of the child's generation made before it
/// (read only by `Selection::Pymoo`, which makes a duplicate again).
pub fn make_child<R: RngCore>(
    h: &TrialHistory,
    space: &[(String, Distribution)],
    pop: &Population,
    cfg: &NsgaConfig,
    siblings: &[usize],
    rng: &mut R,
) -> Vec<(String, f64, Distribution)> {
    let mut child = one_child(h, space, pop, cfg, rng);
    if cfg.selection == Selection::Optuna {
        return child;
    }
    for _ in 1..MAX_DUPLICATE_TRIES {
        let equal = |&row: &usize| child.iter().all(|(name, v, _)| h.param(row, name).is_some_and(|(w, _)| w == *v));
        if child.len() < space.len() || !pop.rows.iter().chain(siblings).any(equal) {
            break;
        }
        child = one_child(h, space, pop, cfg, rng);
    }
    child
}

fn one_child<R: RngCore>(
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
        } else if cfg.selection == Selection::Pymoo {
            out.push((name.clone(), from_unit(d, uniform01(rng)), d.clone()));
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
