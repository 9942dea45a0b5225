//! Polynomial mutation (Deb and Agrawal), Optuna's `PolynomialMutation`, on one coordinate of
//! the transformed space.

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    Polynomial { eta: f64 },
}

impl Mutation {
    pub fn validate(&self) -> Result<()> {
        let Mutation::Polynomial { eta } = self;
        if !(eta.is_finite() && *eta >= 0.0) {
            return Err(Error::InvalidValue(format!(
                "PolynomialMutation: eta must be a finite number >= 0, got {eta}; pass e.g. eta=20.0 (the default)"
            )));
        }
        Ok(())
    }

    /// The mutated coordinate for a draw `u` in [0, 1), clipped to `[lb, ub]`.
    pub fn apply(&self, x: f64, lb: f64, ub: f64, u: f64) -> f64 {
        let Mutation::Polynomial { eta } = self;
        let width = ub - lb;
        if width <= 0.0 {
            return x;
        }
        let power = 1.0 / (eta + 1.0);
        let delta_q = if u <= 0.5 {
            let xy = 1.0 - (x - lb) / width;
            (2.0 * u + (1.0 - 2.0 * u) * xy.powf(eta + 1.0)).powf(power) - 1.0
        } else {
            let xy = 1.0 - (ub - x) / width;
            1.0 - (2.0 * (1.0 - u) + 2.0 * (u - 0.5) * xy.powf(eta + 1.0)).powf(power)
        };
        (x + delta_q * width).clamp(lb, ub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_in_bounds_and_centres_on_the_parent() {
        let m = Mutation::Polynomial { eta: 20.0 };
        let n = 20_000;
        let mut sum = 0.0;
        for i in 0..n {
            let u = (i as f64 + 0.5) / n as f64;
            let y = m.apply(0.3, 0.0, 1.0, u);
            assert!((0.0..=1.0).contains(&y));
            sum += y - 0.3;
        }
        // symmetric perturbation away from the bounds: mean shift near 0
        assert!((sum / n as f64).abs() < 2e-3, "{}", sum / n as f64);
        // u = 0 reaches the lower bound, u -> 1 the upper one
        assert!((m.apply(0.3, 0.0, 1.0, 0.0) - 0.0).abs() < 1e-12);
        assert!((m.apply(0.3, 0.0, 1.0, 1.0) - 1.0).abs() < 1e-12);
    }
}
