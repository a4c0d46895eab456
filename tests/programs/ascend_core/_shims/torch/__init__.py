"""The parts of torch (with torch_npu) the test programs use: NumPy stands in for tensors, npu synchronize waits
for every shmem.core stream."""

from __future__ import annotations

import numpy as np

from . import distributed, npu  # noqa: F401

uint8 = np.uint8


def zeros(n: int, dtype: object = None) -> np.ndarray:
    return np.zeros(n, dtype=dtype)


def tensor(data: object, dtype: object = None) -> np.ndarray:
    return np.array(data, dtype=dtype)
