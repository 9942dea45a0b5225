"""An artifact store in a directory of the local (or a mounted network) file system."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

from ferrotune.artifacts.exceptions import ArtifactNotFound
from ferrotune.exceptions import FerrotuneValueError


class FileSystemArtifactStore:
    """Keeps each artifact as the file ``<base_path>/<artifact_id>`` (Optuna's
    ``FileSystemArtifactStore``).

    A write goes to a temporary file in the same directory, renamed over the artifact's name
    when complete, so a reader never sees a partly written artifact.

    Args:
        base_path: The directory (it must exist when artifacts are written).

    Example:
        .. code-block:: python

            import os

            import ferrotune
            from ferrotune.artifacts import FileSystemArtifactStore, upload_artifact

            os.makedirs("./artifacts", exist_ok=True)
            artifact_store = FileSystemArtifactStore(base_path="./artifacts")

            def objective(trial: ferrotune.Trial) -> float:
                x = trial.suggest_float("x", -10, 10)
                with open("plot.txt", "w") as f:
                    f.write(f"x = {x}")
                upload_artifact(artifact_store=artifact_store, file_path="plot.txt", study_or_trial=trial)
                return x**2
    """

    def __init__(self, base_path: str | os.PathLike[str]) -> None:
        self._base_path = Path(base_path)

    def _path(self, artifact_id: str) -> Path:
        # An id is a name inside the base directory: absolute paths and ".." escapes are refused.
        if not isinstance(artifact_id, str) or not artifact_id or os.path.isabs(artifact_id):
            raise FerrotuneValueError(f"Invalid artifact_id: {artifact_id!r}; an artifact id names a file inside the store's directory")
        path = self._base_path / artifact_id
        base = os.path.abspath(self._base_path)
        if os.path.commonpath([base, os.path.abspath(path)]) != base or os.path.abspath(path) == base:
            raise FerrotuneValueError(f"Invalid artifact_id: {artifact_id!r}; an artifact id names a file inside the store's directory")
        return path

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """The artifact's file, open for reading."""
        path = self._path(artifact_id)
        try:
            return open(path, "rb")
        except FileNotFoundError as e:
            raise ArtifactNotFound(f"artifact {artifact_id!r} not found in {os.fspath(self._base_path)!r}") from e

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Stores the contents, replacing the artifact's file at once when complete."""
        path = self._path(artifact_id)
        # A new name beside the artifact, created as open() would (permissions from the umask).
        tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"the artifact store's directory {os.fspath(path.parent)!r} does not exist; create it (os.makedirs) "
                "or give FileSystemArtifactStore an existing base_path"
            ) from None
        try:
            with os.fdopen(fd, "wb") as f:
                shutil.copyfileobj(content_body, f)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def remove(self, artifact_id: str) -> None:
        """Deletes the artifact's file; ``ArtifactNotFound`` when there is none."""
        path = self._path(artifact_id)
        try:
            os.remove(path)
        except FileNotFoundError as e:
            raise ArtifactNotFound(f"artifact {artifact_id!r} not found in {os.fspath(self._base_path)!r}") from e
