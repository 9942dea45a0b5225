//! `StudyFrame`: a whole study copied out as flat columns, one array per field, so that a
//! reader that looks at every trial at once (a plot, a dashboard table) gets it in one call
//! and turns each column into an array without touching a per-trial object.

use super::constraints;
use super::TrialHistory;
use crate::space::{format_float, Choice, Distribution};

/// One parameter across every trial: `values[row]` is the internal value (the number itself,
/// a categorical's choice index), NaN where the trial did not use it; `dist_idx[row]` points
/// into `distributions` (meaningful only where the value is present).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameParam {
    pub name: String,
    pub values: Vec<f64>,
    pub dist_idx: Vec<u32>,
    pub distributions: Vec<Distribution>,
}

/// Every trial of a study by column; row `r` is trial number `r`. Times are Unix seconds and
/// values NaN where absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudyFrame {
    /// Optuna's state codes (`TrialState as u8`).
    pub states: Vec<u8>,
    /// `values[k][row]`: objective `k`, NaN when the trial has no values (a pruned trial may
    /// have them: the last intermediate value, as Optuna stores it).
    pub values: Vec<Vec<f64>>,
    pub datetime_start: Vec<f64>,
    pub datetime_complete: Vec<f64>,
    /// The trial's constraint violation (the sum of its positive values), NaN without
    /// constraint values.
    pub violation: Vec<f64>,
    /// Parameters in the order the study first used them.
    pub params: Vec<FrameParam>,
    /// Intermediate values as three parallel columns, sorted by row then step.
    pub inter_rows: Vec<u32>,
    pub inter_steps: Vec<i64>,
    pub inter_values: Vec<f64>,
    /// Each trial as a plot's hover text (empty unless asked for): its number, values,
    /// parameters and user attributes as indented JSON with `<br>` line breaks.
    pub hover: Vec<String>,
}

/// Which of a frame's optional parts to copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameParts {
    pub intermediate: bool,
    pub hover: bool,
}

impl StudyFrame {
    /// Copies `h`, with the optional `parts`.
    pub fn of(h: &TrialHistory, parts: FrameParts) -> Self {
        let n = h.n_trials();
        let nan_padded = |c: &[f64]| {
            let mut v = c[..c.len().min(n)].to_vec();
            v.resize(n, f64::NAN);
            v
        };
        let mut f = StudyFrame {
            states: h.states.iter().map(|s| *s as u8).collect(),
            values: h.values.iter().map(|c| nan_padded(c)).collect(),
            datetime_start: Vec::with_capacity(n),
            datetime_complete: Vec::with_capacity(n),
            violation: Vec::with_capacity(n),
            params: Vec::with_capacity(h.columns.len()),
            ..Default::default()
        };
        for m in &h.meta {
            f.datetime_start.push(m.datetime_start.unwrap_or(f64::NAN));
            f.datetime_complete.push(m.datetime_complete.unwrap_or(f64::NAN));
            f.violation.push(constraints::violation(&m.system_attrs).unwrap_or(f64::NAN));
        }
        for c in &h.columns {
            let mut dist_idx = c.dist_idx[..c.dist_idx.len().min(n)].to_vec();
            dist_idx.resize(n, 0);
            f.params.push(FrameParam {
                name: c.name.clone(),
                values: nan_padded(&c.values),
                dist_idx,
                distributions: c.distributions.clone(),
            });
        }
        if parts.intermediate {
            let total = h.meta.iter().map(|m| m.intermediate.len()).sum();
            f.inter_rows.reserve(total);
            f.inter_steps.reserve(total);
            f.inter_values.reserve(total);
            for (row, m) in h.meta.iter().enumerate() {
                for &(step, v) in &m.intermediate {
                    f.inter_rows.push(row as u32);
                    f.inter_steps.push(step);
                    f.inter_values.push(v);
                }
            }
        }
        if parts.hover {
            f.hover = hover_texts(h);
        }
        f
    }
}

/// Appends a JSON number as Python's `json.dumps` writes it (`1.0`, `1e-05`, `NaN`, `Infinity`).
fn push_number(s: &mut String, x: f64) {
    if x.is_nan() {
        s.push_str("NaN");
    } else if x.is_infinite() {
        s.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        s.push_str(&format_float(x));
    }
}

fn push_choice(s: &mut String, c: &Choice) {
    match c {
        Choice::None => s.push_str("null"),
        Choice::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Choice::Int(i) => s.push_str(&i.to_string()),
        Choice::Float(x) => push_number(s, *x),
        Choice::Str(t) => s.push_str(&serde_json::to_string(t).unwrap_or_default()),
    }
}

