//! `_core.Engine`: one study's ask / suggest / report / tell, as called by `ferrotune.Study`
//! and `ferrotune.Trial`.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrotune_core::engine::{StudyEngine, TellPlan, TellRequest};
use ferrotune_core::history::{TrialExport as CoreExport, TrialState};
use ferrotune_core::pareto::pareto_rows;
use ferrotune_core::space::Distribution;
use ferrotune_core::storage::{AttrKind, TrialTemplate};
use ferrotune_core::Error;
use pyo3::prelude::*;

use crate::convert::{choice_from_py, float_dist, int_dist};
use crate::distribution::fitted;
use crate::distribution::PyDistribution;
use crate::errors::enter_core;
use crate::export::TrialExport;
use crate::pruner::Pruner;
use crate::sampler::Sampler;
use crate::storage::Storage;

/// What `Engine.tell` returns with `export`: the trial, the best trial's number and value.
type Told = (TrialExport, Option<usize>, Option<f64>, bool);
/// A checked tell: (state code, values, fail reason).
type Plan = (u8, Option<Vec<f64>>, Option<String>);

#[pyclass(frozen, module = "ferrotune._core")]
pub struct Engine {
    inner: Arc<StudyEngine>,
}

fn state_of(code: u8) -> ferrotune_core::Result<TrialState> {
    TrialState::from_code(code).ok_or_else(|| Error::InvalidValue(format!("unknown trial state code {code}")))
}

fn tell_request(
    state: Option<u8>,
    values: Option<Vec<f64>>,
    skip_if_finished: bool,
    fail_reason: Option<String>,
) -> ferrotune_core::Result<TellRequest> {
    Ok(TellRequest { state: state.map(state_of).transpose()?, values, skip_if_finished, fail_reason })
}

impl Engine {
    /// Emits the sampler's and the storage's pending messages as Python `UserWarning`s.
    fn warn(&self, py: Python<'_>) -> PyResult<()> {
        let (sampler, storage) = enter_core(py, || Ok((self.inner.take_warnings(), self.inner.storage().take_warnings())))?;
        emit(py, sampler)?;
        emit(py, storage)
    }
}

