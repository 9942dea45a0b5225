"""Smoke test of an installed ferrotune, run by scripts/check_wheel.py inside a fresh virtual
environment that holds the wheel and numpy only (no Rust toolchain, no extras).

    python scripts/wheel_smoke.py

Checks, each failing with a message that says what went wrong:
  1. the package imported is the installed one, and ferrotune.__version__ is the wheel's version;
  2. every module imports, except those that need an extra, which must fail for that extra only;
  3. a TPE study finds the optimum of a small quadratic;
  4. two processes optimizing one journal file, then one SQLite database (the bundled SQLite),
     share it without losing or repeating a trial.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import ferrotune

# Modules that need an optional dependency: the extra, and the modules it provides.
NEEDS_EXTRA = {"ferrotune.torch": ("torch", {"torch"}), "ferrotune.sklearn": ("sklearn", {"sklearn", "scipy"})}


def check_installed() -> None:
    here = Path(__file__).resolve().parents[1]
    where = Path(ferrotune.__file__).resolve()
    assert here not in where.parents, f"ferrotune was imported from the source tree ({where}), not from the installed wheel"
    installed = importlib.metadata.version("ferrotune")
    assert ferrotune.__version__ == installed, f"ferrotune.__version__ is {ferrotune.__version__}, the wheel's metadata says {installed}"
    print(f"ferrotune {ferrotune.__version__} from {where.parent}")


def fails_for_its_extra(module: str, exc: ImportError) -> bool:
    """Whether `exc` is the failure of a module that needs an absent extra, and says which."""
    for prefix, (extra, provides) in NEEDS_EXTRA.items():
        if module == prefix or module.startswith(prefix + "."):
            missing = (exc.name or "").split(".")[0]
            return missing in provides or f"ferrotune[{extra}]" in str(exc)
    return False


def check_imports() -> None:
    imported, need_extra = [], []
    failures: list[str] = []
    names = sorted({info.name for info in pkgutil.walk_packages(ferrotune.__path__, "ferrotune.", onerror=lambda _: None)})
    for name in names:
        if name.rsplit(".", 1)[-1] == "__main__":
            continue  # a command-line entry point: importing it runs the command
        try:
            importlib.import_module(name)
        except ImportError as exc:
            if fails_for_its_extra(name, exc):
                need_extra.append(f"{name} ({exc})")
            else:
                failures.append(f"{name}: {exc!r}")
        except Exception as exc:
            failures.append(f"{name}: {exc!r}")
        else:
            imported.append(name)
    assert not failures, "modules that do not import without extras:\n  " + "\n  ".join(failures)
    assert len(imported) > 30, f"only {len(imported)} modules found: is the package complete? {imported}"
    print(f"imported {len(imported)} modules; these need an extra: {'; '.join(need_extra) or 'none'}")


def check_tpe() -> None:
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    study = ferrotune.create_study(sampler=ferrotune.samplers.TPESampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", -10, 10) - 2) ** 2 + (t.suggest_int("n", 0, 8) - 3) ** 2, n_trials=80)
    assert len(study.trials) == 80
    assert study.best_value < 0.5, f"TPE's best after 80 trials is {study.best_value}, with {study.best_params}"
    print(f"TPE: best value {study.best_value:.4f} at {study.best_params}")


WORKER = textwrap.dedent(
    """
    import sys
    import ferrotune
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    study = ferrotune.create_study(study_name="shared", storage=sys.argv[1], load_if_exists=True)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=int(sys.argv[2]))
    """
)


def check_two_processes(kind: str) -> None:
    """Two processes optimize one study in a journal file or a SQLite database."""
    with tempfile.TemporaryDirectory() as tmp:
        storage = str(Path(tmp) / "study.journal") if kind == "journal" else f"sqlite:///{Path(tmp) / 'study.db'}"
        ferrotune.create_study(study_name="shared", storage=storage)  # both workers load it
        per_worker = 30
        workers = [
            subprocess.Popen([sys.executable, "-c", WORKER, storage, str(per_worker)], stderr=subprocess.PIPE, text=True) for _ in range(2)
        ]
        for worker in workers:
            _, err = worker.communicate(timeout=600)
            assert worker.returncode == 0, f"a {kind} worker failed:\n{err}"
        trials = ferrotune.load_study(study_name="shared", storage=storage).trials
        numbers = sorted(t.number for t in trials)
        assert numbers == list(range(2 * per_worker)), f"trial numbers {numbers}"
        assert all(t.state == ferrotune.trial.TrialState.COMPLETE for t in trials), [t.state for t in trials]
        print(f"{kind}: {len(trials)} trials from 2 processes, numbered 0..{len(trials) - 1}, all complete")


def check_grpc_proxy() -> None:
    """The gRPC proxy (tonic, built into the wheel) serves a journal to a worker in this process."""
    from ferrotune.storages import GrpcStorageProxy, start_grpc_proxy_server

    with tempfile.TemporaryDirectory() as tmp, start_grpc_proxy_server(str(Path(tmp) / "s.log"), port=0) as server:
        proxy = GrpcStorageProxy(host="localhost", port=server.port)
        proxy.wait_server_ready(timeout=120)
        ferrotune.create_study(study_name="p", storage=proxy).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
        n = len(ferrotune.load_study(study_name="p", storage=str(Path(tmp) / "s.log")).trials)
        assert n == 5, n
        print(f"gRPC proxy: {n} trials through the proxy, on disk in the served journal")


def main() -> None:
    check_installed()
    check_imports()
    check_tpe()
    check_two_processes("journal")
    check_two_processes("sqlite")
    check_grpc_proxy()
    print("wheel smoke test: passed")


if __name__ == "__main__":
    main()
