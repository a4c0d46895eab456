"""Values Go and Python both write: the facade keeps its literals (they document the API), the runtime's constants
are the source, and this test fails with the name of any value that drifted (issue 11, item 5).

api.SharedConstants() is built from the Go constants themselves (gopkg/api/shared.go). The ip_port grammar is
written twice too (the launcher's parser is plain Python, usable without the extension): the table and the
generated strings below prove that both accept and refuse the same addresses."""

from __future__ import annotations

import json
import random

import pytest
import shmem
import shmem.core._types as core_types
import shmem.core.utils as core_utils
from shmem import _amo, _attrs, _collective, _errors, _init_fini, _launch_env, _p2p, _signal, _teams, _types, _unique_id
from shmem._core import api


def _go() -> dict[str, int]:
    return json.loads(api.SharedConstants())


def _python() -> dict[str, tuple[str, int]]:
    """Go name -> (the Python constants that must equal it, their value), one row per Python constant."""
    rows: list[tuple[str, str, int]] = [
        ("errcode.Success", "_errors.SHMEM_SUCCESS", _errors.SHMEM_SUCCESS),
        ("errcode.InvalidParam", "_errors.SHMEM_INVALID_PARAM", _errors.SHMEM_INVALID_PARAM),
        ("errcode.InvalidValue", "_errors.SHMEM_INVALID_VALUE", _errors.SHMEM_INVALID_VALUE),
        ("errcode.SmemError", "_errors.SHMEM_SMEM_ERROR", _errors.SHMEM_SMEM_ERROR),
        ("errcode.InnerError", "_errors.SHMEM_INNER_ERROR", _errors.SHMEM_INNER_ERROR),
        ("errcode.NotInited", "_errors.SHMEM_NOT_INITED", _errors.SHMEM_NOT_INITED),
        ("errcode.BootstrapError", "_errors.SHMEM_BOOTSTRAP_ERROR", _errors.SHMEM_BOOTSTRAP_ERROR),
        ("errcode.TimeoutError", "_errors.SHMEM_TIMEOUT_ERROR", _errors.SHMEM_TIMEOUT_ERROR),
        ("errcode.MallocFailed", "_errors.SHMEM_MALLOC_FAILED", _errors.SHMEM_MALLOC_FAILED),
        ("errcode.NotSupported", "_errors.SHMEM_NOT_SUPPORTED", _errors.SHMEM_NOT_SUPPORTED),
        ("errcode.NotSupported", "core.utils.NOT_SUPPORTED", core_utils.NOT_SUPPORTED),
        ("errcode.Interrupted", "_errors._INTERRUPTED", _errors._INTERRUPTED),
        ("amo.Fetch", "_amo._FETCH", _amo._FETCH),
        ("amo.Set", "_amo._SET", _amo._SET),
        ("amo.Swap", "_amo._SWAP", _amo._SWAP),
        ("amo.CompareSwap", "_amo._CSWAP", _amo._CSWAP),
        ("amo.FetchAdd", "_amo._FETCH_ADD", _amo._FETCH_ADD),
        ("amo.Add", "_amo._ADD", _amo._ADD),
        ("signal.Set", "_signal.SHMEM_SIGNAL_SET", _signal.SHMEM_SIGNAL_SET),
        ("signal.Add", "_signal.SHMEM_SIGNAL_ADD", _signal.SHMEM_SIGNAL_ADD),
        ("signal.Set", "_types.SignalOp.SIGNAL_SET", _types.SignalOp.SIGNAL_SET),
        ("signal.Add", "_types.SignalOp.SIGNAL_ADD", _types.SignalOp.SIGNAL_ADD),
        ("status.NotInitialized", "InitStatus.NOT_INITIALIZED", _attrs.InitStatus.NOT_INITIALIZED),
        ("status.ShmCreated", "InitStatus.SHM_CREATED", _attrs.InitStatus.SHM_CREATED),
        ("status.Initialized", "InitStatus.INITIALIZED", _attrs.InitStatus.INITIALIZED),
        ("mem.HostSide", "MemType.HOST_SIDE", _types.MemType.HOST_SIDE),
        ("mem.DeviceSide", "MemType.DEVICE_SIDE", _types.MemType.DEVICE_SIDE),
        ("team.World", "_teams.SHMEM_TEAM_WORLD", _teams.SHMEM_TEAM_WORLD),
        ("team.Invalid", "_teams.SHMEM_TEAM_INVALID", _teams.SHMEM_TEAM_INVALID),
        ("team.World", "_types.ACLSHMEM_TEAM_WORLD", _types.ACLSHMEM_TEAM_WORLD),
        ("team.Invalid", "_types.ACLSHMEM_TEAM_INVALID", _types.ACLSHMEM_TEAM_INVALID),
        ("prof.Rows", "core._types.PROF_ROWS", core_types.PROF_ROWS),
        ("prof.Columns", "core._types.PROF_COLUMNS", core_types.PROF_COLUMNS),
        ("instance.Max", "_init_fini.MAX_INSTANCES", _init_fini.MAX_INSTANCES),
        ("uniqueid.Size", "_unique_id.UNIQUE_ID_SIZE", _unique_id.UNIQUE_ID_SIZE),
        ("ipport.MinPort", "_launch_env.MIN_PORT", _launch_env.MIN_PORT),
        ("ipport.MaxPort", "_launch_env.MAX_PORT", _launch_env.MAX_PORT),
    ]
    cmps = ("EQ", "NE", "GT", "GE", "LT", "LE")
    rows += [(f"cmp.{c}", f"_signal.SHMEM_CMP_{c}", getattr(_signal, f"SHMEM_CMP_{c}")) for c in cmps]
    rows += [(f"cmp.{c}", f"_types.CmpOp.CMP_{c}", _types.CmpOp[f"CMP_{c}"]) for c in cmps]
    rows += [(f"engine.{e.name}", f"OpEngineType.{e.name}", e.value) for e in _attrs.OpEngineType]
    kinds = {"i": "int", "u": "uint", "f": "float"}
    rows += [(f"dtype.{kinds[kind]}{8 * size}", f"_collective._DTYPE_CODES[{kind!r}, {size}]", code)
             for (kind, size), code in _collective._DTYPE_CODES.items()]
    rows += [(f"op.{name}", f"_collective._OP_CODES[{name!r}]", code) for name, code in _collective._OP_CODES.items()]
    p2p_ops = ("TEST", "TEST_ALL", "TEST_ANY", "TEST_SOME", "WAIT_UNTIL", "WAIT_ALL", "WAIT_ANY", "WAIT_SOME")
    go_ops = ("Test", "TestAll", "TestAny", "TestSome", "WaitUntil", "WaitUntilAll", "WaitUntilAny", "WaitUntilSome")
    rows += [(f"p2p.{go}", f"_p2p._{py}", getattr(_p2p, f"_{py}")) for py, go in zip(p2p_ops, go_ops, strict=True)]
    p2p_kind = {"char": "int8", "float": "float32"}
    rows += [(f"p2p.{p2p_kind.get(name, name)}", f"_p2p._TYPES[{name!r}]", row[0]) for name, row in _p2p._TYPES.items()]
    return {f"{py} (Go {go})": (go, int(value)) for go, py, value in rows}


