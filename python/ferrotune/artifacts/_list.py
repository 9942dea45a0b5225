"""Listing the artifacts recorded on a study or trial."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune.artifacts._home import meta_home
from ferrotune.artifacts._meta import ARTIFACTS_ATTR_PREFIX, ArtifactMeta, from_attr_value

if TYPE_CHECKING:
    from ferrotune.storages import BaseStorage
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial, Trial


def get_all_artifact_meta(study_or_trial: Trial | FrozenTrial | Study, *, storage: BaseStorage | None = None) -> list[ArtifactMeta]:
    """The metadata of every artifact recorded on a study or trial (Optuna's
    ``get_all_artifact_meta``), read from the storage, in upload order.

    A study's list holds the artifacts uploaded to the study itself, not those of its trials.

    Args:
        study_or_trial: A :class:`~ferrotune.study.Study`, :class:`~ferrotune.trial.Trial` or
            :class:`~ferrotune.trial.FrozenTrial`.
        storage: The storage holding ``study_or_trial``; required for a ``FrozenTrial``.

    Order: by artifact id, which is upload order for the ids ferrotune makes (time-ordered
    UUIDs); artifacts recorded by Optuna (random UUIDs) and copied in by
    :mod:`ferrotune.migrate` keep no upload order among themselves.
    """
    attrs = meta_home(study_or_trial, storage).read()
    return [from_attr_value(key, value) for key, value in sorted(attrs.items()) if key.startswith(ARTIFACTS_ATTR_PREFIX)]
