//! `StudyEngine`: one study's protocol.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use super::tell::{plan, TellPlan, TellRequest, TellWrite, Told};
use crate::error::{Error, Result};
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::pruners::{PruneCx, Pruner, Verdict};
use crate::samplers::{NewTrial, Sampler};
use crate::space::{Choice, Distribution};
use crate::storage::log::warnings::Warnings;
use crate::storage::{read_with, AttrKind, Claim, Storage, StudyId, TrialId, TrialRef, TrialTemplate};

/// A trial handed out by `ask`.
#[derive(Debug, Clone)]
pub struct Asked {
    pub trial_id: TrialId,
    pub number: usize,
    pub warnings: Vec<String>,
}

type Relative = Vec<(String, f64, Distribution)>;

pub struct StudyEngine {
    storage: Arc<dyn Storage>,
    study: StudyId,
    /// `None` when the sampler is written in Python and drives suggestions itself.
    sampler: Option<Arc<dyn Sampler>>,
    /// Joint proposals from `sample_relative`, consumed by `suggest`, per live trial.
    relative: Mutex<HashMap<TrialId, Relative>>,
    /// The study's pruner when it runs in the core (`None`: no pruner, or one written in Python).
    pruner: RwLock<Option<Arc<dyn Pruner>>>,
    /// Whether `pruner` is set (read without its lock on every call).
    has_pruner: AtomicBool,
    /// The study's name, read once (Hyperband hashes it to assign brackets).
    name: OnceLock<String>,
    /// Messages for the user about what the engine did in Optuna's lenient way (a value used
    /// outside its distribution, a parameter re-suggested differently), drained with the
    /// sampler's by `take_warnings`.
    notes: Warnings,
}

/// The pruner that may split the history the sampler sees, with the study's name.
type Routing<'a> = Option<(Arc<dyn Pruner>, &'a str)>;

/// Runs `f`, which calls a sampler under the storage's lock; when the sampler needs a user
/// callback's value it returns `Error::Deferred` instead of calling it there, and this runs
/// that work with no lock held and tries again. So user code (a Python callable waiting for the
/// GIL, or reading the study) never runs while the core holds a lock.
fn resolving<R>(mut f: impl FnMut() -> Result<R>) -> Result<R> {
    loop {
        match f() {
            Err(Error::Deferred(work)) => work.run()?,
            r => return r,
        }
    }
}

impl StudyEngine {
    pub fn new(storage: Arc<dyn Storage>, study: StudyId, sampler: Option<Arc<dyn Sampler>>) -> Self {
        StudyEngine {
            storage,
            study,
            sampler,
            relative: Mutex::new(HashMap::new()),
            pruner: RwLock::new(None),
            has_pruner: AtomicBool::new(false),
            name: OnceLock::new(),
            notes: Warnings::default(),
        }
    }

    /// Sets the pruner `should_prune` asks and that decides which trials the sampler sees.
    pub fn set_pruner(&self, pruner: Option<Arc<dyn Pruner>>) {
        let mut g = self.pruner.write().unwrap_or_else(|e| e.into_inner());
        self.has_pruner.store(pruner.is_some(), Ordering::Release);
        *g = pruner;
    }

    pub fn pruner(&self) -> Option<Arc<dyn Pruner>> {
        self.pruner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn study_name(&self) -> Result<&str> {
        if let Some(n) = self.name.get() {
            return Ok(n);
        }
        let n = self.storage.study_info(self.study)?.name;
        Ok(self.name.get_or_init(|| n))
    }

    fn routing(&self) -> Result<Routing<'_>> {
        // Every ask, suggest and tell passes here: without a pruner, skip the lock.
        if !self.has_pruner.load(Ordering::Acquire) {
            return Ok(None);
        }
        match self.pruner() {
            Some(p) => Ok(Some((p, self.study_name()?))),
            None => Ok(None),
        }
    }

