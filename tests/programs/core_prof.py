"""Profiling on a real job: PE 0 (named by SHMEM_CYCLE_PROF_PE) counts its calls per kind and peer; the others
return None."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import shmem
from shmem import core

from programs.core_uid import init
from programs.pe import NPES, report


def main() -> None:
    init()
    dst, src = core.buffer(4096), core.buffer(1024)

    for _ in range(10):
        shmem.shmem_putmem(dst.addr, src.addr, 1024, NPES - 1)
    s = core.Stream()
    core.put(dst, src, 1, s)
    s.synchronize()
    core.barrier_all()
    prof = core.get_prof(verbose=False)
    text = io.StringIO()
    with redirect_stdout(text):
        core.show_prof()
    out: dict = {"none": prof is None}
    if prof is not None:
        put, on_stream, barrier = (prof.kinds.index(k) for k in ("put", "put_on_stream", "barrier"))
        out.update(pe_id=prof.pe_id, shape=[len(prof.ccount), len(prof.ccount[0]), len(prof.cycles)],
                   put=[prof.ccount[put][NPES - 1], prof.bytes[put][NPES - 1], prof.cycles[put][NPES - 1] > 0],
                   stream=[prof.ccount[on_stream][1], prof.bytes[on_stream][1]],
                   barrier=prof.ccount[barrier][0] >= 1, table="put_on_stream" in text.getvalue())
    else:
        out["table"] = text.getvalue()
    s.destroy()
    core.free(dst)
    core.free(src)
    core.finalize()
    report(out)


if __name__ == "__main__":
    main()
