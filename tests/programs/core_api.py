"""Every shmem.core call on a real job: each PE reports what it saw; the test checks it."""

from __future__ import annotations

import numpy as np
import shmem
from shmem import core
from shmem.core.utils import AclshmemError, AclshmemInvalid

from programs.core_uid import init
from programs.pe import NPES, RANK, report


def expect(exc: type[BaseException], fn: object, *args: object, **kw: object) -> str:
    try:
        fn(*args, **kw)  # type: ignore[operator]
    except exc as e:  # noqa: BLE001
        return str(e)
    raise AssertionError(f"{fn} did not raise {exc.__name__}")


def main() -> None:
    out: dict = {}
    nxt = (RANK + 1) % NPES
    init()
    out["version"] = core.get_version()
    out["direct"] = [core.direct.my_pe(), core.direct.n_pes(), int(core.direct.init_status()),
                     core.direct.team_my_pe(core.ACLSHMEM_TEAM_WORLD), core.direct.team_n_pes(0)]

    # Memory: both heaps, buffer protocol, array interface, DLPack (no copy).
    dev = core.buffer(4096)
    host = core.buffer(4096, mem_type=core.MemType.HOST_SIDE)
    zeros = core.calloc(16, 4, core.MemType.HOST_SIDE)
    aligned = core.align(1 << 16, 100)
    dbase, hbase = core.get_heap_base(core.MemType.DEVICE_SIDE), core.get_heap_base(core.MemType.HOST_SIDE)
    out["heaps"] = [dbase <= dev.addr < hbase, hbase <= host.addr, hbase <= zeros.addr, aligned.addr % (1 << 16),
                    shmem.aclshmemx_get_heap_base(1) == dbase, shmem.aclshmemx_get_heap_base(0) == hbase,
                    bytes(zeros.view()) == bytes(64)]
    arr = np.from_dlpack(dev)
    arr[:] = RANK + 1
    out["dlpack"] = [arr.ctypes.data == dev.addr, dev.view()[0], int(np.asarray(dev)[4095]),
                     list(dev.__dlpack_device__())]
    out["external_view"] = expect(AclshmemInvalid, core.Buffer(4096, 8).view)

    # RMA on streams, into both heaps.
    src = core.buffer(4096)
    np.from_dlpack(src)[:] = 10 + RANK
    core.barrier_all()
    s = core.Stream()
    core.put(dev, src, nxt, s)
    core.put(host, src, nxt, stream=0)
    core.quiet(s)
    s.synchronize()
    core.synchronize(0)
    core.barrier_all()
    out["put"] = [dev.view()[7], host.view()[4095]]
    got = core.buffer(4096)
    core.get(got, dev, nxt, s)
    s.synchronize()
    out["get"] = got.view()[0]

    # put_signal (blocking), signal_op and signal_wait on a stream.
    sig = core.calloc(1, 8)
    core.barrier_all()
    core.put_signal(dev, src, sig, 7, core.direct.SignalOp.SIGNAL_SET, nxt)
    core.barrier_all()
    out["put_signal"] = int.from_bytes(sig.view()[:4], "little", signed=True)
    core.barrier_all()  # every PE read its word before anyone adds to it
    core.signal_op(sig, 5, core.direct.SignalOp.SIGNAL_ADD, nxt, stream=s)
    core.signal_wait(sig, 12, core.direct.ComparisonType.CMP_EQ, stream=s)
    s.synchronize()
    out["signal_op_wait"] = int.from_bytes(sig.view()[:4], "little", signed=True)

    # Team synchronisation, now and on streams; handle_wait.
    core.barrier(core.ACLSHMEM_TEAM_WORLD)
    core.sync(core.ACLSHMEM_TEAM_WORLD)
    core.sync_all()
    core.barrier_on_stream(core.ACLSHMEM_TEAM_WORLD, s)
    core.barrier_all_on_stream(s)
    core.handle_wait(core.Handle(core.ACLSHMEM_TEAM_WORLD), s)
    s.synchronize()
    out["bad_team"] = [expect(AclshmemInvalid, core.barrier, core.ACLSHMEM_MAX_TEAMS),
                       expect(AclshmemInvalid, core.sync, core.ACLSHMEM_MAX_TEAMS - 1),
                       expect(ValueError, core.Handle, 77)]
    out["bad_args"] = [expect(AclshmemInvalid, core.put, dev, src, NPES, 0),
                       expect(AclshmemInvalid, core.put, dev, src, True, 0),
                       expect(AclshmemInvalid, core.get, dev, src, 0, -1),
                       expect(AclshmemInvalid, core.quiet, None),
                       expect(AclshmemInvalid, core.signal_op, sig, 1, core.direct.ComparisonType.CMP_EQ, 0, 0),
                       expect(AclshmemInvalid, core.signal_wait, sig, 1, 0, 0),
                       expect(AclshmemInvalid, core.buffer, 0),
                       expect(AclshmemInvalid, core.align, 3, 8),
                       expect(AclshmemInvalid, core.buffer, 8, mem_type=1),
                       expect(TypeError, core.get_prof, 1)]
    # Streams as handles: an unknown one is an error, never a crash.
    out["bad_stream"] = expect(shmem.ShmemError, core.put, dev, src, nxt, 999)

    # Configuration: the same-host engine's piece size in effect after each setter (mte_get_ub_params()[1]).
    core.set_mte_config(0, 1 << 20, 0)
    core.set_sdma_config(0, 1 << 16, 0)
    chunks = [shmem.mte_get_ub_params()[1]]
    core.set_udma_config(0, 4096, 0)  # UDMA runs on the copy engine
    chunks.append(shmem.mte_get_ub_params()[1])
    core.set_rdma_config(0, 8192, 0)  # no network engine here: kept, the same-host engine untouched
    chunks.append(shmem.mte_get_ub_params()[1])
    out["config"] = [chunks, expect(AclshmemInvalid, core.set_udma_config, 0, 127, 0),
                     expect(AclshmemInvalid, core.set_rdma_config, 0, 127, 0),
                     shmem.aclshmemx_set_qp_num(shmem.OpEngineType.ROCE, 4), shmem.aclshmemx_set_udma_config(0, 128, 0),
                     shmem.aclshmemx_set_sdma_config(0, 4096, 0)]

    # Instances: only 0.
    with core.multi_instance(0):
        inside = core.current_instance()
    out["instances"] = [inside, expect(AclshmemError, core.set_instance, 1),
                        expect(AclshmemInvalid, core.set_instance, 255),
                        shmem.aclshmemx_instance_ctx_set(3), shmem.aclshmemx_instance_ctx_get().id,
                        expect(AclshmemError, core.finalize, 2),
                        expect(ValueError, shmem.aclshmemx_instance_ctx_set, -1)]
    out["prof_off"] = core.get_prof() is None

    # Free: owning only, once; a peer's copy is borrowed and dies with its owner.
    peer = core.get_peer_buffer(dev, nxt)
    out["peer"] = [peer.owned, peer.view()[0], expect(AclshmemInvalid, core.free, peer)]
    core.barrier_all()
    core.free(host)
    out["after_free"] = [host.release_called, expect(AclshmemInvalid, core.free, host),
                         expect(AclshmemInvalid, core.put, host, src, nxt, 0), expect(AclshmemInvalid, host.view)]
    for b in (zeros, aligned, got, sig, src):
        core.free(b)
    s.destroy()
    keep = dev
    core.finalize()
    out["after_finalize"] = [expect(AclshmemInvalid, keep.view), expect(AclshmemInvalid, np.from_dlpack, keep),
                             expect(AclshmemInvalid, core.get_peer_buffer, keep, 0)]
    report(out)


if __name__ == "__main__":
    main()
