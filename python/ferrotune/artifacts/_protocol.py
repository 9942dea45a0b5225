"""What an artifact store is: where artifact contents live, keyed by artifact id."""

from __future__ import annotations

from typing import BinaryIO, Protocol


class ArtifactStore(Protocol):
    """The interface of an artifact store (Optuna's ``ArtifactStore``).

    A store keeps the bytes of each artifact under its id; the study or trial it belongs to
    records only its metadata (:class:`~ferrotune.artifacts.ArtifactMeta`). Any object with
    these three methods is a store: :class:`~ferrotune.artifacts.FileSystemArtifactStore`,
    :class:`~ferrotune.artifacts.Boto3ArtifactStore`,
    :class:`~ferrotune.artifacts.GCSArtifactStore`, :class:`~ferrotune.artifacts.Backoff`
    around any of them, or a class of the user's own. Users call
    :func:`~ferrotune.artifacts.upload_artifact` and
    :func:`~ferrotune.artifacts.download_artifact` rather than these methods.
    """

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """A binary file-like object reading the artifact's contents (as ``open(..., "rb")``).

        Raises:
            ArtifactNotFound: the store holds no artifact ``artifact_id``.
        """
        ...

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Stores the contents read from ``content_body`` as artifact ``artifact_id``."""
        ...

    def remove(self, artifact_id: str) -> None:
        """Deletes artifact ``artifact_id``; may raise ``ArtifactNotFound`` when it is missing."""
        ...