    /// Runs `f` with the study id and history sampler `s` may see when working for trial
    /// `number`: under Hyperband, the trials of its bracket (a view with its own id); else the
    /// whole history.
    fn on_view<R>(
        &self,
        s: &dyn Sampler,
        routing: &Routing,
        h: &TrialHistory,
        number: usize,
        f: impl FnOnce(StudyId, &TrialHistory) -> R,
    ) -> R {
        let mut f = Some(f);
        if let Some((p, name)) = routing.as_ref().filter(|_| s.per_bracket()) {
            let mut out = None;
            let cx = PruneCx { study: self.study, study_name: name, history: h, row: number };
            p.with_bracket_history(&cx, &mut |id, view| {
                if let Some(g) = f.take() {
                    out = Some(g(id, view));
                }
            });
            if let Some(o) = out {
                return o;
            }
        }
        let f = f.take().expect("f runs once: on the bracket's view or here");
        f(self.study, h)
    }

    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    pub fn study_id(&self) -> StudyId {
        self.study
    }

    pub fn read<R>(&self, f: impl FnOnce(&TrialHistory) -> R) -> Result<R> {
        read_with(self.storage.as_ref(), self.study, f)
    }

    pub fn directions(&self) -> Result<Vec<StudyDirection>> {
        self.read(|h| h.directions.clone())
    }

    /// True when the sampler has nothing new left to propose.
    pub fn is_exhausted(&self) -> Result<bool> {
        match &self.sampler {
            None => Ok(false),
            Some(s) => resolving(|| self.read(|h| s.is_exhausted(self.study, h))),
        }
    }

    /// Starts a trial: the oldest WAITING (enqueued) trial if there is one, else a new one.
    /// With `stop_if_exhausted`, returns `None` instead when the sampler is exhausted; the check
    /// and the creation are one atomic step, so concurrent workers never over-run a grid.
    pub fn ask(&self, stop_if_exhausted: bool) -> Result<Option<Asked>> {
        let mut warnings = Vec::new();
        let sampler = self.sampler.clone();
        let study = self.study;
        let routing = self.routing()?;
        let mut decide = |h: &TrialHistory| {
            // A storage may decide again after another process wrote: keep one attempt's messages.
            warnings.clear();
            let waiting = h.first_waiting();
            let mut attrs = BTreeMap::new();
            if let Some(s) = &sampler {
                if waiting.is_none() && stop_if_exhausted && s.is_exhausted(study, h) {
                    return Ok(Claim::Skip);
                }
                let fixed: &[(String, Choice)] = match waiting {
                    Some(row) => &h.meta[row].fixed_params,
                    None => &[],
                };
                let number = waiting.unwrap_or(h.n_trials());
                self.on_view(s.as_ref(), &routing, h, number, |id, v| {
                    s.before_trial(id, v, &mut NewTrial { number, fixed_params: fixed, system_attrs: &mut attrs, warnings: &mut warnings })
                })?;
            }
            Ok(match waiting {
                Some(row) => Claim::Waiting { row, system_attrs: attrs },
                None => Claim::New(TrialTemplate { system_attrs: attrs, ..Default::default() }),
            })
        };
        let r = resolving(|| {
            if sampler.as_ref().is_some_and(|s| s.before_trial_claims()) {
                self.storage.create_trial(study, &mut decide)
            } else {
                self.storage.create_trial_pure(study, &mut decide)
            }
        });
        let Some(t) = r? else { return Ok(None) };
        if let Some(s) = &self.sampler {
            let rel = match resolving(|| {
                self.read(|h| self.on_view(s.as_ref(), &routing, h, t.number, |id, v| s.sample_relative(id, v, t.number)))?
            }) {
                Ok(rel) => rel,
                Err(e) => {
                    // The trial exists already; a failed proposal must not leave it running.
                    self.storage.set_trial_state_values(t.trial_id, TrialState::Fail, None)?;
                    return Err(e);
                }
            };
            if !rel.is_empty() {
                self.relative.lock().unwrap_or_else(|e| e.into_inner()).insert(t.trial_id, rel);
            }
        }
        Ok(Some(Asked { trial_id: t.trial_id, number: t.number, warnings }))
    }

