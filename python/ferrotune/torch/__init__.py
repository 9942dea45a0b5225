"""PyTorch training for trials: ``fit``, early stopping, checkpoints and search-space helpers.

Install with ``pip install "ferrotune[torch]"``. Everything here is built on PyTorch's own
modules (``torch.optim``, ``torch.optim.lr_scheduler``, ``torch.save``/``torch.load``,
``torch.amp``) and takes any trial with Optuna's ``suggest_*``/``report``/``should_prune``
methods, so the helpers also work with ``ferrotune.FixedTrial``.

>>> import ferrotune.torch as ft  # doctest: +SKIP
>>> def objective(trial):  # doctest: +SKIP
...     model = ft.suggest_mlp(trial, 64, 10)
...     optimizer = ft.suggest_optimizer(trial, model.parameters())
...     result = ft.fit(trial, model, optimizer, torch.nn.CrossEntropyLoss(), train, val, epochs=20)
...     return result.best_value
"""

from __future__ import annotations

try:
    import torch as _torch  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised only without torch
    raise ImportError('ferrotune.torch needs PyTorch: pip install "ferrotune[torch]"') from e

from ferrotune.torch._augment import Augmentation, suggest_augmentation
from ferrotune.torch._checkpoint import TrialCheckpoint, trial_dir
from ferrotune.torch._device import select_device
from ferrotune.torch._early_stopping import EarlyStopping
from ferrotune.torch._fit import EpochEnd, FitResult, TrainingDiverged, fit
from ferrotune.torch._metrics import evaluate
from ferrotune.torch._models import suggest_cnn, suggest_mlp
from ferrotune.torch._optim import suggest_optimizer
from ferrotune.torch._results import load_best_model, save_results
from ferrotune.torch._schedule import scheduler_interval, suggest_lr_scheduler
from ferrotune.torch._seed import seed_everything

__all__ = [
    "Augmentation",
    "EarlyStopping",
    "EpochEnd",
    "FitResult",
    "TrainingDiverged",
    "TrialCheckpoint",
    "evaluate",
    "fit",
    "load_best_model",
    "save_results",
    "scheduler_interval",
    "seed_everything",
    "select_device",
    "suggest_augmentation",
    "suggest_cnn",
    "suggest_lr_scheduler",
    "suggest_mlp",
    "suggest_optimizer",
    "trial_dir",
]
