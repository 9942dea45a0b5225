"""``GridSearchCV`` and ``RandomizedSearchCV`` with scikit-learn's constructor signatures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ferrotune.pruners import BasePruner
from ferrotune.samplers import BaseSampler, RandomSampler
from ferrotune.sklearn._search import SearchCV
from ferrotune.study import Study


class GridSearchCV(SearchCV):
    """Every point of ``param_grid``, in scikit-learn's ``ParameterGrid`` order, scored on each
    ``cv`` fold: the same candidates and ``cv_results_`` as ``sklearn.model_selection.GridSearchCV``.

    The arguments are scikit-learn's (``pre_dispatch`` is accepted and unused: trials run on
    ``n_jobs`` threads). ``pruner``, ``study``, ``storage`` and ``study_name`` are as in
    :class:`SearchCV`: a pruner stops a candidate after its first folds.
    """

    _exhaustive = True

    def __init__(
        self,
        estimator: Any,
        param_grid: Any,
        *,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str | Callable[[dict[str, Any]], int] = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        error_score: float | str = np.nan,
        return_train_score: bool = False,
        pruner: BasePruner | None = None,
        study: Study | None = None,
        storage: Any = None,
        study_name: str | None = None,
    ) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.pruner = pruner
        self.study = study
        self.storage = storage
        self.study_name = study_name

    def _space_argument(self) -> Any:
        return self.param_grid

    def _trial_budget(self) -> int | None:
        return None

    def _trial_timeout(self) -> float | None:
        return None

    def _default_sampler(self, seed: int | None) -> BaseSampler:
        # every value is enqueued: the cheapest sampler, never consulted for a value
        return RandomSampler(seed=seed)


class RandomizedSearchCV(SearchCV):
    """``n_iter`` candidates drawn at random from ``param_distributions`` (lists uniformly,
    scipy distributions as they are): ``sklearn.model_selection.RandomizedSearchCV``'s
    arguments, with ferrotune's ``RandomSampler(seed=random_state)`` by default.

    ``sampler`` (for example ``TPESampler()``), ``pruner``, ``study``, ``storage``,
    ``study_name`` and ``timeout`` are as in :class:`SearchCV`.
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        n_iter: int = 10,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str | Callable[[dict[str, Any]], int] = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        random_state: Any = None,
        error_score: float | str = np.nan,
        return_train_score: bool = False,
        sampler: BaseSampler | None = None,
        pruner: BasePruner | None = None,
        study: Study | None = None,
        storage: Any = None,
        study_name: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.random_state = random_state
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.sampler = sampler
        self.pruner = pruner
        self.study = study
        self.storage = storage
        self.study_name = study_name
        self.timeout = timeout

    _budget_name = "n_iter"

    def _trial_budget(self) -> int | None:
        return self.n_iter

    def _default_sampler(self, seed: int | None) -> BaseSampler:
        return RandomSampler(seed=seed)