    fn trial(&self, trial_id: TrialId) -> Result<TrialRef> {
        let t = self.storage.trial_ref(trial_id)?;
        if t.study != self.study {
            return Err(Error::TrialNotFound(format!("trial id {trial_id} belongs to another study")));
        }
        Ok(t)
    }

    /// The value parameter `name` already has or must take in a live trial, if any: its
    /// current value (same distribution), an enqueued value, a joint proposal, or the only
    /// value of a single-point distribution. `Ok(None)` means "ask the sampler".
    fn preset_locked(
        &self,
        h: &TrialHistory,
        trial_id: TrialId,
        row: usize,
        name: &str,
        dist: &Distribution,
    ) -> Result<Option<(f64, bool)>> {
        if h.states[row].is_finished() {
            return Err(Error::UpdateFinishedTrial(format!(
                "trial {row} is already finished; suggest parameters before telling the result"
            )));
        }
        if let Some((v, d)) = h.param(row, name) {
            if d != dist {
                if !d.compatible_with(dist) {
                    return Err(Error::IncompatibleParam(format!(
                        "parameter '{name}' was already suggested in trial {row} as {}, now as {}; use one distribution per name within a trial",
                        d.repr(),
                        dist.repr()
                    )));
                }
                // Optuna's rule: the first call decides; the later one only gets a warning.
                self.note(format!(
                    "parameter '{name}' was already suggested in trial {row} as {}, now as {}; the first value, {}, is used",
                    d.repr(),
                    dist.repr(),
                    d.to_external(v).repr()
                ));
            }
            return Ok(Some((v, false)));
        }
        // Optuna's rule across trials: a name keeps its kind, scale and categorical choices
        // (bounds and steps may change). Stored distributions agree with each other, so one stands for all.
        if let Some(d) = h.column(name).and_then(|c| c.distributions.first()) {
            if !d.compatible_with(dist) {
                return Err(Error::IncompatibleParam(format!(
                    "parameter '{name}' was suggested as {} in an earlier trial, now as {}; a name keeps its kind, log scale and choices across trials (use another name)",
                    d.repr(),
                    dist.repr()
                )));
            }
        }
        if let Some((_, c)) = h.meta[row].fixed_params.iter().find(|(n, _)| n == name) {
            let (v, inside) = dist.to_internal_fixed(c).ok_or_else(|| {
                Error::InvalidValue(format!(
                    "enqueued value {} of parameter '{name}' is not in {}; enqueue a value inside the distribution",
                    c.repr(),
                    dist.repr()
                ))
            })?;
            if !inside {
                self.note(format!("enqueued value {} of parameter '{name}' is outside {}; it is used as given", c.repr(), dist.repr()));
            }
            return Ok(Some((v, true)));
        }
        if let Some(rel) = self.relative.lock().unwrap_or_else(|e| e.into_inner()).get(&trial_id) {
            if let Some((_, v, _)) = rel.iter().find(|(n, v, d)| n == name && d == dist && d.contains(*v)) {
                return Ok(Some((*v, true)));
            }
        }
        if dist.single() {
            return Ok(Some((crate::space::from_unit(dist, 0.0), true)));
        }
        Ok(None)
    }

    /// Like `suggest` without sampling: the value the parameter must take, stored, or `None`
    /// when a sampler has to choose (used when the sampler is written in Python).
    pub fn preset(&self, trial_id: TrialId, name: &str, dist: &Distribution) -> Result<Option<f64>> {
        dist.validate(name)?;
        let t = self.trial(trial_id)?;
        let decided = self.read(|h| self.preset_locked(h, trial_id, t.number, name, dist))??;
        match decided {
            Some((v, store)) => {
                if store {
                    self.storage.set_trial_param(trial_id, name, v, dist)?;
                }
                Ok(Some(v))
            }
            None => Ok(None),
        }
    }

