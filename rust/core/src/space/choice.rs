//! A categorical choice or a user-given parameter value: the JSON-like scalar types
//! that can round-trip through every storage (None, bool, int, float, str).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum Choice {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl PartialEq for Choice {
    /// Type-strict equality (so `True` and `1` are different choices), with NaN equal to NaN
    /// so a distribution holding a NaN choice still equals itself.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Choice::None, Choice::None) => true,
            (Choice::Bool(a), Choice::Bool(b)) => a == b,
            (Choice::Int(a), Choice::Int(b)) => a == b,
            (Choice::Float(a), Choice::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Choice::Str(a), Choice::Str(b)) => a == b,
            _ => false,
        }
    }
}

impl Choice {
    /// The numeric value of a number-like choice, for numeric distributions.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Choice::Int(i) => Some(*i as f64),
            Choice::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// A short Python-like rendering for error messages.
    pub fn repr(&self) -> String {
        match self {
            Choice::None => "None".into(),
            Choice::Bool(true) => "True".into(),
            Choice::Bool(false) => "False".into(),
            Choice::Int(i) => i.to_string(),
            Choice::Float(f) => format_float(*f),
            Choice::Str(s) => format!("'{s}'"),
        }
    }
}

/// Python-like float formatting: `1.0` (not `1`), `1e+16` and `1.5e-05` (not every digit).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Rust writes `1.5e-5`; Python writes `1.5e-05`.
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').expect("exponent form");
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    if f == f.trunc() {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn floats_print_like_python() {
        assert_eq!(format_float(1.0), "1.0");
        assert_eq!(format_float(0.25), "0.25");
        assert_eq!(format_float(1e300), "1e+300");
        assert_eq!(format_float(-2.5e16), "-2.5e+16");
        assert_eq!(format_float(1.5e-5), "1.5e-05");
        assert_eq!(format_float(f64::INFINITY), "inf");
    }
}
