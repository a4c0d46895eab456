"""The portable wheels that scripts/build_wheels.sh makes (into dist/, or $SHMEM_WHEELHOUSE), and the sdist.

For each of CPython 3.10-3.13 that has a wheel there: the wheel is manylinux_2_28 or older by its tag and by
`auditwheel show`, its extension has no RPATH/RUNPATH and no path of the build machine inside; and installed into
a fresh venv of its own Python, with nothing but that venv on PATH (no Go, no C compiler), its `shmemrun` runs a
real 4-PE job (tests/programs/wheel_check.py). CI (scripts/setup.sh) builds the wheel of the test venv's Python;
the others are skipped unless `bash scripts/build_wheels.sh` built them. The sdist, built where Go or the C
compiler is missing, fails with one line saying what is missing, not a traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
WHEELHOUSE = Path(os.environ.get("SHMEM_WHEELHOUSE", ROOT / "dist"))
TOOLS = ROOT / ".venv-wheeltools" / "bin"
VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
TOOLCHAIN = ("go", "gcc", "cc", "clang", "zig", "tcc")


def _tag(version: str) -> str:
    return "cp" + version.replace(".", "")


def _wheel(version: str) -> Path:
    found = sorted(WHEELHOUSE.glob(f"shmem-*-{_tag(version)}-{_tag(version)}-*manylinux*.whl"))
    if not found:
        pytest.skip(f"no {_tag(version)} wheel in {WHEELHOUSE} (bash scripts/build_wheels.sh {version} builds it)")
    return found[-1]


def _python(version: str) -> str:
    """An interpreter of that version: pyenv's, or python3.X on PATH (as scripts/build_wheels.sh looks)."""
    if sys.version_info[:2] == tuple(int(x) for x in version.split(".")):
        return sys.executable
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for cand in sorted(root.glob(f"{version}.*"), reverse=True):
        exe = cand / "bin" / f"python{version}"
        if exe.exists():
            return str(exe)
    exe = shutil.which(f"python{version}")
    if exe and subprocess.run([exe, "-c", ""], capture_output=True).returncode == 0:
        return exe
    pytest.skip(f"no CPython {version} on this machine")


