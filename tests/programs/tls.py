"""TLS for the rendezvous and the data connections on real PE processes (tests/test_tls.py):
``python -m programs.tls <case> [args]``, with TLS_DIR naming the folder of the test's certificates and keys."""

from __future__ import annotations

import base64
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import shmem
from pytest import raises

from programs.pe import IP_PORT, NPES, RANK, dispatch, report

D = os.environ.get("TLS_DIR", "")
CALLS: list[str] = []


def DECRYPT(cipher: str) -> str:
    """The tests' decrypt handler: a password's "cipher text" is its reversal in base64 (test_tls.cipher_of)."""
    CALLS.append(cipher)
    return base64.b64decode(cipher).decode()[::-1]


def info(name: str, cas: str = "ca.pem, extra.pem", pwd: bool = True) -> str:
    """The tls_info of PE `name`'s files."""
    text = f'''
        tlsCaPath: {D} ;
        tlsCaFile: {cas};
        tlsCert: {D}/{name}.pem;
        tlsPk: {D}/{name}.key;'''
    return text + (f"\n tlsPkPwd: {D}/{name}.pwd;" if pwd else "")


def tls_on(name: str, **kw: Any) -> None:
    assert shmem.register_decrypt_handler(DECRYPT) == 0
    assert shmem.set_conf_store_tls(True, info(name, **kw)) == 0


def init(engine: Any = None, timeout: int = 20) -> int:
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, 1 << 20, IP_PORT, attr) == 0
    if engine is not None:
        assert shmem.shmem_set_data_op_engine_type(attr, engine) == 0
    assert shmem.shmem_set_timeout(attr, timeout) == 0
    return int(shmem.shmem_init(RANK, NPES, 1 << 20))


STRANGERS: dict[str, Callable[[], Any]] = {
    "plain": lambda: None,
    "other CA": lambda: shmem.set_conf_store_tls(True, info("stranger", cas="ca.pem, other_ca.pem", pwd=False)),
    "distrusts rank 0": lambda: shmem.set_conf_store_tls(True, info("stranger", cas="other_ca.pem", pwd=False)),
}


def argument_errors() -> None:
    """set_conf_store_tls and set_conf_store_tls_key: argument errors give -2 or TypeError."""
    bad = {
        "unknown key": info("pe0") + " tlsColour: blue;",
        "no colon": "tlsCaFile ca.pem; tlsCert: c.pem; tlsPk: k.pem",
        "empty value": "tlsCaFile: ; tlsCert: c.pem; tlsPk: k.pem",
        "twice": "tlsCaFile: a.pem; tlsCaFile: b.pem; tlsCert: c.pem; tlsPk: k.pem",
        "no CA": "tlsCert: c.pem; tlsPk: k.pem",
        "no cert": "tlsCaFile: a.pem; tlsPk: k.pem",
        "no key": "tlsCaFile: a.pem; tlsCert: c.pem",
        "empty": "",
        "NUL": "tlsCaFile: a.pem\0; tlsCert: c.pem; tlsPk: k.pem",
    }
    got = {why: shmem.set_conf_store_tls(True, text) for why, text in bad.items()}
    got["ok"] = shmem.set_conf_store_tls(True, info("pe0"))
    got["ok, Ascend's extra keys"] = shmem.set_conf_store_tls(True, info("pe0") + "packagePath: /usr/lib;")
    got["off ignores the text"] = shmem.set_conf_store_tls(False, "garbage")
    got["off with None"] = shmem.set_conf_store_tls(False, None)
    bad_args: list[tuple[Any, ...]] = [("yes", info("pe0")), (True, 5), (True, None)]
    for args in bad_args:
        with raises(TypeError):
            shmem.set_conf_store_tls(*args)
    got["key: empty"] = shmem.set_conf_store_tls_key("", "x")
    got["key: PEM without a key"] = shmem.set_conf_store_tls_key(
        "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----", "")
    bad_args = [(5, "x"), ("k.pem", None), ("k.pem", "x", "not callable")]
    for args in bad_args:
        with raises(TypeError):
            shmem.set_conf_store_tls_key(*args)
    got["key: path"] = shmem.set_conf_store_tls_key(D + "/pe0.key", "")
    got["no tlsPk once a key was given"] = shmem.set_conf_store_tls(True, "tlsCaFile: a.pem; tlsCert: c.pem")
    report(got)


def four_pes() -> None:
    """Four PEs meet over mutual TLS and move data, twice (init again after finalize loads the key again)."""
    tls_on(f"pe{RANK}")
    seen = []
    for _ in range(2):                          # init again after finalize: the key is loaded again
        assert init() == 0
        buf = shmem.shmem_malloc(64)
        right = (RANK + 1) % NPES
        shmem.shmem_putmem(buf, bytes([RANK + 1]) * 8, 8, right)
        shmem.shmem_barrier_all()
        seen.append(bytes(shmem.buffer(buf, 8)).hex())
        shmem.shmem_free(buf)
        shmem.shmem_finialize()
    report([seen, CALLS])


def roce() -> None:
    """Puts, gets and atomics through the network engine over TLS."""
    tls_on(f"pe{RANK}")
    assert init(engine=shmem.OpEngineType.ROCE) == 0
    n = 200_000
    src, dst, got, word = (shmem.shmem_malloc(n) for _ in range(4))
    mine = random.Random(RANK).randbytes(n)
    shmem.buffer(src, n)[:] = mine
    shmem.shmem_barrier_all()
    right, left = (RANK + 1) % NPES, (RANK - 1) % NPES
    shmem.shmem_putmem(dst, src, n, right)
    shmem.shmem_getmem(got, src, n, left)
    tickets = [shmem.shmem_int64_atomic_fetch_add(word, 1, 0) for _ in range(50)]
    shmem.shmem_barrier_all()
    ok = [
        bytes(shmem.buffer(dst, n)) == random.Random(left).randbytes(n),
        bytes(shmem.buffer(got, n)) == random.Random(left).randbytes(n),
        shmem.shmem_int64_atomic_fetch(word, 0) == 150,
        tickets == sorted(tickets) and len(set(tickets)) == 50,
        shmem.shmem_ptr(dst, right) == 0,        # really not load/store: the network engine carried it
    ]
    shmem.shmem_finialize()
    report(ok)


