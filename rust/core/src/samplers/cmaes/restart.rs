//! Restart strategies: a run that has converged or stalled starts afresh from a random mean,
//! with a larger population (IPOP, Auger & Hansen 2005) or alternating between large and small
//! ones (BIPOP, Hansen 2009), which trades global exploration against fast local search.

use crate::error::{Error, Result};

/// Most individuals a restart may ask for.
const MAX_POPSIZE: usize = 1 << 16;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    Ipop,
    Bipop,
}

impl Strategy {
    /// `None` for no restarts; otherwise "ipop" or "bipop" (any case).
    pub fn parse(s: Option<&str>) -> Result<Option<Strategy>> {
        match s.map(|s| s.to_ascii_lowercase()) {
            None => Ok(None),
            Some(s) if s == "ipop" => Ok(Some(Strategy::Ipop)),
            Some(s) if s == "bipop" => Ok(Some(Strategy::Bipop)),
            Some(s) => Err(Error::InvalidValue(format!("restart_strategy must be None, 'ipop' or 'bipop', got '{s}'"))),
        }
    }
}

/// What the restarts so far have decided.
#[derive(Clone, Debug)]
pub struct Restarts {
    pub strategy: Strategy,
    inc: usize,
    popsize0: usize,
    /// Restarts so far.
    pub count: u32,
    small: bool,
    small_evals: u64,
    large_evals: u64,
}

impl Restarts {
    pub fn new(strategy: Strategy, inc: usize, popsize0: usize) -> Self {
        Restarts { strategy, inc, popsize0, count: 0, small: false, small_evals: 0, large_evals: 0 }
    }

    /// The next run's population and the factor on the initial step size, after a run of
    /// `popsize` stopped after `generations`; `u` is a uniform draw in [0, 1) and `v` another.
    pub fn next(&mut self, popsize: usize, generations: u64, u: f64, v: f64) -> (usize, f64) {
        self.count += 1;
        let cap = |p: f64| (p.floor() as usize).clamp(2, MAX_POPSIZE);
        match self.strategy {
            Strategy::Ipop => (cap(popsize as f64 * self.inc as f64), 1.0),
            Strategy::Bipop => {
                let evals = popsize as u64 * generations;
                if self.small {
                    self.small_evals += evals;
                } else {
                    self.large_evals += evals;
                }
                let large = self.popsize0 as f64 * (self.inc as f64).powi(self.count as i32);
                if self.small_evals < self.large_evals {
                    // small populations with a small initial step: local search
                    self.small = true;
                    (cap(self.popsize0 as f64 * (large / self.popsize0 as f64).powf(u * u)), 10f64.powf(-2.0 * v))
                } else {
                    self.small = false;
                    (cap(large), 1.0)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipop_doubles_and_bipop_alternates() {
        let mut r = Restarts::new(Strategy::Ipop, 2, 6);
        assert_eq!(r.next(6, 50, 0.5, 0.5), (12, 1.0));
        assert_eq!(r.next(12, 50, 0.5, 0.5), (24, 1.0));
        let mut b = Restarts::new(Strategy::Bipop, 2, 6);
        // the first run counts as large: the budget of small runs is behind, so a small one follows
        let (p, f) = b.next(6, 100, 0.5, 0.5);
        assert!((6..=12).contains(&p) && f < 1.0, "{p} {f}");
        // small runs used little: after enough of them, a large one (6 * 2^k)
        let mut sizes = vec![];
        for _ in 0..6 {
            sizes.push(b.next(6, 1000, 0.1, 0.5).0);
        }
        assert!(sizes.iter().any(|&s| s >= 24), "{sizes:?}");
        assert!(Strategy::parse(Some("nope")).is_err());
        assert_eq!(Strategy::parse(Some("IPOP")).unwrap(), Some(Strategy::Ipop));
    }
}
