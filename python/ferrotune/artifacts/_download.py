"""Downloading an artifact to a file."""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ferrotune.artifacts._protocol import ArtifactStore


def download_artifact(*, artifact_store: ArtifactStore, file_path: str | os.PathLike[str], artifact_id: str) -> None:
    """Writes the contents of an artifact to a new file (Optuna's ``download_artifact``).

    Args:
        artifact_store: The store the artifact was uploaded to.
        file_path: Where to write it; the file must not exist yet.
        artifact_id: The artifact's id (``ArtifactMeta.artifact_id``, or what
            ``upload_artifact`` returned).

    Raises:
        FileExistsError: ``file_path`` exists already; it is left as it is.
        ArtifactNotFound: the store holds no such artifact; no file is created.
    """
    if os.path.exists(file_path):
        raise FileExistsError(f"File already exists: {os.fspath(file_path)!r}; download_artifact writes a new file only")
    with artifact_store.open_reader(artifact_id) as reader, open(file_path, "xb") as writer:
        try:
            shutil.copyfileobj(reader, writer)
        except BaseException:
            # No partial file: a failed download leaves the path free for the next try.
            writer.close()
            with contextlib.suppress(OSError):
                os.remove(file_path)
            raise
