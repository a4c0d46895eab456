"""aclshmemx_set_qp_num on a real ROCE job: the network engine opens qp_num connections to each peer and large
transfers split over them stay exact. Argument: qp_num."""

from __future__ import annotations

import os
import sys

import numpy as np
import shmem
from shmem import core

from programs.pe import NPES, RANK, report


def sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def main() -> None:
    qp = int(sys.argv[1])
    before = [shmem.aclshmemx_set_qp_num(shmem.OpEngineType.MTE, qp),
              shmem.aclshmemx_set_qp_num(shmem.OpEngineType.ROCE, 0),
              shmem.aclshmemx_set_qp_num(shmem.OpEngineType.ROCE, 33),
              shmem.aclshmemx_set_qp_num(shmem.OpEngineType.ROCE, qp)]
    attrs = shmem.InitAttr()
    attrs.option_attr.data_op_engine_type = shmem.OpEngineType.ROCE
    shmem.init(mem_size=32 << 20, attributes=attrs)
    core.set_rdma_config(0, 64 << 10, 0)
    n = 8 << 20
    src, dst, back = core.buffer(n), core.buffer(n), core.buffer(n)
    np.from_dlpack(src)[:] = np.arange(n, dtype=np.uint64).astype(np.uint8) ^ RANK
    core.barrier_all()
    nxt = (RANK + 1) % NPES
    shmem.shmem_putmem(dst.addr, src.addr, n, nxt)
    shmem.shmem_getmem(back.addr, dst.addr, n, nxt)  # what this PE put there
    core.barrier_all()
    prv = (RANK - 1) % NPES
    want = np.arange(n, dtype=np.uint64).astype(np.uint8)
    ok = bool((np.from_dlpack(dst) == want ^ prv).all() and (np.from_dlpack(back) == want ^ RANK).all())
    after = shmem.aclshmemx_set_qp_num(shmem.OpEngineType.ROCE, qp)
    report({"before": before, "after": after, "data": ok, "sockets": sockets()})
    for b in (back, dst, src):
        core.free(b)
    shmem.shmem_finialize()


if __name__ == "__main__":
    main()
