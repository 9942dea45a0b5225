"""An artifact store in a Google Cloud Storage bucket, through google-cloud-storage.

google-cloud-storage is optional: it is imported when a store is made, never by
``import ferrotune``.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from ferrotune._deprecation import warn_experimental
from ferrotune.artifacts.exceptions import ArtifactNotFound


def _import_storage() -> Any:
    try:
        import google.cloud.storage as storage
    except ImportError:
        raise ImportError("GCSArtifactStore needs google-cloud-storage, which is not installed: pip install google-cloud-storage") from None
    return storage


def _not_found() -> type[BaseException]:
    from google.api_core.exceptions import NotFound

    return NotFound


class GCSArtifactStore:
    """Keeps each artifact as the blob ``<artifact_id>`` of a Google Cloud Storage bucket
    (Optuna's ``GCSArtifactStore``, experimental there since 3.4.0: making one gives an
    ``ExperimentalWarning`` as in Optuna).

    Args:
        bucket_name: The bucket.
        client: The ``google.cloud.storage.Client`` to use; one with default settings when not
            given (credentials from ``gcloud auth application-default login`` or the
            environment).

    Example:
        .. code-block:: python

            from ferrotune.artifacts import GCSArtifactStore, upload_artifact

            artifact_store = GCSArtifactStore("my-bucket")
            upload_artifact(artifact_store=artifact_store, file_path="model.pt", study_or_trial=trial)
    """

    def __init__(self, bucket_name: str, client: Any = None) -> None:
        warn_experimental("GCSArtifactStore", "3.4.0")
        storage = _import_storage()
        self.bucket_name = bucket_name
        self.client = client if client is not None else storage.Client()
        self.bucket_obj = self.client.bucket(bucket_name)

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """The blob's contents, read into memory."""
        not_found = f"artifact {artifact_id!r} not found in bucket {self.bucket_name!r}"
        # get_blob first, as Optuna does: None for a missing blob, also from the stand-ins of
        # google-cloud-storage that users' tests build after Optuna's calls.
        blob = self.bucket_obj.get_blob(artifact_id)
        if blob is None:
            raise ArtifactNotFound(not_found)
        try:
            body = blob.download_as_bytes()
        except _not_found() as e:  # deleted between the two requests
            raise ArtifactNotFound(not_found) from e
        return io.BytesIO(body)

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Uploads the contents as the blob ``artifact_id``."""
        self.bucket_obj.blob(artifact_id).upload_from_string(content_body.read())

    def remove(self, artifact_id: str) -> None:
        """Deletes the blob; ``ArtifactNotFound`` when there is none."""
        try:
            self.bucket_obj.delete_blob(artifact_id)
        except _not_found() as e:
            raise ArtifactNotFound(f"artifact {artifact_id!r} not found in bucket {self.bucket_name!r}") from e
