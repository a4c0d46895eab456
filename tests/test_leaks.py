"""The hot calls must not leak: gopy's glue for a Go function that returns only an error allocates a C string on
every call and never frees it, so every such call of the API returns (int, error) instead. A million calls of
each shape would leak tens of megabytes if that came back."""

import spmd


def test_hot_calls_do_not_grow_the_process():
    results = spmd.run(1, """
        import shmem
        def rss_kib():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * 4
        assert shmem.shmem_init(0, 1, 1 << 20) == 0
        p = shmem.shmem_malloc(64)
        src = shmem.shmem_malloc(64)
        calls = [lambda: shmem.shmem_putmem(p, src, 8, 0), lambda: shmem.shmem_getmem(src, p, 8, 0),
                 lambda: shmem.shmem_putmem_nbi(p, src, 8, 0), shmem.shmem_quiet, shmem.shmem_fence,
                 lambda: shmem.shmem_int32_p(p, 1, 0), lambda: shmem.shmem_int64_atomic_add(p + 8, 1, 0),
                 lambda: shmem.shmem_putmem_signal(p, src, 8, p + 16, 1, shmem.SHMEM_SIGNAL_ADD, 0)]
        for call in calls:          # warm up: first calls allocate caches
            for _ in range(20000):
                call()
        before = rss_kib()
        for call in calls:
            for _ in range(150000):
                call()
        report(rss_kib() - before)
        shmem.shmem_finialize()
    """, timeout=120)
    assert results[0].report < 2048, f"RSS grew by {results[0].report} KiB over 1.2M calls"
