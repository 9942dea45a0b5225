"""Type stubs of the Rust extension ``ferrotune._core`` (PyO3 glue over ferrotune-core).

A distribution crosses the boundary as a ``Distribution`` (built and validated once, held by
the Python distribution object); trials come back as a ``TrialExport``. Trial states and
directions travel as Optuna's integer codes.
"""

import builtins
import os
from typing import Any, final

__all__ = [
    "__version__",
    "Storage",
    "GrpcProxyServer",
    "Sampler",
    "Engine",
    "Pruner",
    "Distribution",
    "TrialExport",
    "TrialRow",
    "qmc_points",
    "tpe_default_gamma",
    "tpe_default_weights",
    "cmaes_sampler",
    "brute_force_sampler",
    "partial_fixed_sampler",
    "nsga_sampler",
    "nsga_check_operator",
    "nsga_polynomial_mutation",
    "ga_generation_sampler",
    "ped_anova_check",
    "ped_anova_importances",
    "forest_importances",
    "forest_check",
    "StudyFrame",
    "FrameParam",
    "study_frame",
    "regret_bound_study",
    "regret_bound_trials",
    "emmr_study",
    "emmr_trials",
    "hypervolume_history",
]

__version__: str

_Choice = None | bool | int | float | str

@final
class Distribution:
    """A core distribution. Constructors read their arguments strictly (bounds and step are
    numbers, not bools; ``log`` is a bool) and validate them, raising InvalidDistributionError
    naming ``name`` (or "invalid distribution" without one)."""

    @staticmethod
    def float(low: object, high: object, log: object | None = None, step: object | None = None, name: str = "") -> Distribution: ...
    @staticmethod
    def int(low: object, high: object, log: object | None = None, step: object | None = None, name: str = "") -> Distribution: ...
    @staticmethod
    def categorical(choices: Any, name: str = "") -> Distribution: ...
    @property
    def kind(self) -> str:
        """``"float"``, ``"int"`` or ``"categorical"``."""
    @property
    def low(self) -> Any: ...
    @property
    def high(self) -> Any: ...
    @property
    def log(self) -> bool: ...
    @property
    def step(self) -> Any: ...
    @property
    def choices(self) -> tuple[_Choice, ...]: ...
    def single(self) -> bool:
        """Whether the distribution has exactly one possible value."""
    def contains(self, value: builtins.float) -> bool:
        """Whether an internal value belongs to the distribution."""
    def to_internal(self, value: _Choice) -> builtins.float | None:
        """The internal value of a user value, or None when it is not in the distribution."""
    def to_internal_fixed(self, value: _Choice) -> tuple[builtins.float, builtins.bool] | None:
        """The internal value of a value the user fixed and whether it lies inside; None when it cannot be a value."""
    def compatible_with(self, other: Distribution) -> builtins.bool:
        """Whether ``other`` may stand for the same parameter within one trial (same kind and scale)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> builtins.int: ...

@final
class TrialRow:
    """One exported trial; ``params`` are ``(name index, internal value, distribution index)``
    into the export's ``names`` and ``distributions``; attributes are JSON text."""

    @property
    def number(self) -> int: ...
    @property
    def trial_id(self) -> int: ...
    @property
    def state(self) -> int: ...
    @property
    def values(self) -> list[float] | None: ...
    @property
    def datetime_start(self) -> float | None: ...
    @property
    def datetime_complete(self) -> float | None: ...
    @property
    def params(self) -> list[tuple[int, float, int]]: ...
    @property
    def user_attrs(self) -> dict[str, str]: ...
    @property
    def system_attrs(self) -> dict[str, str]: ...
    @property
    def intermediate(self) -> list[tuple[int, float]]: ...
    @property
    def fixed_params(self) -> list[tuple[str, _Choice]]: ...