    /// The internal value of parameter `name` in a live trial: a preset value (see `preset`)
    /// or a fresh sample from the sampler.
    pub fn suggest(&self, trial_id: TrialId, name: &str, dist: &Distribution) -> Result<f64> {
        dist.validate(name)?;
        let t = self.trial(trial_id)?;
        let routing = self.routing()?;
        let decided = resolving(|| {
            self.read(|h| -> Result<(f64, bool)> {
                let row = t.number;
                if let Some(p) = self.preset_locked(h, trial_id, row, name, dist)? {
                    return Ok(p);
                }
                match &self.sampler {
                    Some(s) => {
                        let v = self.on_view(s.as_ref(), &routing, h, row, |id, v| s.sample_independent(id, v, row, name, dist))?;
                        if !dist.contains(v) && !s.proposes_fixed_values() {
                            return Err(Error::InvalidValue(format!(
                                "the sampler proposed {v} for parameter '{name}', outside {}",
                                dist.repr()
                            )));
                        }
                        Ok((v, true))
                    }
                    None => Err(Error::InvalidValue("this study's sampler is written in Python; its values are set with set_param".into())),
                }
            })?
        })?;
        if decided.1 {
            self.storage.set_trial_param(trial_id, name, decided.0, dist)?;
        }
        Ok(decided.0)
    }

    /// Messages the engine and the sampler gathered since the last call.
    pub fn take_warnings(&self) -> Vec<String> {
        // The messages list is locked only when one was pushed (an atomic flag says so).
        let mut out = self.notes.drain();
        out.extend(self.sampler.as_ref().map(|s| s.take_warnings()).unwrap_or_default());
        out
    }

    fn note(&self, msg: String) {
        self.notes.push(msg);
    }

    /// Runs the sampler's independent sampling for trial `number` without storing anything
    /// (for Python code that calls a built-in sampler's `sample_independent` directly).
    pub fn sample_independent_with(&self, sampler: &dyn Sampler, number: usize, name: &str, dist: &Distribution) -> Result<f64> {
        dist.validate(name)?;
        let routing = self.routing()?;
        resolving(|| {
            self.read(|h| {
                if number >= h.n_trials() {
                    return Err(Error::TrialNotFound(format!("no trial number {number} in this study")));
                }
                self.on_view(sampler, &routing, h, number, |id, v| sampler.sample_independent(id, v, number, name, dist))
            })?
        })
    }

    /// The sampler's current joint search space (for trial `number`: as seen from its bracket
    /// under Hyperband).
    pub fn relative_search_space_with(&self, sampler: &dyn Sampler, number: Option<usize>) -> Result<Vec<(String, Distribution)>> {
        let routing = if number.is_some() { self.routing()? } else { None };
        self.read(|h| match number {
            Some(n) => self.on_view(sampler, &routing, h, n, |id, v| sampler.relative_search_space(id, v)),
            None => sampler.relative_search_space(self.study, h),
        })
    }

    /// The joint proposal made for a live trial when it was asked (empty when none).
    pub fn relative_params(&self, trial_id: TrialId) -> Vec<(String, f64, Distribution)> {
        self.relative.lock().unwrap_or_else(|e| e.into_inner()).get(&trial_id).cloned().unwrap_or_default()
    }

    /// Runs the sampler's joint sampling for trial `number` without storing anything.
    pub fn sample_relative_with(&self, sampler: &dyn Sampler, number: usize) -> Result<Vec<(String, f64, Distribution)>> {
        let routing = self.routing()?;
        resolving(|| {
            self.read(|h| {
                if number >= h.n_trials() {
                    return Err(Error::TrialNotFound(format!("no trial number {number} in this study")));
                }
                self.on_view(sampler, &routing, h, number, |id, v| sampler.sample_relative(id, v, number))
            })?
        })
    }

    /// Stores a value chosen outside the engine (a Python sampler, `FixedTrial`-like use).
    pub fn set_param(&self, trial_id: TrialId, name: &str, dist: &Distribution, value: f64) -> Result<()> {
        dist.validate(name)?;
        if !dist.contains(value) {
            return Err(Error::InvalidValue(format!(
                "value {value} of parameter '{name}' is not in {}; return a value inside the distribution",
                dist.repr()
            )));
        }
        let t = self.trial(trial_id)?;
        if let Some((_, d)) = self.read(|h| h.param(t.number, name).map(|(v, d)| (v, d.clone())))? {
            if &d != dist {
                return Err(Error::IncompatibleParam(format!(
                    "parameter '{name}' was already suggested in trial {} as {}, now as {}; use one distribution per name within a trial",
                    t.number,
                    d.repr(),
                    dist.repr()
                )));
            }
        }
        self.storage.set_trial_param(trial_id, name, value, dist)
    }

