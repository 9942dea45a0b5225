//! A trial's constraint values, as Optuna stores them in system attributes: the list of
//! `constraints_func` (`"constraints": [c0, c1, ...]`) and the values of `Trial.set_constraint`
//! (`"constraints:<name>": c`). A value above zero, or an unknown one (NaN, null), violates.

use std::collections::BTreeMap;

/// The system attribute of the list a sampler's `constraints_func` returned.
pub const CONSTRAINTS_ATTR: &str = "constraints";
/// The prefix of the attributes `Trial.set_constraint(name, value)` stores.
pub const CONSTRAINT_PREFIX: &str = "constraints:";

/// The trial's total violation (the sum of its positive and unknown values, an unknown one
/// counting 1), or `None` when it has no constraint values at all.
pub fn violation(system_attrs: &BTreeMap<String, String>) -> Option<f64> {
    if system_attrs.is_empty() {
        return None; // the common case, checked on every completed trial
    }
    let one = |x: Option<f64>| x.map_or(1.0, |x| if x.is_nan() { 1.0 } else { x.max(0.0) });
    let mut total = None::<f64>;
    if let Some(list) = system_attrs.get(CONSTRAINTS_ATTR) {
        let values = serde_json::from_str::<Vec<Option<f64>>>(list).unwrap_or_else(|_| vec![None]);
        // A named value under the same key ("constraints:0" for the list's first) replaces
        // the list's, as Optuna reads them: count it once, below.
        let named = |i: usize| system_attrs.contains_key(&format!("{CONSTRAINT_PREFIX}{i}"));
        *total.get_or_insert(0.0) += values.into_iter().enumerate().filter(|(i, _)| !named(*i)).map(|(_, v)| one(v)).sum::<f64>();
    }
    let from = (std::ops::Bound::Included(CONSTRAINT_PREFIX), std::ops::Bound::Unbounded);
    for (_, json) in system_attrs.range::<str, _>(from).take_while(|(k, _)| k.starts_with(CONSTRAINT_PREFIX)) {
        *total.get_or_insert(0.0) += one(serde_json::from_str::<Option<f64>>(json).ok().flatten());
    }
    total
}

/// The trial's constraint values by name, sorted by name: the list's by position (`"0"`,
/// `"1"`, ...), then the named ones (a named value replaces a list entry of the same name).
/// An unknown value (null, unreadable) is NaN.
pub fn values(system_attrs: &BTreeMap<String, String>) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    if system_attrs.is_empty() {
        return out;
    }
    if let Some(list) = system_attrs.get(CONSTRAINTS_ATTR) {
        let values = serde_json::from_str::<Vec<Option<f64>>>(list).unwrap_or_else(|_| vec![None]);
        for (i, v) in values.into_iter().enumerate() {
            out.insert(i.to_string(), v.unwrap_or(f64::NAN));
        }
    }
    let from = (std::ops::Bound::Included(CONSTRAINT_PREFIX), std::ops::Bound::Unbounded);
    for (k, json) in system_attrs.range::<str, _>(from).take_while(|(k, _)| k.starts_with(CONSTRAINT_PREFIX)) {
        let v = serde_json::from_str::<Option<f64>>(json).ok().flatten().unwrap_or(f64::NAN);
        out.insert(k[CONSTRAINT_PREFIX.len()..].to_string(), v);
    }
    out
}

/// Whether the trial satisfies its constraints (a trial without any does).
pub fn feasible(system_attrs: &BTreeMap<String, String>) -> bool {
    violation(system_attrs).is_none_or(|v| v == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn both_formats_add_up_and_unknown_values_violate() {
        assert_eq!(violation(&attrs(&[])), None);
        assert_eq!(violation(&attrs(&[("constraints", "[-1.0, 0.5]")])), Some(0.5));
        assert_eq!(violation(&attrs(&[("constraints:mem", "2.0"), ("constraints:time", "-3.0")])), Some(2.0));
        assert_eq!(violation(&attrs(&[("constraints", "[0.25]"), ("constraints:mem", "0.5")])), Some(0.75));
        assert_eq!(violation(&attrs(&[("constraints", "[null]")])), Some(1.0));
        assert_eq!(violation(&attrs(&[("constraints:x", "null")])), Some(1.0));
        // other attributes that merely sort nearby are not constraints
        assert_eq!(violation(&attrs(&[("constraintsx", "5"), ("constraint", "5")])), None);
        assert!(feasible(&attrs(&[("constraints:a", "0.0")])) && !feasible(&attrs(&[("constraints:a", "0.1")])));
    }

    #[test]
    fn a_named_value_replaces_the_list_value_of_the_same_key() {
        assert_eq!(violation(&attrs(&[("constraints", "[5.0, 2.0]"), ("constraints:0", "-1.0")])), Some(2.0));
        assert!(feasible(&attrs(&[("constraints", "[5.0]"), ("constraints:0", "-1.0")])));
    }

    #[test]
    fn values_by_name() {
        let v = values(&attrs(&[("constraints", "[-1.0, null]"), ("constraints:mem", "2.0"), ("constraints:0", "3.0"), ("other", "1")]));
        let got: Vec<(String, f64)> = v.into_iter().collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], ("0".to_string(), 3.0));
        assert!(got[1].0 == "1" && got[1].1.is_nan());
        assert_eq!(got[2], ("mem".to_string(), 2.0));
        assert!(values(&attrs(&[])).is_empty());
    }
}
