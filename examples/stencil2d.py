"""2-D stencil with halo exchange: heat spreading on a square plate, the rows split between the PEs.

The plate is an N x N grid whose top edge is held at 1.0 and the other edges at 0.0. Each PE owns a strip of
rows plus one "halo" row above and below that mirrors its neighbours' edge rows. Every Jacobi iteration:

1. each PE puts its first row into the bottom halo of the PE above and its last row into the top halo of the PE
   below (one-sided: the neighbours do nothing),
2. a barrier makes sure every halo has arrived,
3. each PE computes the new values of its strip with NumPy from the four neighbours of each point.

At the end PE 0 gathers the strips (shmem.fcollect) and checks the result against the same computation done on
one undivided grid: the numbers must be equal bit for bit.

Run: shmemrun -n 4 python examples/stencil2d.py"""

import numpy as np
import shmem

N = 64  # grid points per side (a multiple of the number of PEs)
STEPS = 200

shmem.init(mem_size=4 << 20)
me, n = shmem.my_pe(), shmem.pe_count()
assert N % n == 0, "N must be a multiple of the number of PEs"
rows = N // n
up, down = me - 1, me + 1  # neighbours; -1 and n mean "the plate's edge"


def fixed_edges(u, top, bottom):
    """The plate's edges: the top edge hot, the left, right and bottom edges cold."""
    u[:, 0] = u[:, -1] = 0.0
    if top:
        u[0, :] = 1.0
    if bottom:
        u[-1, :] = 0.0


def jacobi(old, new):
    new[1:-1, 1:-1] = 0.25 * (old[:-2, 1:-1] + old[2:, 1:-1] + old[1:-1, :-2] + old[1:-1, 2:])


# Two symmetric buffers of rows+2 rows (halo, strip, halo), swapped every step on every PE alike.
a, b = shmem.array((rows + 2, N), "float64"), shmem.array((rows + 2, N), "float64")
for u in (a, b):
    u[:] = 0.0
    fixed_edges(u, top=me == 0, bottom=me == n - 1)
shmem.shmem_barrier_all()

for _ in range(STEPS):
    if up >= 0:  # my first row -> the bottom halo of the PE above
        shmem.shmem_putmem(a[rows + 1].ctypes.data, a[1], a[1].nbytes, up)
    if down < n:  # my last row -> the top halo of the PE below
        shmem.shmem_putmem(a[0].ctypes.data, a[rows], a[rows].nbytes, down)
    shmem.shmem_barrier_all()  # every halo is in place
    jacobi(a, b)
    shmem.shmem_barrier_all()  # nobody overwrites a halo that a neighbour still reads
    a, b = b, a

# Gather the strips on every PE and compare with one undivided grid.
strip = shmem.array((rows, N), "float64")
strip[:] = a[1:-1]
plate = shmem.array((N, N), "float64")
shmem.fcollect(plate, strip)
if me == 0:
    old = np.zeros((N + 2, N))  # the whole plate with its two edge rows
    fixed_edges(old, top=True, bottom=True)
    new = old.copy()
    for _ in range(STEPS):
        jacobi(old, new)
        old, new = new, old
    assert np.array_equal(plate, old[1:-1]), "the distributed plate differs from the serial one"
    print(f"PE 0: {STEPS} steps on a {N}x{N} plate over {n} PEs match the serial result; "
          f"heat {plate.sum():.6f}, centre {plate[N // 2, N // 2]:.6f}")

for arr in (plate, strip, b, a):
    shmem.shmem_free(arr)
shmem.shmem_finialize()
