//! Random search: each parameter drawn uniformly in its own scale.

use super::Sampler;
use crate::error::Result;
use crate::history::TrialHistory;
use crate::rng::{os_seed, stream, uniform01};
use crate::space::{from_unit, Distribution};
use crate::storage::StudyId;

pub struct RandomSampler {
    seed: u64,
}

impl RandomSampler {
    /// `seed = None` draws one from the operating system.
    pub fn new(seed: Option<u64>) -> Self {
        RandomSampler { seed: seed.unwrap_or_else(os_seed) }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The draw for (trial number, parameter): a pure function of the seed.
    pub fn draw(&self, number: usize, name: &str, dist: &Distribution) -> f64 {
        from_unit(dist, uniform01(&mut stream(self.seed, number as u64, name)))
    }
}

impl Sampler for RandomSampler {
    fn sample_independent(&self, _study: StudyId, _h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        Ok(self.draw(row, name, dist))
    }

    /// Random draws do not read the history.
    fn per_bracket(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_values() {
        let d = Distribution::Float { low: -5.0, high: 5.0, log: false, step: None };
        let a = RandomSampler::new(Some(42));
        let b = RandomSampler::new(Some(42));
        let c = RandomSampler::new(Some(43));
        for n in 0..100 {
            assert_eq!(a.draw(n, "x", &d), b.draw(n, "x", &d));
        }
        assert_ne!(a.draw(0, "x", &d), c.draw(0, "x", &d));
    }

    #[test]
    fn categorical_frequencies_are_uniform() {
        let d = Distribution::Categorical { choices: (0..4).map(crate::space::Choice::Int).collect() };
        let s = RandomSampler::new(Some(1));
        let mut counts = [0usize; 4];
        for n in 0..40_000 {
            counts[s.draw(n, "c", &d) as usize] += 1;
        }
        // expected 10,000 each, sd ~87: 6 sd margin
        for c in counts {
            assert!((c as i64 - 10_000).abs() < 520, "{counts:?}");
        }
    }
}
