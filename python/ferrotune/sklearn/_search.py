"""``SearchCV``: a scikit-learn meta-estimator whose candidates come from a ferrotune study."""

from __future__ import annotations

import numbers
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, indexable

from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError
from ferrotune.pruners import BasePruner, NopPruner
from ferrotune.samplers import BaseSampler, TPESampler
from ferrotune.sklearn import _halving, _scoring
from ferrotune.sklearn._results import Candidate, Fold, cv_results
from ferrotune.sklearn._space import SearchSpace
from ferrotune.study import Study, StudyDirection, create_study
from ferrotune.trial import FrozenTrial, Trial, TrialState

# Folds of data up to this size (all folds together) are cut once per fit, not once per candidate.
_CACHE_BYTES = 256 * 2**20
_NO_FITS = "No fits were performed. Was the CV iterator empty? Were there no candidates?"


def _split_fit_params(fit_params: dict[str, Any], n_samples: int, indices: np.ndarray) -> dict[str, Any]:
    """Fit parameters with one entry per sample are split with ``X`` (``sample_weight``)."""
    out = {}
    for key, value in fit_params.items():
        sized = getattr(value, "ndim", 1) > 0 and (hasattr(value, "shape") or (isinstance(value, Sequence) and not isinstance(value, str)))
        if sized and _num_samples(value) == n_samples:
            out[key] = _safe_indexing(value, indices)
        else:
            out[key] = value
    return out


def _pairwise(estimator: Any) -> bool:
    try:
        from sklearn.utils import get_tags
    except ImportError:  # scikit-learn before 1.6
        return bool(getattr(estimator, "_pairwise", False))
    return bool(get_tags(estimator).input_tags.pairwise)


def _as_scores(value: Any) -> tuple[dict[str, float], bool]:
    """A scorer's return value as ``{metric: float}`` and whether it was a dict."""
    if isinstance(value, dict):
        return {str(k): _as_number(v, str(k)) for k, v in value.items()}, True
    return {"score": _as_number(value, "score")}, False


def _as_number(value: Any, name: str) -> float:
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if not isinstance(value, numbers.Number):
        raise FerrotuneValueError(f"scoring must return a number, got {value!r} ({type(value).__name__}) for metric {name!r}")
    return float(value)  # type: ignore[arg-type]