/// Emits each message once as a `UserWarning` attributed to the user's frame
/// (`ferrotune.logging._warn`).
fn emit(py: Python<'_>, warnings: Vec<String>) -> PyResult<()> {
    if warnings.is_empty() {
        return Ok(());
    }
    let warn = py.import("ferrotune.logging")?.getattr("_warn")?;
    for w in warnings {
        warn.call1((w,))?;
    }
    Ok(())
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (storage, study_id, sampler=None))]
    fn new(storage: &Storage, study_id: u32, sampler: Option<&Sampler>) -> Self {
        Engine { inner: Arc::new(StudyEngine::new(storage.inner.clone(), study_id, sampler.map(|s| s.inner.clone()))) }
    }

    /// Starts a trial: (trial_id, number, warnings), or None when `stop_if_exhausted` and the
    /// sampler has nothing new.
    #[pyo3(signature = (stop_if_exhausted=false))]
    fn ask(&self, py: Python<'_>, stop_if_exhausted: bool) -> PyResult<Option<(u64, usize, Vec<String>)>> {
        let e = self.inner.clone();
        enter_core(py, move || {
            Ok(e.ask(stop_if_exhausted)?.map(|mut a| {
                a.warnings.extend(e.storage().take_warnings());
                (a.trial_id, a.number, a.warnings)
            }))
        })
    }

    fn is_exhausted(&self, py: Python<'_>) -> PyResult<bool> {
        let e = self.inner.clone();
        enter_core(py, move || e.is_exhausted())
    }

    /// The arguments are read strictly (a bool is not a bound, `log` must be a bool), so the
    /// Python layer passes them as the user gave them.
    #[pyo3(signature = (trial_id, name, low, high, step=None, log=None))]
    fn suggest_float(
        &self,
        py: Python<'_>,
        trial_id: u64,
        name: &str,
        low: &Bound<'_, PyAny>,
        high: &Bound<'_, PyAny>,
        step: Option<&Bound<'_, PyAny>>,
        log: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        let d = fitted(py, float_dist(low, high, log, step, name)?, name)?;
        let e = self.inner.clone();
        let v = enter_core(py, move || e.suggest(trial_id, name, &d))?;
        self.warn(py)?;
        Ok(v)
    }

    #[pyo3(signature = (trial_id, name, low, high, step=None, log=None))]
    fn suggest_int(
        &self,
        py: Python<'_>,
        trial_id: u64,
        name: &str,
        low: &Bound<'_, PyAny>,
        high: &Bound<'_, PyAny>,
        step: Option<&Bound<'_, PyAny>>,
        log: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<i64> {
        let d = fitted(py, int_dist(low, high, log, step, name)?, name)?;
        let e = self.inner.clone();
        let v = enter_core(py, move || e.suggest(trial_id, name, &d))?;
        self.warn(py)?;
        Ok(v as i64)
    }

    /// Returns the index of the chosen choice.
    fn suggest_categorical(&self, py: Python<'_>, trial_id: u64, name: &str, choices: &Bound<'_, PyAny>) -> PyResult<usize> {
        let d = Distribution::Categorical { choices: crate::convert::choices_from_py(choices, name)? };
        let e = self.inner.clone();
        let v = enter_core(py, move || e.suggest(trial_id, name, &d))?;
        self.warn(py)?;
        Ok(v as usize)
    }

    /// Suggests from a distribution spec; returns the internal value.
    fn suggest(&self, py: Python<'_>, trial_id: u64, name: &str, dist: &Bound<'_, PyDistribution>) -> PyResult<f64> {
        let d = dist.get().inner.clone();
        let e = self.inner.clone();
        let v = enter_core(py, move || e.suggest(trial_id, name, &d))?;
        self.warn(py)?;
        Ok(v)
    }

    /// `sampler.sample_independent` against this study's history, storing nothing.
    fn sample_independent_with(
        &self,
        py: Python<'_>,
        sampler: &Sampler,
        number: usize,
        name: &str,
        dist: &Bound<'_, PyDistribution>,
    ) -> PyResult<f64> {
        let d = dist.get().inner.clone();
        let (e, s) = (self.inner.clone(), sampler.inner.clone());
        enter_core(py, move || e.sample_independent_with(s.as_ref(), number, name, &d))
    }

    /// `sampler`'s current joint search space: [(name, spec)] (for trial `number`: as seen from
    /// its Hyperband bracket).
    #[pyo3(signature = (sampler, number=None))]
    fn relative_search_space_with<'py>(
        &self,
        py: Python<'py>,
        sampler: &Sampler,
        number: Option<usize>,
    ) -> PyResult<Vec<(String, Py<PyDistribution>)>> {
        let (e, s) = (self.inner.clone(), sampler.inner.clone());
        let space = enter_core(py, move || e.relative_search_space_with(s.as_ref(), number))?;
        space.into_iter().map(|(n, d)| Ok((n, Py::new(py, PyDistribution::new(d))?))).collect()
    }

    /// The joint proposal made for a live trial when it was asked: [(name, internal value, spec)].
    fn relative_params<'py>(&self, py: Python<'py>, trial_id: u64) -> PyResult<Vec<(String, f64, Py<PyDistribution>)>> {
        let rel = enter_core(py, || Ok(self.inner.relative_params(trial_id)))?;
        rel.into_iter().map(|(n, v, d)| Ok((n, v, Py::new(py, PyDistribution::new(d))?))).collect()
    }

    /// `sampler.sample_relative` against this study's history: [(name, internal value, spec)].
    fn sample_relative_with<'py>(
        &self,
        py: Python<'py>,
        sampler: &Sampler,
        number: usize,
    ) -> PyResult<Vec<(String, f64, Py<PyDistribution>)>> {
        let (e, s) = (self.inner.clone(), sampler.inner.clone());
        let rel = enter_core(py, move || e.sample_relative_with(s.as_ref(), number))?;
        rel.into_iter().map(|(n, v, d)| Ok((n, v, Py::new(py, PyDistribution::new(d))?))).collect()
    }

    /// The value a parameter must take (existing, enqueued, single-point), or None when the
    /// Python sampler has to choose.
    fn preset(&self, py: Python<'_>, trial_id: u64, name: &str, dist: &Bound<'_, PyDistribution>) -> PyResult<Option<f64>> {
        let d = dist.get().inner.clone();
        let v = enter_core(py, || self.inner.preset(trial_id, name, &d))?;
        self.warn(py)?;
        Ok(v)
    }

    fn set_param(&self, py: Python<'_>, trial_id: u64, name: &str, dist: &Bound<'_, PyDistribution>, value: f64) -> PyResult<()> {
        let d = dist.get().inner.clone();
        enter_core(py, || self.inner.set_param(trial_id, name, &d, value))
    }

    /// `step` is any Python int; one beyond 64 bits is a `FerrotuneValueError`, not an
    /// `OverflowError` from the conversion.
    fn report(&self, py: Python<'_>, trial_id: u64, step: &Bound<'_, PyAny>, value: f64) -> PyResult<bool> {
        let step = step.extract::<i64>().map_err(|_| {
            crate::errors::raise(
                py,
                "FerrotuneValueError",
                format!("report() step must be an int within 64 bits (-2**63 to 2**63 - 1), got {step}; use a smaller step"),
            )
        })?;
        enter_core(py, || self.inner.report(trial_id, step, value))
    }

    /// Sets (or clears) the built-in pruner `should_prune` asks and Hyperband's bracket routing.
    #[pyo3(signature = (pruner=None))]
    fn set_pruner(&self, py: Python<'_>, pruner: Option<&Pruner>) -> PyResult<()> {
        let p = pruner.map(|p| p.inner.clone());
        enter_core(py, || {
            self.inner.set_pruner(p);
            Ok(())
        })
    }

    /// The study pruner's decision for a live trial, and the step before which no decision can
    /// stop it (None: ask every time); its messages become `UserWarning`s.
    fn should_prune(&self, py: Python<'_>, trial_id: u64) -> PyResult<(bool, Option<i64>)> {
        let e = self.inner.clone();
        let v = enter_core(py, move || e.should_prune(trial_id))?;
        emit(py, v.warnings)?;
        Ok((v.prune, v.quiet_until))
    }

    /// `pruner`'s decision for trial `number` of this study (a built-in pruner's `prune`).
    fn prune_with(&self, py: Python<'_>, pruner: &Pruner, number: usize) -> PyResult<bool> {
        let (e, p) = (self.inner.clone(), pruner.inner.clone());
        let v = enter_core(py, move || {
            let id = e.read(|h| h.meta.get(number).map(|m| m.trial_id))?.ok_or_else(|| {
                Error::TrialNotFound(format!("no trial number {number} in this study; pass a trial of the study being pruned"))
            })?;
            e.prune_with(p.as_ref(), id)
        })?;
        emit(py, v.warnings)?;
        Ok(v.prune)
    }

    /// The Hyperband bracket of trial `number`, or None (no Hyperband pruner, or its brackets
    /// are not known yet).
    fn bracket_of(&self, py: Python<'_>, number: usize) -> PyResult<Option<usize>> {
        enter_core(py, || self.inner.bracket_of(number))
    }

    /// The Hyperband bracket of every trial by number, or None as for `bracket_of`.
    fn trial_brackets(&self, py: Python<'_>) -> PyResult<Option<Vec<usize>>> {
        let e = self.inner.clone();
        enter_core(py, move || e.trial_brackets())
    }

    /// Checks a tell as `tell` would (the core's rules) without writing anything: the state,
    /// values and fail reason `tell` should then be given, or None when `skip_if_finished`
    /// found the trial finished. For callers whose own hooks run between the check and the write.
    #[pyo3(signature = (trial_id, state=None, values=None, skip_if_finished=false, fail_reason=None))]
    fn check_tell(
        &self,
        py: Python<'_>,
        trial_id: u64,
        state: Option<u8>,
        values: Option<Vec<f64>>,
        skip_if_finished: bool,
        fail_reason: Option<String>,
    ) -> PyResult<Option<Plan>> {
        let e = self.inner.clone();
        enter_core(py, move || {
            Ok(match e.check_tell(trial_id, tell_request(state, values, skip_if_finished, fail_reason)?)? {
                TellPlan::Skip => None,
                TellPlan::Write(w) => Some((w.state as u8, w.values, w.fail_reason)),
            })
        })
    }

    /// Checks and finishes a trial in one crossing (the core's rules: see `check_tell`). With
    /// `export`, also returns, read in the same crossing, what the caller shows of it: the trial
    /// (as `export_trial`), the study's best trial number and value (None for several
    /// objectives or no complete trial), and whether the tell was skipped.
    #[pyo3(signature = (trial_id, state=None, values=None, export=false, skip_if_finished=false, fail_reason=None))]
    fn tell(
        &self,
        py: Python<'_>,
        trial_id: u64,
        state: Option<u8>,
        values: Option<Vec<f64>>,
        export: bool,
        skip_if_finished: bool,
        fail_reason: Option<String>,
    ) -> PyResult<Option<Told>> {
        let e = self.inner.clone();
        let told = enter_core(py, move || {
            let plan = e.tell_with(trial_id, tell_request(state, values, skip_if_finished, fail_reason)?)?;
            if !export {
                return Ok(None);
            }
            let number = e.storage().trial_ref(trial_id)?.number;
            e.read(|h| {
                let best = if h.directions.len() == 1 { h.best_row() } else { None };
                Some((CoreExport::of_rows(h, [number]), best, best.map(|r| h.values[0][r]), plan == TellPlan::Skip))
            })
        })?;
        told.map(|(x, best, value, skipped)| Ok((TrialExport::from_core(py, x)?, best, value, skipped))).transpose()
    }

    fn set_trial_attr(&self, py: Python<'_>, trial_id: u64, user: bool, key: &str, json: &str) -> PyResult<()> {
        let kind = if user { AttrKind::User } else { AttrKind::System };
        enter_core(py, || self.inner.set_trial_attr(trial_id, kind, key, json))
    }

    /// Queues a trial with fixed user values; returns its number, or None when skipped.
    fn enqueue(
        &self,
        py: Python<'_>,
        params: Vec<(String, Bound<'_, PyAny>)>,
        user_attrs: BTreeMap<String, String>,
        skip_if_exists: bool,
    ) -> PyResult<Option<usize>> {
        let mut fixed = Vec::with_capacity(params.len());
        for (n, v) in &params {
            fixed.push((n.clone(), choice_from_py(v, &format!("enqueued parameter '{n}'"))?));
        }
        enter_core(py, || self.inner.enqueue(fixed, user_attrs, skip_if_exists))
    }

    /// Adds a trial built in Python; returns its number.
    #[pyo3(signature = (state, values, params, intermediate, user_attrs, system_attrs, datetime_start=None, datetime_complete=None))]
    #[allow(clippy::too_many_arguments)]
    fn add_trial(
        &self,
        py: Python<'_>,
        state: u8,
        values: Option<Vec<f64>>,
        params: Vec<(String, f64, Bound<'_, PyDistribution>)>,
        intermediate: Vec<(i64, f64)>,
        user_attrs: BTreeMap<String, String>,
        system_attrs: BTreeMap<String, String>,
        datetime_start: Option<f64>,
        datetime_complete: Option<f64>,
    ) -> PyResult<usize> {
        let mut ps = Vec::with_capacity(params.len());
        for (n, v, d) in &params {
            ps.push((n.clone(), *v, d.get().inner.clone()));
        }
        enter_core(py, || {
            let t = TrialTemplate {
                state: state_of(state)?,
                values,
                params: ps,
                intermediate,
                user_attrs,
                system_attrs,
                fixed_params: Vec::new(),
                datetime_start,
                datetime_complete,
            };
            self.inner.add_trial(t)
        })
    }

    fn n_trials(&self, py: Python<'_>) -> PyResult<usize> {
        enter_core(py, || self.inner.read(|h| h.n_trials()))
    }

    /// Number of trials per state code, indexed by code.
    fn state_counts(&self, py: Python<'_>) -> PyResult<Vec<usize>> {
        enter_core(py, || {
            self.inner.read(|h| {
                let mut c = vec![0usize; 5];
                for s in &h.states {
                    c[*s as usize] += 1;
                }
                c
            })
        })
    }

    /// Trials numbered `start` and above, optionally only those whose state code is in
    /// `states`, as `(names, distribution specs, rows)` (see `ferrotune._core.pyi`).
    #[pyo3(signature = (start=0, states=None))]
    fn export_trials(&self, py: Python<'_>, start: usize, states: Option<Vec<u8>>) -> PyResult<TrialExport> {
        let e = self.inner.clone();
        let export = enter_core(py, move || {
            e.read(|h| {
                let rows = (start..h.n_trials()).filter(|&r| states.as_ref().is_none_or(|s| s.contains(&(h.states[r] as u8))));
                CoreExport::of_rows(h, rows)
            })
        })?;
        TrialExport::from_core(py, export)
    }

    /// One trial, in the format of `export_trials`.
    fn export_trial(&self, py: Python<'_>, number: usize) -> PyResult<TrialExport> {
        let export = enter_core(py, || {
            self.inner.read(|h| {
                if number < h.n_trials() {
                    Ok(CoreExport::of_rows(h, [number]))
                } else {
                    Err(Error::TrialNotFound(format!("no trial number {number} in this study (it has {} trials)", h.n_trials())))
                }
            })?
        })?;
        TrialExport::from_core(py, export)
    }

    /// The intermediate value of the largest step a trial reported, if any.
    fn last_intermediate(&self, py: Python<'_>, number: usize) -> PyResult<Option<f64>> {
        enter_core(py, || self.inner.read(|h| h.meta.get(number).and_then(|m| m.intermediate.last().map(|e| e.1))))
    }

    /// trial id -> (number, state code)
    fn locate(&self, py: Python<'_>, trial_id: u64) -> PyResult<(usize, u8)> {
        enter_core(py, || {
            let t = self.inner.storage().trial_ref(trial_id)?;
            if t.study != self.inner.study_id() {
                return Err(Error::TrialNotFound(format!("trial id {trial_id} belongs to another study")));
            }
            self.inner.read(|h| (t.number, h.states[t.number] as u8))
        })
    }

    /// number -> trial id
    fn trial_id_of(&self, py: Python<'_>, number: usize) -> PyResult<u64> {
        enter_core(py, || {
            self.inner.read(|h| {
                h.meta
                    .get(number)
                    .map(|m| m.trial_id)
                    .ok_or_else(|| Error::TrialNotFound(format!("no trial number {number} in this study (it has {} trials)", h.n_trials())))
            })?
        })
    }

    /// Number of the best complete trial of a single-objective study.
    fn best_number(&self, py: Python<'_>) -> PyResult<Option<usize>> {
        enter_core(py, || self.inner.read(|h| h.best_row()))
    }

    /// Best value of a single-objective study (None without complete trials).
    fn best_value(&self, py: Python<'_>) -> PyResult<Option<f64>> {
        enter_core(py, || self.inner.read(|h| h.best_row().map(|r| h.values[0][r])))
    }

    /// Numbers of the Pareto-optimal complete trials.
    fn pareto_numbers(&self, py: Python<'_>) -> PyResult<Vec<usize>> {
        let e = self.inner.clone();
        enter_core(py, move || e.read(pareto_rows))
    }

    /// Internal values of every trial for one parameter (NaN where absent), as a list.
    fn param_column(&self, py: Python<'_>, name: &str) -> PyResult<Vec<f64>> {
        enter_core(py, || {
            self.inner.read(|h| {
                let n = h.n_trials();
                match h.column(name) {
                    None => vec![f64::NAN; n],
                    Some(c) => (0..n).map(|r| c.get(r).unwrap_or(f64::NAN)).collect(),
                }
            })
        })
    }
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send + Sync>() {}
    is_send::<Engine>();
}
