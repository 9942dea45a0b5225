"""Exceptions raised by ferrotune.

Every error ferrotune raises derives from :class:`FerrotuneError`. Errors about bad input also
derive from the builtin class an Optuna or scikit-learn user would catch (``ValueError``,
``KeyError``, ``RuntimeError``), so existing ``except`` clauses keep working.
"""

from __future__ import annotations


class FerrotuneError(Exception):
    """Base class of all ferrotune errors."""


#: Optuna's name for the base class, so ``except optuna.exceptions.OptunaError`` keeps catching
#: every error the library raises after the import is changed.
OptunaError = FerrotuneError


class TrialPruned(FerrotuneError):
    """Raise inside an objective to stop the trial early; it ends as ``TrialState.PRUNED``."""


class FerrotuneValueError(FerrotuneError, ValueError):
    """An argument or value is outside what the call accepts."""


class InvalidDistributionError(FerrotuneValueError):
    """A search-space distribution is malformed (bounds, step, log, choices)."""


class IncompatibleParamError(FerrotuneValueError):
    """A parameter name was suggested twice in one trial with different distributions."""


class FerrotuneRuntimeError(FerrotuneError, RuntimeError):
    """A call was made at a point where the study cannot take it (``stop()`` outside
    ``optimize()``, ``optimize()`` nested in itself)."""


class MultiObjectiveError(FerrotuneError, RuntimeError):
    """A single-objective call was made on a multi-objective study (or the reverse)."""


class MultiObjectiveNotSupportedError(MultiObjectiveError, NotImplementedError):
    """A single-objective feature (pruning: ``Trial.report``, ``Trial.should_prune``) was used
    in a multi-objective study; a ``NotImplementedError`` as in Optuna."""


class _KeyErrorMessage(FerrotuneError, KeyError):
    # KeyError's str() quotes its argument; show the message as written instead.
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StudyNotFoundError(_KeyErrorMessage):
    """No study with the given name or id exists in the storage."""


class TrialNotFoundError(_KeyErrorMessage):
    """No trial with the given number or id exists in the study."""


class DuplicatedStudyError(FerrotuneError):
    """A study with the same name already exists in the storage."""


class FerrotuneTypeError(FerrotuneError, TypeError):
    """An argument is of a type the call cannot convert (``report(None, 0)``)."""


class UpdateFinishedTrialError(FerrotuneError, RuntimeError, ValueError):
    """A finished trial was asked to change (told twice, reported after being told, ...).

    A ``RuntimeError`` as Optuna's class of this name is, and a ``ValueError`` as Optuna's
    ``study.tell`` raises for a trial told twice, so either ``except`` clause catches it."""


class StorageInternalError(FerrotuneError):
    """The storage failed to carry out an operation."""


class CLIUsageError(FerrotuneError):
    """A command-line invocation was malformed."""


class ExperimentalWarning(Warning):
    """Warned when a feature that may still change is used (Optuna's class, for its filters:
    ``warnings.simplefilter("ignore", ExperimentalWarning)`` works as there)."""


__all__ = [
    "FerrotuneError",
    "OptunaError",
    "TrialPruned",
    "FerrotuneValueError",
    "FerrotuneTypeError",
    "InvalidDistributionError",
    "IncompatibleParamError",
    "FerrotuneRuntimeError",
    "MultiObjectiveError",
    "MultiObjectiveNotSupportedError",
    "StudyNotFoundError",
    "TrialNotFoundError",
    "DuplicatedStudyError",
    "UpdateFinishedTrialError",
    "StorageInternalError",
    "CLIUsageError",
    "ExperimentalWarning",
]
