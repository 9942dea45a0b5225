"""ferrotune.artifacts: Optuna's artifact API on ferrotune's storages, with real stores (a
directory, S3 through moto, Google Cloud Storage through an in-process emulator) and the
metadata read back by Optuna itself."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import BinaryIO

import optuna
import pytest
from _util import wait_until
from conftest import open_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrotune
import ferrotune.migrate
from ferrotune.artifacts import (
    ArtifactMeta,
    Backoff,
    Boto3ArtifactStore,
    FileSystemArtifactStore,
    GCSArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from ferrotune.artifacts._artifact_id import new_artifact_id
from ferrotune.artifacts.exceptions import ArtifactNotFound
from ferrotune.exceptions import ExperimentalWarning, FerrotuneError, OptunaError, TrialNotFoundError, UpdateFinishedTrialError
from ferrotune.trial import TrialState


def write_file(path: Path, data: bytes | str) -> str:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def downloaded(store, artifact_id: str, directory: Path) -> bytes:
    target = directory / f"download-{uuid.uuid4().hex}"
    download_artifact(artifact_store=store, file_path=str(target), artifact_id=artifact_id)
    return target.read_bytes()


@pytest.fixture
def store(tmp_path: Path) -> FileSystemArtifactStore:
    (tmp_path / "store").mkdir()
    return FileSystemArtifactStore(tmp_path / "store")


# -- round trips on every shared storage, metadata read by a second process's view ---------------


def test_study_and_trial_artifacts_survive_reopening_the_storage(shared_storage_url: str, tmp_path: Path, store) -> None:
    study = ferrotune.create_study(storage=open_shared(shared_storage_url), study_name="s")
    study_file = write_file(tmp_path / "report.txt", "study report")
    study_id = upload_artifact(artifact_store=store, file_path=study_file, study_or_trial=study)

    trial = study.ask()
    trial_id = upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "model.bin", b"\x00\x01weights"), study_or_trial=trial)
    # A FrozenTrial of the running trial, with its storage given (Optuna's third form).
    frozen = study.trials[0]
    frozen_id = upload_artifact(
        artifact_store=store, file_path=write_file(tmp_path / "plot.png", b"\x89PNG"), study_or_trial=frozen, storage=study._storage
    )
    study.tell(trial, 1.0)

    reopened = ferrotune.load_study(study_name="s", storage=open_shared(shared_storage_url))
    [study_meta] = get_all_artifact_meta(reopened)
    assert study_meta == ArtifactMeta(artifact_id=study_id, filename="report.txt", mimetype="text/plain", encoding=None)
    trial_metas = get_all_artifact_meta(reopened.trials[0], storage=reopened._storage)
    assert [(m.artifact_id, m.filename, m.mimetype) for m in trial_metas] == [
        (trial_id, "model.bin", "application/octet-stream"),
        (frozen_id, "plot.png", "image/png"),
    ]
    assert downloaded(store, study_id, tmp_path) == b"study report"
    assert downloaded(store, trial_id, tmp_path) == b"\x00\x01weights"
    assert downloaded(store, frozen_id, tmp_path) == b"\x89PNG"


def test_trial_with_another_handle_on_the_same_storage(shared_storage_url: str, tmp_path: Path, store) -> None:
    study = ferrotune.create_study(storage=open_shared(shared_storage_url))
    study.ask()  # another trial first: ids and numbers of the two studies differ
    other = ferrotune.create_study(storage=study._storage, study_name="other")
    trial = other.ask()
    second_handle = open_shared(shared_storage_url)
    artifact_id = upload_artifact(
        artifact_store=store, file_path=write_file(tmp_path / "a.txt", "x"), study_or_trial=trial, storage=second_handle
    )
    # The first handle hears of the other handle's write as of another process's (on PostgreSQL,
    # through a notification that may come a moment later).
    listed = wait_until(lambda: [m.artifact_id for m in get_all_artifact_meta(trial)], what="the artifact seen through the first handle")
    assert listed == [artifact_id]
    assert get_all_artifact_meta(study.trials[0], storage=second_handle) == []


def test_the_metadata_is_optunas_system_attribute(tmp_path: Path, store) -> None:
    study = ferrotune.create_study()
    trial = study.ask()
    artifact_id = upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "x.csv", "a,b"), study_or_trial=trial)
    expected = json.dumps({"artifact_id": artifact_id, "filename": "x.csv", "mimetype": "text/csv", "encoding": None})
    assert trial.system_attrs == {f"artifacts:{artifact_id}": expected}
    assert study.system_attrs == {}  # a trial's artifact is not the study's


def test_metadata_and_order_match_optunas(tmp_path: Path, store) -> None:
    uploads = [
        ("b.txt", None, None),
        ("a.tar.gz", None, None),
        ("weights", None, None),
        ("mesh.obj", "model/obj", "utf-8"),
        ("page.html", "text/plain", None),
        ("z.json", None, "br"),
    ]
    ours = ferrotune.create_study()
    theirs = optuna.create_study()
    optuna_store = optuna.artifacts.FileSystemArtifactStore(str(tmp_path / "store"))
    ids = []
    for name, mimetype, encoding in uploads:
        path = write_file(tmp_path / name, name)
        ids.append(upload_artifact(artifact_store=store, file_path=path, study_or_trial=ours, mimetype=mimetype, encoding=encoding))
        optuna.artifacts.upload_artifact(
            artifact_store=optuna_store, file_path=path, study_or_trial=theirs, mimetype=mimetype, encoding=encoding
        )

    mine = get_all_artifact_meta(ours)
    assert [m.artifact_id for m in mine] == ids  # upload order
    described = [(m.filename, m.mimetype, m.encoding) for m in mine]
    assert described == [(m.filename, m.mimetype, m.encoding) for m in optuna.artifacts.get_all_artifact_meta(theirs)]
    assert described[1] == ("a.tar.gz", "application/x-tar", "gzip")
    assert described[2] == ("weights", "application/octet-stream", None)


def test_artifact_ids_are_time_ordered_uuids_across_threads() -> None:
    per_thread: list[list[str]] = [[] for _ in range(4)]

    def make(out: list[str]) -> None:
        out.extend(new_artifact_id() for _ in range(2000))

    threads = [threading.Thread(target=make, args=(out,)) for out in per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for out in per_thread for i in out]
    assert len(set(every)) == len(every)
    for out in per_thread:
        assert out == sorted(out)
        assert all(uuid.UUID(i).version == 7 and str(uuid.UUID(i)) == i for i in out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.binary(max_size=20_000), name=st.from_regex(r"[A-Za-z0-9_.-]{1,30}", fullmatch=True).filter(lambda n: n not in (".", ".."))
)
def test_any_bytes_and_name_round_trip(content: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        directory = Path(d)
        (directory / "store").mkdir()
        store = FileSystemArtifactStore(str(directory / "store"))
        study = ferrotune.create_study()
        trial = study.ask()
        artifact_id = upload_artifact(artifact_store=store, file_path=write_file(directory / name, content), study_or_trial=trial)
        [meta] = get_all_artifact_meta(trial)
        assert meta.filename == name
        assert downloaded(store, artifact_id, directory) == content


# -- refusals ---------------------------------------------------------------------------------------


def test_missing_artifact_is_artifact_not_found(tmp_path: Path, store) -> None:
    assert issubclass(ArtifactNotFound, FerrotuneError) and ArtifactNotFound is not FerrotuneError
    target = tmp_path / "out.bin"
    with pytest.raises(OptunaError) as info:
        download_artifact(artifact_store=store, file_path=str(target), artifact_id=str(uuid.uuid4()))
    assert isinstance(info.value, ArtifactNotFound)
    assert not target.exists()
    with pytest.raises(ArtifactNotFound):
        store.remove("no-such-artifact")


def test_download_never_overwrites(tmp_path: Path, store) -> None:
    study = ferrotune.create_study()
    artifact_id = upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "a.txt", "new"), study_or_trial=study)
    existing = tmp_path / "existing.txt"
    existing.write_text("old")
    with pytest.raises(FileExistsError):
        download_artifact(artifact_store=store, file_path=str(existing), artifact_id=artifact_id)
    assert existing.read_text() == "old"


def test_failed_download_leaves_no_partial_file(tmp_path: Path) -> None:
    class BrokenReader(io.BytesIO):
        def read(self, n: int = -1) -> bytes:
            if self.tell() > 0:
                raise OSError("connection reset")
            return super().read(4)

    class Store:
        def open_reader(self, artifact_id: str) -> BinaryIO:
            return BrokenReader(b"0123456789")

        def write(self, artifact_id: str, content_body: BinaryIO) -> None: ...

        def remove(self, artifact_id: str) -> None: ...

    target = tmp_path / "out.bin"
    with pytest.raises(OSError, match="connection reset"):
        download_artifact(artifact_store=Store(), file_path=str(target), artifact_id="x")
    assert not target.exists()


def test_frozen_trial_needs_its_storage(tmp_path: Path, store) -> None:
    study = ferrotune.create_study()
    study.ask()
    with pytest.raises(ValueError, match="storage is required for FrozenTrial"):
        upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "a.txt", "x"), study_or_trial=study.trials[0])
    with pytest.raises(ValueError, match="storage is required for FrozenTrial"):
        get_all_artifact_meta(study.trials[0])
    assert os.listdir(store._base_path) == []


def test_unstored_frozen_trial_and_foreign_objects_are_refused(tmp_path: Path, store) -> None:
    study = ferrotune.create_study()
    path = write_file(tmp_path / "a.txt", "x")
    with pytest.raises(TrialNotFoundError, match="create_trial"):
        upload_artifact(artifact_store=store, file_path=path, study_or_trial=ferrotune.create_trial(value=1.0), storage=study._storage)
    with pytest.raises(TypeError, match="Study, Trial or FrozenTrial"):
        upload_artifact(artifact_store=store, file_path=path, study_or_trial=ferrotune.FixedTrial({}))
    with pytest.raises(TypeError, match="ferrotune storage"):
        upload_artifact(artifact_store=store, file_path=path, study_or_trial=study, storage=optuna.storages.InMemoryStorage())
    assert os.listdir(store._base_path) == []


def test_finished_trial_is_refused_and_the_upload_taken_back(tmp_path: Path, store) -> None:
    study = ferrotune.create_study()
    trial = study.ask()
    study.tell(trial, 0.0)
    with pytest.raises(UpdateFinishedTrialError):
        upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "a.txt", "x"), study_or_trial=trial)
    assert os.listdir(store._base_path) == []
    assert get_all_artifact_meta(trial) == []


def test_missing_file_records_nothing(tmp_path: Path, store) -> None:
    study = ferrotune.create_study()
    with pytest.raises(FileNotFoundError):
        upload_artifact(artifact_store=store, file_path=str(tmp_path / "missing.txt"), study_or_trial=study)
    assert get_all_artifact_meta(study) == []
    assert os.listdir(store._base_path) == []


@pytest.mark.parametrize("artifact_id", ["../escape.txt", "/etc/passwd", "..", ".", ""])
def test_filesystem_store_keeps_ids_inside_its_directory(store, artifact_id: str) -> None:
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.open_reader(artifact_id)
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.write(artifact_id, io.BytesIO(b""))
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.remove(artifact_id)


def test_filesystem_store_never_shows_a_half_written_artifact(store) -> None:
    class DiesMidway(io.BytesIO):
        def read(self, n: int = -1) -> bytes:
            if self.tell() > 0:
                raise ConnectionError("upload source went away")
            return super().read(2)

    old_umask = os.umask(0o022)
    try:
        store.write("a", io.BytesIO(b"first version"))
        with pytest.raises(ConnectionError):
            store.write("a", DiesMidway(b"second version"))
    finally:
        os.umask(old_umask)
    with store.open_reader("a") as f:
        assert f.read() == b"first version"
    assert os.listdir(store._base_path) == ["a"]  # no temporary file left behind
    assert os.stat(os.path.join(store._base_path, "a")).st_mode & 0o777 == 0o644  # as open() would create it


def test_filesystem_store_without_its_directory_says_so(tmp_path: Path) -> None:
    store = FileSystemArtifactStore(tmp_path / "not-made")
    with pytest.raises(FileNotFoundError, match="does not exist; create it"):
        store.write("a", io.BytesIO(b"x"))


def test_positional_arguments_warn_as_in_optuna(tmp_path: Path, store) -> None:
    study = ferrotune.create_study()
    trial = study.ask()
    path = write_file(tmp_path / "a.txt", "x")
    with pytest.warns(FutureWarning, match="deprecated since v4.0.0") as caught:
        first = upload_artifact(trial, path, store)  # type: ignore[misc]
    assert caught[0].filename == __file__  # attributed to the caller's line
    with pytest.warns(FutureWarning):
        second = upload_artifact(trial, path, artifact_store=store)  # type: ignore[misc]
    assert [m.artifact_id for m in get_all_artifact_meta(trial)] == [first, second]
    with pytest.raises(TypeError, match="multiple values"):
        upload_artifact(trial, path, study_or_trial=trial, artifact_store=store)  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3 positional arguments"):
        upload_artifact(trial, path, store, None)  # type: ignore[misc]


# -- Backoff ------------------------------------------------------------------------------------------


class FlakyStore:
    """A real store (a directory) whose first ``failures`` calls of each kind fail midway."""

    def __init__(self, base: Path, failures: int) -> None:
        self.inner = FileSystemArtifactStore(base)
        self.failures = failures
        self.calls = {"open_reader": 0, "write": 0, "remove": 0}

    def _fail_early(self, kind: str) -> None:
        self.calls[kind] += 1
        if self.calls[kind] <= self.failures:
            raise ConnectionError(f"{kind} failed (call {self.calls[kind]})")

    def open_reader(self, artifact_id: str) -> BinaryIO:
        self._fail_early("open_reader")
        return self.inner.open_reader(artifact_id)

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        if self.calls["write"] < self.failures:
            content_body.read(3)  # a transfer that dies after a few bytes: the retry must start over
        self._fail_early("write")
        self.inner.write(artifact_id, content_body)

    def remove(self, artifact_id: str) -> None:
        self._fail_early("remove")
        self.inner.remove(artifact_id)


def test_backoff_retries_until_the_store_succeeds(tmp_path: Path) -> None:
    flaky = FlakyStore(tmp_path, failures=3)
    store = Backoff(flaky, max_retries=4, min_delay=0.001, max_delay=0.002)
    study = ferrotune.create_study()
    artifact_id = upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "a.txt", "complete contents"), study_or_trial=study)
    assert downloaded(store, artifact_id, tmp_path) == b"complete contents"
    store.remove(artifact_id)
    assert flaky.calls == {"open_reader": 4, "write": 4, "remove": 4}
    assert get_all_artifact_meta(study)[0].artifact_id == artifact_id


def test_backoff_gives_up_with_the_last_error(tmp_path: Path) -> None:
    flaky = FlakyStore(tmp_path, failures=3)
    store = Backoff(flaky, max_retries=3, min_delay=0.001, max_delay=0.002)
    with pytest.raises(ConnectionError, match="call 3"):
        store.write("a", io.BytesIO(b"abc"))
    assert flaky.calls["write"] == 3


def test_backoff_does_not_retry_a_missing_artifact(tmp_path: Path) -> None:
    flaky = FlakyStore(tmp_path, failures=0)
    store = Backoff(flaky, max_retries=5, min_delay=0.001, max_delay=0.002)
    with pytest.raises(ArtifactNotFound):
        store.open_reader("missing")
    assert flaky.calls["open_reader"] == 1


def test_backoff_delays_and_arguments() -> None:
    backoff = Backoff(FlakyStore(Path("."), 0), min_delay=0.1, multiplier=10, max_delay=10)
    assert [backoff._get_sleep_secs(i) for i in range(3)] == pytest.approx([0.1, 1, 10])
    assert backoff._get_sleep_secs(5000) == 10  # no float overflow on long retry runs
    for bad in ({"max_retries": 0}, {"multiplier": 0}, {"min_delay": -1}, {"max_delay": 0.05}, {"min_delay": float("nan")}):
        with pytest.raises(ValueError, match=next(iter(bad)) if "max_delay" not in bad else "max_delay"):
            Backoff(FlakyStore(Path("."), 0), **bad)


# -- S3 (moto's in-process S3) ----------------------------------------------------------------------


@pytest.fixture
def s3_bucket(monkeypatch: pytest.MonkeyPatch):
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="artifacts")
        yield client


@pytest.mark.parametrize("avoid_buf_copy", [False, True])
def test_boto3_store_round_trip(s3_bucket, tmp_path: Path, avoid_buf_copy: bool) -> None:
    store = Boto3ArtifactStore("artifacts", s3_bucket, avoid_buf_copy=avoid_buf_copy)
    study = ferrotune.create_study(storage=str(tmp_path / "s.log"))
    trial = study.ask()
    artifact_id = upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "m.bin", b"\x00s3 bytes"), study_or_trial=trial)
    assert s3_bucket.get_object(Bucket="artifacts", Key=artifact_id)["Body"].read() == b"\x00s3 bytes"
    assert downloaded(store, artifact_id, tmp_path) == b"\x00s3 bytes"
    buf = io.BytesIO(b"kept open")
    store.write("direct", buf)
    if not avoid_buf_copy:
        assert not buf.closed
    store.remove(artifact_id)
    assert [o["Key"] for o in s3_bucket.list_objects(Bucket="artifacts").get("Contents", [])] == ["direct"]
    with pytest.raises(ArtifactNotFound):
        store.open_reader(artifact_id)


def test_boto3_store_with_the_default_client_and_backoff(s3_bucket, tmp_path: Path) -> None:
    store = Backoff(Boto3ArtifactStore("artifacts"), max_retries=2, min_delay=0.001, max_delay=0.002)
    study = ferrotune.create_study()
    artifact_id = upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "a.txt", "hello"), study_or_trial=study)
    assert downloaded(store, artifact_id, tmp_path) == b"hello"
    with pytest.raises(ArtifactNotFound):
        store.open_reader("missing")


# -- Google Cloud Storage (the real client against an in-process emulator) -------------------------


@pytest.fixture
def gcs_client():
    storage = pytest.importorskip("google.cloud.storage")
    credentials = pytest.importorskip("google.auth.credentials")
    server_module = pytest.importorskip("gcp_storage_emulator.server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = server_module.create_server("127.0.0.1", port, in_memory=True, default_bucket="artifacts")
    server.start()
    try:
        yield storage.Client(
            project="test", credentials=credentials.AnonymousCredentials(), client_options={"api_endpoint": f"http://127.0.0.1:{port}"}
        )
    finally:
        server.stop()


def test_gcs_store_round_trip(gcs_client, tmp_path: Path) -> None:
    with pytest.warns(ExperimentalWarning, match="GCSArtifactStore"):
        store = GCSArtifactStore("artifacts", gcs_client)
    study = ferrotune.create_study()
    trial = study.ask()
    artifact_id = upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "m.bin", b"\xffgcs"), study_or_trial=trial)
    assert gcs_client.bucket("artifacts").blob(artifact_id).download_as_bytes() == b"\xffgcs"
    assert downloaded(store, artifact_id, tmp_path) == b"\xffgcs"
    store.remove(artifact_id)
    assert list(gcs_client.bucket("artifacts").list_blobs()) == []
    with pytest.raises(ArtifactNotFound):
        store.open_reader(artifact_id)
    with pytest.raises(ArtifactNotFound):
        store.remove(artifact_id)


# -- Optuna reads what ferrotune recorded, and the other way round ---------------------------------


def test_exported_study_artifacts_are_optunas(tmp_path: Path, store) -> None:
    study = ferrotune.create_study(storage=str(tmp_path / "ft.log"), study_name="s")
    study_artifact = upload_artifact(artifact_store=store, file_path=write_file(tmp_path / "notes.md", "# notes"), study_or_trial=study)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    trial_artifacts = [
        upload_artifact(artifact_store=store, file_path=write_file(tmp_path / f"ckpt{i}.pt", f"ckpt {i}"), study_or_trial=trial)
        for i in range(3)
    ]
    study.tell(trial, 0.5)

    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    ferrotune.migrate.export_study(from_storage=str(tmp_path / "ft.log"), to_storage=url)
    theirs = optuna.load_study(study_name="s", storage=url)
    optuna_store = optuna.artifacts.FileSystemArtifactStore(str(store._base_path))
    assert optuna.artifacts.get_all_artifact_meta(theirs) == [
        optuna.artifacts.ArtifactMeta(artifact_id=study_artifact, filename="notes.md", mimetype="text/markdown", encoding=None)
    ]
    their_trial = theirs.trials[0]
    metas = optuna.artifacts.get_all_artifact_meta(their_trial, storage=theirs._storage)
    assert [m.artifact_id for m in metas] == trial_artifacts
    target = tmp_path / "from-optuna.pt"
    optuna.artifacts.download_artifact(artifact_store=optuna_store, file_path=str(target), artifact_id=metas[2].artifact_id)
    assert target.read_text() == "ckpt 2"


def test_imported_optuna_artifacts_are_listed(tmp_path: Path, store) -> None:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    theirs = optuna.create_study(storage=url, study_name="s")
    optuna_store = optuna.artifacts.FileSystemArtifactStore(str(store._base_path))
    trial = theirs.ask()
    their_id = optuna.artifacts.upload_artifact(
        artifact_store=optuna_store, file_path=write_file(tmp_path / "a.json", "{}"), study_or_trial=trial
    )
    theirs.tell(trial, 1.0)

    ours = ferrotune.migrate.import_study(from_storage=url, to_storage=str(tmp_path / "ft.log"))
    [meta] = get_all_artifact_meta(ours.trials[0], storage=ours._storage)
    assert meta == ArtifactMeta(artifact_id=their_id, filename="a.json", mimetype="application/json", encoding=None)
    assert downloaded(store, their_id, tmp_path) == b"{}"
    assert ours.trials[0].state == TrialState.COMPLETE


def test_import_ferrotune_does_not_import_the_cloud_clients() -> None:
    code = "import sys, ferrotune.artifacts; print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'google')))"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
