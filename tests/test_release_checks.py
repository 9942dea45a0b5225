"""The release checks of scripts/check_wheel.py reject what a release must not ship.

CI builds the real wheel and runs the whole script on it (.ci/run); these tests feed its content
check small hand-made wheels, one defect each, so a check that stopped looking would show here.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
import zipfile
from pathlib import Path

import pytest

import ferrotune

ROOT = Path(__file__).resolve().parents[1]


def load_check_wheel():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("check_wheel", ROOT / "scripts" / "check_wheel.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_wheel"] = module
    spec.loader.exec_module(module)
    return module


check_wheel = load_check_wheel()
VERSION = check_wheel.workspace_version()


def elf(sections: list[str]) -> bytes:
    """A minimal 64-bit little-endian ELF file with the given section names and no contents."""
    names = b"\0" + b"".join(s.encode() + b"\0" for s in [*sections, ".shstrtab"])
    offsets, at = [], 1
    for s in [*sections, ".shstrtab"]:
        offsets.append(at)
        at += len(s) + 1
    strtab_offset = 64
    shoff = strtab_offset + len(names)
    count = len(sections) + 2  # the null section, the named ones, .shstrtab
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, count, count - 1)
    table = bytes(64)
    for i, name_at in enumerate(offsets):
        is_strtab = i == len(offsets) - 1
        kind, at_, size = (3, strtab_offset, len(names)) if is_strtab else (1, 0, 0)  # SHT_STRTAB or SHT_PROGBITS
        table += struct.pack("<IIQQQQIIQQ", name_at, kind, 0, 0, at_, size, 0, 0, 1, 0)
    return header + names + table


METADATA = """Metadata-Version: 2.4
Name: ferrotune
Version: {version}
Classifier: Programming Language :: Python :: 3
Classifier: Programming Language :: Rust
Classifier: Typing :: Typed
Classifier: Intended Audience :: Developers
Classifier: Intended Audience :: Science/Research
Requires-Dist: numpy>=1.23
Provides-Extra: torch
Provides-Extra: sklearn
Provides-Extra: pandas
Provides-Extra: progress
Provides-Extra: plot
Summary: Hyperparameter optimization
Keywords: tpe
Author: The ferrotune developers
License-Expression: MIT
Requires-Python: >=3.10
Description-Content-Type: text/markdown
Project-URL: Repository, https://example.invalid/ferrotune

# ferrotune
"""


def make_wheel(
    tmp_path: Path,
    *,
    version: str = VERSION,
    metadata_version: str | None = None,
    sections: tuple[str, ...] = (".text", ".dynsym"),
    extra: tuple[str, ...] = (),
    drop: tuple[str, ...] = (),
) -> Path:
    wheel = tmp_path / f"ferrotune-{version}-cp310-abi3-manylinux_2_17_x86_64.whl"
    dist_info = f"ferrotune-{version}.dist-info"
    files = {
        "ferrotune/__init__.py": b"",
        "ferrotune/py.typed": b"",
        "ferrotune/_core.pyi": b"",
        "ferrotune/_core.abi3.so": elf(list(sections)),
        f"{dist_info}/licenses/LICENSE": b"MIT License",
        f"{dist_info}/METADATA": METADATA.format(version=metadata_version or version).encode(),
        **dict.fromkeys(extra, b""),
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            if name not in drop:
                archive.writestr(name, data)
    return wheel


def test_the_version_has_one_home() -> None:
    assert ferrotune.__version__ == VERSION


def test_elf_section_names_are_read_back() -> None:
    assert check_wheel.elf_section_names(elf([".text", ".symtab", ".debug_info"])) == ["", ".text", ".symtab", ".debug_info", ".shstrtab"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the symbol check reads ELF, Linux's format")
def test_a_complete_wheel_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check_wheel.check_contents(make_wheel(tmp_path), VERSION)
    assert "stripped" in capsys.readouterr().out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the symbol check reads ELF, Linux's format")
@pytest.mark.parametrize(
    "defect, message",
    [
        ({"extra": ("ferrotune/tests/test_study.py",)}, "test files"),
        ({"extra": ("ferrotune/conftest.py",)}, "test files"),
        ({"extra": ("ferrotune/__pycache__/study.cpython-311.pyc",)}, "bytecode caches"),
        ({"extra": ("benches/overhead.py",)}, "outside the package"),
        ({"sections": (".text", ".symtab")}, "keeps ['.symtab']"),
        ({"sections": (".text", ".debug_info", ".debug_line")}, "keeps ['.debug_info', '.debug_line']"),
        ({"drop": (f"ferrotune-{VERSION}.dist-info/licenses/LICENSE",)}, "lacks"),
        ({"drop": ("ferrotune/_core.pyi",)}, "lacks ferrotune/_core.pyi"),
        ({"drop": ("ferrotune/_core.abi3.so",)}, "one extension module"),
        ({"version": "9.9.9"}, "expected an abi3 wheel of version"),
        ({"metadata_version": "9.9.9"}, "metadata says version 9.9.9"),
    ],
)
def test_a_defective_wheel_is_rejected(tmp_path: Path, defect: dict[str, object], message: str) -> None:
    with pytest.raises(check_wheel.CheckFailed) as caught:
        check_wheel.check_contents(make_wheel(tmp_path, **defect), VERSION)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_the_toolchain_free_path_has_no_cargo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rust_bin = tmp_path / "rust-bin"
    rust_bin.mkdir()
    cargo = rust_bin / "cargo"
    cargo.write_text("#!/bin/sh\n")
    cargo.chmod(0o755)
    other = tmp_path / "other-bin"
    other.mkdir()
    monkeypatch.setenv("PATH", f"{rust_bin}:{other}")
    assert check_wheel.path_without_toolchain() == str(other)
