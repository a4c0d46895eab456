"""An E3-style (shmem.core) program: every PE puts a NumPy-filled Buffer into its right neighbour's Buffer on a
stream, computes meanwhile, synchronizes, and checks what it received through DLPack.

Run: shmemrun -n 4 python examples/core_ring.py"""

import numpy as np
import shmem
from shmem import core

shmem.init(mem_size=8 << 20)  # rank, size and address from the launcher; core.init(uid=...) works as well
me, n = core.direct.my_pe(), core.direct.n_pes()

src = core.buffer(1 << 20)
dst = core.calloc(1 << 18, 4)
np.from_dlpack(src).view(np.int32)[:] = me  # symmetric memory seen by NumPy without a copy
core.barrier_all()

with core.Stream() as stream:
    core.put(dst, src, (me + 1) % n, stream)  # queued: returns at once
    busy = sum(i * i for i in range(100_000))  # runs while the stream copies
    stream.synchronize()
core.barrier_all()

got = np.from_dlpack(dst).view(np.int32)
assert (got == (me - 1) % n).all(), got[:4]
print(f"PE {me} of {n}: received {got[0]} from my left neighbour")

core.free(dst)
core.free(src)
core.finalize()
