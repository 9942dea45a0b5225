"""A pytest plugin that runs Optuna's own test suite against ferrotune.

``import optuna.X`` resolves to ``ferrotune.X`` (the same module object, so ``optuna.X is
ferrotune.X``); a module ferrotune does not have fails to import as it would for a user. The
test scaffolding Optuna ships inside its package (``optuna.testing``) is loaded from Optuna's
source, except the modules in ``scaffold/``, which build storages the way ferrotune names them
(Optuna's reach into its own private attributes: a SQLAlchemy engine, a Redis client).

A private module path (``optuna.study._tell``, ``optuna._gp.gp``) imports, so that a test file
that takes one helper from Optuna's internals still runs its other tests: public names are
ferrotune's where the ferrotune module of that path has them, and any other name is a stand-in
that fails the test using it with ``PrivateInternalUsed``. The runner sets such tests aside as
exercising Optuna's private internals (docs/optuna-test-suite.md).

Load it with ``-p optuna_alias`` and ``OPTUNA_SUITE_SOURCE`` set to the extracted source
distribution (see scripts/optuna-suite).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE = Path(os.environ["OPTUNA_SUITE_SOURCE"]).resolve()

# Optuna's own modules the scaffolding needs that are neither API nor engine: test helpers.
FROM_SOURCE = ("optuna.testing", "optuna._imports")


def _source_file(fullname: str) -> tuple[Path, bool] | None:
    """The file of an Optuna module loaded from Optuna's source, and whether it is a package."""
    if not fullname.startswith(FROM_SOURCE):
        return None
    rel = fullname.split(".")[1:]
    if fullname.startswith("optuna.testing.") and (HERE / "scaffold" / (rel[-1] + ".py")).exists():
        return HERE / "scaffold" / (rel[-1] + ".py"), False
    base = SOURCE / "optuna" / Path(*rel)
    if (base / "__init__.py").exists():
        return base / "__init__.py", True
    if base.with_suffix(".py").exists():
        return base.with_suffix(".py"), False
    return None


def _facts() -> dict[str, dict[str, Any]]:
    """Names Optuna's tests take from private paths that are facts ferrotune shares: a public
    class under its private module's name, and the attribute keys ferrotune keeps as Optuna
    does (so studies move between the two)."""
    import ferrotune

    return {
        "optuna.study._study_direction": {"StudyDirection": ferrotune.study.StudyDirection},
        "optuna.study._constrained_optimization": {"_CONSTRAINTS_KEY": "constraints"},
        "optuna.storages._base": {"BaseStorage": ferrotune.storages.BaseStorage, "DEFAULT_STUDY_NAME_PREFIX": "no-name-"},
    }


class PrivateInternalUsed(AssertionError):
    """A test used a private internal of Optuna, which ferrotune does not have."""


