"""torch.distributed for the test programs: rank and size from the SHMEM_* variables, broadcast and barrier
through files in $SHMEM_TEST_STORE."""

from __future__ import annotations

import os
import pickle
import time
from typing import Any

_seq = {"bcast": 0, "barrier": 0}


def _store() -> str:
    return os.environ["SHMEM_TEST_STORE"]


def init_process_group(backend: str = "gloo", init_method: str = "env://") -> None:
    pass


def get_rank() -> int:
    return int(os.environ["SHMEM_RANK"])


def get_world_size() -> int:
    return int(os.environ["SHMEM_NPES"])


def _wait(path: str) -> None:
    deadline = time.monotonic() + 120
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.005)


def broadcast_object_list(objs: list, src: int = 0) -> None:
    _seq["bcast"] += 1
    path = f"{_store()}/bcast{_seq['bcast']}"
    if get_rank() == src:
        with open(path + f".tmp{src}", "wb") as f:
            pickle.dump(list(objs), f)
        os.rename(path + f".tmp{src}", path)
        return
    _wait(path)
    with open(path, "rb") as f:
        objs[:] = pickle.load(f)


def broadcast(tensor: Any, src: int = 0) -> None:
    box = [tensor]
    broadcast_object_list(box, src)
    data = box[0].reshape(-1)[: tensor.size]
    tensor[...] = 0  # torch requires equal sizes; ids here are shorter than Ascend's: pad with zeros
    tensor.reshape(-1)[: data.size] = data


def barrier() -> None:
    _seq["barrier"] += 1
    base = f"{_store()}/barrier{_seq['barrier']}"
    open(f"{base}.{get_rank()}", "w").close()
    for rank in range(get_world_size()):
        _wait(f"{base}.{rank}")
