"""Exceptions of :mod:`ferrotune.artifacts`."""

from __future__ import annotations

from ferrotune.exceptions import FerrotuneError


class ArtifactNotFound(FerrotuneError):
    """An artifact store holds no artifact with the requested id.

    Raised by an :class:`~ferrotune.artifacts.ArtifactStore`'s ``open_reader`` (and by
    ``remove`` where the store can tell), and so by :func:`~ferrotune.artifacts.download_artifact`.
    A subclass of :class:`~ferrotune.exceptions.FerrotuneError` (``OptunaError``), as Optuna's
    class of this name is of ``OptunaError``.
    """
