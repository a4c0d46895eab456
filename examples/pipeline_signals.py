"""Producer/consumer pipeline with signals: items flow PE 0 -> PE 1 -> ... -> PE n-1 through small ring buffers.

PE 0 produces ITEMS arrays, each middle PE transforms what it receives and passes it on, the last PE consumes.
Between two neighbours sits a ring buffer of SLOTS slots in the receiver's heap, and two signal words:

- `filled` on the receiver: the sender puts item i into slot i % SLOTS together with the signal i + 1
  (shmem_putmem_signal: whoever sees the signal sees the data), so the receiver waits for filled >= i + 1;
- `freed` on the sender: once the receiver has copied item i out, it signals i + 1 back, and the sender reuses
  a slot only when the item that was in it has been freed (flow control: a fast producer cannot overrun).

Nobody waits in a barrier while items flow; the waits sleep on the signal words. The last PE checks every item.

Run: shmemrun -n 4 python examples/pipeline_signals.py"""

import numpy as np
import shmem

ITEMS, SLOTS, K = 200, 4, 256  # items, ring buffer slots, numbers per item

shmem.init(mem_size=4 << 20)
me, n = shmem.my_pe(), shmem.pe_count()
assert n >= 2, "a pipeline needs at least two PEs"
prev, nxt = me - 1, me + 1

ring = shmem.array((SLOTS, K), "float64")  # where my upstream neighbour puts items for me
filled = shmem.array(1, "int32")  # items that arrived in my ring (set by upstream)
freed = shmem.array(1, "int32")  # items my downstream neighbour took out of its ring (set by downstream)
token = shmem.array(1, "int32")  # the 4-byte payload of a "freed" message
filled[0] = freed[0] = 0
shmem.shmem_barrier_all()  # all signal words are zero before anything flows


def produce(i):
    return np.full(K, float(i)) + np.arange(K)


def transform(item):
    return item * 2.0 + 1.0  # what every middle stage does


def send(item, i):
    """Puts item i into the next PE's ring once its slot is free."""
    shmem.shmem_signal_wait_until(freed.ctypes.data, shmem.SHMEM_CMP_GE, i + 1 - SLOTS)
    shmem.shmem_putmem_signal(ring[i % SLOTS].ctypes.data, item, item.nbytes, filled.ctypes.data, i + 1,
                              shmem.SHMEM_SIGNAL_SET, nxt)


def receive(i):
    """Waits for item i from the previous PE, copies it out and frees its slot."""
    shmem.shmem_signal_wait_until(filled.ctypes.data, shmem.SHMEM_CMP_GE, i + 1)
    item = ring[i % SLOTS].copy()
    shmem.shmem_putmem_signal(token.ctypes.data, token, 4, freed.ctypes.data, i + 1, shmem.SHMEM_SIGNAL_SET, prev)
    return item


checked = 0
for i in range(ITEMS):
    if me == 0:
        send(produce(i), i)
    elif me < n - 1:
        send(transform(receive(i)), i)
    else:
        item = receive(i)
        expected = produce(i)
        for _ in range(n - 2):
            expected = transform(expected)
        assert np.array_equal(item, expected), f"item {i} is wrong"
        checked += 1

if me == n - 1:
    print(f"PE {me}: consumed and checked {checked} items that passed {n - 2} middle stages")
shmem.shmem_barrier_all()
for arr in (token, freed, filled, ring):
    shmem.shmem_free(arr)
shmem.shmem_finialize()