    /// Records an intermediate value; returns false when the step already had one.
    pub fn report(&self, trial_id: TrialId, step: i64, value: f64) -> Result<bool> {
        if step < 0 {
            return Err(Error::InvalidValue(format!("step must be >= 0, got {step}; report steps as 0, 1, 2, ...")));
        }
        self.trial(trial_id)?;
        self.storage.set_trial_intermediate_value(trial_id, step, value)
    }

    /// Finishes a trial. COMPLETE needs one finite-or-infinite (not NaN) value per objective;
    /// PRUNED may carry values, and a single-objective one told without takes its last
    /// intermediate value (Optuna's rule); FAIL carries none.
    /// Finishes a trial with `state` and `values` (checked as `check_tell` does: a NaN value
    /// fails the trial with a reason).
    pub fn tell(&self, trial_id: TrialId, state: TrialState, values: Option<&[f64]>) -> Result<()> {
        // COMPLETE with values is what values alone mean: values that cannot complete the trial
        // fail it rather than being refused (an objective's result is judged, not the call).
        let state = (state != TrialState::Complete || values.is_none()).then_some(state);
        let req = TellRequest { state, values: values.map(<[f64]>::to_vec), ..Default::default() };
        self.tell_with(trial_id, req).map(|_| ())
    }

    /// Checks a tell against the trial and the study without writing anything (the rules are
    /// in `tell.rs`): what `write_tell` would then write, or `Skip`.
    pub fn check_tell(&self, trial_id: TrialId, req: TellRequest) -> Result<TellPlan> {
        let t = self.trial(trial_id)?;
        let told = self.read(|h| Told {
            number: t.number,
            state: h.states[t.number],
            n_objectives: h.directions.len(),
            last_intermediate: h.meta[t.number].intermediate.last().map(|e| e.1),
        })?;
        plan(&told, req)
    }

    /// Checks and writes a tell in one call; returns what it did.
    pub fn tell_with(&self, trial_id: TrialId, req: TellRequest) -> Result<TellPlan> {
        let p = self.check_tell(trial_id, req)?;
        if let TellPlan::Write(w) = &p {
            self.write_tell(trial_id, w)?;
        }
        Ok(p)
    }

    /// Writes a checked tell: the fail reason, the state and values; then the sampler hears of it.
    pub fn write_tell(&self, trial_id: TrialId, w: &TellWrite) -> Result<()> {
        let t = self.trial(trial_id)?;
        if let Some(reason) = &w.fail_reason {
            let json = serde_json::to_string(reason).map_err(|e| Error::InvalidValue(e.to_string()))?;
            self.storage.set_trial_attr(trial_id, AttrKind::System, "fail_reason", &json)?;
        }
        let values = if w.state == TrialState::Fail { None } else { w.values.as_deref() };
        self.storage.set_trial_state_values(trial_id, w.state, values)?;
        self.relative.lock().unwrap_or_else(|e| e.into_inner()).remove(&trial_id);
        if let Some(s) = &self.sampler {
            let routing = self.routing()?;
            self.read(|h| self.on_view(s.as_ref(), &routing, h, t.number, |id, v| s.after_trial(id, v, t.number)))?;
        }
        Ok(())
    }

    /// Asks the study's pruner whether a live trial should stop now (keep when there is none),
    /// and stores the system attributes it records (successive halving's rungs).
    pub fn should_prune(&self, trial_id: TrialId) -> Result<Verdict> {
        match self.pruner() {
            Some(p) => self.prune_with(p.as_ref(), trial_id),
            None => Ok(Verdict::keep()),
        }
    }

