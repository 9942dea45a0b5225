"""The installed version (Optuna's ``optuna.version`` module): the Cargo workspace's version,
compiled into the extension, the same string as ``ferrotune.__version__``."""

from ferrotune._core import __version__

__all__ = ["__version__"]
