"""Checks and conventions every plot shares (plotly and matplotlib alike)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)

#: Above this many points a plotly scatter is drawn with WebGL (``Scattergl``), which keeps a
#: 100,000-trial study responsive in the browser; below it SVG looks sharper.
WEBGL_THRESHOLD = 2000

DEFAULT_TARGET_NAME = "Objective Value"


def studies_of(study: Study | Sequence[Study]) -> list[Study]:
    """``study`` as a list (functions that accept several studies take either)."""
    from ferrotune.study import Study as _Study

    if isinstance(study, _Study):
        return [study]
    try:
        studies = list(study)
    except TypeError:
        studies = None
    if studies is None or not all(isinstance(s, _Study) for s in studies):
        raise FerrotuneTypeError(f"study must be a Study or a list of Studies, got {study!r}.")
    return studies


def one_study(study: Study) -> Study:
    """``study``, or a FerrotuneTypeError for anything else (functions that take one study)."""
    from ferrotune.study import Study as _Study

    if not isinstance(study, _Study):
        raise FerrotuneTypeError(f"study must be a Study, got {study!r}.")
    return study


def check_plot_args(study: Study | Sequence[Study], target: Callable[[FrozenTrial], float] | None, target_name: str) -> None:
    """Optuna's rule: a multi-objective study needs a ``target``; a ``target`` with the default
    ``target_name`` earns a warning (the axis would be mislabelled)."""
    studies = studies_of(study)
    if target is None and any(len(s.directions) > 1 for s in studies):
        raise FerrotuneValueError(
            "If the `study` is being used for multi-objective optimization, please specify the `target` "
            "(e.g. target=lambda t: t.values[0]) and a `target_name`."
        )
    if target is not None and target_name == DEFAULT_TARGET_NAME:
        ft_logging._warn("`target` is specified, but `target_name` is the default value, 'Objective Value'.")


def finite_rows(rows: np.ndarray, values: np.ndarray, *, with_message: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose value is finite, and their values; each omitted trial is logged as
    Optuna logs it."""
    ok = np.isfinite(values)
    if with_message and not ok.all():
        for r in rows[~ok]:
            _logger.warning(f"Trial {int(r)} is omitted in visualization because its objective value is inf or nan.")
    return rows[ok], values[ok]


def scatter_class(n_points: int) -> Any:
    """plotly's ``Scattergl`` above ``WEBGL_THRESHOLD`` points, ``Scatter`` below."""
    from ferrotune.visualization._plotly_imports import plotly_go

    go = plotly_go()
    return go.Scattergl if n_points > WEBGL_THRESHOLD else go.Scatter