    /// Like `should_prune` with a given pruner (a pruner's `prune` called from Python).
    pub fn prune_with(&self, pruner: &dyn Pruner, trial_id: TrialId) -> Result<Verdict> {
        let t = self.trial(trial_id)?;
        let name = self.study_name()?;
        let v = self.read(|h| pruner.prune(&PruneCx { study: self.study, study_name: name, history: h, row: t.number }))??;
        for (key, json) in &v.system_attrs {
            self.storage.set_trial_attr(trial_id, AttrKind::System, key, json)?;
        }
        Ok(v)
    }

    /// The Hyperband bracket of trial `number` (`None` without Hyperband or before its brackets
    /// are known).
    pub fn bracket_of(&self, number: usize) -> Result<Option<usize>> {
        let Some((p, name)) = self.routing()? else { return Ok(None) };
        self.read(|h| p.bracket_of(&PruneCx { study: self.study, study_name: name, history: h, row: number }))
    }

    /// The Hyperband bracket of every trial, by number (`None` as for `bracket_of`).
    pub fn trial_brackets(&self) -> Result<Option<Vec<usize>>> {
        let Some((p, name)) = self.routing()? else { return Ok(None) };
        self.read(|h| {
            (0..h.n_trials()).map(|row| p.bracket_of(&PruneCx { study: self.study, study_name: name, history: h, row })).collect()
        })
    }

    pub fn set_trial_attr(&self, trial_id: TrialId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        self.trial(trial_id)?;
        self.storage.set_trial_attr(trial_id, kind, key, json)
    }

    /// Queues a trial with fixed parameters; `None` when `skip_if_exists` found an equal one.
    pub fn enqueue(
        &self,
        params: Vec<(String, Choice)>,
        user_attrs: BTreeMap<String, String>,
        skip_if_exists: bool,
    ) -> Result<Option<usize>> {
        let r = self.storage.create_trial_pure(self.study, &mut |h| {
            if skip_if_exists && exists(h, &params) {
                return Ok(Claim::Skip);
            }
            Ok(Claim::New(TrialTemplate {
                state: TrialState::Waiting,
                fixed_params: params.clone(),
                user_attrs: user_attrs.clone(),
                ..Default::default()
            }))
        });
        Ok(r?.map(|t| t.number))
    }

    /// Adds a finished (or waiting) trial built elsewhere (`add_trial`, `create_trial`).
    pub fn add_trial(&self, t: TrialTemplate) -> Result<usize> {
        let n_obj = self.read(|h| h.directions.len())?;
        for (name, v, d) in &t.params {
            d.validate(name)?;
            if !d.contains(*v) {
                return Err(Error::InvalidValue(format!("value {v} of parameter '{name}' is not in {}", d.repr())));
            }
        }
        let count = |v: &Vec<f64>| {
            Error::InvalidValue(format!(
                "the trial has {} value(s) but the study has {n_obj} objective(s); give one value per objective",
                v.len()
            ))
        };
        match t.state {
            TrialState::Complete => match &t.values {
                Some(v) if v.len() != n_obj => return Err(count(v)),
                Some(v) if v.iter().any(|x| x.is_nan()) => {
                    return Err(Error::InvalidValue(format!("a COMPLETE trial's values must not be NaN, got {v:?}")))
                }
                Some(_) => {}
                None => return Err(Error::InvalidValue("a COMPLETE trial needs values; pass value= or values=".into())),
            },
            TrialState::Fail | TrialState::Waiting | TrialState::Running => {
                if t.values.is_some() {
                    return Err(Error::InvalidValue(format!("a {} trial cannot have values", t.state.name())));
                }
            }
            TrialState::Pruned => {
                if let Some(v) = t.values.as_ref().filter(|v| v.len() != n_obj) {
                    return Err(count(v));
                }
            }
        }
        let t = self.storage.create_trial_pure(self.study, &mut |_| Ok(Claim::New(t.clone())))?;
        Ok(t.expect("a New claim always creates a trial").number)
    }
}

