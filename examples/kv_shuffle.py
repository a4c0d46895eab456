"""KV-cache shuffle: PEs with too many tokens in their paged KV cache move whole batches to PEs with too few.

Like the kv_shuffle sample of Ascend's SHMEM: each PE holds a K cache and a V cache made of blocks (pages) of
shape (heads, page, head_dim), and a few batches (sequences) of different lengths, each occupying
len // PAGE + 1 consecutive blocks. To balance the load:

1. every PE learns every PE's batch lengths (shmem.fcollect),
2. all compute the same plan: PEs sorted by token count, the lightest paired with the heaviest, the second
   lightest with the second heaviest, ...; a PE above the mean sends whole batches (as many as fit in the excess)
   to its partner, whose blocks they join after the ones it already uses,
3. each sender puts the K and V blocks straight into its partner's caches (non-blocking puts; the barrier that
   follows completes them),
4. every PE checks its caches against a serial "golden" replay of the plan on copies of all PEs' caches.

Run: shmemrun -n 4 python examples/kv_shuffle.py"""

import numpy as np
import shmem

BATCHES, MAX_SEQLEN = 4, 200  # batches per PE, longest batch in tokens
HEADS, PAGE, HEAD_DIM = 2, 16, 8  # a block is HEADS x PAGE x HEAD_DIM int8 values
MAX_BLOCKS = 2 * BATCHES * (MAX_SEQLEN // PAGE + 1)  # room to receive as much as a PE holds


def initial_state(pe):
    """PE pe's batch lengths and caches (the same on every PE that computes them: seeded by pe)."""
    rng = np.random.default_rng(1000 + pe)
    lens = rng.integers(1, MAX_SEQLEN if pe % 2 else MAX_SEQLEN // 4, BATCHES)  # odd PEs carry more
    k = np.zeros((MAX_BLOCKS, HEADS, PAGE, HEAD_DIM), np.int8)
    v = np.zeros_like(k)
    used = int(sum(length // PAGE + 1 for length in lens))
    k[:used] = rng.integers(-128, 128, k[:used].shape, dtype=np.int8)
    v[:used] = rng.integers(-128, 128, v[:used].shape, dtype=np.int8)
    return lens, k, v


def batch_blocks(lens):
    """The block numbers of each batch: consecutive, in batch order."""
    out, first = [], 0
    for length in lens:
        count = int(length) // PAGE + 1
        out.append(list(range(first, first + count)))
        first += count
    return out


def plan(all_lens):
    """[(sender, receiver, src_blocks, dst_blocks)]: the same on every PE, computed from every PE's lengths."""
    n = len(all_lens)
    totals = [int(sum(lens)) for lens in all_lens]
    mean = sum(totals) // n
    order = sorted(range(n), key=lambda pe: (totals[pe], pe))
    moves = []
    for i in range(n // 2):
        light, heavy = order[i], order[n - 1 - i]
        excess = min(totals[heavy] - mean, mean - totals[light])
        src = []
        for length, blocks in zip(all_lens[heavy], batch_blocks(all_lens[heavy]), strict=True):
            if length < excess:  # whole batches only, while they fit in what is to move
                src += blocks
                excess -= int(length)
        used = sum(len(b) for b in batch_blocks(all_lens[light]))
        if src:
            moves.append((heavy, light, src, list(range(used, used + len(src)))))
    return moves


shmem.init(mem_size=8 << 20)
me, n = shmem.my_pe(), shmem.pe_count()

lens, k_init, v_init = initial_state(me)
k_cache = shmem.array(k_init.shape, "int8")  # symmetric: partners write into each other's caches
v_cache = shmem.array(v_init.shape, "int8")
k_cache[:], v_cache[:] = k_init, v_init
my_lens = shmem.array(BATCHES, "int64")
my_lens[:] = lens
all_lens = shmem.array((n, BATCHES), "int64")
shmem.fcollect(all_lens, my_lens)  # step 1: everybody's batch lengths, everywhere

moves = plan(all_lens.tolist())  # step 2
block_bytes = k_cache[0].nbytes
for sender, receiver, src, dst in moves:  # step 3
    if sender == me:
        for s, d in zip(src, dst, strict=True):
            shmem.shmem_putmem_nbi(k_cache[d].ctypes.data, k_cache[s], block_bytes, receiver)
            shmem.shmem_putmem_nbi(v_cache[d].ctypes.data, v_cache[s], block_bytes, receiver)
shmem.shmem_barrier_all()  # completes the puts; every cache is final

# Step 4: replay the plan serially on copies of every PE's initial caches.
golden = [initial_state(pe)[1:] for pe in range(n)]
for sender, receiver, src, dst in moves:
    golden[receiver][0][dst] = golden[sender][0][src]
    golden[receiver][1][dst] = golden[sender][1][src]
assert np.array_equal(k_cache, golden[me][0]) and np.array_equal(v_cache, golden[me][1]), "caches differ"
sent = sum(len(m[2]) for m in moves if m[0] == me)
got = sum(len(m[2]) for m in moves if m[1] == me)
print(f"PE {me}: {int(lens.sum())} tokens; sent {sent} blocks, received {got}; caches match the golden replay")

for arr in (all_lens, my_lens, v_cache, k_cache):
    shmem.shmem_free(arr)
shmem.shmem_finialize()
