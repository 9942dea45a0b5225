"""The built-in pruners make Optuna's decisions: the same learning curves run through Optuna's
pruner and ferrotune's give the same prune/keep answer at every report."""

from __future__ import annotations

import random
import warnings

import pytest
from _pruning import curves, run

import ferrotune

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.ERROR)
# Optuna marks PatientPruner and WilcoxonPruner experimental.
pytestmark = pytest.mark.filterwarnings("ignore:.*is experimental")


def _pair(name: str, *args, **kwargs):
    return getattr(optuna.pruners, name)(*args, **kwargs), getattr(ferrotune.pruners, name)(*args, **kwargs)


CONFIGS = [
    ("MedianPruner", (), {}),
    ("MedianPruner", (2, 3, 2), {"n_min_trials": 3}),
    ("PercentilePruner", (25.0, 3, 1, 1), {}),
    ("PercentilePruner", (80.0, 0, 0, 3), {"n_min_trials": 2}),
    ("PercentilePruner", (0.0, 1), {}),
    ("ThresholdPruner", (), {"lower": -1.2, "upper": 1.2, "n_warmup_steps": 2}),
    ("ThresholdPruner", (), {"lower": 0.3, "upper": 1.5, "interval_steps": 3}),
    ("SuccessiveHalvingPruner", (), {}),
    ("SuccessiveHalvingPruner", (1, 2), {}),
    ("SuccessiveHalvingPruner", (2, 3, 1), {}),
    ("SuccessiveHalvingPruner", (1, 2, 0, 2), {}),
    ("HyperbandPruner", (), {}),
    ("HyperbandPruner", (1, 20, 2), {}),
    ("HyperbandPruner", (2, 24, 3, 1), {}),
]


