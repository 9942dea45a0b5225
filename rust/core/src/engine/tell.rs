//! The rules of `tell`, in one place: what a told state and values become, checked before
//! anything is written, so a caller can run its own hooks (Python's constraints function, a
//! Python sampler's `after_trial`) between the check and the write.

use crate::history::TrialState;
use crate::{Error, Result};

/// What a caller tells about a trial.
#[derive(Clone, Debug, Default)]
pub struct TellRequest {
    /// `None`: COMPLETE (values are required then).
    pub state: Option<TrialState>,
    pub values: Option<Vec<f64>>,
    /// Return quietly when the trial is already finished instead of failing.
    pub skip_if_finished: bool,
    /// Why the caller could not read the values as numbers (the position holds NaN): a
    /// COMPLETE trial then fails with this reason, as a NaN does; with FAIL, the reason stored.
    pub fail_reason: Option<String>,
}

/// What a checked tell writes.
#[derive(Clone, Debug, PartialEq)]
pub struct TellWrite {
    pub state: TrialState,
    pub values: Option<Vec<f64>>,
    /// Stored as the `fail_reason` system attribute (values that are not numbers).
    pub fail_reason: Option<String>,
}

/// The outcome of checking a tell.
#[derive(Clone, Debug, PartialEq)]
pub enum TellPlan {
    /// The trial was already finished and `skip_if_finished` was given.
    Skip,
    Write(TellWrite),
}

/// The trial a tell is about, as the check needs it.
pub(super) struct Told {
    pub number: usize,
    pub state: TrialState,
    pub n_objectives: usize,
    /// The last reported intermediate value (a pruned single-objective trial takes it).
    pub last_intermediate: Option<f64>,
}

