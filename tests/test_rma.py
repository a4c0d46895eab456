"""One-sided data movement between real PE processes: put, get, their _nbi forms, quiet and fence, under the MTE
(load/store by the caller) and SDMA (copy-engine workers) engines.

Data is checked byte for byte against per-PE random streams that every PE can regenerate, and the bytes around
every destination range are checked untouched. Misbehaving arguments must give ShmemError, never a crash."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shmem
import spmd

MIB = 1 << 20
SIZES = [1, 7, 8, 63, 64, 4095, 4097, 65537, MIB + 3, 16 * MIB]
ENGINES = ["MTE", "SDMA"]

def run(n: int, case: str, *args: str, timeout: float = 45, **kw):
    return spmd.run_module(n, "rma", case, *args, timeout=timeout, **kw)


@pytest.mark.parametrize("engine", ENGINES)
def test_all_pairs_all_sizes_unaligned_byte_for_byte(engine):
    """4 PEs; every PE targets every PE (itself too) with every size, for put, get, put_nbi and get_nbi."""
    results = run(4, "all_pairs", engine, timeout=90)
    for pe in results:
        assert pe.report == {}, f"PE {pe.rank}: {pe.report}"


@pytest.mark.parametrize("engine", ENGINES)
def test_local_side_as_address_bytes_bytearray_memoryview_and_numpy(engine):
    results = run(2, "local_kinds", engine)
    for pe in results:
        assert pe.report == [], f"PE {pe.rank}: {pe.report}"


@pytest.fixture
def one_pe():
    """A job of one PE in the test process (the facade's argument handling needs no peers)."""
    assert shmem.shmem_init(0, 1, 1 << 20) == 0
    try:
        sym = shmem.shmem_malloc(8192)
        shmem.buffer(sym, 8192)[:] = b"\x55" * 8192
        yield sym
        assert bytes(shmem.buffer(sym, 8192)) == b"\x55" * 8192, "a rejected call wrote into the heap"
    finally:
        shmem.shmem_finialize()


def _code(fn, *args):
    with pytest.raises(shmem.ShmemError) as err:
        fn(*args)
    return err.value.code


@pytest.mark.parametrize("get", [shmem.shmem_getmem, shmem.shmem_getmem_nbi])
def test_get_into_a_read_only_buffer_raises_invalid_param(one_pe, get):
    assert _code(get, bytes(64), one_pe, 64, 0) == shmem.SHMEM_INVALID_PARAM
    assert _code(get, memoryview(bytes(64)), one_pe, 64, 0) == shmem.SHMEM_INVALID_PARAM


@pytest.mark.parametrize("fn", [shmem.shmem_putmem, shmem.shmem_getmem])
def test_wrong_local_types_are_type_errors(one_pe, fn):
    for bad in ("text", 1.5, None, [0] * 8):
        with pytest.raises(TypeError):
            if fn is shmem.shmem_putmem:
                fn(one_pe, bad, 4, 0)
            else:
                fn(bad, one_pe, 4, 0)


@pytest.mark.parametrize("fn", [shmem.shmem_getmem, shmem.shmem_getmem_nbi, shmem.shmem_putmem])
def test_read_only_or_strided_numpy_raises_invalid_param(one_pe, fn):
    import numpy as np

    read_only = np.zeros(64, np.uint8)
    read_only.flags.writeable = False
    strided = np.zeros(128, np.uint8)[::2]
    for local in ([read_only, strided] if fn is not shmem.shmem_putmem else [strided]):
        if fn is shmem.shmem_putmem:
            assert _code(fn, one_pe, local, 64, 0) == shmem.SHMEM_INVALID_PARAM
        else:
            assert _code(fn, local, one_pe, 64, 0) == shmem.SHMEM_INVALID_PARAM
    assert (read_only == 0).all()


@pytest.mark.parametrize("fn", [shmem.shmem_putmem, shmem.shmem_putmem_nbi, shmem.shmem_getmem,
                                shmem.shmem_getmem_nbi])
def test_too_short_local_buffer_raises_invalid_param(one_pe, fn):
    import numpy as np

    for local, n in ((bytearray(63), 64), (np.zeros(7, np.float64), 64), (bytearray(8191), 8192)):
        if fn in (shmem.shmem_putmem, shmem.shmem_putmem_nbi):
            assert _code(fn, one_pe, local, n, 0) == shmem.SHMEM_INVALID_PARAM
        else:
            assert _code(fn, local, one_pe, n, 0) == shmem.SHMEM_INVALID_PARAM
    shmem.shmem_quiet()


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_arguments_raise_shmem_error_never_crash(engine):
    results = run(2, "bad_arguments", engine)
    for pe in results:
        codes, after = pe.report
        assert after == [True, True, True]
        assert codes["size 0"] == ["no error"] * 6
        del codes["size 0"]
        assert {k: set(v) for k, v in codes.items()} == {k: {-1} for k in codes}, codes


@pytest.mark.parametrize("engine", ENGINES)
def test_python_threads_put_concurrently_into_disjoint_regions(engine):
    results = run(2, "threads", engine)
    for pe in results:
        assert pe.report == [], f"PE {pe.rank}: {pe.report}"


@pytest.mark.parametrize(("engine", "how"), [("SDMA", "attr"), ("SDMA", "setter"), ("MTE", "setter")])
def test_sdma_nbi_overlaps_with_python_and_quiet_completes(engine, how):
    """A 64 MiB putmem_nbi under SDMA returns before its copy is done: right after the call the end of the peer's
    buffer (seen through its mapped heap) still holds old bytes; the copy then progresses while Python runs,
    before any quiet; quiet completes it. Under MTE the nbi call does the copy itself: every time, the peer holds
    all of it when the call returns. Observed through the data, not a clock (issue 11: no test times speed)."""
    results = run(2, "nbi_overlap", engine, how)
    pending, work, equal, attempts = results[0].report
    assert equal and results[1].report is True
    if engine == "SDMA":
        # To hide, the copy of 64 MiB would have to finish between the call's return and the next line of Python,
        # five times in a row.
        assert pending >= 1, (pending, attempts)
    else:
        assert pending == 0 and work == 0, (pending, work)


def test_chunk_size_from_mte_set_ub_params_is_in_effect_on_the_copy_engine():
    """The chunk size is observable as time: a 1 MiB transfer in 1-byte chunks costs a million work items.
    Before init the value is kept for init (and the call says NOT_INITED); afterwards it applies at once. Data
    stays exact whatever the chunk size, also when chunks do not divide the transfer."""
    results = run(2, "chunk_size")
    for pe in results:
        out = pe.report
        assert out["before"] == shmem.SHMEM_NOT_INITED
        assert out["set"] == [0, 0, 0, 0, 0]
        assert out["bad"] == []
        assert out["slow"] > 10 * out["fast"] and out["slow"] > 0.005, out
        assert out["slow again"] > 10 * out["fast"], out


@pytest.mark.parametrize("engine", ENGINES)
def test_fence_orders_a_big_put_before_the_flag_that_announces_it(engine):
    """PE 0 puts 256 KiB (nbi: queued on the copy engine under SDMA), fences, then puts an 8-byte flag (copied
    inline under SDMA, so without the fence it would overtake). PE 1 waits for the flag and checks the data."""
    results = run(2, "fence", engine)
    assert results[1].report == []


@pytest.mark.parametrize("engine", ENGINES)
def test_long_transfers_release_the_gil(engine):
    """Another Python thread runs while a 128 MiB put copies (spec: long calls release the GIL). With a switch
    interval of an hour, the main thread gives the GIL up only where it blocks: a tick of the other thread stamped
    between the main thread's two clock reads around the put proves that the put let go of the GIL. Seen
    through the order of events, not a duration."""
    results = run(1, "gil", engine)
    inside = results[0].report
    assert max(inside) > 0, inside


@pytest.mark.skipif(shutil.which("gcc") is None and shutil.which("cc") is None,
                    reason="the benchmark's C baselines need a C compiler")
def test_the_benchmark_starts_its_own_pes_and_prints_the_table():
    bench = Path(__file__).resolve().parent.parent / "bench" / "bench_rma.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHMEM_")}
    done = subprocess.run([sys.executable, str(bench), "--max-size", "8192", "--seconds", "0.002", "--reps", "1"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "### MTE" in out and "### SDMA" in out
    assert "| 8 B |" in out and "| 4 KiB+1 |" in out and "| 8 KiB |" in out
    assert "8 B put =" in out and "x a bare ctypes call" in out


def test_nbi_keeps_a_temporary_source_alive_until_quiet():
    # A buffer object passed to a _nbi call may be a temporary that Python frees on return; the copy engine reads it
    # later. The facade holds the buffer until the next quiet, so the data that lands is the data that was passed,
    # and the object cannot be resized meanwhile.
    results = run(2, "nbi_keeps_source")
    assert results[0].report is False
    assert results[1].report == [True, True]
