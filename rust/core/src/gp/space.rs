//! The GP's view of a search space: every parameter as one coordinate of the unit cube.
//!
//! Numeric parameters are scaled linearly (log parameters in log space) so that their range,
//! widened by half a step on each side for stepped ones, maps onto [0, 1]; this is Optuna's
//! normalization, so that a study moved between the two libraries models the same inputs.
//! Categorical parameters keep their choice index and are compared by the Hamming distance.

use crate::space::Distribution;

#[derive(Clone, Debug, PartialEq)]
pub enum Dim {
    /// Any value in [0, 1].
    Continuous,
    /// Only the images of `low + k step`, `k = 0..count`.
    Grid { count: u64 },
    /// A choice index in `0..n`.
    Categorical { n: usize },
}

#[derive(Clone, Debug)]
pub struct Coord {
    pub dim: Dim,
    dist: Distribution,
    /// Normalization range (in log space for log parameters).
    lo: f64,
    hi: f64,
}

/// Grids up to this size are searched exhaustively by the acquisition optimizer.
pub const EXHAUSTIVE_GRID: u64 = 32;

impl Coord {
    pub fn new(dist: &Distribution) -> Coord {
        let (dim, lo, hi) = match dist {
            Distribution::Categorical { choices } => (Dim::Categorical { n: choices.len() }, 0.0, 1.0),
            Distribution::Float { low, high, log, step } => {
                let half = step.map_or(0.0, |s| 0.5 * s);
                let (a, b) = (low - half, high + half);
                let dim = match step {
                    Some(s) => Dim::Grid { count: ((high - low) / s).round() as u64 + 1 },
                    None => Dim::Continuous,
                };
                if *log {
                    (dim, a.ln(), b.ln())
                } else {
                    (dim, a, b)
                }
            }
            Distribution::Int { low, high, log, step } => {
                let half = 0.5 * *step as f64;
                let (a, b) = (*low as f64 - half, *high as f64 + half);
                let dim = Dim::Grid { count: ((high - low) / step) as u64 + 1 };
                if *log {
                    (dim, a.ln(), b.ln())
                } else {
                    (dim, a, b)
                }
            }
        };
        Coord { dim, dist: dist.clone(), lo, hi }
    }

    pub fn is_categorical(&self) -> bool {
        matches!(self.dim, Dim::Categorical { .. })
    }

    fn is_log(&self) -> bool {
        matches!(self.dist, Distribution::Float { log: true, .. } | Distribution::Int { log: true, .. })
    }

    /// The coordinate of an internal value.
    pub fn encode(&self, v: f64) -> f64 {
        if self.is_categorical() {
            return v;
        }
        let v = if self.is_log() { v.ln() } else { v };
        if self.hi == self.lo {
            return 0.5;
        }
        (v - self.lo) / (self.hi - self.lo)
    }

    /// The internal value of a coordinate: clipped to the range, rounded to the grid.
    pub fn decode(&self, u: f64) -> f64 {
        match &self.dist {
            Distribution::Categorical { choices } => (u.round().max(0.0) as usize).min(choices.len() - 1) as f64,
            Distribution::Float { low, high, step, .. } => {
                let v = self.unscale(u);
                match step {
                    Some(s) => (low + ((v - low) / s).round().clamp(0.0, ((high - low) / s).round()) * s).clamp(*low, *high),
                    None => v.clamp(*low, *high),
                }
            }
            Distribution::Int { low, high, step, .. } => {
                let v = self.unscale(u);
                let k = ((v - *low as f64) / *step as f64).round().clamp(0.0, ((high - low) / step) as f64);
                (*low as f64 + k * *step as f64).clamp(*low as f64, *high as f64)
            }
        }
    }

    fn unscale(&self, u: f64) -> f64 {
        let v = self.lo + u * (self.hi - self.lo);
        if self.is_log() {
            v.exp()
        } else {
            v
        }
    }

    /// The nearest admissible coordinate (grid point, choice index) to `u`.
    pub fn snap(&self, u: f64) -> f64 {
        match self.dim {
            Dim::Continuous => u.clamp(0.0, 1.0),
            Dim::Categorical { .. } => self.decode(u),
            Dim::Grid { .. } => self.encode(self.decode(u)),
        }
    }