@final
class TrialExport:
    """Trials, with the parameter names and distributions they use listed once."""

    @property
    def names(self) -> list[str]: ...
    @property
    def distributions(self) -> list[Distribution]: ...
    @property
    def rows(self) -> list[TrialRow]: ...
    def __len__(self) -> int: ...

def qmc_points(qmc_type: str, dim: int, n: int, scramble: bool = False, seed: int = 0, skip: int = 0) -> bytes:
    """Points ``skip .. skip + n - 1`` of a Sobol' or Halton sequence as little-endian float64
    bytes, row-major ``(n, dim)``."""

def tpe_default_gamma(n: int, multi_objective: bool = False) -> int:
    """TPE's default "below" group size for ``n`` finished trials: ``min(ceil(0.1 n), 25)``,
    or ``ceil(0.1 n)`` for several objectives."""

def tpe_default_weights(n: int) -> list[float]:
    """TPE's default weights for ``n`` observations, oldest first."""

@final
class GrpcProxyServer:
    @staticmethod
    def start(storage: Storage, host: str, port: int) -> GrpcProxyServer:
        """Serves a journal, SQLite or PostgreSQL storage on ``host:port`` (0: a free port) from a thread of its own."""
    @property
    def port(self) -> int: ...
    def stop(self) -> None:
        """Asks the server to stop; calls in progress finish first."""
    def wait(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds (GIL released): True once the server ended, False while it runs."""

@final
class Storage:
    @staticmethod
    def in_memory() -> Storage: ...
    @staticmethod
    def journal(path: str, fsync: bool = False) -> Storage:
        """Opens or creates a journal file and replays it (GIL released)."""
    @staticmethod
    def postgres(url: str) -> Storage:
        """Connects to a PostgreSQL database, creates ferrotune's tables on first use and reads the log (GIL released)."""
    @staticmethod
    def sqlite(url: str) -> Storage:
        """Opens or creates the SQLite database of a ``sqlite:///path.db`` URL and reads the log (GIL released)."""
    @staticmethod
    def redis(url: str, prefix: str) -> Storage:
        """Connects to the Redis server of ``url`` and reads the log kept under ``prefix`` (GIL released)."""
    @staticmethod
    def grpc_proxy(host: str, port: int, timeout: float | None = None) -> Storage:
        """A client of the gRPC storage proxy at ``host:port``; it connects on first use."""
    def wait_server_ready(self, timeout: float) -> str:
        """Waits (GIL released) until the proxy's server answers; returns what it serves."""
    def take_warnings(self) -> list[str]:
        """Storage messages not yet shown (a damaged journal tail, ...), drained."""
    @staticmethod
    def redact_url(url: str) -> str:
        """``url`` with its password replaced by ``***`` (credentials end at the last ``@``)."""
    @staticmethod
    def repair_journal(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> tuple[int, list[tuple[int, int]], int, int, int, int]:
        """Writes a clean journal of what ``src`` holds to the new file ``dst`` (GIL released): (records, damaged (offset, length) regions, damaged records, corrected, stand-ins, tail bytes)."""
    def snapshot(self) -> os.PathLike[str]:
        """Writes ``<journal>.snapshot`` (journal storages only, else FerrotuneValueError); returns its path."""
    def copy_study(self, study: int, to: Storage, to_name: str) -> int:
        """Copies a study, its attributes and every trial into a new study of ``to``; returns its id."""
    def record_heartbeat(self, trial_id: int) -> None:
        """Records a heartbeat of a running trial; raises when the trial is not running."""
    def last_heartbeat(self, trial_id: int) -> float | None: ...
    def stale_trials(self, study: int, grace: float) -> list[int]: ...
    def fail_stale_trials(self, study: int, grace: float) -> list[int]:
        """Fails, atomically, the running trials whose last heartbeat is older than `grace` seconds."""
    def create_study(self, name: str, directions: list[int]) -> int: ...
    def delete_study(self, study: int) -> None: ...
    def study_id(self, name: str) -> int: ...
    def study_info(self, study: int) -> tuple[int, str, list[int], int]: ...
    def studies(self) -> list[tuple[int, str, list[int], int]]: ...
    def set_study_attr(self, study: int, user: bool, key: str, json: str) -> None: ...
    def study_attrs(self, study: int, user: bool) -> dict[str, str]: ...

@final
class Sampler:
    seed: int
    @staticmethod
    def random(seed: int | None = None) -> Sampler: ...
    @staticmethod
    def grid(space: list[tuple[str, list[_Choice]]], seed: int | None = None) -> Sampler: ...
    @staticmethod
    def tpe(
        consider_prior: bool,
        prior_weight: float,
        consider_magic_clip: bool,
        consider_endpoints: bool,
        n_startup_trials: int,
        n_ei_candidates: int,
        gamma: Any,
        weights: Any,
        seed: int | None,
        multivariate: bool | None,
        group: bool,
        constant_liar: bool,
        distances: dict[str, Any],
        warn_independent_sampling: bool,
        constraints: bool = False,
    ) -> Sampler: ...
    @staticmethod
    def qmc(
        qmc_type: str,
        scramble: bool,
        seed: int | None,
        independent: Sampler | None,
        independent_name: str,
        warn_independent_sampling: bool,
    ) -> Sampler:
        """Quasi-Monte Carlo search; ``independent`` (default: random with ``seed``) samples the
        first trial and the parameters outside the QMC space."""
    @staticmethod
    def gp(
        seed: int | None,
        n_startup_trials: int,
        deterministic_objective: bool,
        acquisition: str,
        beta: float,
        batch_mode: str,
        n_preliminary_samples: int,
        n_local_search: int,
        warn_independent_sampling: bool,
        warp_outputs: bool = True,
        independent: Sampler | None = None,
    ) -> Sampler:
        """Gaussian-process sampler; ``acquisition`` is ``"logei"``, ``"logpi"`` or ``"ucb"``,
        ``batch_mode`` is ``"believer"``, ``"liar"`` or ``"none"``; ``independent`` (default:
        random with ``seed``) samples start-up trials and parameters outside the joint space."""
    def grid_point(self, grid_id: int) -> list[tuple[str, _Choice]]: ...
    def grid_size(self) -> int | None: ...
    def random_draw(self, number: int, name: str, dist: Distribution) -> float: ...

@final
class Pruner:
    """A built-in pruner; arguments are validated here (FerrotuneValueError naming the argument)."""

    @staticmethod
    def nop() -> Pruner: ...
    @staticmethod
    def percentile(percentile: float, n_startup_trials: int, n_warmup_steps: int, interval_steps: int, n_min_trials: int) -> Pruner: ...
    @staticmethod
    def threshold(lower: float | None, upper: float | None, n_warmup_steps: int, interval_steps: int) -> Pruner: ...
    @staticmethod
    def patient(wrapped: Pruner | None, patience: int, min_delta: float) -> Pruner:
        """With ``wrapped=None``, prunes exactly when the trial has stalled."""
    @staticmethod
    def wilcoxon(p_threshold: float, n_startup_steps: int) -> Pruner: ...
    @staticmethod
    def successive_halving(min_resource: int | None, reduction_factor: int, min_early_stopping_rate: int, bootstrap_count: int) -> Pruner:
        """``min_resource=None`` is "auto"."""
    @staticmethod
    def hyperband(min_resource: int, max_resource: int | None, reduction_factor: int, bootstrap_count: int) -> Pruner:
        """``max_resource=None`` is "auto"."""

@final
class Engine:
    def __new__(cls, storage: Storage, study_id: int, sampler: Sampler | None = None) -> Engine: ...
    def ask(self, stop_if_exhausted: bool = False) -> tuple[int, int, list[str]] | None: ...
    def is_exhausted(self) -> bool: ...
    def suggest_float(
        self, trial_id: int, name: str, low: object, high: object, step: object | None = None, log: object | None = None
    ) -> float:
        """Arguments as the user gave them, read strictly: numbers (not bools) for the bounds and
        step, a bool for ``log``; anything else is an InvalidDistributionError naming ``name``."""
    def suggest_int(
        self, trial_id: int, name: str, low: object, high: object, step: object | None = None, log: object | None = None
    ) -> int:
        """As ``suggest_float``, with ints (within 64 bits) for the bounds and step."""
    def suggest_categorical(self, trial_id: int, name: str, choices: Any) -> int:
        """Returns the index of the chosen choice."""
    def suggest(self, trial_id: int, name: str, dist: Distribution) -> float: ...
    def preset(self, trial_id: int, name: str, dist: Distribution) -> float | None: ...
    def set_param(self, trial_id: int, name: str, dist: Distribution, value: float) -> None: ...
    def report(self, trial_id: int, step: int, value: float) -> bool:
        """False when the step was reported before; a step beyond 64 bits is a FerrotuneValueError."""
    def set_pruner(self, pruner: Pruner | None = None) -> None:
        """The built-in pruner ``should_prune`` asks; a Hyperband pruner also splits the history
        model-based samplers see by bracket."""
    def should_prune(self, trial_id: int) -> tuple[bool, int | None]:
        """The study pruner's decision for a live trial (False without a pruner), and the step
        before which no decision can stop the trial (None: ask every time); stores the rungs
        successive halving records and raises the pruner's messages as UserWarnings."""
    def prune_with(self, pruner: Pruner, number: int) -> bool: ...
    def bracket_of(self, number: int) -> int | None:
        """The Hyperband bracket of a trial; None without Hyperband or before its brackets are known."""
    def trial_brackets(self) -> list[int] | None: ...
    def check_tell(
        self,
        trial_id: int,
        state: int | None = None,
        values: list[float] | None = None,
        skip_if_finished: bool = False,
        fail_reason: str | None = None,
    ) -> tuple[int, list[float] | None, str | None] | None:
        """Checks a tell with the core's rules without writing: ``(state, values, fail_reason)``
        to pass to :meth:`tell`, or None when ``skip_if_finished`` found the trial finished."""
    def tell(
        self,
        trial_id: int,
        state: int | None = None,
        values: list[float] | None = None,
        export: bool = False,
        skip_if_finished: bool = False,
        fail_reason: str | None = None,
    ) -> tuple[TrialExport, int | None, float | None, bool] | None:
        """Checks and finishes a trial (a NaN value, or ``fail_reason`` for values that are not
        numbers, fails it; a pruned single-objective trial without values takes its last
        intermediate value). With ``export``: the trial, the best trial's number and value, and
        whether the tell was skipped."""
    def set_trial_attr(self, trial_id: int, user: bool, key: str, json: str) -> None: ...
    def enqueue(self, params: list[tuple[str, _Choice]], user_attrs: dict[str, str], skip_if_exists: bool) -> int | None: ...
    def add_trial(
        self,
        state: int,
        values: list[float] | None,
        params: list[tuple[str, float, Distribution]],
        intermediate: list[tuple[int, float]],
        user_attrs: dict[str, str],
        system_attrs: dict[str, str],
        datetime_start: float | None = None,
        datetime_complete: float | None = None,
    ) -> int: ...
    def n_trials(self) -> int: ...
    def state_counts(self) -> list[int]: ...
    def export_trials(self, start: int = 0, states: list[int] | None = None) -> TrialExport: ...
    def export_trial(self, number: int) -> TrialExport: ...
    def last_intermediate(self, number: int) -> float | None: ...
    def locate(self, trial_id: int) -> tuple[int, int]: ...
    def trial_id_of(self, number: int) -> int: ...
    def best_number(self) -> int | None: ...
    def best_value(self) -> float | None: ...
    def pareto_numbers(self) -> list[int]: ...
    def param_column(self, name: str) -> list[float]: ...
    def sample_independent_with(self, sampler: Sampler, number: int, name: str, dist: Distribution) -> float: ...
    def sample_relative_with(self, sampler: Sampler, number: int) -> list[tuple[str, float, Distribution]]: ...
    def relative_search_space_with(self, sampler: Sampler, number: int | None = None) -> list[tuple[str, Distribution]]: ...
    def relative_params(self, trial_id: int) -> list[tuple[str, float, Distribution]]: ...

# CMA-ES (rust/py/src/sampler_cmaes.rs)
def cmaes_sampler(
    x0: list[tuple[str, float]] | None,
    sigma0: float | None,
    n_startup_trials: int,
    independent: Sampler | None,
    independent_name: str,
    warn_independent_sampling: bool,
    seed: int | None,
    consider_pruned_trials: bool,
    restart_strategy: str | None,
    popsize: int | None,
    inc_popsize: int,
    use_separable_cma: bool,
    with_margin: bool,
    lr_adapt: bool,
    source_trials: list[tuple[str, float | None, list[str], list[tuple[str, float]]]] | None,
) -> Sampler:
    """CMA-ES with Optuna's arguments; ``x0`` and the source trials' values are internal values,
    ``independent`` (default: random with ``seed``) samples start-up trials and the parameters
    outside the space, ``independent_name`` names it in warnings."""

# --- brute force and partially fixed samplers (rust/py/src/sampler_brute.rs) ---

def brute_force_sampler(seed: int | None = None, avoid_premature_stop: bool = False) -> Sampler:
    """Every combination of a finite define-by-run space once, claimed at trial creation."""

def partial_fixed_sampler(fixed: list[tuple[str, _Choice]], base: Sampler) -> Sampler:
    """``base`` with the parameters of ``fixed`` pinned to their values."""

# NSGA-II / NSGA-III (rust/py/src/sampler_nsga.rs)

def nsga_sampler(
    population_size: int,
    crossover: tuple[str, list[float | None]],
    mutation_eta: float | None,
    mutation_prob: float | None,
    crossover_prob: float,
    swapping_prob: float,
    seed: int | None,
    nsga3: bool = False,
    reference_points: list[list[float]] | None = None,
    dividing_parameter: int = 3,
    selection: str = "optuna",
) -> Sampler: ...
def nsga_check_operator(name: str, args: list[float | None]) -> None: ...
def nsga_polynomial_mutation(eta: float, x: float, lb: float, ub: float, u: float) -> float: ...

# -- BaseGASampler (rust/py/src/sampler_ga.rs) ----------------------------------------------------
def ga_generation_sampler(class_name: str, token: str, population_size: int | None = None) -> Sampler:
    """Tags each new trial with ``<class_name>:generation`` inside the storage's atomic create
    (none with ``population_size=None``), and the first trial of each generation with ``token``
    (``<class_name>:opens_generation``); the Python class makes the children."""

# --- parameter importances (rust/py/src/importance.rs) ---

def ped_anova_check(target_quantile: float, region_quantile: float, evaluate_on_local: bool) -> str | None:
    """Checks ``0 < target_quantile < region_quantile <= 1``; returns Optuna's warning for the
    combination, if any."""

def ped_anova_importances(
    storage: Storage,
    study: int,
    params: list[str] | None,
    target: list[tuple[int, float]] | None,
    target_quantile: float,
    region_quantile: float,
    evaluate_on_local: bool,
) -> tuple[list[tuple[str, float]], list[str]]:
    """PED-ANOVA importances of a study, read from its history in one call (GIL released):
    ``(name, importance)`` in descending order and the warnings to show. ``target`` is
    ``(trial number, value)`` of the complete trials when the user gave a target."""

def forest_importances(
    storage: Storage,
    study: int,
    params: list[str] | None,
    target: list[tuple[int, float]] | None,
    method: str,
    n_trees: int,
    max_depth: int,
    seed: int | None,
) -> tuple[list[tuple[str, float]], list[str]]:
    """fANOVA (``method="fanova"``) or mean decrease impurity (``"mdi"``) importances on a
    random forest fitted in the core (GIL released); ``seed=None`` draws one."""

def forest_check(n_trees: int, max_depth: int) -> None:
    """Checks a forest's settings (``n_trees`` and ``max_depth`` at least 1)."""

# The study frame (history/frame.rs; glue rust/py/src/frame.rs): plots and tables read it.

@final
class FrameParam:
    """One parameter across a study's trials."""

    @property
    def name(self) -> str: ...
    @property
    def values(self) -> bytes:
        """Internal values (a categorical's choice index) as native float64, NaN where absent."""
    @property
    def dist_idx(self) -> bytes:
        """Native uint32 indices into ``distributions``, one per trial."""
    @property
    def distributions(self) -> list[Distribution]: ...

@final
class StudyFrame:
    """Every trial of a study by column; row ``r`` is trial number ``r``."""

    def __len__(self) -> int: ...
    @property
    def states(self) -> bytes:
        """Optuna's state codes as uint8."""
    @property
    def values(self) -> list[bytes]:
        """One native float64 column per objective, NaN without values."""
    @property
    def datetime_start(self) -> bytes: ...
    @property
    def datetime_complete(self) -> bytes: ...
    @property
    def violation(self) -> bytes:
        """Each trial's constraint violation, NaN without constraint values."""
    @property
    def params(self) -> list[FrameParam]: ...
    @property
    def inter_rows(self) -> bytes:
        """uint32 trial rows of the intermediate values, sorted by row then step."""
    @property
    def inter_steps(self) -> bytes:
        """int64 steps of the intermediate values."""
    @property
    def inter_values(self) -> bytes:
        """float64 intermediate values."""
    @property
    def hover(self) -> list[str]:
        """Each trial's hover text (number, values, params, user attributes as indented JSON,
        ``<br>`` line breaks); empty unless read ``with_hover``."""

def study_frame(storage: Storage, study: int, with_intermediate: bool = True, with_hover: bool = False) -> StudyFrame:
    """Every trial of a study as flat columns, copied in one call (GIL released)."""

# --- terminator (rust/py/src/terminator.rs) ---

def regret_bound_study(
    storage: Storage, study: int, numbers: list[int] | None, top_trials_ratio: float, min_n_trials: int, seed: int
) -> float:
    """The GP regret bound of a study's complete trials (those numbered ``numbers`` when given),
    read from its history in one call (GIL released)."""

def regret_bound_trials(
    space: list[tuple[str, Distribution]],
    internal: list[float],
    values: list[float],
    maximize: bool,
    top_trials_ratio: float,
    min_n_trials: int,
    seed: int,
) -> float:
    """The GP regret bound of trials given as internal parameter values (row-major over
    ``space``) and objective values."""

def emmr_study(
    storage: Storage, study: int, numbers: list[int] | None, deterministic: bool, delta: float, min_n_trials: int, seed: int
) -> tuple[float, str | None]:
    """The expected minimum model regret of a study after its last complete trial, and a
    warning to show, if any (GIL released)."""

def emmr_trials(
    space: list[tuple[str, Distribution]],
    internal: list[float],
    values: list[float],
    maximize: bool,
    deterministic: bool,
    delta: float,
    min_n_trials: int,
    seed: int,
) -> tuple[float, str | None]:
    """The expected minimum model regret of trials given as arrays (trial order)."""

def hypervolume_history(storage: Storage, study: int, reference: list[float]) -> tuple[list[int], list[float]]:
    """``(trial numbers, hypervolumes)`` of a multi-objective study's complete trials, each the
    hypervolume of the feasible trials so far bounded by ``reference`` (in the study's
    directions); InvalidValue when ``reference`` has the wrong dimension."""
