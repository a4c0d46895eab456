"""A PE whose launcher gave rank and size but no rendezvous address (tests/test_launch_recipes.py): prints
"REPORT <code>" of the failing init."""

import shmem

try:
    shmem.init(mem_size=1 << 20)
except shmem.ShmemError as e:
    print("REPORT", e.code, flush=True)
