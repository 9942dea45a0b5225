"""GridSampler: every point of a Cartesian grid exactly once, in the Rust core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune import _core
from ferrotune._convert import as_seed
from ferrotune.distributions import BaseDistribution, CategoricalChoiceType, _plain
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._core_backed import CoreSamplerState
from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


class GridSampler(CoreSamplerState, BaseSampler):
    """Grid search over ``search_space``, a mapping from parameter name to the values to try.

    Each grid point is claimed atomically when a trial starts, so with ``n_jobs > 1`` every
    point still runs exactly once; ``Study.optimize`` stops when the grid is exhausted. The
    visiting order is shuffled by ``seed``. The objective must suggest exactly the parameters
    of the grid, with distributions that contain the grid values.

    Args:
        search_space: ``{"name": [values...]}``; values are None, bool, int, float or str.
        seed: Seed of the visiting order; ``None`` draws one from the operating system.
    """

    def __init__(self, search_space: Mapping[str, Sequence[CategoricalChoiceType]], seed: int | None = None) -> None:
        if not isinstance(search_space, Mapping):
            raise FerrotuneValueError(f"search_space must be a dict of parameter name to list of values, got {type(search_space).__name__}")
        space: list[tuple[str, list[Any]]] = []
        for name, given in search_space.items():
            if not isinstance(name, str):
                raise FerrotuneValueError(f"search_space keys must be parameter names (str), got {name!r}")
            values = given.tolist() if hasattr(given, "tolist") else given
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise FerrotuneValueError(f"search_space[{name!r}] must be a list of values, got {values!r}; wrap a single value in a list")
            space.append((name, [_plain(v) for v in values]))
        self._search_space = {name: list(values) for name, values in space}
        self._core_sampler = self._build_core(as_seed(seed))

    def _build_core(self, seed: int | None) -> _core.Sampler:
        return _core.Sampler.grid(list(self._search_space.items()), seed)

    @property
    def seed(self) -> int:
        return self._core_sampler.seed

    @property
    def n_grid_points(self) -> int:
        """Number of points of the grid."""
        size = self._core_sampler.grid_size()
        assert size is not None  # a grid sampler always has a size
        return int(size)

    def is_exhausted(self, study: Study) -> bool:
        """True when every grid point has been claimed by a trial of ``study``."""
        return study._context.is_exhausted()

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        grid_id = trial.system_attrs.get("grid_id")
        if grid_id is None:
            raise FerrotuneValueError(f"trial {trial.number} has no grid point; it was not started by this GridSampler")
        point = dict(self._core_sampler.grid_point(int(grid_id)))
        if param_name not in point:
            raise FerrotuneValueError(f"parameter '{param_name}' is not in the GridSampler's search_space; add it to the grid")
        return point[param_name]

    def __repr__(self) -> str:
        return f"GridSampler(search_space={self._search_space!r}, seed={self.seed})"
