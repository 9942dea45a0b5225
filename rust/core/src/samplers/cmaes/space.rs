//! The map between parameter values and the optimizer's coordinates in [0, 1].
//!
//! As Optuna's `_SearchSpaceTransform(transform_0_1=True)`: log parameters are searched in log
//! space; integer and stepped parameters over [low - step/2, high + step/2] so every grid value
//! gets an equal share (or over [low, high] with the margin variant, which rounds itself);
//! a coordinate back to a value is rounded to the grid and clipped to the range.

use crate::space::Distribution;

/// One coordinate: the affine map from [a, b] (log-transformed when `log`) to [0, 1].
#[derive(Clone, Debug)]
pub struct Coord {
    a: f64,
    b: f64,
    log: bool,
}

impl Coord {
    /// `widen`: search integer and stepped parameters over half a step beyond each end.
    pub fn new(dist: &Distribution, widen: bool) -> Coord {
        match *dist {
            Distribution::Float { low, high, log: true, .. } => Coord { a: low.ln(), b: high.ln(), log: true },
            Distribution::Float { low, high, step: Some(s), .. } if widen => Coord { a: low - s / 2.0, b: high + s / 2.0, log: false },
            Distribution::Float { low, high, .. } => Coord { a: low, b: high, log: false },
            Distribution::Int { low, high, log: true, .. } => {
                let h = if widen { 0.5 } else { 0.0 };
                Coord { a: (low as f64 - h).ln(), b: (high as f64 + h).ln(), log: true }
            }
            Distribution::Int { low, high, step, .. } => {
                let h = if widen { step as f64 / 2.0 } else { 0.0 };
                Coord { a: low as f64 - h, b: high as f64 + h, log: false }
            }
            // Categorical parameters never enter the space.
            Distribution::Categorical { .. } => Coord { a: 0.0, b: 1.0, log: false },
        }
    }

    pub fn encode(&self, v: f64) -> f64 {
        let t = if self.log { v.ln() } else { v };
        if self.b > self.a {
            (t - self.a) / (self.b - self.a)
        } else {
            0.5
        }
    }

    /// The raw value (before rounding) for coordinate `u`.
    fn raw(&self, u: f64) -> f64 {
        let t = self.a + u * (self.b - self.a);
        if self.log {
            t.exp()
        } else {
            t
        }
    }
}

/// The grid step of a parameter in [0, 1] coordinates for the margin variant (0: continuous;
/// log parameters count as continuous, as in Optuna).
pub fn unit_step(dist: &Distribution) -> f64 {
    match *dist {
        Distribution::Float { low, high, log: false, step: Some(s) } if high > low => s / (high - low),
        Distribution::Int { low, high, log: false, step } if high > low => step as f64 / (high - low) as f64,
        _ => 0.0,
    }
}

/// The parameter's internal value for coordinate `u`: on the grid and inside the range.
pub fn decode(dist: &Distribution, coord: &Coord, u: f64) -> f64 {
    let v = coord.raw(u);
    match *dist {
        Distribution::Float { low, high, step: Some(s), .. } => (((v - low) / s).round() * s + low).clamp(low, high),
        Distribution::Float { low, high, .. } => v.clamp(low, high),
        Distribution::Int { low, high, step, .. } => {
            let k = ((v - low as f64) / step as f64).round();
            (low as f64 + k * step as f64).clamp(low as f64, high as f64)
        }
        Distribution::Categorical { .. } => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_grids() {
        let f = Distribution::Float { low: -2.0, high: 3.0, log: false, step: None };
        let c = Coord::new(&f, true);
        assert_eq!(c.encode(0.5), 0.5);
        assert_eq!(decode(&f, &c, 0.5), 0.5);
        assert_eq!(decode(&f, &c, 1.2), 3.0);
        let i = Distribution::Int { low: 0, high: 4, log: false, step: 2 };
        let c = Coord::new(&i, true);
        // [-1, 5]: three values with equal shares
        assert_eq!(decode(&i, &c, 0.3), 0.0);
        assert_eq!(decode(&i, &c, 0.5), 2.0);
        assert_eq!(decode(&i, &c, 0.0), 0.0);
        assert_eq!(decode(&i, &c, 0.99), 4.0);
        assert!((c.encode(2.0) - 0.5).abs() < 1e-15);
        let l = Distribution::Float { low: 1e-4, high: 1.0, log: true, step: None };
        let c = Coord::new(&l, true);
        assert!((decode(&l, &c, 0.5) - 1e-2).abs() < 1e-15);
        assert_eq!(unit_step(&i), 0.5);
        assert_eq!(unit_step(&l), 0.0);
    }
}
