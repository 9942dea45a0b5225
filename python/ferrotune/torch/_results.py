"""After a study: the best trial's model back from its checkpoint, and a results file."""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.torch._checkpoint import TrialCheckpoint


def _best_trial(study: Any) -> Any:
    try:
        return study.best_trial
    except ValueError as e:
        raise FerrotuneValueError(f"the study has no best trial yet ({e}); run trials to completion first") from None


def load_best_model(
    study: Any,
    build_model: Callable[[Any], torch.nn.Module],
    checkpoint_dir: str | os.PathLike[str],
    *,
    map_location: Any = "cpu",
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The best trial's model with the weights its best epoch had, and its parameters.

    ``build_model(trial)`` builds the architecture from a trial; it is called with a
    ``FixedTrial`` of the best parameters, so the function that builds the model inside the
    objective (``suggest_mlp(trial, ...)``, say) can be reused as it is. The weights come from
    the ``best.pt`` that :func:`fit` wrote under ``checkpoint_dir``.
    """
    from ferrotune.trial import FixedTrial

    best = _best_trial(study)
    model = build_model(FixedTrial(best.params, number=best.number))
    if not isinstance(model, torch.nn.Module):
        raise FerrotuneValueError(f"build_model must return a torch.nn.Module, got {type(model).__name__}")
    saved = TrialCheckpoint.for_trial(checkpoint_dir, best, study.study_name).load_best(map_location=map_location)
    try:
        model.load_state_dict(saved["model"])
    except RuntimeError as e:
        raise FerrotuneValueError(
            f"the best weights do not fit the model build_model returned ({e}); build it from the trial's parameters as the objective did"
        ) from None
    return model, dict(best.params)


def _plain(value: Any) -> Any:
    """JSON-safe: non-finite floats become strings, tensors and NumPy scalars plain numbers."""
    if isinstance(value, torch.Tensor):
        value = value.item() if value.numel() == 1 else value.tolist()
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        with contextlib.suppress(TypeError, ValueError):
            value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def save_results(
    path: str | os.PathLike[str],
    study: Any,
    *,
    test_metrics: dict[str, Any] | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Writes what a study found to a JSON file and returns it: the best trial's number,
    parameters, validation value and curve, ``test_metrics`` measured on held-out data, where
    its weights are, counts of trials by state, and the versions used."""
    import ferrotune

    best = _best_trial(study)
    states: dict[str, int] = {}
    for t in study.trials:
        states[t.state.name] = states.get(t.state.name, 0) + 1
    results: dict[str, Any] = {
        "study_name": study.study_name,
        "direction": study.direction.name.lower(),
        "n_trials": len(study.trials),
        "trials_by_state": states,
        "best_trial": {
            "number": best.number,
            "params": best.params,
            "validation": best.value,
            "validation_curve": [best.intermediate_values[s] for s in sorted(best.intermediate_values)],
            "user_attrs": best.user_attrs,
        },
        "test": test_metrics or {},
        "weights": str(TrialCheckpoint.for_trial(checkpoint_dir, best, study.study_name).best_path) if checkpoint_dir is not None else None,
        "versions": {"ferrotune": ferrotune.__version__, "torch": torch.__version__},
        "written_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        **(extra or {}),
    }
    results = _plain(results)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(tmp, p)
    return results
