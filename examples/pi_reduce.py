"""Pi by reduction: every PE integrates a share of 4/(1+x^2) over [0, 1]; one sum-reduction adds the shares.

The midpoint rule with M intervals: PE p takes intervals p, p+n, p+2n, ... (a strided share, so the work is
balanced). shmem.sum_reduce leaves the total on every PE; the program checks it against math.pi and that every
PE got the very same number.

Run: shmemrun -n 4 python examples/pi_reduce.py"""

import math

import numpy as np
import shmem

M = 1_000_000  # intervals

shmem.init(mem_size=1 << 20)
me, n = shmem.my_pe(), shmem.pe_count()

x = (np.arange(me, M, n) + 0.5) / M  # midpoints of this PE's intervals
part = shmem.array(1, "float64")  # symmetric source and destination of the reduction
total = shmem.array(1, "float64")
part[0] = np.sum(4.0 / (1.0 + x * x)) / M

shmem.sum_reduce(total, part)
pi = float(total[0])
print(f"PE {me}: my share {part[0]:.12f}, pi ~ {pi:.12f} (error {abs(pi - math.pi):.1e})")
assert abs(pi - math.pi) < 1e-9

# Every PE must hold the same bits: the reduction combines the shares in rank order everywhere.
lowest, highest = shmem.array(1, "float64"), shmem.array(1, "float64")
shmem.min_reduce(lowest, total)
shmem.max_reduce(highest, total)
assert lowest[0] == highest[0] == pi

for arr in (highest, lowest, total, part):
    shmem.shmem_free(arr)
shmem.shmem_finialize()
