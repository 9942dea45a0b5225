"""An artifact store in an Amazon S3 bucket (or any S3-compatible service), through boto3.

boto3 is optional: it is imported when a store is made, never by ``import ferrotune``.
"""

from __future__ import annotations

import io
import shutil
from typing import Any, BinaryIO

from ferrotune.artifacts.exceptions import ArtifactNotFound


def _import_boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise ImportError("Boto3ArtifactStore needs boto3, which is not installed: pip install boto3") from None
    return boto3


class Boto3ArtifactStore:
    """Keeps each artifact as the object ``<artifact_id>`` of an S3 bucket (Optuna's
    ``Boto3ArtifactStore``).

    Args:
        bucket_name: The bucket.
        client: The boto3 S3 client to use (e.g. one with an ``endpoint_url`` for an
            S3-compatible service); ``boto3.client("s3")`` when not given.
        avoid_buf_copy: Upload straight from the file object instead of copying it to memory
            first. boto3's ``upload_fileobj`` may close the object it reads, which is why the
            copy is made by default.

    Example:
        .. code-block:: python

            from ferrotune.artifacts import Boto3ArtifactStore, upload_artifact

            artifact_store = Boto3ArtifactStore("my-bucket")
            upload_artifact(artifact_store=artifact_store, file_path="model.pt", study_or_trial=trial)
    """

    def __init__(self, bucket_name: str, client: Any = None, *, avoid_buf_copy: bool = False) -> None:
        boto3 = _import_boto3()
        self.bucket = bucket_name
        self.client = client if client is not None else boto3.client("s3")
        self._avoid_buf_copy = avoid_buf_copy

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """The object's body, a stream."""
        from botocore.exceptions import ClientError

        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=artifact_id)
        except ClientError as e:
            if _is_not_found(e):
                raise ArtifactNotFound(f"artifact {artifact_id!r} not found in bucket {self.bucket!r}") from e
            raise
        body: BinaryIO = obj["Body"]
        return body

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Uploads the contents as the object ``artifact_id``."""
        source = content_body
        if not self._avoid_buf_copy:
            source = io.BytesIO()
            shutil.copyfileobj(content_body, source)
            source.seek(0)
        self.client.upload_fileobj(source, self.bucket, artifact_id)

    def remove(self, artifact_id: str) -> None:
        """Deletes the object (S3 reports no error for a missing one)."""
        self.client.delete_object(Bucket=self.bucket, Key=artifact_id)


def _is_not_found(e: Any) -> bool:
    response = getattr(e, "response", {}) or {}
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("NoSuchKey", "404", "NotFound") or status == 404
