//! Quasi-Monte Carlo sequences: low-discrepancy points in the unit cube `[0, 1)^dim`.
//!
//! - [`Sobol`]: Sobol' points in base 2 with the Joe & Kuo (2008) direction numbers, generated
//!   in Gray-code order; optionally scrambled (linear matrix scrambling plus a digital shift).
//! - [`Halton`]: radical inverses in the first `dim` primes; optionally scrambled (a random
//!   permutation of the digits at each digit position of each base).
//!
//! Unscrambled, both equal `scipy.stats.qmc.Sobol(d, scramble=False)` and
//! `scipy.stats.qmc.Halton(d, scramble=False)` to the bit, starting at the all-zeros point;
//! scrambled, they are seeded from ferrotune's own portable streams ([`crate::rng`]), so a
//! seed gives the same points on every platform (not SciPy's points for the same seed).
//!
//! Both generators keep a position in their sequence (`fast_forward`, `next_point`,
//! `points`) and can also compute any point directly (`point_at`), which is what
//! [`crate::samplers::QmcSampler`] uses to hand trial `k` the `k`-th point.

mod halton;
mod sobol;
mod sobol_directions;

pub use halton::{Halton, HALTON_MAX_DIM};
pub use sobol::{Sobol, SOBOL_BITS, SOBOL_MAX_DIM};

use crate::error::{Error, Result};

/// The kind of sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QmcType {
    Sobol,
    Halton,
}

impl QmcType {
    /// Parses `"sobol"` or `"halton"` (Optuna's names).
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "sobol" => Ok(QmcType::Sobol),
            "halton" => Ok(QmcType::Halton),
            _ => Err(Error::InvalidValue(format!("qmc_type='{s}' is invalid; choose 'sobol' or 'halton'"))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            QmcType::Sobol => "sobol",
            QmcType::Halton => "halton",
        }
    }
}

/// A sequence of either kind, behind one interface.
#[derive(Debug, Clone)]
pub enum Qmc {
    Sobol(Sobol),
    Halton(Halton),
}

impl Qmc {
    pub fn new(kind: QmcType, dim: usize, scramble: bool, seed: u64) -> Result<Qmc> {
        Ok(match kind {
            QmcType::Sobol => Qmc::Sobol(Sobol::new(dim, scramble, seed)?),
            QmcType::Halton => Qmc::Halton(Halton::new(dim, scramble, seed)?),
        })
    }

    pub fn dim(&self) -> usize {
        match self {
            Qmc::Sobol(s) => s.dim(),
            Qmc::Halton(h) => h.dim(),
        }
    }

    /// Skips `n` points.
    pub fn fast_forward(&mut self, n: u64) {
        match self {
            Qmc::Sobol(s) => s.fast_forward(n),
            Qmc::Halton(h) => h.fast_forward(n),
        }
    }

    /// Writes the next point into `out` (length `dim`) and advances.
    pub fn next_point(&mut self, out: &mut [f64]) {
        match self {
            Qmc::Sobol(s) => s.next_point(out),
            Qmc::Halton(h) => h.next_point(out),
        }
    }

    /// The next `n` points, row-major (`n x dim`).
    pub fn points(&mut self, n: usize) -> Vec<f64> {
        next_points(self.dim(), n, |row| self.next_point(row))
    }

    /// Point number `index` of the sequence (0 is the first), without moving the position.
    pub fn point_at(&self, index: u64, out: &mut [f64]) {
        match self {
            Qmc::Sobol(s) => s.point_at(index, out),
            Qmc::Halton(h) => h.point_at(index, out),
        }
    }
}

/// `n` rows of `dim` values, each filled by `next` in turn (row-major): the `points` of every
/// sequence.
fn next_points(dim: usize, n: usize, mut next: impl FnMut(&mut [f64])) -> Vec<f64> {
    let mut out = vec![0.0; n * dim];
    for row in out.chunks_exact_mut(dim) {
        next(row);
    }
    out
}

/// Rejects a dimension outside `1..=max` with a message naming the sequence and the fix.
fn check_dim(what: &str, dim: usize, max: usize) -> Result<()> {
    if dim == 0 {
        return Err(Error::InvalidValue(format!("{what} sequences need dim >= 1, got dim=0; give at least one dimension")));
    }
    if dim > max {
        return Err(Error::InvalidValue(format!(
            "{what} sequences are available in up to {max} dimensions, got dim={dim}; use at most {max} dimensions \
             (for QMCSampler: at most {max} parameters in the search space)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_and_errors() {
        assert_eq!(QmcType::parse("sobol").unwrap(), QmcType::Sobol);
        assert_eq!(QmcType::parse("halton").unwrap().name(), "halton");
        let e = QmcType::parse("lhs").unwrap_err().to_string();
        assert!(e.contains("qmc_type='lhs'") && e.contains("'sobol'") && e.contains("'halton'"), "{e}");
    }

    #[test]
    fn enum_dispatch_matches_the_engines() {
        for kind in [QmcType::Sobol, QmcType::Halton] {
            let mut q = Qmc::new(kind, 3, true, 5).unwrap();
            assert_eq!(q.dim(), 3);
            let pts = q.points(8);
            let mut at = [0.0; 3];
            q.point_at(5, &mut at);
            assert_eq!(&pts[15..18], &at);
            q.fast_forward(2);
            let mut next = [0.0; 3];
            q.next_point(&mut next);
            q.point_at(10, &mut at);
            assert_eq!(next, at);
        }
        assert!(Qmc::new(QmcType::Sobol, 0, false, 0).is_err());
    }
}
