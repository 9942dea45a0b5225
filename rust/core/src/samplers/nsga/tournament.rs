//! The parent population as the binary tournament sees it, and the tournament itself.
//!
//! `Selection::Optuna` is Optuna's: two random members, the first if it dominates the second
//! (constrained domination in a constrained population), else the second. `Selection::Pymoo`
//! is pymoo's: two distinct random members; if either violates a constraint the smaller
//! violation wins; otherwise NSGA-II takes the dominating one, then the larger crowding distance
//! within its front, and NSGA-III takes either at random. Ties go to a coin.

use rand::RngCore;

use super::config::{Selection, Survival};
use super::crowding::crowding_distance;
use super::sorting::constrained_ranks;
use crate::history::{constraints::violation, StudyDirection, TrialHistory};
use crate::pareto;
use crate::rng::{below, uniform01};

/// Built once per generation (its trials are finished).
pub struct Population {
    pub rows: Vec<usize>,
    values: Vec<Vec<f64>>,
    violation: Option<Vec<f64>>,
    directions: Vec<StudyDirection>,
    /// Each member's crowding distance within its front of the population; filled only for
    /// pymoo's NSGA-II tournament.
    crowding: Vec<f64>,
    rule: Rule,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rule {
    Optuna,
    DominationThenCrowding,
    FeasibilityThenRandom,
}

impl Population {
    pub fn new(h: &TrialHistory, rows: &[usize], selection: Selection, survival: &Survival) -> Self {
        let k = h.directions.len();
        let values = rows.iter().map(|&r| (0..k).map(|j| h.values[j][r]).collect()).collect();
        let v: Vec<Option<f64>> = rows.iter().map(|&r| violation(&h.meta[r].system_attrs)).collect();
        let violation = v.iter().any(Option::is_some).then(|| v.iter().map(|x| x.unwrap_or(0.0)).collect());
        Population::from_values(rows.to_vec(), values, violation, h.directions.clone(), selection, survival)
    }

    fn from_values(
        rows: Vec<usize>,
        values: Vec<Vec<f64>>,
        violation: Option<Vec<f64>>,
        directions: Vec<StudyDirection>,
        selection: Selection,
        survival: &Survival,
    ) -> Self {
        let rule = match (selection, survival) {
            (Selection::Optuna, _) => Rule::Optuna,
            (Selection::Pymoo, Survival::Crowding) => Rule::DominationThenCrowding,
            (Selection::Pymoo, Survival::Niching { .. }) => Rule::FeasibilityThenRandom,
        };
        let mut p = Population { rows, values, violation, directions, crowding: Vec::new(), rule };
        if rule == Rule::DominationThenCrowding {
            p.crowding = p.crowding_by_front();
        }
        p
    }