def _compare(name, args, kwargs, trials, **run_kwargs):
    po, pf = _pair(name, *args, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = run(optuna, po, trials, **run_kwargs)
        got = run(ferrotune, pf, trials, **run_kwargs)
    assert got == want
    return got


@pytest.mark.parametrize(("name", "args", "kwargs"), CONFIGS, ids=lambda x: str(x) if not isinstance(x, str) else x)
@pytest.mark.parametrize(
    ("direction", "workers", "nan_rate"),
    [("minimize", 1, 0.0), ("maximize", 1, 0.05), ("minimize", 3, 0.05), ("maximize", 3, 0.0)],
)
def test_same_decisions_as_optuna(name, args, kwargs, direction, workers, nan_rate):
    seed = len(CONFIGS) * workers + CONFIGS.index((name, args, kwargs))
    cs = curves(seed, 25, 20, nan_rate=nan_rate, ties=nan_rate > 0)
    if direction == "maximize":
        cs = [[-v for v in c] for c in cs]
    log = _compare(name, args, kwargs, cs, direction=direction, workers=workers, seed=seed, study_name=f"cmp-{seed}")
    # the scenario exercises the pruner: some trials stop, some do not
    n_pruned = sum(p is not None for _, p in log)
    assert n_pruned > 0


@pytest.mark.parametrize(("name", "args", "kwargs"), [c for c in CONFIGS if c[0] in ("SuccessiveHalvingPruner", "HyperbandPruner")])
@pytest.mark.parametrize(("ask_every", "workers"), [(1, 3), (2, 1), (3, 3)])
def test_rung_pruners_asked_now_and_then_decide_as_optuna(name, args, kwargs, ask_every, workers):
    # Between the ends of rungs a trial's answer is known without asking the core: asking at
    # every report, every second or every third must give Optuna's decisions all the same.
    seed = 100 + 7 * ask_every + workers
    cs = curves(seed, 30, 40)
    log = _compare(name, args, kwargs, cs, workers=workers, seed=seed, study_name=f"every-{seed}", ask_every=ask_every)
    assert sum(p is not None for _, p in log) > 0


@pytest.mark.parametrize("wrapped", [None, "median"])
@pytest.mark.parametrize(("patience", "min_delta", "direction"), [(0, 0.0, "minimize"), (2, 0.0, "maximize"), (3, 0.05, "minimize")])
def test_patient_pruner_same_decisions_as_optuna(wrapped, patience, min_delta, direction):
    cs = curves(patience, 25, 20, nan_rate=0.05)
    if direction == "maximize":
        cs = [[-v for v in c] for c in cs]
    po = optuna.pruners.PatientPruner(optuna.pruners.MedianPruner(1) if wrapped else None, patience, min_delta)
    pf = ferrotune.pruners.PatientPruner(ferrotune.pruners.MedianPruner(1) if wrapped else None, patience, min_delta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(ferrotune, pf, cs, direction=direction) == run(optuna, po, cs, direction=direction)


def _instances(seed: int, n_instances: int, n_trials: int, decimals: int):
    """Scores per instance (shuffled report order per trial): trial = instance difficulty +
    the trial's quality + noise; rounding makes ties and zero differences."""
    rng = random.Random(seed)
    hardness = [rng.gauss(0, 1) for _ in range(n_instances)]
    values, steps = [], []
    for _ in range(n_trials):
        shift = rng.gauss(0, 0.5)
        scores = [round(h + shift + rng.gauss(0, 0.3), decimals) for h in hardness]
        order = list(range(n_instances))
        rng.shuffle(order)
        values.append([scores[i] for i in order])
        steps.append(order)
    return values, steps


@pytest.mark.parametrize(
    ("n_instances", "decimals", "p_threshold", "n_startup_steps"),
    # exact test; permutation test (ties and zeros); normal approximation with ties; n > 50
    [(8, 6, 0.1, 2), (12, 1, 0.3, 0), (20, 1, 0.1, 14), (60, 6, 0.1, 2)],
)
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_wilcoxon_pruner_same_decisions_as_optuna(n_instances, decimals, p_threshold, n_startup_steps, direction):
    pytest.importorskip("scipy")
    values, steps = _instances(n_instances, n_instances, 6, decimals)
    po = optuna.pruners.WilcoxonPruner(p_threshold=p_threshold, n_startup_steps=n_startup_steps)
    pf = ferrotune.pruners.WilcoxonPruner(p_threshold=p_threshold, n_startup_steps=n_startup_steps)
    kw = {"direction": direction, "steps": steps, "final": "mean"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = run(ferrotune, pf, values, **kw)
        assert got == run(optuna, po, values, **kw)
    assert any(p is not None for _, p in got)


def test_wilcoxon_pvalues_match_scipy():
    ss = pytest.importorskip("scipy.stats")
    from ferrotune.pruners import WilcoxonPruner

    rng = random.Random(5)
    for n in [2, 3, 7, 13, 14, 20, 50, 51, 80]:
        for decimals in (0, 1, 6):
            best = [rng.gauss(0, 1) for _ in range(n)]
            cur = [round(b + rng.gauss(0.3, 1), decimals) for b in best]
            best = [round(b, decimals) for b in best]
            d = [c - b for c, b in zip(cur, best, strict=True)]
            want = ss.wilcoxon(d, alternative="greater", zero_method="zsplit").pvalue
            # the pruner's verdict flips exactly where SciPy's p-value crosses the threshold
            study = ferrotune.create_study()
            study.add_trial(ferrotune.create_trial(value=-1e9, intermediate_values=dict(enumerate(best))))
            t = study.ask()
            for i, v in enumerate(cur):
                t.report(v, i)
            mean_ok = sum(best) / n < sum(cur) / n
            for thr in (want * 0.999, want * 1.001):
                study.pruner = WilcoxonPruner(p_threshold=min(thr, 1.0), n_startup_steps=0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    assert t.should_prune() == (want < min(thr, 1.0) and mean_ok), (n, decimals, want, thr)


def test_hyperband_brackets_match_optuna():
    po, pf = _pair("HyperbandPruner", 1, 81, 3)
    so = optuna.create_study(study_name="brackets", pruner=po)
    sf = ferrotune.create_study(study_name="brackets", pruner=pf)
    for s in (so, sf):
        t = s.ask()
        t.report(1.0, 0)
        t.should_prune()  # the first decision fixes the brackets
        for _ in range(499):
            s.tell(s.ask(), 0.0)
    want = [po._get_bracket_id(so, t) for t in so.trials]
    assert sf._engine.trial_brackets() == want
    assert len(set(want)) == 5


def test_python_samplers_see_the_trials_optuna_shows_them():
    """Under Hyperband a Python sampler's study.get_trials() holds the same trials in both
    libraries, hook by hook."""

    def spy(lib):
        seen = []

        class Spy(lib.samplers.BaseSampler):
            def infer_relative_search_space(self, study, trial):
                return {}

            def sample_relative(self, study, trial, search_space):
                return {}

            def sample_independent(self, study, trial, name, dist):
                seen.append((trial.number, sorted(t.number for t in study.get_trials(deepcopy=False))))
                return 0.5

        return Spy(), seen

    logs = []
    for lib in (optuna, ferrotune):
        sampler, seen = spy(lib)
        study = lib.create_study(study_name="spy", sampler=sampler, pruner=lib.pruners.HyperbandPruner(1, 9, 3))

        def objective(trial):
            x = trial.suggest_float("x", 0, 1)
            for step in range(9):
                trial.report(x + (trial.number % 5) / (step + 1), step)
                if trial.should_prune():
                    raise lib.TrialPruned()  # noqa: B023 (optimized in this iteration)
            return x

        study.optimize(objective, n_trials=40)
        logs.append(seen)
    assert logs[0] == logs[1]
    assert any(len(s) < n + 1 for n, s in logs[1][5:]), "some trials are hidden from the sampler"
