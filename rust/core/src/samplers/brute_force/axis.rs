//! The finite set of values one parameter may take, numbered `0..n`.

use crate::error::{Error, Result};
use crate::space::Distribution;

/// More values than this for one parameter are refused: a node keeps one slot per value.
pub const MAX_VALUES_PER_PARAM: u64 = 1 << 24;

/// The values of a distribution as a grid `low + k * step`, `k < n` (a categorical's indices).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub n: u32,
    low: f64,
    step: f64,
    high: f64,
}

impl Axis {
    /// The axis of `dist`, or an error naming `name` when its space is infinite or too large.
    pub fn of(name: &str, dist: &Distribution) -> Result<Axis> {
        let (low, high, step, n) = match dist {
            Distribution::Categorical { choices } => (0.0, choices.len() as f64 - 1.0, 1.0, choices.len() as u64),
            Distribution::Int { low, high, step, .. } => {
                // log ints have step 1: every integer of the range
                (*low as f64, *high as f64, *step as f64, ((high - low) / step) as u64 + 1)
            }
            Distribution::Float { low, high, step: Some(step), .. } => (*low, *high, *step, ((high - low) / step).round() as u64 + 1),
            Distribution::Float { step: None, .. } if dist.single() => (0.0, 0.0, 1.0, 1),
            Distribution::Float { step: None, .. } => {
                return Err(Error::InvalidValue(format!(
                    "BruteForceSampler needs a finite search space, but parameter '{name}' is {} (no step); \
                     give suggest_float a step (e.g. step=0.1) or use another sampler",
                    dist.repr()
                )))
            }
        };
        if n > MAX_VALUES_PER_PARAM {
            return Err(Error::InvalidValue(format!(
                "parameter '{name}' has {n} values, more than the {MAX_VALUES_PER_PARAM} BruteForceSampler enumerates per parameter; \
                 use a coarser step or another sampler"
            )));
        }
        // a single-valued float without step: its one value
        let low = match dist {
            Distribution::Float { low, step: None, .. } => *low,
            _ => low,
        };
        Ok(Axis { n: n as u32, low, step, high })
    }

    /// The internal value of point `k`, as random search would produce it.
    pub fn value(&self, k: u32) -> f64 {
        (self.low + k as f64 * self.step).min(self.high.max(self.low))
    }

    /// The point `v` stands for, if it is one of the axis's values.
    pub fn index(&self, v: f64) -> Option<u32> {
        if !v.is_finite() {
            return None;
        }
        let k = ((v - self.low) / self.step).round();
        if k < 0.0 || k >= self.n as f64 {
            return None;
        }
        let tol = 1e-8 * self.step.abs().max(v.abs() * 1e-8);
        ((v - self.value(k as u32)).abs() <= tol.max(1e-12)).then_some(k as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stepped_floats_ints_and_choices_are_numbered() {
        let f = Axis::of("x", &Distribution::Float { low: 1.0, high: 3.0, log: false, step: Some(0.5) }).unwrap();
        assert_eq!(f.n, 5);
        assert_eq!((0..5).map(|k| f.value(k)).collect::<Vec<_>>(), vec![1.0, 1.5, 2.0, 2.5, 3.0]);
        assert_eq!(f.index(2.5), Some(3));
        assert_eq!(f.index(2.4), None);
        let i = Axis::of("i", &Distribution::Int { low: 0, high: 10, log: false, step: 3 }).unwrap();
        assert_eq!(i.n, 4);
        assert_eq!(i.index(9.0), Some(3));
        assert_eq!(i.index(12.0), None);
        let tenth = Axis::of("t", &Distribution::Float { low: 0.0, high: 0.3, log: false, step: Some(0.1) }).unwrap();
        assert_eq!(tenth.n, 4);
        assert_eq!(tenth.index(0.30000000000000004), Some(3));
    }

    #[test]
    fn a_float_without_step_is_refused_by_name() {
        let e = Axis::of("lr", &Distribution::Float { low: 0.0, high: 1.0, log: false, step: None }).unwrap_err();
        assert!(e.to_string().contains("'lr'") && e.to_string().contains("step"), "{e}");
        assert!(Axis::of("big", &Distribution::Int { low: 0, high: 1 << 30, log: false, step: 1 }).is_err());
    }
}
