"""Artifacts: files (models, plots, logs) kept with a study or trial, as Optuna's
``optuna.artifacts``.

An artifact's contents go to an artifact store (a directory, an S3 or Google Cloud Storage
bucket, or any object with the :class:`ArtifactStore` methods); its metadata is recorded on the
study or trial as the system attribute ``artifacts:<artifact_id>``, in Optuna's format, so the
same study read by Optuna or optuna-dashboard (after :mod:`ferrotune.migrate` copies it) lists
the same artifacts.

>>> import tempfile, os, ferrotune
>>> from ferrotune.artifacts import FileSystemArtifactStore, upload_artifact, get_all_artifact_meta
>>> d = tempfile.mkdtemp()
>>> store = FileSystemArtifactStore(d)
>>> study = ferrotune.create_study()
>>> with open(os.path.join(d, "notes.txt"), "w") as f:
...     _ = f.write("hello")
>>> artifact_id = upload_artifact(artifact_store=store, file_path=os.path.join(d, "notes.txt"), study_or_trial=study)
>>> [(m.filename, m.mimetype) for m in get_all_artifact_meta(study)]
[('notes.txt', 'text/plain')]

boto3 and google-cloud-storage are needed only by their stores and imported only when one is
made.
"""

from ferrotune.artifacts._backoff import Backoff
from ferrotune.artifacts._boto3 import Boto3ArtifactStore
from ferrotune.artifacts._download import download_artifact
from ferrotune.artifacts._filesystem import FileSystemArtifactStore
from ferrotune.artifacts._gcs import GCSArtifactStore
from ferrotune.artifacts._list import get_all_artifact_meta
from ferrotune.artifacts._meta import ArtifactMeta
from ferrotune.artifacts._protocol import ArtifactStore
from ferrotune.artifacts._upload import upload_artifact

__all__ = [
    "ArtifactMeta",
    "ArtifactStore",
    "FileSystemArtifactStore",
    "Boto3ArtifactStore",
    "GCSArtifactStore",
    "Backoff",
    "get_all_artifact_meta",
    "upload_artifact",
    "download_artifact",
]
