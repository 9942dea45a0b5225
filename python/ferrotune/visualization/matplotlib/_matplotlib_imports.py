"""matplotlib, imported when a figure is first drawn: it is an extra (``pip install ferrotune[plot]``)."""

from __future__ import annotations

from types import ModuleType


def is_available() -> bool:
    """Whether matplotlib can be imported, so that ``ferrotune.visualization.matplotlib`` works."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def pyplot() -> ModuleType:
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("ferrotune.visualization.matplotlib needs matplotlib: pip install 'ferrotune[plot]'.") from e
    return plt
