"""Every name of Ascend's E0, E1 and E2 Python API (the checklist tests/data/ascend-api-eras.md) exists at module
level of shmem with its parameter names, so keyword calls written for Ascend work; the stub types them.

The checklist is a copy kept in the repository, so that the test runs on a clean machine (CI has no ../shared);
test_checklist_matches_the_shared_copy keeps it in step with the shared original when that exists."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from enum import IntEnum
from pathlib import Path

import pytest
import shmem

ROOT = Path(__file__).resolve().parent.parent
CHECKLIST = ROOT / "tests" / "data" / "ascend-api-eras.md"
SHARED = ROOT.parent.parent / "shared" / "docs" / "ascend-api-eras.md"
ITEM = re.compile(r"^- `([^`(]+)(?:\(([^)]*)\))?`(?: for (.+))?$")
MEMBERS = re.compile(r"^- `(\w+)`: (.+)$")


def parse(text: str) -> tuple[dict, dict]:
    """{era: [(name, params or None)]} and {class: [members]} of the checklist."""
    eras: dict = {}
    members: dict = {}
    era = None
    for line in text.splitlines():
        if line.startswith("## E"):
            era = line[3:].strip()
            eras[era] = []
        elif line.startswith("## "):
            era = "members" if "member" in line.lower() else None
        elif era == "members":
            m = MEMBERS.match(line)
            if m:
                members[m.group(1)] = re.findall(r"`(\w+)`", m.group(2))
        elif era:
            m = ITEM.match(line)
            if not m:
                continue
            name, params, types = m.groups()
            plist = None if params in (None, "...") else [p.strip() for p in params.split(",") if p.strip()]
            for t in [x.strip() for x in types.split(",")] if types else [None]:
                eras[era].append((name.replace("<T>", t) if t else name, plist))
    return eras, members


ERAS, MEMBER_LISTS = parse(CHECKLIST.read_text())
NAMES = [(era, name, params) for era in ("E0", "E1", "E2") for name, params in ERAS[era]]


def test_checklist_matches_the_shared_copy():
    if not SHARED.exists():
        pytest.skip(f"no shared checklist at {SHARED} (a clean checkout): the copy in tests/data is the reference")
    assert CHECKLIST.read_text() == SHARED.read_text(), (
        f"tests/data/ascend-api-eras.md differs from {SHARED}: copy the shared one over and add what is new")


def test_checklist_parses():
    assert len(ERAS["E0"]) == 13 and len(ERAS["E1"]) >= 66 and len(ERAS["E2"]) >= 300


@pytest.mark.parametrize("era,name,params", NAMES, ids=[f"{e}:{n}" for e, n, _ in NAMES])
def test_name_exists_with_its_parameters(era, name, params):
    obj = getattr(shmem, name, None)
    assert obj is not None, f"{era} name shmem.{name} is missing"
    if params is None or inspect.isclass(obj) or not callable(obj):
        return
    have = [p.name for p in inspect.signature(obj).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert have[: len(params)] == params or all(p in have for p in params), (
        f"shmem.{name}{tuple(have)}: Ascend's parameters are {tuple(params)}")


@pytest.mark.parametrize("cls", sorted(MEMBER_LISTS))
def test_class_members(cls):
    obj = getattr(shmem, cls)
    if not issubclass(obj, IntEnum):
        obj = obj()
    missing = [m for m in MEMBER_LISTS[cls] if not hasattr(obj, m) and not hasattr(type(obj), m)]
    assert not missing, f"{cls} lacks {missing}"


def test_ascend_values():
    assert [int(m) for m in shmem.OpEngineType] == [1, 2, 4, 8]
    assert (shmem.SignalOp.SIGNAL_SET, shmem.SignalOp.SIGNAL_ADD) == (0, 1)
    assert [m.name for m in shmem.CmpOp] == ["CMP_EQ", "CMP_NE", "CMP_GT", "CMP_GE", "CMP_LT", "CMP_LE"]
    assert [int(m) for m in shmem.CmpOp] == list(range(6))
    assert (shmem.MemType.HOST_SIDE, shmem.MemType.DEVICE_SIDE) == (0, 1)
    assert (shmem.InitMode.DEFAULT, shmem.InitMode.MPI, shmem.InitMode.UNIQUEID) == (1, 2, 8)
    assert (shmem.ACLSHMEM_TEAM_WORLD, shmem.ACLSHMEM_TEAM_INVALID) == (0, -1)
    assert shmem.OptionalAttr().sockFd == -1 and shmem.InitAttr().instance_id == 0
    assert shmem.Handle().team_id == -1 and shmem.Handle(3) == shmem.Handle(team_id=3)
    assert shmem.InstanceContext().id == 0 and shmem.ProfData().pe_id == -1


def test_unique_id_is_ascends_136_bytes():
    uid = shmem.UniqueId()
    assert len(bytes(uid)) == 136 and uid.version == (1 << 16) + 136
    assert len(uid.internal) == 124
    with pytest.raises(ValueError):
        uid.internal = b"short"
    uid.internal = bytes(range(124))
    again = shmem.UniqueId.from_bytes(bytes(uid))
    assert again == uid and again.internal == bytes(range(124))
    made = shmem.aclshmem_get_unique_id()
    assert len(made) == 136 and shmem.UniqueId.from_bytes(made).version == uid.version
    bad = shmem.UniqueId()
    bad.version = 7
    with pytest.raises(ValueError):
        bad.internal = bytes(124)


def test_shmem_error_is_a_value_error_and_a_runtime_error():
    err = shmem.ShmemError(shmem.SHMEM_INVALID_PARAM, "bad team")
    assert isinstance(err, ValueError) and isinstance(err, RuntimeError)
    with pytest.raises(ValueError):
        shmem.shmem_barrier(12345)  # not initialised: still a ShmemError, caught as Ascend's ValueError


def test_stub_block_is_fresh():
    gen = ROOT / "scripts" / "gen_ascend_stub.py"
    done = subprocess.run([sys.executable, str(gen), "--check"], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr


def test_every_ascend_name_is_in_the_stub():
    import shmem._ascend as ascend

    stub = (ROOT / "python" / "shmem" / "__init__.pyi").read_text()
    typed = set(re.findall(r"^def (\w+)\(", stub, re.M)) | set(re.findall(r"^class (\w+)", stub, re.M))
    typed |= set(re.findall(r"^(\w+):", stub, re.M)) | set(re.findall(r"^(\w+) = ", stub, re.M))
    missing = [n for n in ascend.__all__ if n not in typed]
    for cls in ("SignalOp", "CmpOp", "InitMode", "MemType", "Handle", "UniqueId", "ProfData", "InstanceContext",
                "ACLSHMEM_TEAM_WORLD", "ACLSHMEM_TEAM_INVALID"):
        if cls not in typed:
            missing.append(cls)
    assert not missing, f"not in __init__.pyi: {missing}"