def test_python_constants_equal_the_runtimes() -> None:
    go = _go()
    drifted = {name: (value, go.get(key)) for name, (key, value) in _python().items() if go.get(key) != value}
    assert drifted == {}, "Python value != Go value"


def test_every_shared_go_constant_is_compared() -> None:
    """A value added on the Go side only (say a new error code) fails here until a Python constant checks it."""
    compared = {key for key, _ in _python().values()} | {"version.Major", "version.Minor"}
    assert set(_go()) - compared == set()


def test_version_comes_from_the_runtime() -> None:
    go = _go()
    assert shmem.shmem_info_get_version() == (go["version.Major"], go["version.Minor"])


def test_a_drifted_value_is_named() -> None:
    """The comparison can fail: a Python value changed on purpose is reported under its name."""
    go = _go()
    rows = _python()
    rows["_errors.SHMEM_TIMEOUT_ERROR (Go errcode.TimeoutError)"] = ("errcode.TimeoutError", -70)
    drifted = {name for name, (key, value) in rows.items() if go.get(key) != value}
    assert drifted == {"_errors.SHMEM_TIMEOUT_ERROR (Go errcode.TimeoutError)"}


# ip_port: both parsers must agree on every input. (valid?, input)
IP_PORTS = [
    (True, "tcp://127.0.0.1:8666"),
    (True, "tcp://localhost:1025"),
    (True, "tcp://localhost:65535"),
    (True, "tcp://10.0.0.7:29600"),
    (True, "tcp://host-name.example.com:20000"),
    (True, "tcp://[10.0.0.7]:29600"),
    (True, "tcp://h:08666"),
    (True, "tcp6://[::1]:65535"),
    (True, "tcp6://[fe80::1]:20000"),
    (True, "tcp6://[fe80::1%eth0]:20000"),
    (True, "tcp6://[2001:db8::7]:4000"),
    (True, "tcp6://[h]:4000"),
    (False, ""),
    (False, "127.0.0.1:8666"),
    (False, "udp://1.2.3.4:5000"),
    (False, "TCP://1.2.3.4:5000"),
    (False, " tcp://1.2.3.4:5000"),
    (False, "tcp://1.2.3.4"),
    (False, "tcp://1.2.3.4:"),
    (False, "tcp://:8666"),
    (False, "tcp://1.2.3.4:1024"),
    (False, "tcp://1.2.3.4:0"),
    (False, "tcp://1.2.3.4:65536"),
    (False, "tcp://1.2.3.4:99999999999999999999"),
    (False, "tcp://h:p0rt"),
    (False, "tcp://h:+8666"),
    (False, "tcp://h:-8666"),
    (False, "tcp://h: 8666"),
    (False, "tcp://h:8666 "),
    (False, "tcp://h:８６６６"),
    (False, "tcp://h:0x2000"),
    (False, "tcp://::1:8666"),
    (False, "tcp://[::1]:8666"),
    (False, "tcp://a:b:8666"),
    (False, "tcp://h]:8666"),
    (False, "tcp://[h:8666"),
    (False, "tcp://h[x]:8666"),
    (False, "tcp6://::1:8666"),
    (False, "tcp6://[::1]"),
    (False, "tcp6://[::1]:"),
    (False, "tcp6://[]:8666"),
    (False, "tcp6://[::1]x:8666"),
    (False, "tcp6://[::1]:8666:1"),
    (False, "tcp6://[[::1]]:8666"),
    (False, "tcp6://10.0.0.7:8666"),
]


