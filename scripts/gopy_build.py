"""Runs gopy on gopkg/api and puts the generated extension into a package folder.

Used by setup.py (the wheel build) and, for developers, directly:
    python3 scripts/gopy_build.py python/shmem/_gopy
Needs Go (>= 1.26) and a C compiler (cgo) on PATH; goimports it installs itself."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOIMPORTS = "golang.org/x/tools/cmd/goimports@v0.52.0"
GEN_FILES = ("go.py", "api.py")


def _go_env() -> dict:
    env = dict(os.environ)
    gobin = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True, check=True).stdout.strip()
    env["PATH"] = os.pathsep.join([str(Path(gobin) / "bin"), env.get("PATH", "")])
    # No path of the build machine goes into the extension (source paths in panics and in the build info).
    if "-trimpath" not in env.get("GOFLAGS", "").split():
        env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -trimpath").strip()
    return env


def _run(cmd: list, env: dict) -> None:
    print("+ " + " ".join(cmd), flush=True)
    result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(f"building shmem failed: {' '.join(cmd[:3])} exited with status {result.returncode} (output above)")


def check_toolchain() -> None:
    """Ends the build with one line when Go or the C compiler cgo needs is missing (instead of a traceback)."""
    if shutil.which("go") is None:
        sys.exit("building shmem from source needs the Go toolchain (>= 1.26) on PATH; "
                 "or install a prebuilt wheel, which needs neither Go nor a C compiler")
    if os.environ.get("CGO_ENABLED") == "0":
        sys.exit("building shmem from source needs cgo: unset CGO_ENABLED=0")
    cc = subprocess.run(["go", "env", "CC"], capture_output=True, text=True).stdout.split()
    cc_cmd = cc[0] if cc else "gcc"
    if shutil.which(cc_cmd) is None:
        sys.exit(f"building shmem from source needs a C compiler for cgo: '{cc_cmd}' is not on PATH "
                 "(install gcc, e.g. apt-get install gcc, or set CC)")


def generate_extension(dest: Path) -> None:
    """Runs gopy on gopkg/api and copies the Python glue and the shared object into dest."""
    check_toolchain()
    env = _go_env()
    # One generation folder per destination, so that concurrent builds do not meet; its name starts with "_"
    # so that "go build ./..." and "go vet ./..." leave the generated main package alone.
    gen_dir = ROOT / "build" / ("_gopy-" + hashlib.sha1(str(dest).encode()).hexdigest()[:10])
    # gopy calls goimports by name and cannot fetch it itself.
    if shutil.which("goimports", path=env["PATH"]) is None:
        _run(["go", "install", GOIMPORTS], env)
    shutil.rmtree(gen_dir, ignore_errors=True)
    _run(["go", "tool", "gopy", "build", f"-output={gen_dir.relative_to(ROOT)}", f"-vm={sys.executable}",
          "-dynamic-link=true", "-symbols=false", "-no-make=true", "./gopkg/api"], env)
    dest.mkdir(parents=True, exist_ok=True)
    for stale in dest.glob("_api*.so"):
        stale.unlink()
    for name in GEN_FILES:
        shutil.copy2(gen_dir / name, dest / name)
    for so in gen_dir.glob("_api*.so"):
        shutil.copy2(so, dest / so.name)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gopy_build.py DEST_DIR")
    generate_extension(Path(sys.argv[1]).resolve())