/// Every trial as Optuna's plots show it on hover: `{"number", "values", "params",
/// "user_attrs" (when any)}` indented by two spaces, lines joined by `<br>`. Built in blocks
/// spread over the cores (a 100,000-trial study has as many texts).
fn hover_texts(h: &TrialHistory) -> Vec<String> {
    const BLOCK: usize = 4096;
    // Column names as JSON keys, escaped once.
    let keys: Vec<String> = h.columns.iter().map(|c| serde_json::to_string(&c.name).unwrap_or_default()).collect();
    let n = h.n_trials();
    let blocks = crate::gp::parallel::map(n.div_ceil(BLOCK), |b| {
        (b * BLOCK..((b + 1) * BLOCK).min(n)).map(|row| hover_text(h, &keys, row)).collect::<Vec<_>>()
    });
    blocks.into_iter().flatten().collect()
}

fn hover_text(h: &TrialHistory, keys: &[String], row: usize) -> String {
    let mut s = String::with_capacity(160);
    s.push_str("{<br>  \"number\": ");
    s.push_str(&row.to_string());
    s.push_str(",<br>  \"values\": ");
    if h.values.iter().all(|v| v[row].is_nan()) {
        s.push_str("null");
    } else {
        s.push('[');
        for (i, v) in h.values.iter().enumerate() {
            s.push_str(if i == 0 { "<br>    " } else { ",<br>    " });
            push_number(&mut s, v[row]);
        }
        s.push_str("<br>  ]");
    }
    s.push_str(",<br>  \"params\": {");
    let mut any = false;
    for &ci in &h.meta[row].param_order {
        let c = &h.columns[ci as usize];
        let Some(v) = c.get(row) else { continue };
        s.push_str(if any { ",<br>    " } else { "<br>    " });
        any = true;
        s.push_str(&keys[ci as usize]);
        s.push_str(": ");
        match c.distribution(row) {
            Distribution::Float { .. } => push_number(&mut s, v),
            Distribution::Int { .. } => s.push_str(&(v as i64).to_string()),
            d @ Distribution::Categorical { .. } => push_choice(&mut s, &d.to_external(v)),
        }
    }
    s.push_str(if any { "<br>  }" } else { "}" });
    let attrs = &h.meta[row].user_attrs;
    if !attrs.is_empty() {
        s.push_str(",<br>  \"user_attrs\": {");
        for (i, (k, json)) in attrs.iter().enumerate() {
            s.push_str(if i == 0 { "<br>    " } else { ",<br>    " });
            s.push_str(&serde_json::to_string(k).unwrap_or_default());
            s.push_str(": ");
            s.push_str(json);
        }
        s.push_str("<br>  }");
    }
    s.push_str("<br>}");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta, TrialState};

    #[test]
    fn copies_every_column_with_nan_for_absent() {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize, StudyDirection::Maximize]);
        let x = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let r0 = h.push_trial(TrialState::Running, TrialMeta { datetime_start: Some(10.0), ..Default::default() });
        h.set_param(r0, "x", 0.25, &x);
        h.set_intermediate(r0, 3, 1.5);
        h.set_intermediate(r0, 1, 2.5);
        h.set_state(r0, TrialState::Complete, Some(&[1.0, 2.0]));
        let mut meta = TrialMeta::default();
        meta.system_attrs.insert("constraints".into(), "[0.5, -1.0]".into());
        let r1 = h.push_trial(TrialState::Running, meta);
        h.set_param(r1, "c", 1.0, &Distribution::Categorical { choices: vec![crate::space::Choice::Int(1), crate::space::Choice::Int(2)] });
        let f = StudyFrame::of(&h, FrameParts { intermediate: true, hover: true });
        assert_eq!(f.states, vec![TrialState::Complete as u8, TrialState::Running as u8]);
        assert_eq!(f.values[0][0], 1.0);
        assert_eq!(f.values[1][0], 2.0);
        assert!(f.values[0][1].is_nan());
        assert_eq!(f.datetime_start[0], 10.0);
        assert!(f.datetime_start[1].is_nan());
        assert!(f.violation[0].is_nan());
        assert_eq!(f.violation[1], 0.5);
        assert_eq!(f.params.len(), 2);
        assert_eq!(f.params[0].name, "x");
        assert_eq!(f.params[0].values[0], 0.25);
        assert!(f.params[0].values[1].is_nan());
        assert!(f.params[1].values[0].is_nan());
        assert_eq!(f.params[1].values[1], 1.0);
        assert_eq!((f.inter_rows, f.inter_steps, f.inter_values), (vec![0, 0], vec![1, 3], vec![2.5, 1.5]));
        let g = StudyFrame::of(&h, FrameParts::default());
        assert!(g.inter_rows.is_empty() && g.hover.is_empty());
        assert_eq!(
            f.hover[0],
            "{<br>  \"number\": 0,<br>  \"values\": [<br>    1.0,<br>    2.0<br>  ],<br>  \"params\": {<br>    \"x\": 0.25<br>  }<br>}"
        );
        assert_eq!(f.hover[1], "{<br>  \"number\": 1,<br>  \"values\": null,<br>  \"params\": {<br>    \"c\": 2<br>  }<br>}");
    }
}