/// Checks `req` against the trial: Optuna's rules for `study.tell` (a finished trial is told
/// once; values told without a state that are NaN, not numbers or one per objective fail the
/// trial with a reason, and the same values told with state COMPLETE are an error; one value
/// per objective for PRUNED; no values with FAIL).
pub(super) fn plan(t: &Told, req: TellRequest) -> Result<TellPlan> {
    let n = t.number;
    let complete_told = req.state == Some(TrialState::Complete);
    if t.state.is_finished() {
        if req.skip_if_finished {
            return Ok(TellPlan::Skip);
        }
        return Err(Error::UpdateFinishedTrial(format!(
            "trial {n} is already finished ({}); a trial can be told once (or pass skip_if_finished=True)",
            t.state.name()
        )));
    }
    if t.state == TrialState::Waiting {
        // An enqueued trial has no start time and no parameters yet: telling it would store a
        // finished trial that never ran.
        return Err(Error::InvalidValue(format!("trial {n} is WAITING (enqueued, not started); start it with ask() before telling it")));
    }
    let state = match (req.state, &req.values) {
        (Some(s), _) => s,
        (None, Some(_)) => TrialState::Complete,
        // No result is a result that is no number: the trial fails with the reason (Optuna's rule).
        (None, None) => {
            let reason = format!("no value was told for trial {n}; tell one value per objective (or state=TrialState.FAIL/PRUNED)");
            return Ok(TellPlan::Write(TellWrite { state: TrialState::Fail, values: None, fail_reason: Some(reason) }));
        }
    };
    let count = |v: &[f64], hint: &str| {
        if v.len() == t.n_objectives {
            return Ok(());
        }
        Err(Error::InvalidValue(format!("trial {n}: {} value(s) told but the study has {} objective(s){hint}", v.len(), t.n_objectives)))
    };
    match state {
        TrialState::Complete => {
            let v = req.values.ok_or_else(|| Error::InvalidValue(format!("trial {n}: state COMPLETE needs values; pass values=...")))?;
            // As in Optuna, the objective's result is judged, not the call: the trial fails
            // with the reason (an objective returning a tuple of the wrong size in optimize()).
            let miscount = (v.len() != t.n_objectives).then(|| {
                format!("{} value(s) were told but the study has {} objective(s); return one value per direction", v.len(), t.n_objectives)
            });
            let reason = miscount.or(req.fail_reason).or_else(|| {
                v.iter()
                    .position(|x| x.is_nan())
                    .map(|i| format!("value {i} told for trial {n} is nan; tell a number (or state=TrialState.FAIL)"))
            });
            Ok(TellPlan::Write(match reason {
                // COMPLETE asked for in so many words cannot be had: the caller's error, and the
                // trial stays RUNNING (Optuna raises here too).
                Some(r) if complete_told => return Err(Error::InvalidValue(format!("trial {n} cannot be told COMPLETE: {r}"))),
                Some(r) => TellWrite { state: TrialState::Fail, values: None, fail_reason: Some(r) },
                None => TellWrite { state, values: Some(v), fail_reason: None },
            }))
        }
        TrialState::Pruned => {
            let values = match req.values {
                Some(v) => {
                    count(&v, "")?;
                    if let Some(r) = req.fail_reason {
                        return Err(Error::InvalidValue(format!("trial {n}: values of a PRUNED trial must be numbers: {r}")));
                    }
                    Some(v)
                }
                // a pruned trial told without a value takes its last reported one
                None if t.n_objectives == 1 => t.last_intermediate.map(|x| vec![x]),
                None => None,
            };
            Ok(TellPlan::Write(TellWrite { state, values, fail_reason: None }))
        }
        TrialState::Fail => {
            if req.values.is_some() {
                return Err(Error::InvalidValue(format!("trial {n}: values cannot be told with state FAIL; drop values=")));
            }
            Ok(TellPlan::Write(TellWrite { state, values: None, fail_reason: req.fail_reason }))
        }
        TrialState::Running | TrialState::Waiting => {
            Err(Error::InvalidValue(format!("state must be COMPLETE, PRUNED or FAIL when telling trial {n}, got {}", state.name())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running() -> Told {
        Told { number: 3, state: TrialState::Running, n_objectives: 1, last_intermediate: Some(0.5) }
    }

    fn req(state: Option<TrialState>, values: Option<Vec<f64>>) -> TellRequest {
        TellRequest { state, values, ..Default::default() }
    }

    fn write(p: TellPlan) -> TellWrite {
        match p {
            TellPlan::Write(w) => w,
            TellPlan::Skip => panic!("skipped"),
        }
    }

    #[test]
    fn values_alone_complete_the_trial() {
        let w = write(plan(&running(), req(None, Some(vec![1.0]))).unwrap());
        assert_eq!(w, TellWrite { state: TrialState::Complete, values: Some(vec![1.0]), fail_reason: None });
    }

    #[test]
    fn nan_or_a_callers_reason_fails_the_trial_with_the_reason() {
        let w = write(plan(&running(), req(None, Some(vec![f64::NAN]))).unwrap());
        assert_eq!(w.state, TrialState::Fail);
        assert!(w.fail_reason.unwrap().contains("nan"));
        let r = TellRequest { fail_reason: Some("'abc' is not a number".into()), ..req(None, Some(vec![f64::NAN])) };
        assert_eq!(write(plan(&running(), r).unwrap()).fail_reason.as_deref(), Some("'abc' is not a number"));
    }

    #[test]
    fn bad_requests_are_errors_naming_the_trial() {
        let err = |r: TellRequest| plan(&running(), r).unwrap_err().to_string();
        assert!(err(req(Some(TrialState::Complete), None)).contains("needs values"));
        assert!(err(req(Some(TrialState::Fail), Some(vec![1.0]))).contains("cannot be told with state FAIL"));
        assert!(err(req(Some(TrialState::Running), None)).contains("got RUNNING"));
        assert!(err(req(Some(TrialState::Pruned), Some(vec![1.0, 2.0]))).contains("trial 3"));
    }

    #[test]
    fn the_wrong_number_of_values_fails_the_trial_with_the_reason() {
        for values in [vec![1.0, 2.0], vec![]] {
            let w = write(plan(&running(), req(None, Some(values.clone()))).unwrap());
            assert_eq!((w.state, w.values), (TrialState::Fail, None));
            assert!(w.fail_reason.unwrap().contains(&format!("{} value(s) were told but the study has 1 objective(s)", values.len())));
        }
        let two = Told { n_objectives: 2, ..running() };
        assert_eq!(write(plan(&two, req(None, Some(vec![f64::NAN]))).unwrap()).state, TrialState::Fail);
    }

    #[test]
    fn no_values_and_no_state_fail_the_trial_with_the_reason() {
        let w = write(plan(&running(), req(None, None)).unwrap());
        assert_eq!((w.state, w.values), (TrialState::Fail, None));
        assert!(w.fail_reason.unwrap().contains("no value was told for trial 3"));
    }

    #[test]
    fn values_that_cannot_complete_a_trial_told_complete_are_an_error() {
        let err = |values: Vec<f64>, reason: Option<&str>| {
            let r = TellRequest { fail_reason: reason.map(str::to_string), ..req(Some(TrialState::Complete), Some(values)) };
            plan(&running(), r).unwrap_err()
        };
        for e in [err(vec![f64::NAN], None), err(vec![], None), err(vec![1.0, 2.0], None), err(vec![f64::NAN], Some("'a' is not a number"))]
        {
            assert!(matches!(e, Error::InvalidValue(ref m) if m.contains("trial 3 cannot be told COMPLETE")), "{e}");
        }
    }

    #[test]
    fn a_finished_trial_is_told_once_unless_skipped() {
        let done = Told { state: TrialState::Complete, ..running() };
        let e = plan(&done, req(None, Some(vec![1.0]))).unwrap_err();
        assert!(matches!(e, Error::UpdateFinishedTrial(ref m) if m.contains("already finished (COMPLETE)")));
        let r = TellRequest { skip_if_finished: true, ..req(None, Some(vec![1.0])) };
        assert_eq!(plan(&done, r).unwrap(), TellPlan::Skip);
        let waiting = Told { state: TrialState::Waiting, ..running() };
        assert!(plan(&waiting, req(None, Some(vec![1.0]))).unwrap_err().to_string().contains("WAITING"));
    }

    #[test]
    fn a_pruned_single_objective_trial_takes_its_last_reported_value() {
        assert_eq!(write(plan(&running(), req(Some(TrialState::Pruned), None)).unwrap()).values, Some(vec![0.5]));
        let two = Told { n_objectives: 2, ..running() };
        assert_eq!(write(plan(&two, req(Some(TrialState::Pruned), None)).unwrap()).values, None);
    }
}
