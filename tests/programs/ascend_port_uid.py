"""Ascend's examples/python_extension/test/unique_id_test.py, ported as a user would: torch.distributed's
broadcast of the unique id becomes a file PE 0 writes (SHMEM_TEST_UID_FILE) and the others read; rank and world
size come from the environment. Everything else is the original program."""

import os
import time
from typing import Any

import shmem as ash

g_ash_size = 1024 * 1024 * 1024
g_malloc_size = 8 * 1024 * 1024


def broadcast(unique_id: Any, pe: int) -> Any:
    path = os.environ["SHMEM_TEST_UID_FILE"]
    if pe == 0:
        with open(path + ".tmp", "wb") as f:
            f.write(unique_id)
        os.rename(path + ".tmp", path)
        return unique_id
    while not os.path.exists(path):
        time.sleep(0.01)
    with open(path, "rb") as f:
        return f.read()


def run_init_with_unique_id_tests() -> None:
    pe = int(os.environ["SHMEM_RANK"])
    world_size = int(os.environ["SHMEM_NPES"])
    ret = ash.set_conf_store_tls(False, "")

    # 0. disabel TLS
    if ret != 0:
        raise ValueError("[ERROR] disable tls failed.")

    # 1. get unique id
    unique_id = None
    if pe == 0:
        unique_id = ash.aclshmem_get_unique_id()
        if unique_id is None:
            raise ValueError('[ERROR] get unique id failed')
    unique_id = broadcast(unique_id, pe)
    # 2. init with unique id
    ret = ash.aclshmem_init_using_unique_id(pe, world_size, g_ash_size, unique_id)
    if ret != 0:
        raise ValueError('[ERROR] aclshmem_init failed')

    # test malloc
    aclshmem_ptr = ash.aclshmem_malloc(g_malloc_size)
    print(f'pe[{pe}]: aclshmem_ptr: {aclshmem_ptr} with type {type(aclshmem_ptr)}')
    if aclshmem_ptr is None:
        raise ValueError('[ERROR] aclshmem_malloc failed')

    # test pe
    my_pe, pe_count = ash.my_pe(), ash.pe_count()
    print(f'pe[{pe}]: my_pe:{my_pe} and pe_count:{pe_count}')
    if not (my_pe == pe and pe_count == world_size):
        raise ValueError('[ERROR] pe/world failed')

    # test free
    _ = ash.aclshmem_free(aclshmem_ptr)  # type: ignore[func-returns-value]  # as the original

    # test finialize
    _ = ash.aclshmem_finalize()


if __name__ == "__main__":
    run_init_with_unique_id_tests()
    print("test.py running success!")