/// True when some trial already has (or is queued with) exactly these parameter values.
fn exists(h: &TrialHistory, params: &[(String, Choice)]) -> bool {
    (0..h.n_trials()).any(|row| {
        if h.states[row] == TrialState::Waiting {
            let f = &h.meta[row].fixed_params;
            return f.len() == params.len() && params.iter().all(|p| f.contains(p));
        }
        let ps = h.params_of(row);
        ps.len() == params.len() && params.iter().all(|(n, c)| ps.iter().any(|(pn, v, d)| pn == n && d.to_internal(c) == Some(*v)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samplers::{GridSampler, RandomSampler};
    use crate::storage::InMemoryStorage;

    fn engine(sampler: Arc<dyn Sampler>) -> StudyEngine {
        let st = Arc::new(InMemoryStorage::new());
        let id = st.create_study("s", &[StudyDirection::Minimize]).unwrap();
        StudyEngine::new(st, id, Some(sampler))
    }

    #[test]
    fn random_search_finds_quadratic_minimum() {
        let e = engine(Arc::new(RandomSampler::new(Some(0))));
        let d = Distribution::Float { low: -10.0, high: 10.0, log: false, step: None };
        for _ in 0..500 {
            let a = e.ask(false).unwrap().unwrap();
            let x = e.suggest(a.trial_id, "x", &d).unwrap();
            e.tell(a.trial_id, TrialState::Complete, Some(&[(x - 3.0).powi(2)])).unwrap();
        }
        let best = e.read(|h| h.values[0][h.best_row().unwrap()]).unwrap();
        // P(no draw within 0.1 of 3 in 500 draws) = 0.99^500 < 1e-2; within 0.3: 0.97^500 ~ 2e-7
        assert!(best < 0.09, "{best}");
    }

    #[test]
    fn suggest_twice_same_value_and_incompatible_error() {
        let e = engine(Arc::new(RandomSampler::new(Some(0))));
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let a = e.ask(false).unwrap().unwrap();
        let x1 = e.suggest(a.trial_id, "x", &d).unwrap();
        assert_eq!(e.suggest(a.trial_id, "x", &d).unwrap(), x1);
        assert!(e.take_warnings().is_empty());
        // another range of the same kind: the first value, with a warning (Optuna's rule)
        let d2 = Distribution::Float { low: 0.0, high: 2.0, log: false, step: None };
        assert_eq!(e.suggest(a.trial_id, "x", &d2).unwrap(), x1);
        assert!(e.take_warnings()[0].contains("the first value"));
        // another kind or scale: an error
        let d3 = Distribution::Int { low: 0, high: 2, log: false, step: 1 };
        assert!(matches!(e.suggest(a.trial_id, "x", &d3), Err(Error::IncompatibleParam(_))));
        let d4 = Distribution::Float { low: 0.5, high: 1.0, log: true, step: None };
        assert!(matches!(e.suggest(a.trial_id, "x", &d4), Err(Error::IncompatibleParam(_))));
        e.tell(a.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
        assert!(matches!(e.tell(a.trial_id, TrialState::Complete, Some(&[1.0])), Err(Error::UpdateFinishedTrial(_))));
    }

    #[test]
    fn a_name_keeps_its_kind_scale_and_choices_across_trials() {
        let e = engine(Arc::new(RandomSampler::new(Some(0))));
        let f = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let c = Distribution::Categorical { choices: vec![Choice::Int(1), Choice::Int(2)] };
        let a = e.ask(false).unwrap().unwrap();
        e.suggest(a.trial_id, "x", &f).unwrap();
        e.suggest(a.trial_id, "c", &c).unwrap();
        e.tell(a.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
        let b = e.ask(false).unwrap().unwrap();
        // other bounds are fine; another kind, scale or set of choices is not
        e.suggest(b.trial_id, "x", &Distribution::Float { low: -1.0, high: 3.0, log: false, step: Some(0.5) }).unwrap();
        let refused = [
            ("y", &f, &Distribution::Int { low: 0, high: 2, log: false, step: 1 }),
            ("z", &f, &Distribution::Float { low: 0.5, high: 1.0, log: true, step: None }),
            ("c", &c, &Distribution::Categorical { choices: vec![Choice::Int(1)] }),
        ];
        for (i, (name, first, other)) in refused.into_iter().enumerate() {
            let name = if name == "c" { name.to_string() } else { format!("{name}{i}") };
            if name != "c" {
                let t = e.ask(false).unwrap().unwrap();
                e.suggest(t.trial_id, &name, first).unwrap();
            }
            let t = e.ask(false).unwrap().unwrap();
            assert!(matches!(e.suggest(t.trial_id, &name, other), Err(Error::IncompatibleParam(ref m)) if m.contains("earlier trial")));
            assert!(matches!(e.preset(t.trial_id, &name, other), Err(Error::IncompatibleParam(_))));
        }
    }

    #[test]
    fn grid_stops_when_exhausted_and_enqueued_come_first() {
        let g = GridSampler::new(vec![("x".into(), vec![Choice::Int(0), Choice::Int(1), Choice::Int(2)])], Some(0)).unwrap();
        let e = engine(Arc::new(g));
        e.enqueue(vec![("x".into(), Choice::Int(2))], BTreeMap::new(), false).unwrap();
        assert_eq!(e.enqueue(vec![("x".into(), Choice::Int(2))], BTreeMap::new(), true).unwrap(), None);
        let d = Distribution::Int { low: 0, high: 2, log: false, step: 1 };
        let mut xs = Vec::new();
        while let Some(a) = e.ask(true).unwrap() {
            xs.push(e.suggest(a.trial_id, "x", &d).unwrap() as i64);
            e.tell(a.trial_id, TrialState::Complete, Some(&[0.0])).unwrap();
        }
        assert_eq!(xs[0], 2);
        xs.sort();
        assert_eq!(xs, vec![0, 1, 2]);
    }

    #[test]
    fn tell_validates_values() {
        let e = engine(Arc::new(RandomSampler::new(Some(0))));
        let a = e.ask(false).unwrap().unwrap();
        assert!(e.tell(a.trial_id, TrialState::Complete, None).is_err());
        // the trial is still running after the rejected call; a NaN fails it with a reason
        e.tell(a.trial_id, TrialState::Complete, Some(&[f64::NAN])).unwrap();
        let (state, reason) = e.read(|h| (h.states[0], h.meta[0].system_attrs.get("fail_reason").cloned())).unwrap();
        assert_eq!(state, TrialState::Fail);
        assert!(reason.unwrap().contains("nan"));
        // so do values for the wrong number of objectives, as in Optuna
        let b = e.ask(false).unwrap().unwrap();
        e.tell(b.trial_id, TrialState::Complete, Some(&[1.0, 2.0])).unwrap();
        let (state, reason) = e.read(|h| (h.states[1], h.meta[1].system_attrs.get("fail_reason").cloned())).unwrap();
        assert_eq!(state, TrialState::Fail);
        assert!(reason.unwrap().contains("2 value(s) were told but the study has 1 objective(s)"));
    }

    #[test]
    fn a_pruned_trial_told_without_values_takes_its_last_intermediate_value() {
        let e = engine(Arc::new(RandomSampler::new(Some(0))));
        let a = e.ask(false).unwrap().unwrap();
        e.report(a.trial_id, 1, 4.0).unwrap();
        e.report(a.trial_id, 2, 3.0).unwrap();
        e.tell(a.trial_id, TrialState::Pruned, None).unwrap();
        let b = e.ask(false).unwrap().unwrap(); // nothing reported: no value
        e.tell(b.trial_id, TrialState::Pruned, None).unwrap();
        let c = e.ask(false).unwrap().unwrap(); // a value told wins
        e.report(c.trial_id, 0, 9.0).unwrap();
        e.tell(c.trial_id, TrialState::Pruned, Some(&[5.0])).unwrap();
        assert_eq!(e.read(|h| (h.values_of(0), h.values_of(1), h.values_of(2))).unwrap(), (Some(vec![3.0]), None, Some(vec![5.0])));
    }
}