    /// Crowding distance of each member among the members of its (constrained) rank, as
    /// pymoo's survival assigns it. The ranks of an elite equal those it had among the
    /// candidates: every point dominating a member of front k lies in a front kept whole.
    fn crowding_by_front(&self) -> Vec<f64> {
        let minimized: Vec<Vec<f64>> = self
            .values
            .iter()
            .map(|v| v.iter().zip(&self.directions).map(|(x, d)| if *d == StudyDirection::Maximize { -x } else { *x }).collect())
            .collect();
        let rank = constrained_ranks(&minimized, self.violation.as_deref());
        let mut crowding = vec![0.0; self.values.len()];
        for r in 0..=rank.iter().copied().max().unwrap_or(0) {
            let members: Vec<usize> = (0..rank.len()).filter(|&i| rank[i] == r).collect();
            // pymoo: a front of one or two points is all extremes
            let d = if members.len() <= 2 {
                vec![f64::INFINITY; members.len()]
            } else {
                crowding_distance(&members.iter().map(|&i| minimized[i].clone()).collect::<Vec<_>>())
            };
            for (&i, c) in members.iter().zip(d) {
                crowding[i] = c;
            }
        }
        crowding
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
    pub fn tournament<R: RngCore>(&self, taken: &[usize], rng: &mut R) -> usize {
        let pool: Vec<usize> = (0..self.rows.len()).filter(|i| !taken.contains(i)).collect();
        if self.rule == Rule::Optuna {
            let a = pool[below(rng, pool.len() as u64) as usize];
            let b = pool[below(rng, pool.len() as u64) as usize];
            return if self.dominates(a, b) { a } else { b };
        }
        let a = pool[below(rng, pool.len() as u64) as usize];
        let b = if pool.len() > 1 {
            // a second member other than `a`
            let j = below(rng, pool.len() as u64 - 1) as usize;
            let ia = pool.iter().position(|&x| x == a).unwrap_or(0);
            pool[if j >= ia { j + 1 } else { j }]
        } else {
            a
        };
        self.compare(a, b, rng)
    }

    /// pymoo's comparison of two distinct members.
    fn compare<R: RngCore>(&self, a: usize, b: usize, rng: &mut R) -> usize {
        let coin = |rng: &mut R| if uniform01(rng) < 0.5 { a } else { b };
        if let Some(v) = &self.violation {
            if v[a] > 0.0 || v[b] > 0.0 {
                return if v[a] < v[b] {
                    a
                } else if v[b] < v[a] {
                    b
                } else {
                    coin(rng)
                };
            }
        }
        if self.rule == Rule::FeasibilityThenRandom {
            return coin(rng);
        }
        if pareto::dominates(&self.values[a], &self.values[b], &self.directions) {
            return a;
        }
        if pareto::dominates(&self.values[b], &self.values[a], &self.directions) {
            return b;
        }
        let (ca, cb) = (self.crowding[a], self.crowding[b]);
        if ca > cb {
            a
        } else if cb > ca {
            b
        } else {
            coin(rng)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const MIN2: [StudyDirection; 2] = [StudyDirection::Minimize, StudyDirection::Minimize];

    fn pop(values: Vec<Vec<f64>>, violation: Option<Vec<f64>>, selection: Selection, survival: Survival) -> Population {
        let rows = (0..values.len()).collect();
        Population::from_values(rows, values, violation, MIN2.to_vec(), selection, &survival)
    }

    /// How often each member wins a tournament between exactly the two members `a` and `b`.
    fn wins(p: &Population, a: usize, b: usize) -> [usize; 2] {
        let others: Vec<usize> = (0..p.rows.len()).filter(|&i| i != a && i != b).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut w = [0, 0];
        for _ in 0..2_000 {
            let x = p.tournament(&others, &mut rng);
            w[usize::from(x == b)] += 1;
        }
        w
    }

    #[test]
    fn crowding_is_per_front() {
        // front 0: (0,4) (1,3) (3,1) (4,0); front 1: (2,5) (5,5)... (5,5) is dominated by (2,5)
        let p = pop(
            vec![vec![0.0, 4.0], vec![1.0, 3.0], vec![3.0, 1.0], vec![4.0, 0.0], vec![2.0, 5.0], vec![5.0, 5.0]],
            None,
            Selection::Pymoo,
            Survival::Crowding,
        );
        let c = &p.crowding;
        assert!(c[0].is_infinite() && c[3].is_infinite());
        // (1,3): (3 - 0)/4 + (4 - 1)/4 = 1.5; (3,1): (4 - 1)/4 + (3 - 0)/4 = 1.5
        assert!((c[1] - 1.5).abs() < 1e-12 && (c[2] - 1.5).abs() < 1e-12, "{c:?}");
        // fronts 1 and 2 hold one point each: both extremes
        assert!(c[4].is_infinite() && c[5].is_infinite());
    }

    #[test]
    fn pymoo_nsga2_domination_then_crowding() {
        // (0,4) (1,3) (1.2,2.8) (4,0) on front 0; (5,5) dominated by all
        let v = vec![vec![0.0, 4.0], vec![1.0, 3.0], vec![1.2, 2.8], vec![4.0, 0.0], vec![5.0, 5.0]];
        let p = pop(v, None, Selection::Pymoo, Survival::Crowding);
        // the dominating member always wins
        assert_eq!(wins(&p, 1, 4), [2_000, 0]);
        assert_eq!(wins(&p, 4, 2), [0, 2_000]);
        // non-dominated: the larger crowding wins (an extreme, infinite, over an interior point)
        assert_eq!(wins(&p, 1, 0), [0, 2_000]);
        // (1,3): (1.2-0)/4 + (4-2.8)/4 = 0.6; (1.2,2.8): (4-1)/4 + (3-0)/4 = 1.5
        assert_eq!(wins(&p, 1, 2), [0, 2_000]);
        // equal crowding (both extremes): a coin
        let [x, y] = wins(&p, 0, 3);
        assert!(x > 800 && y > 800, "{x} {y}");
        // Optuna's rule on the same pair: the second unless the first dominates, so either
        let o = pop(p.values.clone(), None, Selection::Optuna, Survival::Crowding);
        let [x, y] = wins(&o, 1, 2);
        assert!(x > 300 && y > 300, "{x} {y}");
    }

    #[test]
    fn pymoo_violation_first_then_nsga3_at_random() {
        let v = vec![vec![0.0, 0.0], vec![5.0, 5.0], vec![6.0, 6.0], vec![1.0, 1.0]];
        let viol = Some(vec![0.0, 0.0, 2.0, 3.0]);
        let niching = Survival::Niching { reference_points: None, dividing_parameter: 2 };
        let p = pop(v.clone(), viol.clone(), Selection::Pymoo, niching.clone());
        // feasible over infeasible, smaller violation over larger
        assert_eq!(wins(&p, 1, 2), [2_000, 0]);
        assert_eq!(wins(&p, 3, 2), [0, 2_000]);
        // both feasible: NSGA-III's pymoo tournament ignores domination
        let [x, y] = wins(&p, 0, 1);
        assert!(x > 800 && y > 800, "{x} {y}");
        // NSGA-II's: the dominating one
        let p2 = pop(v, viol, Selection::Pymoo, Survival::Crowding);
        assert_eq!(wins(&p2, 0, 1), [2_000, 0]);
    }

    #[test]
    fn a_pymoo_tournament_takes_two_distinct_members() {
        // the lone dominated member wins only if drawn against itself, which pymoo's never is
        let v = vec![vec![0.0, 0.0], vec![9.0, 9.0]];
        let p = pop(v, None, Selection::Pymoo, Survival::Crowding);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!((0..500).all(|_| p.tournament(&[], &mut rng) == 0));
        // with one member left it is taken
        assert_eq!(p.tournament(&[0], &mut rng), 1);
    }
}
