"""The new E0/E2 calls on bad input, in a one-PE job in this process: wrong types are TypeError, wrong values the
documented code (a ShmemError, which is also a ValueError) or status, never a crash or a stray OverflowError."""

import numpy as np
import pytest
import shmem

BAD_TYPES = [
    lambda h, a: shmem.aclshmem_put64(h, a, "1", 0),
    lambda h, a: shmem.aclshmem_get32(a, h, 1.0, 0),
    lambda h, a: shmem.aclshmem_iput32(h, a.ctypes.data, "1", 1, 1, 0),
    lambda h, a: shmem.aclshmem_int16_iget(a, h, 1, 1.5, 2, 0),
    lambda h, a: shmem.aclshmemx_put32_signal(h, a, "x", h + 64, 1, 0, 0),
    lambda h, a: shmem.aclshmem_finalize("x"),
    lambda h, a: shmem.aclshmem_create_tensor((4,), "float32", "npu"),
    lambda h, a: shmem.aclshmem_free_tensor(object()),
    lambda h, a: shmem.aclshmem_int8_p(h, 1.5, 0),
    lambda h, a: shmem.aclshmem_float_p(h, "1", 0),
]

BAD_VALUES = [  # (call, code)
    (lambda h, a: shmem.aclshmem_put64(h, a.ctypes.data, -1, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmem_put64(h, a.ctypes.data, 2**64, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmem_put128_nbi(h, a, 2**62, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmem_iput32(h, a.ctypes.data, 2**70, 1, 1, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmem_iput64(h, a, 1, 2, 64, 0), shmem.SHMEM_INVALID_PARAM),  # source too short
    (lambda h, a: shmem.aclshmem_iget64(bytes(64), h, 1, 1, 4, 0), shmem.SHMEM_INVALID_PARAM),  # read-only dest
    (lambda h, a: shmem.aclshmem_iget64(a, h, 1, 1, 4, 5), shmem.SHMEM_INVALID_PARAM),  # no PE 5
    (lambda h, a: shmem.aclshmem_iput16(h, a, -1, 1, 4, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmem_get8(a, h + (1 << 30), 8, 0), shmem.SHMEM_INVALID_PARAM),  # not symmetric
    (lambda h, a: shmem.aclshmemx_put32_signal(h, a, -1, h + 64, 1, 0, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmemx_put16_signal(h, a, 1, h + 2, 1, 0, 0), shmem.SHMEM_INVALID_PARAM),  # misaligned
    (lambda h, a: shmem.aclshmem_malloc(-1), shmem.SHMEM_MALLOC_FAILED),
    (lambda h, a: shmem.aclshmem_calloc(0, 8), shmem.SHMEM_MALLOC_FAILED),
    (lambda h, a: shmem.aclshmemx_malloc(64, 7), shmem.SHMEM_INVALID_VALUE),
    (lambda h, a: shmem.aclshmem_create_tensor((0, 3), "float32"), shmem.SHMEM_MALLOC_FAILED),
    (lambda h, a: shmem.aclshmem_free(h + 8), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmem_team_get_config(99), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmem_uint16_p(h, 1 << 16, 0), shmem.SHMEM_INVALID_VALUE),
    (lambda h, a: shmem.aclshmem_double_p(h, -(10**400), 0), shmem.SHMEM_INVALID_VALUE),
    (lambda h, a: shmem.team_split_strided(0, 0, 1, 2), shmem.SHMEM_INVALID_PARAM),  # Ascend's newest binding raises
    (lambda h, a: shmem.team_split_strided(77, 0, 1, 1), shmem.SHMEM_INVALID_PARAM),
]

STATUSES = [  # (call, status)
    (lambda h, a: shmem.aclshmem_finalize(3), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmemx_init_attr(5, shmem.InitAttr()), shmem.SHMEM_INVALID_PARAM),
    (lambda h, a: shmem.aclshmem_init_using_unique_id(0, 1, 1 << 20, b"x" * 136), shmem.SHMEM_INVALID_VALUE),
    (lambda h, a: shmem.aclshmemx_set_attr_uniqueid_args(0, 1, 1 << 20, b"x" * 136, shmem.InitAttr()),
     shmem.SHMEM_INVALID_VALUE),
]


@pytest.mark.parametrize("i", range(len(BAD_TYPES)))
def test_wrong_types_are_type_errors(heap, i):
    with pytest.raises(TypeError):
        BAD_TYPES[i](heap, np.zeros(64, np.uint64))


@pytest.mark.parametrize("i", range(len(BAD_VALUES)))
def test_wrong_values_are_coded_errors(heap, i):
    call, code = BAD_VALUES[i]
    with pytest.raises(ValueError) as err:  # ShmemError is a ValueError, as Ascend's binding raises
        call(heap, np.zeros(64, np.uint64))
    assert isinstance(err.value, shmem.ShmemError) and err.value.code == code, err.value


@pytest.mark.parametrize("i", range(len(STATUSES)))
def test_status_calls_return_their_status(heap, i):
    call, status = STATUSES[i]
    assert call(heap, np.zeros(64, np.uint64)) == status


def test_sized_and_strided_calls_move_the_right_bytes(heap):
    src = np.arange(64, dtype=np.uint64)
    shmem.aclshmem_put16(heap, src, 5, 0)  # 5 elements of 16 bits: 10 bytes
    assert bytes(shmem.buffer(heap, 16)) == src.tobytes()[:10] + bytes(6)
    shmem.aclshmem_uint16_iput(heap + 64, src, 3, 4, 4, 0)  # elements 0, 4, 8, 12 of src (as uint16) to 0, 3, 6, 9
    got = np.frombuffer(shmem.buffer(heap + 64, 24), np.uint16)
    want = np.zeros(12, np.uint16)
    want[0:12:3] = src.view(np.uint16)[0:16:4]
    assert (got == want).all()
    back = np.zeros(8, np.uint16)
    shmem.aclshmem_iget16(back.ctypes.data, heap + 64, 2, 3, 4, 0)
    assert list(back[0:8:2]) == list(want[0:12:3]) and not back[1::2].any()


def test_tensor_is_a_numpy_array_in_the_heap(heap):
    t = shmem.aclshmem_create_tensor([2, 3], "int16", 0)
    assert t.shape == (2, 3) and t.dtype == np.int16
    assert shmem.shmem_ptr(t.__array_interface__["data"][0], 0) != 0, "symmetric memory"
    shmem.aclshmem_free_tensor(t)


def test_tensor_over_torch_when_torch_is_there(heap):
    torch = pytest.importorskip("torch")
    t = shmem.aclshmem_create_tensor((4, 2), torch.float32, 0)
    assert isinstance(t, torch.Tensor) and t.shape == (4, 2) and t.dtype == torch.float32
    t.fill_(2.5)
    assert shmem.aclshmem_float_g(t.data_ptr() + 4, 0) == 2.5, "the tensor is the heap's memory"
    shmem.aclshmem_free_tensor(t)
