"""The test functions of the quality benchmarks (tpe_quality.py, gp_quality.py), in one place so
that both minimize exactly the same problems and normalize regret by the same f_ref.

Each entry of FUNCTIONS has: name, objective (trial -> float; works with ferrotune's and
Optuna's trials), draw (numpy Generator -> the value at one point drawn as a random sampler
draws it), f_min (the known global minimum) and space (a description of the search space).

- ``branin``:      Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]; f_min = 0.397887;
- ``ackley5``:     Ackley (a=20, b=0.2, c=2 pi) on [-32.768, 32.768]^5; f_min = 0 at the origin;
- ``rastrigin5``:  Rastrigin on [-5.12, 5.12]^5; f_min = 0 at the origin;
- ``rosenbrock4``: Rosenbrock on [-5, 10]^4; f_min = 0 at (1, 1, 1, 1);
- ``mixed``:       two ints a, b in [-10, 10], a stepped int d in [0, 100] step 5, a log int
  u in [1, 1024] and a categorical opt in {adam, rmsprop, sgd, adagrad}:
  f = (a - 3)^2 + (b + 2)^2 + ((d - 35) / 5)^2 + (log2(u) - 5)^2 + {0, 1, 2, 4}[opt];
  f_min = 0 at a = 3, b = -2, d = 35, u = 32, opt = adam.

f_ref(fn) is the median of f over 10,000 points drawn the way a random sampler draws them
(uniform; log-uniform for the log int), with numpy's default_rng(12345).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

F_REF_POINTS = 10_000
F_REF_SEED = 12345

OPTS = ("adam", "rmsprop", "sgd", "adagrad")
OPT_PENALTY = {"adam": 0.0, "rmsprop": 1.0, "sgd": 2.0, "adagrad": 4.0}


# ------------------------------------------------------------------------------------------------
# Test functions: the function, an objective that suggests its parameters and a numpy draw for f_ref


def branin(x1: float, x2: float) -> float:
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


def ackley(xs: list[float]) -> float:
    d = len(xs)
    s1 = sum(x * x for x in xs) / d
    s2 = sum(math.cos(2 * math.pi * x) for x in xs) / d
    return -20.0 * math.exp(-0.2 * math.sqrt(s1)) - math.exp(s2) + 20.0 + math.e


def rastrigin(xs: list[float]) -> float:
    return 10.0 * len(xs) + sum(x * x - 10.0 * math.cos(2 * math.pi * x) for x in xs)


def rosenbrock(xs: list[float]) -> float:
    return sum(100.0 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(len(xs) - 1))


def mixed(a: int, b: int, d: int, u: int, opt: str) -> float:
    return (a - 3) ** 2 + (b + 2) ** 2 + ((d - 35) / 5) ** 2 + (math.log2(u) - 5) ** 2 + OPT_PENALTY[opt]


def _box(name: str, f: Callable[[list[float]], float], dim: int, lo: float, hi: float, f_min: float) -> dict[str, Any]:
    def objective(trial: Any) -> float:
        return f([trial.suggest_float(f"x{i}", lo, hi) for i in range(dim)])

    def draw(rng: np.random.Generator) -> float:
        return f(list(rng.uniform(lo, hi, size=dim)))

    return {"name": name, "objective": objective, "draw": draw, "f_min": f_min, "space": f"[{lo}, {hi}]^{dim}"}


def _branin_objective(trial: Any) -> float:
    return branin(trial.suggest_float("x1", -5.0, 10.0), trial.suggest_float("x2", 0.0, 15.0))


def _mixed_objective(trial: Any) -> float:
    return mixed(
        trial.suggest_int("a", -10, 10),
        trial.suggest_int("b", -10, 10),
        trial.suggest_int("d", 0, 100, step=5),
        trial.suggest_int("u", 1, 1024, log=True),
        trial.suggest_categorical("opt", OPTS),
    )


def _mixed_draw(rng: np.random.Generator) -> float:
    # As a random sampler draws: uniform ints, the log int uniform in log space over
    # [low - 0.5, high + 0.5] and rounded, a uniform choice.
    u = round(math.exp(rng.uniform(math.log(0.5), math.log(1024.5))))
    u = min(1024, max(1, u))
    return mixed(int(rng.integers(-10, 11)), int(rng.integers(-10, 11)), 5 * int(rng.integers(0, 21)), u, OPTS[int(rng.integers(0, 4))])


FUNCTIONS: dict[str, dict[str, Any]] = {
    "branin": {
        "name": "branin",
        "objective": _branin_objective,
        "f_min": 0.397887,
        "space": "[-5, 10] x [0, 15]",
        "draw": lambda rng: branin(rng.uniform(-5.0, 10.0), rng.uniform(0.0, 15.0)),
    },
    "ackley5": _box("ackley5", ackley, 5, -32.768, 32.768, 0.0),
    "rastrigin5": _box("rastrigin5", rastrigin, 5, -5.12, 5.12, 0.0),
    "rosenbrock4": _box("rosenbrock4", rosenbrock, 4, -5.0, 10.0, 0.0),
    "mixed": {
        "name": "mixed",
        "objective": _mixed_objective,
        "draw": _mixed_draw,
        "f_min": 0.0,
        "space": "2 ints, stepped int, log int, categorical(4)",
    },
}


def f_ref(fn: dict[str, Any]) -> float:
    """The median of fn over F_REF_POINTS points drawn as a random sampler draws them (seed F_REF_SEED)."""
    rng = np.random.default_rng(F_REF_SEED)
    return float(np.median([fn["draw"](rng) for _ in range(F_REF_POINTS)]))
