"""Uploading a file as an artifact of a study or trial."""

from __future__ import annotations

import mimetypes
import os
from typing import TYPE_CHECKING

from ferrotune import logging as ft_logging
from ferrotune.artifacts._artifact_id import new_artifact_id
from ferrotune.artifacts._home import meta_home
from ferrotune.artifacts._meta import DEFAULT_MIME_TYPE, ArtifactMeta, attr_key, to_attr_value
from ferrotune.artifacts._positional import keywords_once_positional

if TYPE_CHECKING:
    from ferrotune.artifacts._protocol import ArtifactStore
    from ferrotune.storages import BaseStorage
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial, Trial

_logger = ft_logging.get_logger(__name__)


@keywords_once_positional(["study_or_trial", "file_path", "artifact_store"], since="4.0.0", removal="6.0.0")
def upload_artifact(
    *,
    artifact_store: ArtifactStore,
    file_path: str | os.PathLike[str],
    study_or_trial: Trial | FrozenTrial | Study,
    storage: BaseStorage | None = None,
    mimetype: str | None = None,
    encoding: str | None = None,
) -> str:
    """Uploads a file to an artifact store and records it on a study or trial (Optuna's
    ``upload_artifact``).

    The contents go to ``artifact_store`` under a new artifact id; the metadata
    (:class:`ArtifactMeta`) is recorded as the system attribute ``artifacts:<artifact_id>`` of
    the study or trial, in Optuna's format, so Optuna and optuna-dashboard see it after
    :mod:`ferrotune.migrate` copies the study. A trial must still be running, as in Optuna.

    Args:
        artifact_store: Where the contents go.
        file_path: The file to upload.
        study_or_trial: A :class:`~ferrotune.study.Study`, :class:`~ferrotune.trial.Trial` or
            :class:`~ferrotune.trial.FrozenTrial`.
        storage: The storage holding ``study_or_trial``; required for a ``FrozenTrial``, which
            does not know its storage.
        mimetype: The MIME type; guessed from the file name when not given
            (``application/octet-stream`` when it cannot be).
        encoding: The ``Content-Encoding`` (e.g. ``gzip``); guessed from the file name when not
            given.

    Returns:
        The artifact id (a UUID; see :func:`download_artifact`).

    Raises:
        FileNotFoundError: ``file_path`` names no file; nothing is stored or recorded.
        UpdateFinishedTrialError: the trial is finished; the uploaded contents are removed again.
    """
    filename = os.path.basename(file_path)
    home = meta_home(study_or_trial, storage)
    artifact_id = new_artifact_id()
    guessed_type, guessed_encoding = mimetypes.guess_type(filename)
    meta = ArtifactMeta(
        artifact_id=artifact_id,
        filename=filename,
        mimetype=mimetype or guessed_type or DEFAULT_MIME_TYPE,
        encoding=encoding or guessed_encoding,
    )
    with open(file_path, "rb") as f:
        artifact_store.write(artifact_id, f)
    try:
        home.set(attr_key(artifact_id), to_attr_value(meta))
    except BaseException:
        # The storage refused the record (a finished trial, a deleted study): take the contents
        # back out, so the store keeps no artifact that nothing refers to.
        try:
            artifact_store.remove(artifact_id)
        except Exception as e:
            _logger.warning(f"could not remove artifact {artifact_id} after its metadata was refused: {e!r}")
        raise
    return artifact_id
