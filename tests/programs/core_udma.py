"""A job on the UDMA engine (the copy engine here): aclshmemx_set_qp_num(UDMA, q) before init gives the copy engine
q workers; set_udma_config gives it its chunk size; a ring of puts in chunks that do not divide the transfer stays
exact. Argument: q."""

from __future__ import annotations

import sys

import numpy as np
import shmem
from shmem import core

from programs.pe import NPES, RANK, report


def main() -> None:
    queues = int(sys.argv[1])
    logged: list = []
    shmem.set_log_level(0)
    shmem.set_extern_logger(func=lambda level, msg: logged.append(msg))
    before = [shmem.aclshmemx_set_qp_num(shmem.OpEngineType.SDMA, queues),
              shmem.aclshmemx_set_qp_num(shmem.OpEngineType.UDMA, 0),
              shmem.aclshmemx_set_qp_num(shmem.OpEngineType.UDMA, 33),
              shmem.aclshmemx_set_qp_num(shmem.OpEngineType.UDMA, queues)]
    attrs = shmem.InitAttr()
    attrs.option_attr.data_op_engine_type = shmem.OpEngineType.UDMA
    shmem.init(mem_size=8 << 20, attributes=attrs)
    started = [m for m in logged if "copy engine started" in m]
    core.set_udma_config(0, 4096, 0)
    chunk = shmem.mte_get_ub_params()[1]
    n = (1 << 20) + 3
    src, dst = core.buffer(n + 8), core.buffer(n + 8)
    want = (np.arange(n, dtype=np.uint64) * 7 + RANK).astype(np.uint8)
    np.from_dlpack(src)[:n] = want
    np.from_dlpack(dst)[:] = 0
    core.barrier_all()
    shmem.shmem_putmem(dst.addr + 5, src.addr, n, (RANK + 1) % NPES)
    core.barrier_all()
    theirs = (np.arange(n, dtype=np.uint64) * 7 + (RANK - 1) % NPES).astype(np.uint8)
    got = np.from_dlpack(dst)
    ok = bool((got[5:5 + n] == theirs).all() and not got[:5].any() and not got[5 + n:].any())
    after = shmem.aclshmemx_set_qp_num(shmem.OpEngineType.UDMA, queues)
    report({"before": before, "started": started, "chunk": chunk, "data": ok, "after": after})
    core.free(dst)
    core.free(src)
    shmem.shmem_finialize()


if __name__ == "__main__":
    main()
