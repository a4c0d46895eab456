"""The few calls of Ascend's `acl` module the test programs use, on host memory: memset/memcpy check that the
range is mapped symmetric memory or ordinary memory of this process, streams are shmem.core streams."""

from . import rt  # noqa: F401