class _StandIn:
    """What a private name of Optuna resolves to: any use fails the test, saying which name."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise PrivateInternalUsed(f"{self._name} is a private internal of Optuna")

    __call__ = __iter__ = __getitem__ = __enter__ = __len__ = __setattr__ = _fail

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()

    def __repr__(self) -> str:
        return f"<private internal of Optuna: {self._name}>"


class _PrivatePath(importlib.abc.Loader):
    """A private module path: ferrotune's module of that path where there is one, else stand-ins."""

    def __init__(self, target: str | None) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        real = importlib.import_module(self.target) if self.target else None
        fullname = module.__name__
        facts = _facts().get(fullname, {})
        module.__path__ = []  # type: ignore[attr-defined]  # its submodules come here too

        def __getattr__(name: str) -> Any:
            if name in facts:
                return facts[name]
            if real is not None and hasattr(real, name):
                return getattr(real, name)
            if name.startswith("__"):
                raise AttributeError(name)
            return _StandIn(f"{fullname}.{name}")

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _Aliased(importlib.abc.Loader):
    """Puts ferrotune's module where Optuna's was asked for."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # The import system returns what sys.modules holds under the name after this call.
        sys.modules[module.__name__] = importlib.import_module(self.target)


class OptunaIsFerrotune(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "optuna" and not fullname.startswith("optuna."):
            return None
        found = _source_file(fullname)
        if found is not None:
            file, is_package = found
            return importlib.util.spec_from_file_location(
                fullname, file, submodule_search_locations=[str(file.parent)] if is_package else None
            )
        target_name = "ferrotune" + fullname[len("optuna") :]
        try:
            exists = importlib.util.find_spec(target_name) is not None
        except (ModuleNotFoundError, AttributeError):
            exists = False
        if any(part.startswith("_") for part in fullname.split(".")):
            return importlib.machinery.ModuleSpec(fullname, _PrivatePath(target_name if exists else None), is_package=True)
        if not exists:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Aliased(target_name))


def _install() -> None:
    for name in [n for n in sys.modules if n == "optuna" or n.startswith("optuna.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, OptunaIsFerrotune())


_install()


# -- the lists of docs/optuna-test-suite.md --------------------------------------------------------


def parse_lists(markdown: str) -> dict[str, list[tuple[str, str]]]:
    """The tables of the document: ``{"set aside": [(pattern, why)], "known failures": [...]}``.
    A row's first cell holds patterns in backquotes over the test's id as pytest prints it
    (``tests/...``); ``*`` matches anything, every other character itself; a pattern without
    ``::`` names a file or a directory."""
    lists: dict[str, list[tuple[str, str]]] = {"set aside": [], "known failures": []}
    current: str | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            title = line[3:].strip().lower()
            current = next((k for k in lists if title.startswith(k)), None)
        elif current and line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            for pattern in cells[0].replace("`", " ").split():
                lists[current].append((pattern, cells[-1]))
    return lists


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--suite-lists", default=None, help="docs/optuna-test-suite.md: tests set aside and known failures")


class _Lists:
    def __init__(self, path: str, root: Path) -> None:
        lists = parse_lists(Path(path).read_text())
        self.aside = lists["set aside"]
        self.known = lists["known failures"]
        self.root = root
        self.used: set[str] = set()

    def match(self, entries: list[tuple[str, str]], nodeid: str) -> tuple[str, str] | None:
        import re

        for pattern, why in entries:
            whole = pattern.rstrip("/")
            regex = ".*".join(re.escape(part) for part in pattern.split("*"))
            if re.fullmatch(regex, nodeid) or nodeid.startswith((whole + "/", whole + "::")):
                self.used.add(pattern)
                return pattern, why
        return None


_lists: _Lists | None = None


def pytest_configure(config: Any) -> None:
    global _lists  # noqa: PLW0603  # pytest's hooks of this plugin module share the lists
    path = config.getoption("--suite-lists")
    if path:
        _lists = _Lists(path, Path(config.rootpath))


def pytest_ignore_collect(collection_path: Path, config: Any) -> bool | None:
    if _lists is None:
        return None
    rel = collection_path.relative_to(config.rootpath).as_posix()
    files = [(p, w) for p, w in _lists.aside if "::" not in p]
    return True if _lists.match(files, rel) else None


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if _lists is None:
        return
    import pytest

    kept, dropped = [], []
    for item in items:
        if _lists.match(_lists.aside, item.nodeid):
            dropped.append(item)
            continue
        known = _lists.match(_lists.known, item.nodeid)
        if known:
            item.add_marker(pytest.mark.xfail(strict=True, reason=known[1]))
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    if _lists is None:
        return
    stale = [p for p, _ in _lists.aside + _lists.known if p not in _lists.used]
    out = os.environ.get("OPTUNA_SUITE_STALE")
    if out:
        Path(out).write_text("".join(p + "\n" for p in stale))


# -- each test's outcome, for scripts/optuna-suite ----------------------------------------------

_RANK = {"passed": 0, "skipped": 1, "xfailed": 2, "failed": 3, "xpassed": 3}


def _record(nodeid: str, outcome: str, message: str) -> None:
    out = os.environ.get("OPTUNA_SUITE_RESULTS")
    if out:
        import json

        with open(out, "a") as f:
            f.write(json.dumps({"id": nodeid, "outcome": outcome, "message": message[-20000:]}) + "\n")


def pytest_runtest_logreport(report: Any) -> None:
    if report.passed and report.when != "call":
        return
    if hasattr(report, "wasxfail"):
        outcome = "xfailed" if report.skipped else "xpassed"
    elif report.failed and "[XPASS(strict)]" in str(report.longrepr):
        outcome = "xpassed"
    else:
        outcome = report.outcome
    _record(report.nodeid, outcome, report.longreprtext if report.longrepr else "")


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        # A file that fails to import is a known failure when a pattern of that list names it.
        known = _lists is not None and _lists.match([(p, w) for p, w in _lists.known if "::" not in p], report.nodeid)
        _record(report.nodeid, "xfailed" if known else "failed", report.longreprtext)
