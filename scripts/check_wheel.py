"""Checks the release artifacts that scripts/build-wheels left in a folder, the way a user meets them.

    python scripts/check_wheel.py [--dist dist] [--no-sdist]

1. The wheel's contents: the package and its stubs, one extension module without symbol table
   or debug sections, the license, complete metadata, the workspace's version; no tests, no
   bytecode caches. Prints the wheel's size.
2. A fresh virtual environment whose PATH has no cargo or rustc installs the wheel (timed), then
   runs scripts/wheel_smoke.py (imports, a TPE study, a journal shared by two processes) and,
   with scikit-learn added, examples/quickstart.py.
3. Unless --no-sdist: pip builds a wheel from the sdist from scratch (timed, with cargo), and a
   second fresh environment installs that wheel and runs the smoke test again.

Exits non-zero with a message at the first failure. CI runs it after scripts/build-wheels.
"""

from __future__ import annotations

import argparse
import email.parser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLCHAIN = ("cargo", "rustc", "rustup")


class CheckFailed(Exception):
    pass


def fail(message: str) -> None:
    raise CheckFailed(message)


def workspace_version() -> str:
    text = (ROOT / "Cargo.toml").read_text()
    section = text.split("[workspace.package]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version\s*=\s*"([^"]+)"', section, re.M)
    if match is None:
        fail("Cargo.toml has no [workspace.package] version")
    assert match is not None
    return match.group(1)


def elf_section_names(data: bytes) -> list[str]:
    """Section names of a 64-bit little-endian ELF file (the Linux extension module)."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        fail("the extension module is not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names_offset = headers[shstrndx][4]
    names = []
    for header in headers:
        start = names_offset + header[0]
        names.append(data[start : data.index(b"\0", start)].decode())
    return names


def check_contents(wheel: Path, version: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = f"ferrotune-{version}.dist-info"
        if not wheel.name.startswith(f"ferrotune-{version}-cp310-abi3-"):
            fail(f"{wheel.name}: expected an abi3 wheel of version {version} for CPython 3.10+")
        unexpected = [n for n in names if not n.startswith(("ferrotune/", dist_info + "/"))]
        tests = [n for n in names if re.search(r"(^|/)(tests?|testing)/|(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$", n)]
        caches = [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
        for label, found in (("files outside the package", unexpected), ("test files", tests), ("bytecode caches", caches)):
            if found:
                fail(f"the wheel holds {label}: {found}")
        for required in ("ferrotune/__init__.py", "ferrotune/py.typed", "ferrotune/_core.pyi", f"{dist_info}/licenses/LICENSE"):
            if required not in names:
                fail(f"the wheel lacks {required}")
        extensions = [n for n in names if re.fullmatch(r"ferrotune/_core\.(abi3\.so|pyd)", n)]
        if len(extensions) != 1:
            fail(f"expected one extension module ferrotune/_core.abi3.so (or .pyd), found {extensions}")
        extension = archive.read(extensions[0])
        if extensions[0].endswith(".so") and sys.platform.startswith("linux"):
            kept = [s for s in elf_section_names(extension) if s.startswith((".debug", ".zdebug")) or s == ".symtab"]
            if kept:
                fail(f"the extension module keeps {kept}: a release build strips them")
        metadata = email.parser.Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    if metadata["Version"] != version:
        fail(f"the wheel's metadata says version {metadata['Version']}, the workspace says {version}")
    for field in ("Summary", "License-Expression", "Requires-Python", "Author", "Keywords", "Description-Content-Type"):
        if not metadata[field]:
            fail(f"the wheel's metadata has no {field}")
    urls = metadata.get_all("Project-URL") or []
    classifiers = metadata.get_all("Classifier") or []
    extras = set(metadata.get_all("Provides-Extra") or [])
    if not any(u.startswith("Repository") for u in urls) or len(classifiers) < 5:
        fail(f"the wheel's metadata lacks project URLs or classifiers: {urls}, {classifiers}")
    if missing := {"torch", "sklearn", "pandas", "progress", "plot"} - extras:
        fail(f"the wheel's metadata lacks the extras {sorted(missing)}")
    if "# ferrotune" not in (metadata.get_payload() or ""):
        fail("the wheel's long description is not the README")
    print(
        f"contents: {len(names)} files; {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB "
        f"(extension module {len(extension) / 1e6:.2f} MB unpacked, stripped); "
        f"metadata {metadata['Version']}, {metadata['License-Expression']}, {len(classifiers)} classifiers, "
        f"{len(urls)} URLs, extras {', '.join(sorted(extras))}"
    )


def path_without_toolchain() -> str:
    """This PATH without the folders that hold a Rust toolchain."""
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not any(shutil.which(tool, path=d) for tool in TOOLCHAIN)]
    return os.pathsep.join(keep)


class Venv:
    def __init__(self, where: Path, *, toolchain: bool) -> None:
        subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
        self.bin = where / ("Scripts" if os.name == "nt" else "bin")
        self.python = str(self.bin / ("python.exe" if os.name == "nt" else "python"))
        base = os.environ.get("PATH", "") if toolchain else path_without_toolchain()
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        self.env["PATH"] = os.pathsep.join([str(self.bin), base])
        if not toolchain:
            # rustup's proxies find their toolchain through these; point them nowhere.
            self.env["CARGO_HOME"] = self.env["RUSTUP_HOME"] = str(where / "no-rust")
            found = [tool for tool in TOOLCHAIN if shutil.which(tool, path=self.env["PATH"])]
            if found:
                fail(f"{found} still on the PATH of the toolchain-free environment")

    def run(self, *args: str, cwd: Path) -> float:
        start = time.perf_counter()
        result = subprocess.run(list(args), cwd=cwd, env=self.env, capture_output=True, text=True)
        took = time.perf_counter() - start
        if result.returncode != 0:
            fail(f"`{' '.join(args)}` failed (status {result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        print(result.stdout.rstrip())
        return took

    def pip_install(self, *args: str, cwd: Path) -> float:
        return self.run(self.python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *args, cwd=cwd)


def check_install(wheel: Path, tmp: Path) -> None:
    venv = Venv(tmp / "venv-wheel", toolchain=False)
    took = venv.pip_install(str(wheel), cwd=tmp)
    print(f"installed the wheel (and numpy) in {took:.1f} s, with no {', '.join(TOOLCHAIN)} on the PATH")
    venv.run(venv.python, str(ROOT / "scripts" / "wheel_smoke.py"), cwd=tmp)
    venv.pip_install("scikit-learn>=1.2", cwd=tmp)
    took = venv.run(venv.python, str(ROOT / "examples" / "quickstart.py"), "--n-trials", "20", cwd=tmp)
    print(f"quickstart ran from the wheel in {took:.1f} s")


def check_sdist(sdist: Path, tmp: Path) -> None:
    built = tmp / "from-sdist"
    builder = Venv(tmp / "venv-build", toolchain=True)
    took = builder.run(
        builder.python, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check", "-w", str(built), str(sdist), cwd=tmp
    )
    wheels = list(built.glob("ferrotune-*.whl"))
    if len(wheels) != 1:
        fail(f"building the sdist left {wheels}")
    print(f"built {wheels[0].name} from the sdist, from scratch, in {took:.1f} s")
    venv = Venv(tmp / "venv-sdist", toolchain=False)
    venv.pip_install(str(wheels[0]), cwd=tmp)
    venv.run(venv.python, str(ROOT / "scripts" / "wheel_smoke.py"), cwd=tmp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="the folder scripts/build-wheels wrote (default: dist/)")
    parser.add_argument("--no-sdist", action="store_true", help="skip building the sdist from scratch")
    args = parser.parse_args()
    version = workspace_version()
    dist = args.dist.resolve()  # the installs run in a temporary folder: a relative path would not reach it
    try:
        wheels = sorted(dist.glob(f"ferrotune-{version}-*.whl"))
        sdists = sorted(dist.glob(f"ferrotune-{version}.tar.gz"))
        if len(wheels) != 1 or (not args.no_sdist and len(sdists) != 1):
            fail(f"expected one wheel and one sdist of version {version} in {dist}, found {wheels + sdists}: run scripts/build-wheels")
        check_contents(wheels[0], version)
        with tempfile.TemporaryDirectory(prefix="ferrotune-wheel-") as tmp:
            check_install(wheels[0], Path(tmp))
            if not args.no_sdist:
                check_sdist(sdists[0], Path(tmp))
    except CheckFailed as exc:
        print(f"check_wheel: {exc}", file=sys.stderr)
        return 1
    print("check_wheel: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