class SearchCV(BaseSearchCV):  # type: ignore[misc]
    """Hyperparameter search with cross-validation, driven by a ferrotune sampler.

    A drop-in for scikit-learn's ``RandomizedSearchCV``: ``fit`` runs ``n_trials`` trials of a
    ferrotune study; each trial draws one candidate from ``param_distributions`` and scores it
    on every ``cv`` fold. The fitted search has scikit-learn's ``cv_results_``, ``best_*``
    attributes and ``predict``/``predict_proba``/``decision_function``/``transform``/``score``.

    Args:
        estimator: The scikit-learn estimator (or ``Pipeline``) to tune.
        param_distributions: ``{name: values}`` or a list of such dicts (alternative
            sub-spaces). A value is a list (a uniform choice), a ferrotune distribution, a
            ``scipy.stats`` frozen distribution (``uniform``, ``loguniform`` and ``randint`` are
            modelled by the sampler; others are drawn through ``rvs``) or any object with ``rvs``.
        n_trials: Number of candidates; ``None`` runs until ``timeout``.
        sampler: A ferrotune sampler; default ``TPESampler(seed=random_state)``. A copy is used
            for each fit, so fitting twice draws the same candidates.
        pruner: A ferrotune pruner: each fold's running mean test score is reported as a step
            and a candidate the pruner stops is not scored on its remaining folds (their scores
            are NaN in ``cv_results_``). Default: no pruning.
        study: A maximizing study to add the trials to (resume or share one); its sampler and
            pruner are used and ``sampler``/``pruner``/``storage`` are ignored.
        storage: A ferrotune storage (or URL) for the study this search creates.
        study_name: The name of that study (loaded if it exists, to share across processes).
        timeout: Seconds after which no new trial starts.
        scoring: As in scikit-learn: None (the estimator's ``score``), a scorer name, a
            callable, or several as a list/tuple/set of names or a ``{name: scorer}`` dict.
        n_jobs: Threads running trials concurrently (``-1``: one per CPU).
        refit: Refit the best candidate on all data: a bool, a metric name (multi-metric) or a
            callable taking ``cv_results_`` and returning the best index.
        cv: An int, a scikit-learn splitter or an iterable of ``(train, test)`` index arrays.
        verbose: 0 silent; 1 a summary line; 2 one line per fold.
        random_state: Seeds the default sampler and the ``rvs`` draws.
        error_score: Score of a fold whose fit fails, or ``"raise"``.
        return_train_score: Also score the training folds.
        halving: Successive halving instead of scoring every candidate on all data: True or
            :class:`Halving` settings (``factor``, ``resource``, ``min_resources``,
            ``max_resources``, ``aggressive_elimination``). The sampler proposes ``n_trials``
            candidates (``None``: ``max_resources_ // min_resources_``), all asked before the
            first iteration; each iteration's mean test score is reported to the trial as a step
            and the candidates it drops end ``PRUNED``. ``pruner`` and ``timeout`` are not used.
    """

    _exhaustive = False
    _budget_name = "n_trials"  # the argument that sets the number of candidates, for messages

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        n_trials: int | None = 10,
        sampler: BaseSampler | None = None,
        pruner: BasePruner | None = None,
        study: Study | None = None,
        storage: Any = None,
        study_name: str | None = None,
        timeout: float | None = None,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str | Callable[[dict[str, Any]], int] = True,
        cv: Any = None,
        verbose: int = 0,
        random_state: Any = None,
        error_score: float | str = np.nan,
        return_train_score: bool = False,
        halving: bool | _halving.Halving = False,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.sampler = sampler
        self.pruner = pruner
        self.study = study
        self.storage = storage
        self.study_name = study_name
        self.timeout = timeout
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.random_state = random_state
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.halving = halving

    # -- what the subclasses change ---------------------------------------------------------------
    def _space_argument(self) -> Any:
        return self.param_distributions

    def _trial_budget(self) -> int | None:
        return self.n_trials

    def _trial_timeout(self) -> float | None:
        return self.timeout

    def _default_sampler(self, seed: int | None) -> BaseSampler:
        return TPESampler(seed=seed)

    def _halving_setting(self) -> _halving.Halving | None:
        return _halving.as_halving(getattr(self, "halving", False))

    # -- fitting ----------------------------------------------------------------------------------
    def _check_arguments(self) -> None:
        if not hasattr(self.estimator, "fit"):
            raise FerrotuneTypeError(f"estimator must be a scikit-learn estimator with a fit method, got {self.estimator!r}")
        if not (self.error_score == "raise" or isinstance(self.error_score, numbers.Real)):
            raise FerrotuneValueError(f"error_score must be a number or 'raise', got {self.error_score!r}")
        budget = self._trial_budget()
        if budget is not None and (not isinstance(budget, numbers.Integral) or budget < 1):
            raise FerrotuneValueError(f"{self._budget_name} must be a positive int or None, got {budget!r}")
        halving = self._halving_setting()
        if halving is not None:
            halving.check()
            if self._trial_timeout() is not None:
                raise FerrotuneValueError("timeout is not used with halving: the iterations decide when the search ends; drop timeout")
            if budget is None and halving.min_resources == "exhaust" and not self._exhaustive:
                raise FerrotuneValueError("n_trials (n_candidates) and min_resources cannot both be 'exhaust': give one of them")
        elif budget is None and self._trial_timeout() is None and not self._exhaustive:
            raise FerrotuneValueError("n_trials and timeout are both None: give at least one so the search ends")
        if self.n_jobs is not None and (not isinstance(self.n_jobs, numbers.Integral) or self.n_jobs == 0 or self.n_jobs < -1):
            raise FerrotuneValueError(f"n_jobs must be a positive int, -1 or None, got {self.n_jobs!r}")
        if not (isinstance(self.refit, (bool, str)) or callable(self.refit)):
            raise FerrotuneTypeError(f"refit must be a bool, a metric name or a callable, got {self.refit!r}")
        if self.study is not None and not isinstance(self.study, Study):
            raise FerrotuneTypeError(f"study must be a ferrotune Study, got {type(self.study).__name__}")

    def _seed(self) -> int | None:
        # GridSearchCV has no random_state nor sampler: a grid needs neither
        random_state = getattr(self, "random_state", None)
        if random_state is None:
            return None
        if isinstance(random_state, numbers.Integral):
            return int(random_state)
        return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))

    def _make_study(self, seed: int | None) -> Study:
        if self.study is not None:
            if self.study.direction != StudyDirection.MAXIMIZE:
                raise FerrotuneValueError("study must maximize: scikit-learn scores are greater-is-better")
            return self.study
        if getattr(self, "sampler", None) is not None:
            import copy

            sampler = copy.deepcopy(self.sampler)
        else:
            sampler = self._default_sampler(seed)
        return create_study(
            storage=self.storage,
            sampler=sampler,
            pruner=self.pruner if self.pruner is not None else NopPruner(),
            study_name=self.study_name,
            direction="maximize",
            load_if_exists=self.study_name is not None,
        )

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> SearchCV:
        """Runs the search: every trial's candidate is fitted and scored on each ``cv`` fold,
        then (with ``refit``) the best candidate is fitted on all of ``X``.

        Args:
            X: Training data.
            y: Targets (None for unsupervised estimators).
            **fit_params: Passed to the estimator's ``fit`` (split with ``X`` when they have
                one entry per sample); ``groups`` goes to the ``cv`` splitter.
        """
        self._check_arguments()
        scorer, multimetric, refit_metric = _scoring.resolve(self.estimator, self.scoring, self.refit)
        space = SearchSpace(self._space_argument(), grid=self._exhaustive)
        space.check_names(clone(self.estimator).get_params(deep=True), self.estimator)

        X, y = indexable(X, y)
        fit_params = dict(fit_params)
        groups = fit_params.pop("groups", None)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y, groups)]
        n_splits = len(splits)
        if n_splits == 0:
            raise FerrotuneValueError(_NO_FITS)

        seed = self._seed()
        study = self._make_study(seed)
        grid = list(space.grid_points()) if self._exhaustive else None
        budget = len(grid) if grid is not None else self._trial_budget()
        halving = self._halving_setting()
        if self.verbose > 0 and halving is None:
            count = "an open number of" if budget is None else str(budget)
            total = "" if budget is None else f", totalling {budget * n_splits} fits"
            print(f"Fitting {n_splits} folds for each of {count} candidates{total}")

        base = clone(self.estimator)
        error_score = self.error_score
        n_samples = _num_samples(X)
        state = {"dict_scores": False}
        weights = fit_params.get("sample_weight")
        if weights is not None:
            _scoring.warn_unweighted(scorer, self)
        prune = self.pruner is not None or self.study is not None

        # A fold's NumPy arrays are cut once per fit and shared, read-only, by the candidates (the
        # cut costs about as much as fitting a small model), unless they are large; scikit-learn's
        # estimators copy a read-only input before changing it in place (as for joblib's memmaps).
        # Pairwise (kernel) estimators cut differently, so the key holds the pairwise tag.
        cache_splits = isinstance(X, np.ndarray) and (y is None or isinstance(y, np.ndarray)) and X.nbytes * n_splits <= _CACHE_BYTES
        split_cache: dict[tuple[int, int, bool], tuple[Any, Any, Any, Any]] = {}

        def split_data(estimator: Any, k: int, train: np.ndarray, test: np.ndarray, rung: int) -> tuple[Any, Any, Any, Any]:
            key = (rung, k, _pairwise(estimator))
            cut = split_cache.get(key) if cache_splits else None
            if cut is None:
                X_train, y_train = _safe_split(estimator, X, y, train)
                X_test, y_test = _safe_split(estimator, X, y, test, train)
                cut = (X_train, y_train, X_test, y_test)
                if cache_splits:
                    for part in cut:
                        if isinstance(part, np.ndarray):
                            part.flags.writeable = False
                    split_cache[key] = cut
            return cut

        def run_fold(estimator: Any, k: int, train: np.ndarray, test: np.ndarray, params: dict[str, Any], rung: int = 0) -> Fold:
            X_train, y_train, X_test, y_test = split_data(estimator, k, train, test, rung)
            start = time.perf_counter()
            try:
                fold_params = _split_fit_params(fit_params, n_samples, train)
                if y_train is None:
                    estimator.fit(X_train, **fold_params)
                else:
                    estimator.fit(X_train, y_train, **fold_params)
            except Exception as e:
                if error_score == "raise":
                    raise
                failures.append(f"{type(e).__name__}: {e}")
                return Fold(time.perf_counter() - start, 0.0, None, None)
            fit_time = time.perf_counter() - start
            start = time.perf_counter()
            try:
                weight_test = None if weights is None else _safe_indexing(weights, test)
                test_scores, was_dict = _as_scores(_scoring.weighted_call(scorer, estimator, X_test, y_test, weight_test))
                train_scores = None
                if self.return_train_score:
                    weight_train = None if weights is None else _safe_indexing(weights, train)
                    train_scores = _as_scores(_scoring.weighted_call(scorer, estimator, X_train, y_train, weight_train))[0]
            except FerrotuneValueError:
                raise
            except Exception as e:
                if error_score == "raise":
                    raise
                warnings.warn(
                    f"Scoring failed. The score on this train-test partition for these parameters will be set to {error_score}. "
                    f"Details: {type(e).__name__}: {e}",
                    UserWarning,
                    stacklevel=2,
                )
                return Fold(fit_time, time.perf_counter() - start, None, None)
            if was_dict:
                state["dict_scores"] = True
            if self.verbose > 1:
                shown = ", ".join(f"{m}={v:.3f}" for m, v in test_scores.items())
                print(f"[CV {k + 1}/{n_splits}] END {params}; {shown}; total time={fit_time:.3f}s")
            return Fold(fit_time, time.perf_counter() - start, test_scores, train_scores)

        failures: list[str] = []
        candidates: list[Candidate] = []
        lock = threading.Lock()

        def evaluate(trial: Trial, order: int) -> Candidate:
            rng = np.random.default_rng(None if seed is None else [seed, trial.number])
            drawn = space.suggest(trial, rng)
            params = grid[order][1] if grid is not None else dict(sorted(drawn.items()))
            candidate = Candidate(trial.number, order, params)
            with lock:
                candidates.append(candidate)
            for k, (train, test) in enumerate(splits):
                estimator = clone(base).set_params(**clone(params, safe=False))
                candidate.folds.append(run_fold(estimator, k, train, test, params))
                if prune and k < n_splits - 1:
                    value = candidate.mean(refit_metric, _numeric(error_score))
                    if np.isfinite(value):
                        trial.report(value, k)
                        if trial.should_prune():
                            candidate.pruned = True
                            break
            return candidate

        rows: _halving.Rows | None = None
        if halving is None:
            trial_numbers = self._run_trials(study, evaluate, budget, grid, refit_metric)
        else:
            if multimetric:
                raise FerrotuneValueError("halving ranks candidates by one metric: give scoring as None, one scorer name or one callable")
            n_classes = None
            if is_classifier(self.estimator) and y is not None:
                check_classification_targets(y)  # "smallest" counts the classes
                n_classes = len(np.unique(np.asarray(y)))
            plan = _halving.resources(halving, base.get_params(deep=True), n_splits, n_samples, n_classes)
            if halving.resource != "n_samples" and halving.resource in space.names:
                raise FerrotuneValueError(
                    f"resource={halving.resource!r} is also a searched parameter: drop it from the search space or pick another resource"
                )
            asked: list[tuple[Trial, dict[str, Any]]] = []
            if grid is not None:
                for encoded, params in grid:
                    study.enqueue_trial(encoded)
                    trial = study.ask()
                    space.suggest(trial, np.random.default_rng(None if seed is None else [seed, trial.number]))
                    asked.append((trial, params))
            else:
                for _ in range(budget if budget is not None else plan.max_resources_ // plan.min_resources_):
                    trial = study.ask()
                    drawn = space.suggest(trial, np.random.default_rng(None if seed is None else [seed, trial.number]))
                    asked.append((trial, dict(sorted(drawn.items()))))
            if not asked:
                raise FerrotuneValueError(_NO_FITS)
            _halving.schedule(halving, plan, len(asked))
            if self.verbose > 0:
                print(
                    f"n_iterations: {plan.n_iterations_}, n_required_iterations: {plan.n_required_iterations_}, "
                    f"n_possible_iterations: {plan.n_possible_iterations_}, min_resources_: {plan.min_resources_}, "
                    f"max_resources_: {plan.max_resources_}, factor: {halving.factor}"
                )
            error_value = _numeric(error_score)

            def evaluate_rung(trial: Trial, params: dict[str, Any], rung_splits: _halving.Splits, itr: int, row: int) -> Candidate:
                candidate = Candidate(trial.number, row, params)
                for k, (train, test) in enumerate(rung_splits):
                    estimator = clone(base).set_params(**clone(params, safe=False))
                    candidate.folds.append(run_fold(estimator, k, train, test, params, itr))
                _record(trial, candidate, error_value)
                return candidate

            rows = _halving.run(
                halving,
                plan,
                study,
                asked,
                splits,
                n_samples,
                getattr(self, "random_state", None),
                evaluate_rung,
                refit_metric,
                error_value,
                self._n_threads(),
                self.verbose,
            )
            candidates = rows.candidates
            trial_numbers = {t.number for t, _ in asked}
        if not candidates:
            raise FerrotuneValueError(_NO_FITS)
        candidates.sort(key=(lambda c: c.order) if grid is not None or rows is not None else (lambda c: c.number))
        self._report_failures(failures, sum(len(c.folds) for c in candidates))

        if callable(self.scoring) and state["dict_scores"]:
            multimetric = True
            _scoring.check_refit(self.refit, self._metric_names(candidates))
            refit_metric = self.refit if isinstance(self.refit, str) else self._metric_names(candidates)[0]
        metrics = self._metric_names(candidates) if multimetric else ["score"]
        results = cv_results(candidates, n_splits, metrics, self.return_train_score, _numeric(error_score))
        if rows is not None:
            if multimetric:
                raise FerrotuneValueError("halving ranks candidates by one metric: the scoring callable returned a dict")
            results = {"iter": np.asarray(rows.iters), "n_resources": np.asarray(rows.n_resources), **results}
            self.n_resources_ = rows.n_resources_
            self.n_candidates_ = rows.n_candidates_
            self.n_remaining_candidates_ = rows.n_remaining_candidates_
            self.min_resources_ = plan.min_resources_
            self.max_resources_ = plan.max_resources_
            self.n_required_iterations_ = plan.n_required_iterations_
            self.n_possible_iterations_ = plan.n_possible_iterations_
            self.n_iterations_ = plan.n_iterations_

        self.multimetric_ = multimetric
        self.scorer_ = scorer
        self.n_splits_ = n_splits
        self.cv_results_ = results
        self.study_ = study
        self.trials_: list[FrozenTrial] = [t for t in study.get_trials(deepcopy=False) if t.number in trial_numbers]
        self.n_trials_ = len(candidates)
        by_number = {t.number: t for t in self.trials_}
        self._candidate_trials = [by_number[c.number] for c in candidates]
        if self.refit or not multimetric:
            if rows is not None:
                # the best of the last iteration (scikit-learn's halving searches ignore a callable refit)
                self.best_index_ = _halving.best_index(results["iter"], results[f"mean_test_{refit_metric}"])
            else:
                self.best_index_ = self._select_best_index(self.refit, refit_metric, results)
            if not callable(self.refit) or rows is not None:
                self.best_score_ = float(results[f"mean_test_{refit_metric}"][self.best_index_])
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self.best_estimator_ = clone(base).set_params(**clone(self.best_params_, safe=False))
            start = time.perf_counter()
            if y is None:
                self.best_estimator_.fit(X, **fit_params)
            else:
                self.best_estimator_.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
        return self

    @property
    def best_trial_(self) -> FrozenTrial:
        """The trial of the best candidate (``best_index_``)."""
        if not hasattr(self, "best_index_"):
            raise AttributeError("best_trial_ needs a fitted search with best_index_ (refit is not False, or one metric)")
        trials: list[FrozenTrial] = self._candidate_trials
        return trials[int(self.best_index_)]

    def trials_dataframe(self, **kwargs: Any) -> Any:
        """This search's study as a pandas DataFrame (``Study.trials_dataframe``'s arguments)."""
        if not hasattr(self, "study_"):
            raise AttributeError("trials_dataframe needs a fitted search")
        return self.study_.trials_dataframe(**kwargs)

    @staticmethod
    def _metric_names(candidates: list[Candidate]) -> list[str]:
        for c in candidates:
            for fold in c.folds:
                if fold.test is not None:
                    return list(fold.test)
        return ["score"]

    def _report_failures(self, failures: list[str], n_fits: int) -> None:
        if not failures:
            return
        summary = "\n".join(f"{count} fits failed with the following error:\n{text}" for text, count in Counter(failures).items())
        if len(failures) == n_fits:
            raise FerrotuneValueError(
                f"All the {n_fits} fits failed. It is very likely that your model is misconfigured. "
                f"You can try to debug the error by setting error_score='raise'.\n\nBelow are more details about the failures:\n{summary}"
            )
        warnings.warn(
            f"\n{len(failures)} fits failed out of a total of {n_fits}.\nThe score on these train-test partitions for these "
            f"parameters will be set to {self.error_score}.\nIf these failures are not expected, you can try to debug them "
            f"by setting error_score='raise'.\n\nBelow are more details about the failures:\n{summary}",
            FitFailedWarning,
            stacklevel=3,
        )

    def _n_threads(self) -> int:
        n_jobs = self.n_jobs or 1
        if n_jobs == -1:
            import os

            n_jobs = os.cpu_count() or 1
        return int(n_jobs)

    def _run_trials(
        self,
        study: Study,
        evaluate: Callable[[Trial, int], Candidate],
        budget: int | None,
        grid: list[tuple[dict[str, Any], dict[str, Any]]] | None,
        refit_metric: str,
    ) -> set[int]:
        """Runs trials on ``n_jobs`` threads until the budget or the timeout; returns their
        numbers. Each trial's value is the mean test score of ``refit_metric`` (the metric that
        ranks candidates). The first error (``error_score="raise"``) stops every thread and is
        raised."""
        timeout = self._trial_timeout()
        lock = threading.Lock()
        started = [0]
        numbers_: set[int] = set()
        errors: list[BaseException] = []
        t0 = time.monotonic()
        error_value = _numeric(self.error_score)

        def claim() -> tuple[Trial, int] | None:
            with lock:
                if errors or (budget is not None and started[0] >= budget):
                    return None
                if timeout is not None and time.monotonic() - t0 >= timeout:
                    return None
                order = started[0]
                started[0] += 1
                if grid is not None:
                    study.enqueue_trial(grid[order][0])
                trial = study.ask()
                numbers_.add(trial.number)
                return trial, order

        def worker() -> None:
            while (claimed := claim()) is not None:
                trial, order = claimed
                try:
                    candidate = evaluate(trial, order)
                except BaseException as e:
                    study.tell(trial, state=TrialState.FAIL)
                    with lock:
                        errors.append(e)
                    return
                _record(trial, candidate, error_value)
                if candidate.pruned:
                    study.tell(trial, state=TrialState.PRUNED)
                    continue
                metric = (
                    refit_metric
                    if candidate.folds and any(f.test is not None and refit_metric in f.test for f in candidate.folds)
                    else _first_metric(candidate)
                )
                value = candidate.mean(metric, error_value)
                if np.isfinite(value):
                    study.tell(trial, value)
                else:
                    study.tell(trial, state=TrialState.FAIL)

        n_jobs = self._n_threads()
        if n_jobs == 1:
            worker()
        else:
            with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                for future in [pool.submit(worker) for _ in range(n_jobs)]:
                    future.result()
        if errors:
            raise errors[0]
        return numbers_


def _numeric(error_score: Any) -> float:
    return float("nan") if error_score == "raise" else float(error_score)


def _first_metric(candidate: Candidate) -> str:
    for fold in candidate.folds:
        if fold.test:
            return next(iter(fold.test))
    return "score"


def _record(trial: Trial, candidate: Candidate, error_score: float) -> None:
    """Fold scores as user attributes (the names Optuna's ``OptunaSearchCV`` uses)."""
    names = _first_metric(candidate)
    metrics = (
        [names] if not any(f.test and len(f.test) > 1 for f in candidate.folds) else list(next(f.test for f in candidate.folds if f.test))
    )
    attrs: dict[str, Any] = {}
    fit_times = [f.fit_time for f in candidate.folds]
    score_times = [f.score_time for f in candidate.folds]
    attrs["mean_fit_time"] = float(np.mean(fit_times)) if fit_times else None
    attrs["mean_score_time"] = float(np.mean(score_times)) if score_times else None
    for metric in metrics:
        scores = [error_score if f.test is None else f.test.get(metric, float("nan")) for f in candidate.folds]
        for k, s in enumerate(scores):
            attrs[f"split{k}_test_{metric}"] = s if np.isfinite(s) else None
        mean = float(np.mean(scores)) if scores else float("nan")
        attrs[f"mean_test_{metric}"] = mean if np.isfinite(mean) else None
    for key, value in attrs.items():
        trial.set_user_attr(key, value)


__all__ = ["SearchCV"]