def _extension(wheel: Path, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as z:
        names = [n for n in z.namelist() if re.fullmatch(r"shmem/_gopy/_api\..*\.so", n)]
        assert len(names) == 1, f"{wheel.name} holds {names}, not one extension"
        return Path(z.extract(names[0], into))


@pytest.mark.parametrize("version", VERSIONS)
def test_wheel_is_manylinux_and_carries_no_build_path(version: str, tmp_path: Path) -> None:
    wheel = _wheel(version)
    platforms = wheel.name.removesuffix(".whl").split("-")[-1].split(".")
    for plat in platforms:
        m = re.fullmatch(r"manylinux_2_(\d+)_\w+|manylinux(2014|2010|1)_\w+", plat)
        assert m, f"{wheel.name}: platform tag {plat} is not manylinux"
        assert m.group(2) or int(m.group(1)) <= 28, f"{wheel.name}: {plat} needs a glibc newer than 2.28"

    so = _extension(wheel, tmp_path)
    readelf = shutil.which("readelf") or (str(TOOLS / "readelf.py") if (TOOLS / "readelf.py").exists() else None)
    if readelf is None:
        pytest.skip("neither readelf nor pyelftools' readelf.py (scripts/build_wheels.sh installs it)")
    dynamic = subprocess.run([readelf, "-d", str(so)], capture_output=True, text=True, check=True).stdout
    assert "NEEDED" in dynamic, dynamic
    assert not re.search(r"RPATH|RUNPATH", dynamic), f"{so.name} carries a run path:\n{dynamic}"
    assert "libpython" not in dynamic, "an extension must not link libpython (manylinux)"

    data = so.read_bytes()
    build_paths = {str(ROOT), "/tmp/pip-", sysconfig.get_path("include"), str(Path.home() / ".cache")}
    if shutil.which("go"):
        go_env = subprocess.run(["go", "env", "GOROOT", "GOMODCACHE"], capture_output=True, text=True).stdout
        build_paths.update(p for p in go_env.split() if p)
    inside = sorted(p for p in build_paths if p.encode() in data)
    assert not inside, f"{so.name} contains build paths {inside} (built without -trimpath?)"

    auditwheel = TOOLS / "auditwheel" if (TOOLS / "auditwheel").exists() else shutil.which("auditwheel")
    if auditwheel is None:
        pytest.skip("auditwheel is not installed (scripts/build_wheels.sh installs it into .venv-wheeltools)")
    shown = subprocess.run([str(auditwheel), "show", str(wheel)], capture_output=True, text=True,
                           env={**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"})
    assert shown.returncode == 0, shown.stderr
    m = re.search(r'platform tag:\s*"manylinux_2_(\d+)_\w+"', " ".join(shown.stdout.split()))
    assert m and int(m.group(1)) <= 28, f"auditwheel show:\n{shown.stdout}"


def _bare_env(bin_dir: Path, home: Path) -> dict:
    """An environment whose PATH is the venv alone: no Go, no C compiler, no pip index."""
    home.mkdir(exist_ok=True)
    return {"PATH": str(bin_dir), "HOME": str(home), "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1",
            "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONFIG_FILE": os.devnull}


@pytest.mark.parametrize("version", VERSIONS)
def test_wheel_runs_4_pes_with_no_toolchain(version: str, tmp_path: Path) -> None:
    wheel, python = _wheel(version), _python(version)
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    env = _bare_env(venv / "bin", tmp_path / "home")
    missing = [tool for tool in TOOLCHAIN if shutil.which(tool, path=env["PATH"])]
    assert not missing, f"the bare PATH still has {missing}"

    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", str(wheel)],
                             env=env, capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr

    # From an empty folder, so that only the installed wheel can be imported; tests/ only for programs.pe.
    run_env = {**env, "PYTHONPATH": str(TESTS), "PYTHONUNBUFFERED": "1"}
    # --tag-output: shmemrun forwards whole lines, so the 4 PEs' reports cannot interleave.
    job = subprocess.run([str(venv / "bin" / "shmemrun"), "-n", "4", "--tag-output", "--timeout", "240",
                          "python", "-m", "programs.wheel_check"],
                         cwd=tmp_path / "home", env=run_env, capture_output=True, text=True, timeout=300)
    assert job.returncode == 0, f"exit {job.returncode}\n{job.stdout}\n{job.stderr}"
    reports = sorted((json.loads(line.split("REPORT ", 1)[1]) for line in job.stdout.splitlines()
                      if "REPORT " in line), key=lambda r: r["me"])
    assert [(r["rank"], r["me"], r["npes"], r["n"]) for r in reports] == [(i, i, 4, 4) for i in range(4)], job.stdout
    for r in reports:
        me = r["me"]
        assert r["module"].startswith(str(venv)), f"PE {me} imported {r['module']}, not the installed wheel"
        assert r["received"] == ((me - 1) % 4) * 10, r
        assert r["got"] == ((me - 2) % 4) * 10, r
        assert r["sum"] == (1 + 2 + 3 + 4 if me == 0 else 0), r


def _sdist() -> Path:
    found = sorted(WHEELHOUSE.glob("shmem-*.tar.gz"))
    if not found:
        pytest.skip(f"no sdist in {WHEELHOUSE} (bash scripts/build_wheels.sh builds it)")
    return found[-1]


@pytest.mark.parametrize("missing", ["go", "cc"])
def test_sdist_without_toolchain_fails_in_one_line(missing: str, tmp_path: Path) -> None:
    """pip building the sdist where Go (or, with Go present, the C compiler) is missing says so in one line."""
    sdist = _sdist()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if missing == "cc":
        go = shutil.which("go")
        if go is None:
            pytest.skip("no Go on this machine to leave on PATH")
        (bin_dir / "go").symlink_to(go)
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "CGO_ENABLED", "GOFLAGS")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(bin_dir)])
    assert not [t for t in ("gcc", "cc", "clang", "zig") if shutil.which(t, path=env["PATH"])]
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(sdist)],
                           env=env, capture_output=True, text=True, timeout=600)
    out = build.stdout + build.stderr
    assert build.returncode != 0, out
    want = "needs the Go toolchain" if missing == "go" else "needs a C compiler for cgo"
    lines = [line for line in out.splitlines() if want in line]
    assert len(lines) == 1, out
    assert "building shmem from source" in lines[0]
    assert "Traceback" not in out, out
    framed = re.search(r"\[(\d+) lines? of output\]", out)  # pip's frame around what the build printed
    assert framed is None or int(framed.group(1)) <= 2, out
