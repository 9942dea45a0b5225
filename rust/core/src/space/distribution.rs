//! Distributions: definition, validation, membership and encoding.

use super::choice::{format_float, Choice};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Integers are stored as `f64`; beyond 2^53 that would lose precision, so bounds are capped.
pub const MAX_EXACT_INT: i64 = 1 << 53;

/// Relative tolerance when checking that a float step divides a range or that a value is on its grid.
const STEP_RTOL: f64 = 1e-8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Distribution {
    Float { low: f64, high: f64, log: bool, step: Option<f64> },
    Int { low: i64, high: i64, log: bool, step: i64 },
    Categorical { choices: Vec<Choice> },
}

/// Rounds to 15 significant digits: `0.9` instead of `0.8999999999999999`, while a high that
/// needs them all stays as Optuna's decimal arithmetic gives it (`3 * pi`, not `9.42477796077`).
fn round_sig(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(14 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

fn invalid(name: &str, what: String) -> Error {
    if name.is_empty() {
        Error::InvalidDistribution(format!("invalid distribution: {what}"))
    } else {
        Error::InvalidDistribution(format!("parameter '{name}': {what}"))
    }
}

impl Distribution {
    /// Checks the distribution is well formed; `name` is the parameter it is for, used in messages.
    pub fn validate(&self, name: &str) -> Result<()> {
        match self {
            Distribution::Float { low, high, log, step } => {
                let (low, high) = (*low, *high);
                if !low.is_finite() || !high.is_finite() {
                    return Err(invalid(
                        name,
                        format!(
                            "low and high must be finite numbers, got low={}, high={}; give finite bounds",
                            format_float(low),
                            format_float(high)
                        ),
                    ));
                }
                if low > high {
                    return Err(invalid(
                        name,
                        format!("low={} is greater than high={}; swap them or fix the bounds", format_float(low), format_float(high)),
                    ));
                }
                if *log && step.is_some() {
                    return Err(invalid(name, "step and log=True cannot be used together; drop one of them".into()));
                }
                if *log && low <= 0.0 {
                    return Err(invalid(
                        name,
                        format!("log=True needs low > 0, got low={}; use a positive lower bound or log=False", format_float(low)),
                    ));
                }
                if let Some(step) = step {
                    let step = *step;
                    if !(step.is_finite() && step > 0.0) {
                        return Err(invalid(
                            name,
                            format!("step must be a positive finite number, got {}; use step > 0 or step=None", format_float(step)),
                        ));
                    }
                    let k = (high - low) / step;
                    if !k.is_finite() || k > MAX_EXACT_INT as f64 {
                        return Err(invalid(
                            name,
                            format!(
                                "step={} gives too many grid points on [{}, {}]; use a larger step or step=None",
                                format_float(step),
                                format_float(low),
                                format_float(high)
                            ),
                        ));
                    }
                    if (k - k.round()).abs() > STEP_RTOL * k.abs().max(1.0) {
                        let fixed = round_sig(low + k.floor() * step);
                        return Err(invalid(
                            name,
                            format!(
                                "step={} does not divide the range [{}, {}]; use high={} or a step that divides high - low",
                                format_float(step),
                                format_float(low),
                                format_float(high),
                                format_float(fixed)
                            ),
                        ));
                    }
                }
                Ok(())
            }
            Distribution::Int { low, high, log, step } => {
                let (low, high, step) = (*low, *high, *step);
                if low.abs() > MAX_EXACT_INT || high.abs() > MAX_EXACT_INT {
                    return Err(invalid(
                        name,
                        format!("integer bounds must lie within +/-2**53, got low={low}, high={high}; use suggest_float for wider ranges"),
                    ));
                }
                if low > high {
                    return Err(invalid(name, format!("low={low} is greater than high={high}; swap them or fix the bounds")));
                }
                if step <= 0 {
                    return Err(invalid(name, format!("step must be a positive integer, got {step}; use step >= 1")));
                }
                if *log && step != 1 {
                    return Err(invalid(name, format!("step={step} and log=True cannot be used together; use step=1 with log=True")));
                }
                if *log && low < 1 {
                    return Err(invalid(name, format!("log=True needs low >= 1, got low={low}; use a positive lower bound or log=False")));
                }
                if (high - low) % step != 0 {
                    let fixed = low + (high - low) / step * step;
                    return Err(invalid(
                        name,
                        format!(
                            "step={step} does not divide the range [{low}, {high}]; use high={fixed} or a step that divides high - low"
                        ),
                    ));
                }
                Ok(())
            }
            Distribution::Categorical { choices } => {
                if choices.is_empty() {
                    return Err(invalid(name, "choices must not be empty; give at least one choice".into()));
                }
                if choices.len() > u32::MAX as usize {
                    return Err(invalid(name, "too many choices".into()));
                }
                Ok(())
            }
        }
    }

    /// The distribution as Optuna builds it from a user's arguments: a `step` that does not
    /// divide `high - low` lowers `high` to the last point of the grid, and the returned message
    /// says so (the caller warns with it). Anything else is returned unchanged; `validate`
    /// still judges the result.
    pub fn fit_to_step(self, name: &str) -> (Distribution, Option<String>) {
        let fitted = match &self {
            Distribution::Float { low, high, log: false, step: Some(step) } if low.is_finite() && high.is_finite() && *step > 0.0 => {
                let k = (high - low) / step;
                let divides = (k - k.round()).abs() <= STEP_RTOL * k.abs().max(1.0);
                (k.is_finite() && k >= 0.0 && k <= MAX_EXACT_INT as f64 && !divides)
                    .then(|| (round_sig(low + k.floor() * step), format_float(*low), format_float(*high), format_float(*step)))
                    .map(|(new_high, l, h, st)| {
                        (Distribution::Float { low: *low, high: new_high, log: false, step: Some(*step) }, l, h, st, format_float(new_high))
                    })
            }
            Distribution::Int { low, high, log: false, step } if *step > 0 && low < high && (high - low) % step != 0 => {
                let new_high = low + (high - low) / step * step;
                Some((
                    Distribution::Int { low: *low, high: new_high, log: false, step: *step },
                    low.to_string(),
                    high.to_string(),
                    step.to_string(),
                    new_high.to_string(),
                ))
            }
            _ => None,
        };
        match fitted {
            None => (self, None),
            Some((d, low, high, step, new_high)) => {
                let what = if name.is_empty() { String::from("a distribution") } else { format!("parameter '{name}'") };
                let msg = format!(
                    "{what}: step={step} does not divide the range [{low}, {high}]; high is lowered to {new_high}, the last point of the grid (pass high={new_high} to say so)"
                );
                (d, Some(msg))
            }
        }
    }

    /// True when the distribution has exactly one possible value.
    pub fn single(&self) -> bool {
        match self {
            Distribution::Float { low, high, step, .. } => match step {
                None => low == high,
                // with the grid's tolerance: [0.2, 0.3] by 0.1 has two points, though 0.3 - 0.2 < 0.1
                Some(s) => (high - low) / s < 1.0 - STEP_RTOL,
            },
            Distribution::Int { low, high, step, .. } => high - low < *step,
            Distribution::Categorical { choices } => choices.len() == 1,
        }
    }

    /// Whether an internal value belongs to the distribution.
    pub fn contains(&self, v: f64) -> bool {
        if !v.is_finite() {
            return false;
        }
        match self {
            Distribution::Float { low, high, step, .. } => {
                if let Some(step) = step {
                    let k = (v - low) / step;
                    let tol = STEP_RTOL * k.abs().max(1.0);
                    (k - k.round()).abs() <= tol && v >= *low - tol * step && v <= *high + tol * step
                } else {
                    *low <= v && v <= *high
                }
            }
            Distribution::Int { low, high, step, .. } => {
                v == v.trunc() && v >= *low as f64 && v <= *high as f64 && ((v as i64) - low) % step == 0
            }
            Distribution::Categorical { choices } => v == v.trunc() && v >= 0.0 && (v as usize) < choices.len(),
        }
    }

    /// The internal value of a user-given value (enqueued params, grid values, `add_trial`).
    /// `None` when the value has the wrong type or lies outside the distribution.
    pub fn to_internal(&self, value: &Choice) -> Option<f64> {
        let v = match self {
            Distribution::Float { .. } => value.as_f64()?,
            Distribution::Int { .. } => {
                let f = value.as_f64()?;
                if f != f.trunc() {
                    return None;
                }
                f
            }
            Distribution::Categorical { choices } => return choices.iter().position(|c| c == value).map(|i| i as f64),
        };
        if self.contains(v) {
            Some(v)
        } else {
            None
        }
    }

    /// The internal value of a value the user fixed (enqueued, or a grid's), taken as Optuna
    /// takes it: a number outside a float or int distribution's range (or off its grid) is
    /// used as given, and the flag is `false` so the caller can warn. A value of the wrong
    /// type, not finite, not an integer for an int, not positive under log, or not among a
    /// categorical's choices is `None`.
    pub fn to_internal_fixed(&self, value: &Choice) -> Option<(f64, bool)> {
        if let Some(v) = self.to_internal(value) {
            return Some((v, true));
        }
        let v = value.as_f64().filter(|v| v.is_finite())?;
        let usable = match self {
            Distribution::Float { log, .. } => !*log || v > 0.0,
            Distribution::Int { log, .. } => v == v.trunc() && v.abs() <= MAX_EXACT_INT as f64 && (!*log || v >= 1.0),
            Distribution::Categorical { .. } => false,
        };
        usable.then_some((v, false))
    }

    /// Whether `other` may stand for the same parameter within one trial: the same kind and
    /// scale (and the same choices for a categorical), bounds and step aside. Optuna then uses
    /// the parameter's first value (with a warning); otherwise it refuses.
    pub fn compatible_with(&self, other: &Distribution) -> bool {
        match (self, other) {
            (Distribution::Float { log: a, .. }, Distribution::Float { log: b, .. }) => a == b,
            (Distribution::Int { log: a, .. }, Distribution::Int { log: b, .. }) => a == b,
            (Distribution::Categorical { choices: a }, Distribution::Categorical { choices: b }) => a == b,
            _ => false,
        }
    }

    /// The user value of an internal value: floats stay floats, ints become `Choice::Int`,
    /// categorical indices become the choice itself.
    pub fn to_external(&self, v: f64) -> Choice {
        match self {
            Distribution::Float { .. } => Choice::Float(v),
            Distribution::Int { .. } => Choice::Int(v as i64),
            Distribution::Categorical { choices } => choices[v as usize].clone(),
        }
    }

    /// A Python-like rendering for messages, e.g. `FloatDistribution(high=1.0, log=False, low=0.0, step=None)`.
    pub fn repr(&self) -> String {
        match self {
            Distribution::Float { low, high, log, step } => format!(
                "FloatDistribution(high={}, log={}, low={}, step={})",
                format_float(*high),
                if *log { "True" } else { "False" },
                format_float(*low),
                step.map(format_float).unwrap_or_else(|| "None".into())
            ),
            Distribution::Int { low, high, log, step } => {
                format!("IntDistribution(high={high}, log={}, low={low}, step={step})", if *log { "True" } else { "False" })
            }
            Distribution::Categorical { choices } => {
                format!("CategoricalDistribution(choices=({}))", choices.iter().map(Choice::repr).collect::<Vec<_>>().join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(low: f64, high: f64, log: bool, step: Option<f64>) -> Distribution {
        Distribution::Float { low, high, log, step }
    }

    #[test]
    fn a_fixed_value_outside_the_range_is_taken_as_given_when_it_is_usable() {
        let f = Distribution::Float { low: 0.0, high: 10.0, log: false, step: None };
        assert_eq!(f.to_internal_fixed(&Choice::Float(5.0)), Some((5.0, true)));
        assert_eq!(f.to_internal_fixed(&Choice::Float(20.0)), Some((20.0, false)));
        assert_eq!(f.to_internal_fixed(&Choice::Int(-3)), Some((-3.0, false)));
        assert_eq!(f.to_internal_fixed(&Choice::Float(f64::NAN)), None);
        assert_eq!(f.to_internal_fixed(&Choice::Str("a".into())), None);
        let lf = Distribution::Float { low: 1e-3, high: 1.0, log: true, step: None };
        assert_eq!(lf.to_internal_fixed(&Choice::Float(2.0)), Some((2.0, false)));
        assert_eq!(lf.to_internal_fixed(&Choice::Float(-1.0)), None);
        let i = Distribution::Int { low: 0, high: 10, log: false, step: 2 };
        assert_eq!(i.to_internal_fixed(&Choice::Int(3)), Some((3.0, false)));
        assert_eq!(i.to_internal_fixed(&Choice::Float(2.5)), None);
        let c = Distribution::Categorical { choices: vec![Choice::Str("a".into())] };
        assert_eq!(c.to_internal_fixed(&Choice::Str("b".into())), None);
    }

    #[test]
    fn distributions_of_one_kind_and_scale_are_compatible() {
        let f = |low, high, log| Distribution::Float { low, high, log, step: None };
        assert!(f(0.0, 1.0, false).compatible_with(&f(0.0, 2.0, false)));
        assert!(!f(0.1, 1.0, false).compatible_with(&f(0.1, 1.0, true)));
        assert!(!f(0.0, 1.0, false).compatible_with(&Distribution::Int { low: 0, high: 1, log: false, step: 1 }));
        let c = |x: &str| Distribution::Categorical { choices: vec![Choice::Str(x.into())] };
        assert!(c("a").compatible_with(&c("a")) && !c("a").compatible_with(&c("b")));
    }

    #[test]
    fn a_float_grid_whose_range_rounds_below_its_step_still_has_two_points() {
        // 0.3 - 0.2 < 0.1 in floating point, yet 0.2 and 0.3 are both on the grid
        for (low, high) in [(0.2, 0.3), (0.7, 0.8)] {
            let d = Distribution::Float { low, high, log: false, step: Some(0.1) };
            assert!(!d.single() && d.contains(low) && d.contains(high));
        }
        assert!(Distribution::Float { low: 2.22, high: 2.22, log: false, step: Some(0.1) }.single());
    }

    #[test]
    fn a_step_that_does_not_divide_the_range_lowers_high_with_a_message() {
        let (d, msg) = Distribution::Float { low: 0.0, high: 1.0, log: false, step: Some(0.3) }.fit_to_step("x");
        assert_eq!(d, Distribution::Float { low: 0.0, high: 0.9, log: false, step: Some(0.3) });
        assert!(d.validate("x").is_ok());
        assert!(msg.unwrap().contains("parameter 'x': step=0.3 does not divide the range [0.0, 1.0]; high is lowered to 0.9"));
        let (d, msg) = Distribution::Int { low: 0, high: 10, log: false, step: 3 }.fit_to_step("");
        assert_eq!(d, Distribution::Int { low: 0, high: 9, log: false, step: 3 });
        assert!(msg.unwrap().starts_with("a distribution: step=3"));
        assert!(Distribution::Float { low: 0.0, high: 1.0, log: false, step: Some(f64::NAN) }.fit_to_step("x").1.is_none());
        // every digit of the last grid point is kept (Optuna's 3 * pi on [0, 10] by pi)
        let pi = std::f64::consts::PI;
        let (d, _) = Distribution::Float { low: 0.0, high: 10.0, log: false, step: Some(pi) }.fit_to_step("x");
        assert_eq!(d, Distribution::Float { low: 0.0, high: 3.0 * pi, log: false, step: Some(pi) });
        let (d, _) = Distribution::Float { low: 0.0, high: 3.45, log: false, step: Some(0.1) }.fit_to_step("x");
        assert_eq!(d, Distribution::Float { low: 0.0, high: 3.4, log: false, step: Some(0.1) });
        // a step wider than the range leaves one point, as in Optuna
        let (d, _) = Distribution::Float { low: 0.0, high: 1.0, log: false, step: Some(2.0) }.fit_to_step("x");
        assert!(d.single() && d.validate("x").is_ok());
        // what divides, or what validate must refuse, is left alone
        for d in [
            Distribution::Float { low: 0.0, high: 0.9, log: false, step: Some(0.3) },
            Distribution::Int { low: 5, high: 0, log: false, step: 2 },
            Distribution::Int { low: 0, high: 10, log: false, step: 0 },
        ] {
            assert_eq!(d.clone().fit_to_step("x"), (d, None));
        }
    }

    #[test]
    fn float_validation() {
        assert!(f(0.0, 1.0, false, None).validate("x").is_ok());
        assert!(f(1e-5, 1.0, true, None).validate("x").is_ok());
        assert!(f(0.0, 1.0, false, Some(0.1)).validate("x").is_ok());
        let e = f(2.0, 1.0, false, None).validate("lr").unwrap_err().to_string();
        assert!(e.contains("'lr'") && e.contains("greater than"), "{e}");
        assert!(f(0.0, 1.0, true, None).validate("x").unwrap_err().to_string().contains("low > 0"));
        assert!(f(1.0, 2.0, true, Some(0.5)).validate("x").is_err());
        let e = f(0.0, 1.0, false, Some(0.3)).validate("x").unwrap_err().to_string();
        assert!(e.contains("high=0.9"), "{e}");
        assert!(f(0.0, f64::INFINITY, false, None).validate("x").is_err());
        assert!(f(f64::NAN, 1.0, false, None).validate("x").is_err());
        assert!(f(0.0, 1.0, false, Some(0.0)).validate("x").is_err());
        assert!(f(-1e308, 1e308, false, Some(1e307)).validate("x").is_err());
        assert!(f(0.0, 1e300, false, Some(1e-300)).validate("x").is_err());
    }

    #[test]
    fn int_validation() {
        let i = |low, high, log, step| Distribution::Int { low, high, log, step };
        assert!(i(0, 10, false, 1).validate("n").is_ok());
        assert!(i(0, 10, false, 2).validate("n").is_ok());
        assert!(i(0, 10, false, 3).validate("n").unwrap_err().to_string().contains("high=9"));
        assert!(i(1, 10, true, 2).validate("n").is_err());
        assert!(i(0, 10, true, 1).validate("n").is_err());
        assert!(i(5, 1, false, 1).validate("n").is_err());
        assert!(i(0, 10, false, 0).validate("n").is_err());
        assert!(i(0, i64::MAX, false, 1).validate("n").is_err());
    }

    #[test]
    fn categorical_roundtrip() {
        let d = Distribution::Categorical {
            choices: vec![Choice::None, Choice::Bool(true), Choice::Int(1), Choice::Float(f64::NAN), Choice::Str("a".into())],
        };
        assert!(d.validate("c").is_ok());
        for (i, c) in ["None", "True", "1", "nan", "'a'"].iter().enumerate() {
            let ext = d.to_external(i as f64);
            assert_eq!(ext.repr(), *c);
            assert_eq!(d.to_internal(&ext), Some(i as f64));
        }
        assert_eq!(d.to_internal(&Choice::Str("b".into())), None);
        assert!(Distribution::Categorical { choices: vec![] }.validate("c").is_err());
    }

    #[test]
    fn contains_respects_step_and_bounds() {
        let d = f(0.0, 1.0, false, Some(0.1));
        assert!(d.contains(0.3));
        assert!(d.contains(1.0));
        assert!(!d.contains(0.35));
        assert!(!d.contains(1.1));
        let i = Distribution::Int { low: 1, high: 9, log: false, step: 2 };
        assert!(i.contains(3.0));
        assert!(!i.contains(4.0));
        assert!(!i.contains(3.5));
        assert!(!i.contains(f64::NAN));
    }
}
