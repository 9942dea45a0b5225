"""One trial, or one distribution, from Optuna's objects to ferrotune's and back.

Distributions cross through the JSON both libraries write alike (``distribution_to_json``), so
every kind, the deprecated ones included, keeps its exact bounds, step and log flag. States
cross by name. Parameters cross as user values. Attributes and intermediate values are copied
as they are, and so are the start and end times.
"""

from __future__ import annotations

from typing import Any

from ferrotune import distributions as ft_distributions
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.trial import FrozenTrial, TrialState


def is_optuna_object(obj: Any) -> bool:
    """Whether ``obj`` comes from the optuna package (checked by module, so optuna is only
    imported by code that already holds one of its objects)."""
    return type(obj).__module__.split(".")[0] == "optuna"


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise ImportError("moving studies to or from Optuna needs it installed: pip install optuna") from None
    return optuna


def distribution_from_optuna(d: Any) -> ft_distributions.BaseDistribution:
    return ft_distributions.json_to_distribution(_optuna().distributions.distribution_to_json(d))


def distribution_to_optuna(d: ft_distributions.BaseDistribution) -> Any:
    return _optuna().distributions.json_to_distribution(ft_distributions.distribution_to_json(d))


def trial_from_optuna(t: Any) -> FrozenTrial:
    """A ferrotune ``FrozenTrial`` with every field of Optuna's trial ``t``."""
    if not is_optuna_object(t):
        raise FerrotuneValueError(f"expected an optuna.trial.FrozenTrial, got {type(t).__name__}")
    return FrozenTrial(
        number=t.number,
        state=TrialState[t.state.name],
        value=None,
        values=None if t.values is None else list(t.values),
        datetime_start=t.datetime_start,
        datetime_complete=t.datetime_complete,
        params=dict(t.params),
        distributions={name: distribution_from_optuna(d) for name, d in t.distributions.items()},
        user_attrs=dict(t.user_attrs),
        system_attrs=dict(t.system_attrs),
        intermediate_values={int(k): float(v) for k, v in t.intermediate_values.items()},
        trial_id=t._trial_id,
    )


def trial_to_optuna(t: FrozenTrial) -> Any:
    """An ``optuna.trial.FrozenTrial`` with every field of ferrotune's trial ``t``."""
    optuna = _optuna()
    return optuna.trial.FrozenTrial(
        number=t.number,
        state=optuna.trial.TrialState[t.state.name],
        value=None,
        values=None if t.values is None else list(t.values),
        datetime_start=t.datetime_start,
        datetime_complete=t.datetime_complete,
        params=dict(t.params),
        distributions={name: distribution_to_optuna(d) for name, d in t.distributions.items()},
        user_attrs=dict(t.user_attrs),
        system_attrs=dict(t.system_attrs),
        intermediate_values=dict(t.intermediate_values),
        trial_id=t._trial_id,
    )
