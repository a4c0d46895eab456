"""Ascend's examples/python_extension/test/init_test.py, ported as a user would: torch.distributed's rank and world
size come from the launcher's environment, and the rendezvous address from SHMEM_IP_PORT instead of a fixed port
(tests run side by side). Everything else is the original program, including its 1 GiB heap."""

import os

import shmem as ash

g_ash_size = 1024 * 1024 * 1024
g_malloc_size = 8 * 1024 * 1024
G_IP_PORT = os.environ["SHMEM_IP_PORT"]


def run_tests() -> None:
    pe = int(os.environ["SHMEM_RANK"])
    world_size = int(os.environ["SHMEM_NPES"])
    # 1. test set tls info
    ret = ash.set_conf_store_tls(False, "")
    if ret != 0:
        raise ValueError("[ERROR] set_conf_store_tls failed")
    # 2. test init
    attributes = ash.InitAttr()
    attributes.my_rank = pe
    attributes.n_ranks = world_size
    attributes.local_mem_size = g_ash_size
    attributes.ip_port = G_IP_PORT
    attributes.option_attr.data_op_engine_type = ash.OpEngineType.MTE
    ret = ash.aclshmem_init(attributes)
    if ret != 0:
        raise ValueError('[ERROR] aclshmem_init failed')
    # 3. test malloc
    aclshmem_ptr = ash.aclshmem_malloc(g_malloc_size)
    print(f'pe[{pe}]: aclshmem_ptr:{aclshmem_ptr} with type{type(aclshmem_ptr)}')
    if aclshmem_ptr is None:
        raise ValueError('[ERROR] aclshmem_malloc failed')
    _ = ash.aclshmem_free(aclshmem_ptr)  # type: ignore[func-returns-value]  # as the original
    # 4. test pe
    my_pe, pe_count = ash.my_pe(), ash.pe_count()
    print(f'pe[{pe}]: my_pe:{my_pe} and pe_count:{pe_count}')
    if not (my_pe == pe and pe_count == world_size):
        raise ValueError('[ERROR] pe/world failed')
    # 5. test team
    my_team_pe, team_pe_count = ash.team_my_pe(0), ash.team_n_pes(0)
    print(f'x: pe[{pe}]: t_my_pe:{my_team_pe} and t_pe_count:{team_pe_count}')

    # 6. test finialize
    _ = ash.aclshmem_finalize()


if __name__ == "__main__":
    run_tests()
    print("init_test.py running success!")
