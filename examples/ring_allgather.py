"""Ring all-gather: every PE ends up with every PE's block, passed hand to hand around a ring.

Each PE owns a block of K numbers. In step s (s = 0 .. n-2) every PE forwards the block it received in the
previous step (its own in step 0) to its right neighbour with one put-with-signal, and waits for the block from
its left neighbour. The signal is the step number, so a PE never reads a block before it has fully arrived.
After n-1 steps each PE holds all n blocks, which the program checks against shmem.fcollect (the library's
all-gather).

Run: shmemrun -n 4 python examples/ring_allgather.py"""

import numpy as np
import shmem

K = 1024  # numbers per block

shmem.init(mem_size=4 << 20)
me, n = shmem.my_pe(), shmem.pe_count()
right = (me + 1) % n

gathered = shmem.array((n, K), "float64")  # symmetric: row j will hold PE j's block on every PE
arrived = shmem.array(1, "int32")  # the signal word: the last step whose block arrived here
arrived[0] = 0
gathered[me] = me * 1000 + np.arange(K)  # this PE's own block
shmem.shmem_barrier_all()  # every PE's signal word is zeroed before anybody sends

for step in range(n - 1):
    block = (me - step) % n  # the block this PE forwards in this step
    shmem.shmem_putmem_signal(gathered[block].ctypes.data, gathered[block], gathered[block].nbytes,
                              arrived.ctypes.data, step + 1, shmem.SHMEM_SIGNAL_SET, right)
    shmem.shmem_signal_wait_until(arrived.ctypes.data, shmem.SHMEM_CMP_GE, step + 1)

# Check: the ring's result is what the library's own all-gather gives.
mine = shmem.array(K, "float64")
mine[:] = gathered[me]
expected = shmem.array((n, K), "float64")
shmem.fcollect(expected, mine)
assert np.array_equal(gathered, expected), "ring all-gather differs from fcollect"
print(f"PE {me}: gathered {n} blocks of {K}; first numbers {gathered[:, 0].astype(int).tolist()}")

for arr in (expected, mine, arrived, gathered):
    shmem.shmem_free(arr)
shmem.shmem_finialize()
