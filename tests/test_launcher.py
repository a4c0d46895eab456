"""shmemrun (python/shmem/run.py) and launch detection (python/shmem/_launch_env.py).

The launcher is tested end to end: it starts real child processes (tests/launcher_progs/child.py, a plain
script that needs no shmem extension) and the tests check what the children saw, what came out, the exit
status, and that no process is left. Every launcher run is bounded by a subprocess timeout.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "python" / "shmem"
RUN_PY = PKG / "run.py"
CHILD = Path(__file__).resolve().parent / "launcher_progs" / "child.py"
RUN_TIMEOUT = 30.0  # no launcher run in these tests needs more than a few seconds
GRACE = 2.0  # run.GRACE_SECONDS


def _load_launch_env() -> ModuleType:
    # By path: `import shmem` needs the built extension, _launch_env does not.
    spec = importlib.util.spec_from_file_location("shmem_launch_env_under_test", PKG / "_launch_env.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


le = _load_launch_env()


def shmemrun(
    *args: object, input: str | None = None, env: dict[str, str] | None = None, timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN_PY), *map(str, args)],
        check=False,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def start_shmemrun(*args: object, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RUN_PY), *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def alive(pid: int) -> bool:
    """True while the process exists, zombies included: a reaped process has no /proc entry."""
    return Path(f"/proc/{pid}").exists()


def pids(out: Path, kind: str = "pid") -> list[int]:
    return [int(p.read_text()) for p in sorted(out.glob(f"{kind}-*")) if p.suffix != ".tmp"]


def wait_ready(out: Path, n: int, launcher: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while len(list(out.glob("ready-*"))) < n:
        if launcher.poll() is not None:
            pytest.fail(f"launcher ended early ({launcher.returncode}): {launcher.communicate()}")
        assert time.monotonic() < deadline, "the children never got ready"
        time.sleep(0.02)


@pytest.fixture
def out(tmp_path: Path) -> Iterator[Path]:
    """The children's output directory; what they recorded as running is killed afterwards, pass or fail."""
    yield tmp_path
    for kind in ("pid", "gpid"):
        for pid in pids(tmp_path, kind):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# --- the children's environment ---------------------------------------------------------------------------


def test_every_rank_gets_its_environment(out: Path) -> None:
    env = dict(os.environ, LAUNCHER_TEST_PASSED="yes")
    r = shmemrun("-n", 3, CHILD, "env", out, env=env)
    assert r.returncode == 0, r.stderr
    seen = [json.loads((out / f"rank-{rank}.json").read_text()) for rank in range(3)]
    ip_ports = {s["env"]["SHMEM_IP_PORT"] for s in seen}
    assert len(ip_ports) == 1
    ip_port = ip_ports.pop()
    host, port = le.parse_ip_port(ip_port)
    assert host == "127.0.0.1" and port > 1024
    for rank, s in enumerate(seen):
        e = s["env"]
        assert e["SHMEM_RANK"] == str(rank)
        assert e["SHMEM_NPES"] == "3"
        assert e["SHMEM_LOCAL_RANK"] == str(rank)
        assert e["SHMEM_LOCAL_SIZE"] == "3"
        assert e["SHMEM_LAUNCHER"] == "shmemrun"
        assert e["LAUNCHER_TEST_PASSED"] == "yes"
        assert le.detect_launch(e) == le.LaunchInfo(
            rank=rank, npes=3, ip_port=ip_port, local_rank=rank, source="shmemrun"
        )
    assert len({s["pid"] for s in seen}) == 3


def test_program_arguments_are_not_taken_for_options(out: Path) -> None:
    r = shmemrun("-n", 1, CHILD, "env", out, "-n", "5", "--timeout", "x", "--", "--tag-output")
    assert r.returncode == 0, r.stderr
    seen = json.loads((out / "rank-0.json").read_text())
    assert seen["argv"] == ["-n", "5", "--timeout", "x", "--", "--tag-output"]


def test_double_dash_ends_the_options(out: Path) -> None:
    r = shmemrun("--npes=2", "--", CHILD, "env", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.glob("rank-*.json")) == ["rank-0.json", "rank-1.json"]