def key_given() -> None:
    """The key from set_conf_store_tls_key (PEM text or a path), its password through the handler."""
    pk = open(f"{D}/pe{RANK}.key").read() if RANK == 0 else f"{D}/pe{RANK}.key"
    cipher = open(f"{D}/pe{RANK}.pwd").read().strip()
    # tls_info without tlsPk/tlsPkPwd: the key comes from set_conf_store_tls_key, the handler with it.
    assert shmem.set_conf_store_tls_key(pk, cipher, DECRYPT) == 0
    text = f"tlsCaPath: {D}; tlsCaFile: ca.pem; tlsCert: {D}/pe{RANK}.pem"
    assert shmem.set_conf_store_tls(True, text) == 0
    assert init() == 0
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    # None keeps the registered handler.
    assert shmem.set_conf_store_tls_key(pk, cipher, None) == 0
    assert init() == 0
    shmem.shmem_finialize()
    report(len(CALLS))


def rank0() -> None:
    """Rank 0 with TLS waits for PE 1 while strangers try its address."""
    tls_on("pe0")
    rc = init(timeout=40)
    if rc == 0:
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
    report(rc)


def stranger(what: str) -> None:
    """A process that takes PE 1's place at rank 0's address, configured as STRANGERS[what] says."""
    STRANGERS[what]()
    t0 = time.monotonic()
    rc = init(timeout=15)
    report([rc, time.monotonic() - t0, int(shmem.shmem_init_status())])


def real_pe1() -> None:
    """The real PE 1 gets in after the strangers were refused."""
    tls_on("pe1")
    assert init() == 0
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(0)


def handler_failures() -> None:
    """A decrypt handler that raises, returns a non-str or a wrong password fails init with -6."""
    def raising(cipher: str) -> str:
        raise ValueError("vault unreachable")
    def not_str(cipher: str) -> Any:
        return b"bytes, not str"
    def wrong(cipher: str) -> str:
        return "not the password"
    got: dict[str, list[int]] = {}
    assert shmem.set_conf_store_tls(True, info("pe0")) == 0
    for name, handler in [("raising", raising), ("not_str", not_str), ("wrong", wrong), ("none", None)]:
        assert shmem.register_decrypt_handler(handler) == 0
        got[name] = [shmem.shmem_init(0, 1, 1 << 16), int(shmem.shmem_init_status())]
    # A good handler works in the same process afterwards, and TLS off is plain TCP again.
    assert shmem.register_decrypt_handler(DECRYPT) == 0
    got["good"] = [shmem.shmem_init(0, 1, 1 << 16)]
    shmem.shmem_finialize()
    assert shmem.set_conf_store_tls(False, "") == 0
    assert shmem.register_decrypt_handler(raising) == 0
    got["off"] = [shmem.shmem_init(0, 1, 1 << 16)]
    shmem.shmem_finialize()
    report(got)


def reentrant_handler() -> None:
    """A decrypt handler may call the library (it runs with no lock held)."""
    def reentrant(cipher: str) -> str:
        # Calls that take the library's locks: they would deadlock if init held one around the handler.
        shmem.shmem_finialize()
        assert shmem.set_conf_store_tls(True, info(f"pe{RANK}")) == 0
        assert shmem.set_conf_store_tls_key(f"{D}/pe{RANK}.key", cipher) == 0
        CALLS.append(threading.current_thread().name)
        return DECRYPT(cipher)
    assert shmem.register_decrypt_handler(reentrant) == 0
    assert shmem.set_conf_store_tls(True, info(f"pe{RANK}")) == 0
    assert init() == 0
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(len(CALLS))


def files_checked() -> None:
    """Missing, wrong or untrusted files fail init, and leave nothing behind."""
    got = []
    for text in [info("pe0").replace("pe0.pem", "missing.pem"),
                 info("pe0").replace("ca.pem", "nothere.pem"),
                 info("pe0").replace("pe0.key", "pe1.key").replace("pe0.pwd", "pe1.pwd"),
                 info("pe0", cas="other_ca.pem")]:
        assert shmem.set_conf_store_tls(True, text) == 0
        assert shmem.register_decrypt_handler(DECRYPT) == 0
        got.append(shmem.shmem_init(0, 1, 1 << 16))
    left = [n for n in os.listdir("/dev/shm") if n.startswith(f"shmem-{os.getpid()}-")]
    report([got, left])


def tls_off() -> None:
    """set_conf_store_tls(False, ...) goes back to plain TCP: PE 0 turned TLS on and off again."""
    if RANK == 0:
        tls_on("pe0")
        assert shmem.set_conf_store_tls(False, "") == 0
    assert init() == 0
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(CALLS)


if __name__ == "__main__":
    dispatch({"argument_errors": argument_errors,
              "four_pes": four_pes,
              "roce": roce,
              "key_given": key_given,
              "rank0": rank0,
              "stranger": stranger,
              "real_pe1": real_pe1,
              "handler_failures": handler_failures,
              "reentrant_handler": reentrant_handler,
              "files_checked": files_checked,
              "tls_off": tls_off})
