"""shmem_get_unique_id / shmem_init_using_unique_id: PE 0 makes the id, the program shares it (a file here)."""

import pytest
import shmem
import spmd


def test_pes_meet_through_a_unique_id_shared_in_a_file(tmp_path):
    # a wrong address in the environment: the id must win
    results = spmd.run_module(3, "unique_id", "ring", str(tmp_path / "uid"), ip_port="tcp://127.0.0.1:1")
    assert [pe.report for pe in results] == [2, 0, 1]


def test_bad_unique_ids():
    assert shmem.shmem_init_using_unique_id(0, 1, 1 << 20, b"nonsense".ljust(128, b"\0")) == shmem.SHMEM_INVALID_VALUE
    assert shmem.shmem_init_using_unique_id(0, 1, 1 << 20, b"shmem-uid-1:tcp://h:80") == shmem.SHMEM_INVALID_VALUE
    with pytest.raises(TypeError):
        shmem.shmem_init_using_unique_id(0, 1, 1 << 20, "tcp://127.0.0.1:9999")
    assert shmem.shmem_init_status() == shmem.InitStatus.NOT_INITIALIZED


def test_a_unique_id_names_a_free_port_of_this_host():
    uid = shmem.shmem_get_unique_id()
    text = uid.rstrip(b"\0").decode()
    assert text.startswith("shmem-uid-2:tcp")
    assert len(text.split("#")[1]) == 32  # the job key: only the PEs the program gives the id to know it
    assert len(uid) == shmem.UNIQUE_ID_SIZE
    assert shmem.shmem_get_unique_id() != uid   # a new port each time


def test_a_forged_unique_id_cannot_join(tmp_path):
    """PE 1 first tries an id with PE 0's address but another key: refused (-6) while PE 0 waits; with the real
    id it then joins."""
    results = spmd.run_module(2, "unique_id", "forged", str(tmp_path / "uid"))
    assert results[0].reports == ["joined"]
    assert results[1].reports == [shmem.SHMEM_BOOTSTRAP_ERROR, "joined"], results[1].stderr