def test_a_program_not_ending_in_py_is_run_as_given(out: Path) -> None:
    r = shmemrun("-n", 2, sys.executable, "-I", CHILD, "env", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.glob("rank-*.json")) == ["rank-0.json", "rank-1.json"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--ip-port", "tcp://127.0.0.1:23456"], "tcp://127.0.0.1:23456"),
        (["--ip-port", "tcp6://[::1]:23456"], "tcp6://[::1]:23456"),
        (["--master-addr", "10.1.2.3", "--master-port", "29500"], "tcp://10.1.2.3:29500"),
        (["--master-addr", "::1", "--master-port", "29500"], "tcp6://[::1]:29500"),
    ],
)
def test_the_address_can_be_given(out: Path, options: list[str], expected: str) -> None:
    r = shmemrun("-n", 2, *options, CHILD, "env", out)
    assert r.returncode == 0, r.stderr
    for rank in range(2):
        seen = json.loads((out / f"rank-{rank}.json").read_text())
        assert seen["env"]["SHMEM_IP_PORT"] == expected


def test_stdin_goes_to_rank_0_only(out: Path) -> None:
    r = shmemrun("--npes", 2, CHILD, "stdin", out, input="hello\nworld\n")
    assert r.returncode == 0, r.stderr
    assert (out / "stdin-0").read_text() == "hello\nworld\n"
    assert (out / "stdin-1").read_text() == ""


# --- output -----------------------------------------------------------------------------------------------

_TAGGED = re.compile(r"^\[(\d+)\] (.*)$")


def _by_rank(text: str) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for line in text.splitlines():
        m = _TAGGED.match(line)
        assert m, f"untagged line: {line[:80]!r}"
        lines.setdefault(int(m.group(1)), []).append(m.group(2))
    return lines


def test_tag_output_prefixes_every_whole_line() -> None:
    r = shmemrun("-n", 3, "--tag-output", CHILD, "lines")
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("\n")
    stdout = _by_rank(r.stdout)
    assert sorted(stdout) == [0, 1, 2]
    for rank, lines in stdout.items():
        # The 10000-character line was written in five pieces while other ranks wrote theirs: still one line.
        assert lines == [
            f"first line of {rank}",
            str(rank) * 10000,
            f"last full line of {rank}",
            f"no newline at the end {rank}",
        ]
    assert _by_rank(r.stderr) == {rank: [f"to stderr from {rank}"] for rank in range(3)}


def test_output_is_untouched_without_tag_output() -> None:
    r = shmemrun("-n", 1, CHILD, "lines")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("first line of 0\n")
    assert r.stdout.endswith("no newline at the end 0")
    assert r.stderr == "to stderr from 0\n"


# --- failures, signals, timeouts --------------------------------------------------------------------------


def test_all_succeeding_gives_0(out: Path) -> None:
    r = shmemrun("-n", 4, CHILD, "env", out)
    assert (r.returncode, r.stderr) == (0, "")


def test_first_failure_sets_the_status_and_stops_the_others(out: Path) -> None:
    r = shmemrun("-n", 3, CHILD, "fail", out, 2, 5, "--grandchild")
    assert r.returncode == 5, r.stderr
    assert "rank 2" in r.stderr and "exited with status 5" in r.stderr
    assert "stopping the other 2 processes" in r.stderr
    assert "SIGKILL" not in r.stderr, "the sleeping ranks end on SIGTERM, without waiting for the grace"
    assert len(pids(out)) == 3 and len(pids(out, "gpid")) == 3
    assert not [p for p in pids(out) + pids(out, "gpid") if alive(p)]


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGUSR1])
def test_death_by_signal_gives_128_plus_the_signal(out: Path, signum: int) -> None:
    r = shmemrun("-n", 2, CHILD, "fail", out, 0, int(signum), "--signal")
    assert r.returncode == 128 + signum, r.stderr
    assert f"rank 0 (pid {pids(out)[0]}) was killed by signal {int(signum)} ({signal.Signals(signum).name})" in (
        r.stderr
    )
    assert not [p for p in pids(out) if alive(p)]


