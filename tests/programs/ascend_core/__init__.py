"""Ascend's own shmem.core test programs (hicann/shmem examples/python_extension/test/core), run unchanged on
this runtime: torch, torch.distributed and acl come from _shims (NumPy and files instead of NPUs and gloo)."""
