"""An artifact's metadata and the system attribute that records it, in Optuna's format."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from ferrotune.exceptions import FerrotuneValueError

#: Metadata of artifact ``<id>`` is the system attribute ``artifacts:<id>`` of its study or trial.
ARTIFACTS_ATTR_PREFIX = "artifacts:"
#: The MIME type of an artifact whose type is neither given nor guessed from its file name.
DEFAULT_MIME_TYPE = "application/octet-stream"


@dataclass
class ArtifactMeta:
    """What a study or trial records about one of its artifacts (Optuna's ``ArtifactMeta``).

    :func:`~ferrotune.artifacts.get_all_artifact_meta` lists them; ``artifact_id`` is what
    :func:`~ferrotune.artifacts.download_artifact` takes.

    Args:
        artifact_id: The artifact's id in its artifact store.
        filename: The base name of the uploaded file.
        mimetype: The MIME type: given to ``upload_artifact`` or guessed from the file name.
        encoding: A ``Content-Encoding`` such as ``gzip``: given to ``upload_artifact`` or
            guessed from the file name; None when neither says.
    """

    artifact_id: str
    filename: str
    mimetype: str
    encoding: str | None


def attr_key(artifact_id: str) -> str:
    """The system attribute key under which an artifact's metadata is recorded."""
    return ARTIFACTS_ATTR_PREFIX + artifact_id


def to_attr_value(meta: ArtifactMeta) -> str:
    """The attribute's value: the metadata as JSON text, byte for byte what Optuna stores, so
    Optuna and optuna-dashboard read artifacts that ferrotune recorded and the other way round."""
    return json.dumps(dataclasses.asdict(meta))


def from_attr_value(key: str, value: object) -> ArtifactMeta:
    """The metadata recorded in attribute ``key``; a clear error when it is not Optuna's format."""
    try:
        if not isinstance(value, str):
            raise TypeError(f"the value is a {type(value).__name__}, not JSON text")
        content = json.loads(value)
        return ArtifactMeta(
            artifact_id=content["artifact_id"],
            filename=content["filename"],
            mimetype=content["mimetype"],
            encoding=content["encoding"],
        )
    except (TypeError, ValueError, KeyError) as e:
        raise FerrotuneValueError(
            f"system attribute {key!r} is not artifact metadata ({e}); it must be JSON text with "
            "artifact_id, filename, mimetype and encoding, as upload_artifact records it"
        ) from None