def _python_accepts(ip_port: str) -> str | None:
    """The "HOST:PORT" the launcher's parser makes of ip_port, or None when it refuses it."""
    try:
        host, port = _launch_env.parse_ip_port(ip_port)
    except ValueError:
        return None
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _go_accepts(ip_port: str) -> str | None:
    try:
        return api.ParseIPPort(ip_port)
    except RuntimeError as exc:
        assert str(exc).startswith(f"shmem[{_errors.SHMEM_INVALID_VALUE}]"), exc
        return None


@pytest.mark.parametrize(("valid", "ip_port"), IP_PORTS)
def test_ip_port_parsers_agree(valid: bool, ip_port: str) -> None:
    go, py = _go_accepts(ip_port), _python_accepts(ip_port)
    assert (go is not None, py is not None) == (valid, valid), (go, py)
    assert go == py


def test_ip_port_parsers_agree_on_generated_strings() -> None:
    """Strings built from the grammar's pieces and the characters that break it, many near-misses among them."""
    rng = random.Random(11)
    # The grammar's pieces come up more often than the breaking ones, so that many strings are valid.
    schemes = ["tcp://"] * 4 + ["tcp6://"] * 4 + ["tcp:/", "tcp6:", "udp://", ""]
    hosts = ["h", "127.0.0.1", "[::1]", "[h]", "[fe80::1%lo]"] * 3 + ["::1", "", "[", "]", "a:b", "x]y", "[]"]
    seps = [":"] * 8 + ["", "::"]
    ports = ["8666", "1025", "65535", "08666"] * 3 + ["1024", "65536", "", "+8666", "-1", "86x6", "0", " 8666",
                                                      "8666:1"]
    seen = 0
    for _ in range(3000):
        text = rng.choice(schemes) + rng.choice(hosts) + rng.choice(seps) + rng.choice(ports)
        if rng.random() < 0.2:
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice("[]:%/ 9") + text[i:]
        go, py = _go_accepts(text), _python_accepts(text)
        assert go == py, (text, go, py)
        seen += go is not None
    assert seen > 200  # the generator reaches valid addresses, not only refusals