    /// The coordinate of grid point (or choice) `k`.
    pub fn grid_point(&self, k: u64) -> f64 {
        match (&self.dist, &self.dim) {
            (_, Dim::Categorical { .. }) => k as f64,
            (Distribution::Float { low, high, step: Some(s), .. }, _) => self.encode((low + k as f64 * s).min(*high)),
            (Distribution::Int { low, high, step, .. }, _) => self.encode((*low + k as i64 * step).min(*high) as f64),
            _ => unreachable!("grid_point on a continuous coordinate"),
        }
    }

    /// The grid index of an admissible coordinate.
    pub fn grid_index(&self, u: f64) -> u64 {
        match (&self.dist, &self.dim) {
            (_, Dim::Categorical { .. }) => u.round() as u64,
            (Distribution::Float { low, step: Some(s), .. }, _) => ((self.decode(u) - low) / s).round() as u64,
            (Distribution::Int { low, step, .. }, _) => ((self.decode(u) - *low as f64) / *step as f64).round() as u64,
            _ => 0,
        }
    }

    /// Number of admissible values of a discrete coordinate.
    pub fn count(&self) -> u64 {
        match self.dim {
            Dim::Continuous => 0,
            Dim::Grid { count } => count,
            Dim::Categorical { n } => n as u64,
        }
    }

    /// Maps a uniform draw in [0, 1) to an admissible coordinate (the candidate sweep).
    pub fn from_unit(&self, u: f64) -> f64 {
        match self.dim {
            Dim::Categorical { n } => ((u * n as f64).floor() as usize).min(n - 1) as f64,
            _ => self.snap(u),
        }
    }
}

/// One coordinate per parameter, in the order of the space (sorted by name).
#[derive(Clone, Debug)]
pub struct EncodedSpace {
    pub coords: Vec<Coord>,
}

impl EncodedSpace {
    pub fn new(space: &[(String, Distribution)]) -> Self {
        EncodedSpace { coords: space.iter().map(|(_, d)| Coord::new(d)).collect() }
    }

    pub fn dim(&self) -> usize {
        self.coords.len()
    }

    pub fn categorical(&self) -> Vec<bool> {
        self.coords.iter().map(|c| c.is_categorical()).collect()
    }

    pub fn continuous(&self) -> Vec<usize> {
        (0..self.dim()).filter(|&i| self.coords[i].dim == Dim::Continuous).collect()
    }

    pub fn discrete(&self) -> Vec<usize> {
        (0..self.dim()).filter(|&i| self.coords[i].dim != Dim::Continuous).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trips() {
        let dists = [
            Distribution::Float { low: -2.0, high: 3.0, log: false, step: None },
            Distribution::Float { low: 1e-5, high: 1e-1, log: true, step: None },
            Distribution::Float { low: 0.0, high: 1.0, log: false, step: Some(0.25) },
            Distribution::Int { low: 1, high: 1024, log: true, step: 1 },
            Distribution::Int { low: -3, high: 9, log: false, step: 3 },
        ];
        for d in &dists {
            let c = Coord::new(d);
            for k in 0..200 {
                let v = crate::space::from_unit(d, k as f64 / 200.0);
                let u = c.encode(v);
                assert!((-1e-12..=1.0 + 1e-12).contains(&u), "{d:?}: {v} -> {u}");
                let back = c.decode(u);
                assert!((back - v).abs() <= 1e-9 * v.abs().max(1.0), "{d:?}: {v} -> {u} -> {back}");
                if c.dim != Dim::Continuous {
                    assert_eq!(c.grid_point(c.grid_index(u)), c.snap(u));
                }
            }
            // Decoding never leaves the distribution.
            for u in [-0.5, 0.0, 0.5, 1.0, 1.5] {
                assert!(d.contains(c.decode(u)), "{d:?} {u}");
            }
        }
        let c = Coord::new(&Distribution::Int { low: -3, high: 9, log: false, step: 3 });
        assert_eq!(c.count(), 5);
        assert_eq!(c.decode(c.grid_point(4)), 9.0);
        // Optuna's normalization: [low - step/2, high + step/2].
        assert!((c.encode(-3.0) - 1.5 / 15.0).abs() < 1e-15);
    }

    #[test]
    fn categorical_keeps_indices() {
        let c = Coord::new(&Distribution::Categorical { choices: vec![crate::space::Choice::Int(1), crate::space::Choice::Int(2)] });
        assert!(c.is_categorical());
        assert_eq!(c.encode(1.0), 1.0);
        assert_eq!(c.from_unit(0.99), 1.0);
        assert_eq!(c.decode(7.0), 1.0);
    }
}
