"""The Ascend device-flavoured calls, given their meaning on a host runtime."""

from __future__ import annotations

from ._core import raw
from ._errors import FAILURES, SHMEM_INVALID_VALUE


def mte_set_ub_params(offset: int, size: int, event: int) -> int:
    """Sets the chunk size (size, bytes) in which large transfers are split; offset and event are kept.

    0; -2 for size 0 or negative values (or values beyond 64 bits); -5 before init (the values are then kept for
    init)."""
    try:
        return raw.api_SetUbParams(offset, size, event)
    except FAILURES:
        return SHMEM_INVALID_VALUE


def mte_get_ub_params() -> tuple[int, int, int]:
    """(offset, size, event): the offset and event last given to mte_set_ub_params, and the chunk size in effect
    (the running engine's, or the one init will use)."""
    return (raw.api_UbParam(0), raw.api_UbParam(1), raw.api_UbParam(2))


def get_ffts_config() -> int:
    """0 before init; afterwards a non-zero handle of this PE's synchronisation block."""
    return raw.api_FftsConfig()
