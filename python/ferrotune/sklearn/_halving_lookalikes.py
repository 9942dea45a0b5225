"""``HalvingGridSearchCV`` and ``HalvingRandomSearchCV`` with scikit-learn's constructor signatures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ferrotune.samplers import BaseSampler, RandomSampler
from ferrotune.sklearn._halving import Halving
from ferrotune.sklearn._search import SearchCV
from ferrotune.study import Study


class _HalvingArguments:
    factor: float
    resource: str
    min_resources: int | str
    max_resources: int | str
    aggressive_elimination: bool

    def _halving_setting(self) -> Halving | None:
        return Halving(
            factor=self.factor,
            resource=self.resource,
            min_resources=self.min_resources,
            max_resources=self.max_resources,
            aggressive_elimination=self.aggressive_elimination,
        )


class HalvingGridSearchCV(_HalvingArguments, SearchCV):
    """Successive halving over every point of ``param_grid``: the iterations, candidates and
    ``cv_results_`` (with its ``iter`` and ``n_resources`` columns) of scikit-learn's
    ``HalvingGridSearchCV`` for the same grid, ``cv`` and ``random_state``.

    The arguments are scikit-learn's; ``study``, ``storage`` and ``study_name`` are as in
    :class:`SearchCV` (each grid point is a trial; each iteration's mean test score is reported
    to it as a step; the points an iteration drops end ``PRUNED``).
    """

    _exhaustive = True

    def __init__(
        self,
        estimator: Any,
        param_grid: Any,
        *,
        factor: float = 3,
        resource: str = "n_samples",
        max_resources: int | str = "auto",
        min_resources: int | str = "exhaust",
        aggressive_elimination: bool = False,
        cv: Any = 5,
        scoring: Any = None,
        refit: bool | str | Callable[[dict[str, Any]], int] = True,
        error_score: float | str = np.nan,
        return_train_score: bool = True,
        random_state: Any = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        study: Study | None = None,
        storage: Any = None,
        study_name: str | None = None,
    ) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.aggressive_elimination = aggressive_elimination
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.study = study
        self.storage = storage
        self.study_name = study_name

    pruner = None

    def _space_argument(self) -> Any:
        return self.param_grid

    def _trial_budget(self) -> int | None:
        return None

    def _trial_timeout(self) -> float | None:
        return None

    def _default_sampler(self, seed: int | None) -> BaseSampler:
        # every value is enqueued: the cheapest sampler, never consulted for a value
        return RandomSampler(seed=seed)


class HalvingRandomSearchCV(_HalvingArguments, SearchCV):
    """Successive halving over ``n_candidates`` candidates drawn at random from
    ``param_distributions``: scikit-learn's ``HalvingRandomSearchCV`` arguments, with ferrotune's
    ``RandomSampler(seed=random_state)`` by default (or ``sampler=``).

    ``n_candidates="exhaust"`` draws ``max_resources_ // min_resources_`` candidates, so the
    last iteration uses about ``max_resources``. ``sampler``, ``study``, ``storage`` and
    ``study_name`` are as in :class:`SearchCV`.
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        n_candidates: int | str = "exhaust",
        factor: float = 3,
        resource: str = "n_samples",
        max_resources: int | str = "auto",
        min_resources: int | str = "smallest",
        aggressive_elimination: bool = False,
        cv: Any = 5,
        scoring: Any = None,
        refit: bool | str | Callable[[dict[str, Any]], int] = True,
        error_score: float | str = np.nan,
        return_train_score: bool = True,
        random_state: Any = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        sampler: BaseSampler | None = None,
        study: Study | None = None,
        storage: Any = None,
        study_name: str | None = None,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.aggressive_elimination = aggressive_elimination
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.sampler = sampler
        self.study = study
        self.storage = storage
        self.study_name = study_name

    pruner = None

    _budget_name = "n_candidates"

    def _trial_budget(self) -> int | None:
        if self.n_candidates == "exhaust":
            return None
        return self.n_candidates  # type: ignore[return-value]

    def _trial_timeout(self) -> float | None:
        return None

    def _default_sampler(self, seed: int | None) -> BaseSampler:
        return RandomSampler(seed=seed)
