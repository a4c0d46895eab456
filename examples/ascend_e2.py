"""A program in the style of Ascend's E2 API (aclshmem_* / aclshmemx_*), as written for Ascend with torch_npu,
the tensors being NumPy arrays here: init through InitAttr, typed puts, a strided put, a put with signal.

Run: shmemrun -n 4 python examples/ascend_e2.py"""

import os

import numpy as np
import shmem as ash

rank, npes = int(os.environ["SHMEM_RANK"]), int(os.environ["SHMEM_NPES"])
attributes = ash.InitAttr()
attributes.my_rank, attributes.n_ranks = rank, npes
attributes.local_mem_size = 64 * 1024 * 1024
attributes.ip_port = os.environ["SHMEM_IP_PORT"]
attributes.option_attr.data_op_engine_type = ash.OpEngineType.MTE
if ash.aclshmem_init(attributes) != 0:
    raise SystemExit("aclshmem_init failed")
me, n = ash.my_pe(), ash.pe_count()
right = (me + 1) % n

# a typed put of one element into the right neighbour's copy of `cell`
cell = ash.aclshmem_malloc(8)
ash.aclshmem_int64_p(cell, 1000 + me, right)
ash.shmem_barrier_all()
assert ash.aclshmem_int64_g(cell, me) == 1000 + (me - 1) % n

# a tensor in the symmetric heap; every other element of mine goes to the right neighbour's first half
tensor = ash.aclshmem_create_tensor((16,), "int32", 0)
tensor[:] = 0
ash.shmem_barrier_all()
mine = np.arange(16, dtype=np.int32) + 100 * me
ash.aclshmem_int32_iput(tensor.ctypes.data, mine, 1, 2, 8, right)  # dest stride 1, source stride 2, 8 elements
ash.shmem_barrier_all()
assert (tensor[:8] == mine[::2] - 100 * me + 100 * ((me - 1) % n)).all()

# data, then a signal: whoever sees the signal sees the data
flag = ash.aclshmem_calloc(1, 8)
data = ash.aclshmem_malloc(64)
ash.aclshmemx_put32_signal(data, np.full(16, me, dtype=np.int32), 16, flag, me + 1, ash.SignalOp.SIGNAL_SET, right)
ash.shmem_signal_wait_until(flag, ash.CmpOp.CMP_EQ, (me - 1) % n + 1)
got = np.frombuffer(ash.buffer(data, 64), dtype=np.int32)
assert (got == (me - 1) % n).all()
print(f"PE {me} of {n}: typed put, strided put and put-with-signal arrived from PE {(me - 1) % n}")

ash.shmem_barrier_all()
ash.aclshmem_free_tensor(tensor)
for p in (data, flag, cell):
    ash.aclshmem_free(p)
ash.aclshmem_finalize()
