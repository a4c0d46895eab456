"""Every PE writes its number into its right neighbour's heap; each then prints what it received.

Run: shmemrun -n 4 python examples/hello.py"""

import shmem

shmem.init(mem_size=1 << 20)  # rank, size and address come from shmemrun (or torchrun, mpirun, srun)
me, n = shmem.my_pe(), shmem.pe_count()

slot = shmem.shmem_malloc(8)  # symmetric: the same offset on every PE
shmem.shmem_putmem(slot, me.to_bytes(8, "little"), 8, (me + 1) % n)
shmem.shmem_barrier_all()

got = int.from_bytes(shmem.buffer(slot, 8), "little")
print(f"PE {me} of {n}: received {got} from my left neighbour")
assert got == (me - 1) % n

shmem.shmem_free(slot)
shmem.shmem_finialize()
