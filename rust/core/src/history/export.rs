//! Trials copied out of a history, so that whoever reads them (the Python glue, a storage
//! copying a study) does so after the storage's lock is released.
//!
//! Parameter names and distributions are listed once per export, not once per trial: a study
//! has few distinct ones, and a reader then builds one object for each (the Python layer one
//! distribution object) instead of one per trial and parameter.

use std::collections::{BTreeMap, HashMap};

use super::{TrialHistory, TrialState};
use crate::space::{Choice, Distribution};

/// One trial of an export. `params` are `(name index, internal value, distribution index)`
/// into the export's tables, in suggestion order.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub number: usize,
    pub trial_id: u64,
    pub state: TrialState,
    pub values: Option<Vec<f64>>,
    pub datetime_start: Option<f64>,
    pub datetime_complete: Option<f64>,
    pub params: Vec<(u32, f64, u32)>,
    pub user_attrs: BTreeMap<String, String>,
    pub system_attrs: BTreeMap<String, String>,
    pub intermediate: Vec<(i64, f64)>,
    pub fixed_params: Vec<(String, Choice)>,
}

/// Trials copied out of one history, with the names and distributions their parameters use
/// (each name once, each distribution once per parameter).
#[derive(Debug, Default)]
pub struct TrialExport {
    pub names: Vec<String>,
    pub distributions: Vec<Distribution>,
    pub rows: Vec<ExportRow>,
    /// column -> index in `names`; (column, distribution of the column) -> index in `distributions`.
    name_index: HashMap<u32, u32>,
    dist_index: HashMap<(u32, u32), u32>,
}

impl TrialExport {
    /// The trials `rows` of `h`, in that order.
    pub fn of_rows(h: &TrialHistory, rows: impl IntoIterator<Item = usize>) -> Self {
        let mut x = TrialExport::default();
        for r in rows {
            x.add(h, r);
        }
        x
    }

    /// Appends trial `row` of `h`.
    pub fn add(&mut self, h: &TrialHistory, row: usize) {
        let m = &h.meta[row];
        let mut params = Vec::with_capacity(m.param_order.len());
        for &ci in &m.param_order {
            let c = &h.columns[ci as usize];
            let Some(v) = c.get(row) else { continue };
            let di = c.dist_idx[row];
            let names = &mut self.names;
            let ni = *self.name_index.entry(ci).or_insert_with(|| {
                names.push(c.name.clone());
                (names.len() - 1) as u32
            });
            let dists = &mut self.distributions;
            let si = *self.dist_index.entry((ci, di)).or_insert_with(|| {
                dists.push(c.distributions[di as usize].clone());
                (dists.len() - 1) as u32
            });
            params.push((ni, v, si));
        }
        self.rows.push(ExportRow {
            number: row,
            trial_id: m.trial_id,
            state: h.states[row],
            values: h.values_of(row),
            datetime_start: m.datetime_start,
            datetime_complete: m.datetime_complete,
            params,
            user_attrs: m.user_attrs.clone(),
            system_attrs: m.system_attrs.clone(),
            intermediate: m.intermediate.clone(),
            fixed_params: m.fixed_params.clone(),
        });
    }

    /// Row `i`'s parameters as `(name, internal value, distribution)`, in suggestion order.
    pub fn params(&self, i: usize) -> impl Iterator<Item = (&str, f64, &Distribution)> + '_ {
        self.rows[i].params.iter().map(|&(n, v, d)| (self.names[n as usize].as_str(), v, &self.distributions[d as usize]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::StudyDirection;
    use crate::storage::{AttrKind, Claim, InMemoryStorage, Storage, TrialTemplate};

    fn float(high: f64) -> Distribution {
        Distribution::Float { low: 0.0, high, log: false, step: None }
    }

    #[test]
    fn tables_list_each_name_and_parameter_distribution_once_and_rows_keep_suggestion_order() {
        let st = InMemoryStorage::new();
        let id = st.create_study("s", &[StudyDirection::Minimize]).unwrap();
        let new = || st.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate::default()))).unwrap().unwrap().trial_id;
        let a = new();
        st.set_trial_param(a, "y", 0.5, &float(1.0)).unwrap();
        st.set_trial_param(a, "x", 0.25, &float(1.0)).unwrap();
        st.set_trial_intermediate_value(a, 3, 1.5).unwrap();
        st.set_trial_attr(a, AttrKind::User, "k", "[1]").unwrap();
        st.set_trial_state_values(a, TrialState::Complete, Some(&[2.0])).unwrap();
        let b = new();
        st.set_trial_param(b, "x", 1.5, &float(2.0)).unwrap(); // the same name, another distribution
        let _c = new(); // no parameters

        let x = crate::storage::read_with(&st, id, |h| TrialExport::of_rows(h, 0..h.n_trials())).unwrap();
        assert_eq!(x.names, vec!["y".to_string(), "x".to_string()]);
        // one entry per parameter and distribution: y's and x's equal ones are two entries
        assert_eq!(x.distributions, vec![float(1.0), float(1.0), float(2.0)]);
        assert_eq!(x.rows.len(), 3);
        let r = &x.rows[0];
        assert_eq!((r.number, r.trial_id, r.state), (0, a, TrialState::Complete));
        assert_eq!(r.values, Some(vec![2.0]));
        assert_eq!(x.params(0).collect::<Vec<_>>(), vec![("y", 0.5, &float(1.0)), ("x", 0.25, &float(1.0))]);
        assert_eq!(r.intermediate, vec![(3, 1.5)]);
        assert_eq!(r.user_attrs.get("k").map(String::as_str), Some("[1]"));
        assert!(r.datetime_start.is_some() && r.datetime_complete.is_some());
        assert_eq!(x.params(1).collect::<Vec<_>>(), vec![("x", 1.5, &float(2.0))]);
        assert_eq!((x.rows[1].state, x.rows[1].values.clone()), (TrialState::Running, None));
        assert_eq!(x.params(2).count(), 0);

        // one row alone: its own tables
        let one = crate::storage::read_with(&st, id, |h| TrialExport::of_rows(h, [1])).unwrap();
        assert_eq!((one.names.len(), one.distributions.len(), one.rows[0].number), (1, 1, 1));
    }
}