def test_a_rank_that_ignores_sigterm_gets_sigkill_after_the_grace(out: Path) -> None:
    t0 = time.monotonic()
    r = shmemrun("-n", 2, CHILD, "fail", out, 1, 3, "--ignore-term")
    elapsed = time.monotonic() - t0
    assert r.returncode == 3, r.stderr
    assert "rank 0" in r.stderr and "sending SIGKILL" in r.stderr
    assert GRACE <= elapsed < GRACE + 8
    assert not [p for p in pids(out) if alive(p)]


def test_timeout_stops_everything_with_124(out: Path) -> None:
    t0 = time.monotonic()
    r = shmemrun("-n", 2, "--timeout", "0.5", CHILD, "sleep", out, "--grandchild")
    elapsed = time.monotonic() - t0
    assert r.returncode == 124, r.stderr
    assert "timed out after 0.5 s" in r.stderr
    assert 0.5 <= elapsed < RUN_TIMEOUT
    assert "SIGKILL" not in r.stderr
    assert len(pids(out)) == 2
    assert not [p for p in pids(out) + pids(out, "gpid") if alive(p)]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_to_the_launcher_is_passed_on_and_children_reaped(out: Path, signum: int) -> None:
    # An ignored signal is inherited and stays ignored in shmemrun (nohup); a test run under nohup must still
    # give the launcher a SIGHUP it can act on.
    inherited = signal.signal(signum, signal.SIG_DFL) if signal.getsignal(signum) == signal.SIG_IGN else None
    try:
        launcher = start_shmemrun("-n", 3, CHILD, "sleep", out, "--grandchild")
    finally:
        if inherited is not None:
            signal.signal(signum, inherited)
    try:
        wait_ready(out, 3, launcher)
        launcher.send_signal(signum)
        _, stderr = launcher.communicate(timeout=RUN_TIMEOUT)
    finally:
        launcher.kill()
    assert launcher.returncode == 128 + signum, stderr
    assert f"got {signal.Signals(signum).name}: passing it on to 3 processes" in stderr
    assert "SIGKILL" not in stderr, "the ranks end on the forwarded signal itself"
    assert not [p for p in pids(out) + pids(out, "gpid") if alive(p)]


def test_a_second_signal_kills_at_once(out: Path) -> None:
    launcher = start_shmemrun("-n", 2, CHILD, "sleep", out, "--ignore-term")
    try:
        wait_ready(out, 2, launcher)
        launcher.send_signal(signal.SIGTERM)
        time.sleep(0.3)  # the ranks ignore SIGTERM: the job is now in its grace before SIGKILL
        assert launcher.poll() is None
        launcher.send_signal(signal.SIGTERM)
        _, stderr = launcher.communicate(timeout=RUN_TIMEOUT)
    finally:
        launcher.kill()
    assert launcher.returncode == 128 + signal.SIGTERM, stderr
    assert "killing 2 processes now" in stderr
    assert "still runs" not in stderr, "the second signal, not the end of the grace, killed them"
    assert not [p for p in pids(out) if alive(p)]


def test_an_ignored_signal_stays_ignored(out: Path) -> None:
    # nohup shmemrun ...: SIGHUP is ignored when the launcher starts, so it must not end the job.
    def ignore_hup() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    launcher = start_shmemrun("-n", 2, CHILD, "sleep", out, preexec_fn=ignore_hup)
    try:
        wait_ready(out, 2, launcher)
        launcher.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert launcher.poll() is None
        assert all(alive(p) for p in pids(out))
        launcher.send_signal(signal.SIGTERM)
        launcher.communicate(timeout=RUN_TIMEOUT)
    finally:
        launcher.kill()
    assert launcher.returncode == 128 + signal.SIGTERM
    assert not [p for p in pids(out) if alive(p)]


def test_processes_left_behind_by_a_successful_job_are_stopped(out: Path) -> None:
    r = shmemrun("-n", 2, CHILD, "sleep", out, "--grandchild", "--exit-after-spawn")
    assert r.returncode == 0, r.stderr
    assert "left running in 2 process group(s)" in r.stderr
    grandchildren = pids(out, "gpid")
    assert len(grandchildren) == 2
    assert not [p for p in grandchildren if alive(p)], "grandchildren must be killed and reaped (no zombies)"


# --- start-up problems and usage --------------------------------------------------------------------------


