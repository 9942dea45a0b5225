"""Which of a built-in sampler's Optuna hooks a user has replaced.

A built-in sampler runs in the core and a study calls the core directly. Optuna users subclass
a sampler to wrap one of its hooks (logging each proposal, filtering values) or patch a method
of one instance (``mock.patch.object(sampler, "sample_independent", wraps=...)``). The study
then runs the sampler's hooks from Python, as for a sampler written in Python. The hooks not
replaced still do their work in the core, and a sampler nobody touched keeps the direct path.
"""

from __future__ import annotations

from typing import Any

#: The hooks a study calls on its sampler for each trial.
TRIAL_HOOKS = ("before_trial", "infer_relative_search_space", "sample_relative", "sample_independent", "after_trial")


def _builtin_class(sampler: Any) -> type | None:
    """The ferrotune sampler class that ``sampler``'s class derives from (itself if built in)."""
    for cls in type(sampler).__mro__:
        if cls.__module__.startswith("ferrotune.samplers"):
            return cls
    return None


def replaced_hooks(sampler: Any, hooks: tuple[str, ...] = TRIAL_HOOKS) -> frozenset[str]:
    """The names in ``hooks`` that ``sampler``'s class or the instance itself defines anew."""
    builtin = _builtin_class(sampler)
    if builtin is None:
        return frozenset(hooks)
    own = vars(sampler) if hasattr(sampler, "__dict__") else {}
    cls = type(sampler)
    return frozenset(name for name in hooks if name in own or getattr(cls, name, None) is not getattr(builtin, name, None))


_HOOK_SET = frozenset(TRIAL_HOOKS)
_NONE: frozenset[str] = frozenset()


def patched_hooks(sampler: Any) -> frozenset[str]:
    """The hooks patched on the instance. Read for every trial, since a test may patch a sampler
    after the study was made, so the common case (nothing patched) is one set test in C."""
    own = getattr(sampler, "__dict__", None)
    if not own or _HOOK_SET.isdisjoint(own):
        return _NONE
    return _HOOK_SET.intersection(own)
