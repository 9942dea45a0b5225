"""plotly, imported when a figure is first built: it is an extra (``pip install ferrotune[plot]``)."""

from __future__ import annotations

from types import ModuleType


def is_available() -> bool:
    """Whether plotly can be imported, so that ``ferrotune.visualization``'s functions work."""
    try:
        import plotly  # noqa: F401
    except ImportError:
        return False
    return True


def plotly_go() -> ModuleType:
    """``plotly.graph_objects``, or an ImportError that says how to install it."""
    try:
        import plotly.graph_objects as go
    except ImportError as e:
        raise ImportError("ferrotune.visualization needs plotly: pip install 'ferrotune[plot]' (or pip install plotly).") from e
    return go  # type: ignore[no-any-return]