def test_a_missing_program_gives_127(out: Path) -> None:
    r = shmemrun("-n", 2, out / "no-such-program")
    assert r.returncode == 127
    assert "cannot start" in r.stderr and "No such file" in r.stderr


def test_a_program_that_cannot_run_gives_126(out: Path) -> None:
    prog = out / "not-executable"
    prog.write_text("#!/bin/sh\nexit 0\n")
    prog.chmod(0o644)
    r = shmemrun("-n", 2, prog)
    assert r.returncode == 126
    assert "cannot start" in r.stderr and "Permission denied" in r.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "the following arguments are required: -n/--npes"),
        (["-n", "0"], "must be at least 1, not 0"),
        (["-n", "two"], "'two' is not a whole number"),
        (["--ip-port", "127.0.0.1:5000"], "has no tcp:// or tcp6:// scheme"),
        (["--ip-port", "tcp://127.0.0.1:80"], "has a port outside 1025..65535"),
        (["--ip-port", "tcp://::1:5000"], "use tcp6://[V6]:PORT"),
        (["--timeout", "0"], "must be a positive number of seconds"),
        (["--timeout", "soon"], "'soon' is not a number of seconds"),
        (["--master-addr", "h"], "--master-addr and --master-port go together"),
        (["--master-addr", "h", "--master-port", "x"], "'x' is not a port number"),
        (["--master-addr", "h", "--master-port", "80"], "port 80 is outside 1025..65535"),
        (["--ip-port", "tcp://h:5000", "--master-addr", "h", "--master-port", "5000"], "not both"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_mistakes_are_explained(out: Path, options: list[str], message: str) -> None:
    npes = [] if options == [] or options[0] == "-n" else ["-n", "2"]
    r = shmemrun(*npes, *options, CHILD, "env", out)
    assert r.returncode == 2
    assert r.stderr.startswith("usage: shmemrun -n N [options] [--] program [args ...]")
    assert message in r.stderr
    assert not list(out.glob("rank-*")), "no process may start after a usage mistake"


def test_a_missing_program_name_is_explained() -> None:
    r = shmemrun("-n", 2, "--tag-output")
    assert r.returncode == 2
    assert "no program to run" in r.stderr


def test_help_explains_usage() -> None:
    r = shmemrun("--help")
    assert r.returncode == 0
    for needle in (
        "usage: shmemrun -n N",
        "SHMEM_RANK",
        "SHMEM_IP_PORT",
        "--tag-output",
        "--timeout",
        "exit status",
        "124",
        "128+S",
        "python -m shmem.run",
    ):
        assert needle in r.stdout


# --- python -m shmem.run --------------------------------------------------------------------------------


def _pythonpath_env(path: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(path))


def test_python_m_runs_the_module_inside_a_package(out: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    # A package holding only the launcher's two files: `-m shmem.run` without the extension or the facade.
    root = tmp_path_factory.mktemp("pkg")
    (root / "shmem").mkdir()
    (root / "shmem" / "__init__.py").write_text("")
    for name in ("run.py", "_launch_env.py"):
        (root / "shmem" / name).symlink_to(PKG / name)
    r = subprocess.run(
        [sys.executable, "-m", "shmem.run", "-n", "2", CHILD, "env", out],
        check=False,
        capture_output=True,
        text=True,
        env=_pythonpath_env(root),
        cwd=root,
        timeout=RUN_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.glob("rank-*.json")) == ["rank-0.json", "rank-1.json"]


def test_python_m_shmem_run(out: Path) -> None:
    # The package as installed (the wheel, in CI), not the source tree, which has no built extension.
    env = dict(os.environ)
    probe = subprocess.run(
        [sys.executable, "-c", "import shmem"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=RUN_TIMEOUT,
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        pytest.skip(f"the shmem package does not import here (extension not built?): {last}")
    script = Path(sys.executable).with_name("shmemrun")
    launchers = [[sys.executable, "-m", "shmem.run"]] + ([[str(script)]] if script.exists() else [])
    for launcher in launchers:
        for old in out.glob("rank-*.json"):
            old.unlink()
        r = subprocess.run(
            [*launcher, "-n", "2", CHILD, "env", out],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=RUN_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
        assert r.returncode == 0, (launcher, r.stderr)
        assert sorted(p.name for p in out.glob("rank-*.json")) == ["rank-0.json", "rank-1.json"]


# --- detect_launch ----------------------------------------------------------------------------------------

SHMEMRUN_ENV = {
    "SHMEM_RANK": "1",
    "SHMEM_NPES": "4",
    "SHMEM_LOCAL_RANK": "1",
    "SHMEM_LOCAL_SIZE": "4",
    "SHMEM_IP_PORT": "tcp://127.0.0.1:5000",
    "SHMEM_LAUNCHER": "shmemrun",
}
TORCHRUN_ENV = {
    "RANK": "2",
    "WORLD_SIZE": "8",
    "LOCAL_RANK": "0",
    "MASTER_ADDR": "10.0.0.1",
    "MASTER_PORT": "29500",
}
OPENMPI_ENV = {"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_SIZE": "6", "OMPI_COMM_WORLD_LOCAL_RANK": "1"}
SLURM_ENV = {"SLURM_PROCID": "5", "SLURM_NTASKS": "16", "SLURM_LOCALID": "1"}


def test_detect_shmemrun() -> None:
    assert le.detect_launch(SHMEMRUN_ENV) == le.LaunchInfo(1, 4, "tcp://127.0.0.1:5000", 1, "shmemrun")


def test_detect_hand_set_shmem_variables() -> None:
    info = le.detect_launch({"SHMEM_RANK": "2", "SHMEM_NPES": "3"})
    assert info == le.LaunchInfo(rank=2, npes=3, ip_port=None, local_rank=2, source="env")
    info = le.detect_launch(
        {"SHMEM_RANK": "0", "SHMEM_NPES": "2", "SHMEM_MASTER_ADDR": "h", "SHMEM_MASTER_PORT": "7000"}
    )
    assert info == le.LaunchInfo(0, 2, "tcp://h:7000", 0, "env")


def test_detect_torchrun() -> None:
    assert le.detect_launch(TORCHRUN_ENV) == le.LaunchInfo(2, 8, "tcp://10.0.0.1:29511", 0, "torchrun")
    v6 = dict(TORCHRUN_ENV, MASTER_ADDR="fe80::1")
    assert le.detect_launch(v6) == le.LaunchInfo(2, 8, "tcp6://[fe80::1]:29511", 0, "torchrun")
    no_master = {k: v for k, v in TORCHRUN_ENV.items() if not k.startswith("MASTER_")}
    assert le.detect_launch(no_master) == le.LaunchInfo(2, 8, None, 0, "torchrun")
    # shmem's own address wins over torch's.
    assert le.detect_launch(dict(TORCHRUN_ENV, SHMEM_IP_PORT="tcp://h:6000")).ip_port == "tcp://h:6000"


def test_detect_openmpi() -> None:
    assert le.detect_launch(OPENMPI_ENV) == le.LaunchInfo(3, 6, None, 1, "openmpi")
    # MPI jobs take their address only from shmem's variables, never from torch's MASTER_*.
    assert le.detect_launch(dict(OPENMPI_ENV, MASTER_ADDR="10.0.0.1", MASTER_PORT="29500")).ip_port is None
    with_addr = dict(OPENMPI_ENV, SHMEM_MASTER_ADDR="node1", SHMEM_MASTER_PORT="7000")
    assert le.detect_launch(with_addr).ip_port == "tcp://node1:7000"
    with_ip_port = dict(with_addr, SHMEM_IP_PORT="tcp6://[::1]:7001")
    assert le.detect_launch(with_ip_port).ip_port == "tcp6://[::1]:7001"


def test_detect_slurm() -> None:
    assert le.detect_launch(SLURM_ENV) == le.LaunchInfo(5, 16, None, 1, "slurm")
    assert le.detect_launch(dict(SLURM_ENV, SHMEM_IP_PORT="tcp://n1:9000")).ip_port == "tcp://n1:9000"
    no_local = {k: v for k, v in SLURM_ENV.items() if k != "SLURM_LOCALID"}
    assert le.detect_launch(no_local).local_rank == 5


def test_detect_nothing() -> None:
    assert le.detect_launch({}) is None
    assert le.detect_launch({"RANK": "1"}) is None  # a lone RANK is not torchrun
    assert le.detect_launch({"SHMEM_RANK": "", "SHMEM_NPES": ""}) is None  # empty counts as unset


def test_detection_order() -> None:
    everything = {**SLURM_ENV, **OPENMPI_ENV, **TORCHRUN_ENV, **SHMEMRUN_ENV}
    assert le.detect_launch(everything).source == "shmemrun"
    no_shmem = {k: v for k, v in everything.items() if k not in SHMEMRUN_ENV}
    assert le.detect_launch(no_shmem).source == "torchrun"
    no_torch = {k: v for k, v in no_shmem.items() if k not in TORCHRUN_ENV}
    assert le.detect_launch(no_torch).source == "openmpi"
    only_slurm = {k: v for k, v in no_torch.items() if k not in OPENMPI_ENV}
    assert le.detect_launch(only_slurm).source == "slurm"


def test_detect_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [
        *SHMEMRUN_ENV,
        *TORCHRUN_ENV,
        *OPENMPI_ENV,
        *SLURM_ENV,
        "SHMEM_MASTER_ADDR",
        "SHMEM_MASTER_PORT",
    ]:
        monkeypatch.delenv(name, raising=False)
    assert le.detect_launch() is None
    for name, value in OPENMPI_ENV.items():
        monkeypatch.setenv(name, value)
    assert le.detect_launch() == le.LaunchInfo(3, 6, None, 1, "openmpi")
    monkeypatch.setenv("SHMEM_IP_PORT", "tcp://127.0.0.1:5555")
    assert le.resolve_ip_port() == "tcp://127.0.0.1:5555"


def test_launch_info_is_frozen() -> None:
    info = le.detect_launch(SHMEMRUN_ENV)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.rank = 0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHMEM_RANK": "x", "SHMEM_NPES": "2"}, "SHMEM_RANK='x' is not an integer"),
        ({"SHMEM_RANK": "1.5", "SHMEM_NPES": "2"}, "SHMEM_RANK='1.5' is not an integer"),
        ({"SHMEM_RANK": "-1", "SHMEM_NPES": "2"}, "SHMEM_RANK=-1 must be >= 0"),
        ({"SHMEM_RANK": "0", "SHMEM_NPES": "0"}, "SHMEM_NPES=0 must be >= 1"),
        ({"SHMEM_RANK": "2", "SHMEM_NPES": "2"}, "SHMEM_RANK=2 must be below SHMEM_NPES=2"),
        ({"SHMEM_RANK": "0"}, "SHMEM_RANK is set but SHMEM_NPES is not"),
        ({"SHMEM_NPES": "2"}, "SHMEM_NPES is set but SHMEM_RANK is not"),
        ({"SHMEM_RANK": "0", "SHMEM_NPES": "2", "SHMEM_LOCAL_RANK": "a"}, "SHMEM_LOCAL_RANK='a'"),
        (
            {**SHMEMRUN_ENV, "SHMEM_IP_PORT": "127.0.0.1:5000"},
            "SHMEM_IP_PORT: ip_port '127.0.0.1:5000' has no",
        ),
        ({**TORCHRUN_ENV, "MASTER_PORT": "abc"}, "MASTER_PORT='abc' is not an integer"),
        ({**TORCHRUN_ENV, "MASTER_PORT": "65530"}, "MASTER_PORT+11: port 65541 is outside 1025..65535"),
        ({**TORCHRUN_ENV, "WORLD_SIZE": "two"}, "WORLD_SIZE='two' is not an integer"),
        ({**OPENMPI_ENV, "OMPI_COMM_WORLD_RANK": "6"}, "OMPI_COMM_WORLD_RANK=6 must be below"),
        ({**SLURM_ENV, "SLURM_NTASKS": "-3"}, "SLURM_NTASKS=-3 must be >= 1"),
        ({**SLURM_ENV, "SHMEM_MASTER_ADDR": "h"}, "SHMEM_MASTER_ADDR is set but SHMEM_MASTER_PORT is not"),
    ],
)
def test_detect_rejects_malformed_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as err:
        le.detect_launch(env)
    assert message in str(err.value)


# --- resolve_ip_port ----------------------------------------------------------------------------------------


def test_resolve_ip_port_order() -> None:
    env = {
        "SHMEM_IP_PORT": "tcp://a:5001",
        "SHMEM_MASTER_ADDR": "b",
        "SHMEM_MASTER_PORT": "5002",
        "MASTER_ADDR": "c",
        "MASTER_PORT": "5003",
    }
    assert le.resolve_ip_port(env) == "tcp://a:5001"
    del env["SHMEM_IP_PORT"]
    assert le.resolve_ip_port(env) == "tcp://b:5002"
    del env["SHMEM_MASTER_ADDR"], env["SHMEM_MASTER_PORT"]
    assert le.resolve_ip_port(env) == "tcp://c:5014"
    del env["MASTER_ADDR"]
    assert le.resolve_ip_port(env) is None  # half of torch's pair is not an address
    assert le.resolve_ip_port({}) is None


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("::1", "tcp6://[::1]:6000"),
        ("[::1]", "tcp6://[::1]:6000"),
        ("fe80::1%eth0", "tcp6://[fe80::1%eth0]:6000"),
        ("192.168.0.7", "tcp://192.168.0.7:6000"),
        ("node-17.cluster", "tcp://node-17.cluster:6000"),
    ],
)
def test_resolve_ip_port_brackets_ipv6(addr: str, expected: str) -> None:
    assert le.resolve_ip_port({"SHMEM_MASTER_ADDR": addr, "SHMEM_MASTER_PORT": "6000"}) == expected
    assert le.resolve_ip_port({"MASTER_ADDR": addr, "MASTER_PORT": "5989"}) == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHMEM_IP_PORT": "tcp://h:99999"}, "has a port outside 1025..65535"),
        ({"SHMEM_IP_PORT": "tcp://h:p"}, "has a port that is not a number"),
        ({"SHMEM_MASTER_PORT": "6000"}, "SHMEM_MASTER_PORT is set but SHMEM_MASTER_ADDR is not"),
        (
            {"SHMEM_MASTER_ADDR": "h", "SHMEM_MASTER_PORT": "60_00"},
            "SHMEM_MASTER_PORT='60_00' is not an integer",
        ),
        ({"SHMEM_MASTER_ADDR": "h", "SHMEM_MASTER_PORT": "1024"}, "port 1024 is outside 1025..65535"),
        ({"SHMEM_MASTER_ADDR": "a:b", "SHMEM_MASTER_PORT": "6000"}, "'a:b' is neither a host name nor an IP"),
        ({"MASTER_ADDR": "h", "MASTER_PORT": "x"}, "MASTER_PORT='x' is not an integer"),
    ],
)
def test_resolve_ip_port_rejects_malformed_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as err:
        le.resolve_ip_port(env)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("ip_port", "parsed"),
    [
        ("tcp://127.0.0.1:8666", ("127.0.0.1", 8666)),
        ("tcp://localhost:1025", ("localhost", 1025)),
        ("tcp6://[::1]:65535", ("::1", 65535)),
    ],
)
def test_parse_ip_port_accepts(ip_port: str, parsed: tuple[str, int]) -> None:
    assert le.parse_ip_port(ip_port) == parsed


@pytest.mark.parametrize(
    ("ip_port", "why"),
    [
        ("127.0.0.1:8666", "has no tcp:// or tcp6:// scheme"),
        ("udp://h:8666", "has no tcp:// or tcp6:// scheme"),
        ("tcp://h", "has no HOST:PORT"),
        ("tcp://:8666", "has no HOST:PORT"),
        ("tcp6://::1:8666", "needs the IPv6 address in brackets"),
        ("tcp6://[::1]", "has no HOST:PORT"),
        ("tcp://::1:8666", "holds an IPv6 address"),
        ("tcp://h:1024", "has a port outside 1025..65535"),
        ("tcp://h:65536", "has a port outside 1025..65535"),
        ("tcp://h:-5", "has a port that is not a number"),
        ("tcp://h:８６６６", "has a port that is not a number"),
    ],
)
def test_parse_ip_port_rejects(ip_port: str, why: str) -> None:
    with pytest.raises(ValueError) as err:
        le.parse_ip_port(ip_port)
    assert why in str(err.value) and repr(ip_port) in str(err.value)
