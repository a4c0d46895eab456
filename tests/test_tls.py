"""TLS for the rendezvous and the data connections (set_conf_store_tls, set_conf_store_tls_key), on real PE processes.

A CA, per-PE certificates (naming no host: PEs are verified against the CA, not by address) and encrypted private
keys (PKCS#8 and legacy PEM, made with Python's cryptography) are built once per module. Checked: PEs meet and
move data over mutual TLS, also through the network engine (ROCE); the key password is the decrypt handler's
answer to the cipher text; a process with another CA's certificate, with none, or speaking plain TCP is refused
with SHMEM_BOOTSTRAP_ERROR while the job goes on; a handler that raises or returns a non-str fails init with -6
and no crash; argument errors give -2; set_conf_store_tls(False, ...) goes back to plain TCP."""

from __future__ import annotations

import base64
import datetime
import textwrap
from pathlib import Path

import pytest
import shmem
import spmd
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def cipher_of(password: str) -> str:
    """The "cipher text" the tests' decrypt handler (DECRYPT below) turns back into password."""
    return base64.b64encode(password[::-1].encode()).decode()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str) -> tuple:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def _pe_cert(ca: tuple, cn: str, key) -> x509.Certificate:
    ca_key, ca_cert = ca
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """ca.pem (the job's CA), extra.pem (another CA the job also trusts), other_ca.pem (a stranger's CA);
    pe0..pe3: certificate, encrypted key (PKCS#8 for even PEs, legacy PEM for odd) and a .pwd file holding the
    password's cipher text; stranger: a certificate other_ca signed, with an unencrypted key."""
    d = tmp_path_factory.mktemp("pki")
    job_ca, extra_ca, other_ca = _ca("shmem job CA"), _ca("extra CA"), _ca("stranger CA")
    for name, ca in (("ca", job_ca), ("extra", extra_ca), ("other_ca", other_ca)):
        (d / f"{name}.pem").write_bytes(_pem(ca[1]))
    for rank in range(4):
        key = ec.generate_private_key(ec.SECP256R1())
        password = f"pe{rank}-password"
        fmt = serialization.PrivateFormat.PKCS8 if rank % 2 == 0 else serialization.PrivateFormat.TraditionalOpenSSL
        (d / f"pe{rank}.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, fmt, serialization.BestAvailableEncryption(password.encode())))
        (d / f"pe{rank}.pem").write_bytes(_pem(_pe_cert(job_ca, f"PE {rank}", key)))
        (d / f"pe{rank}.pwd").write_text(cipher_of(password) + "\n")
    key = ec.generate_private_key(ec.SECP256R1())
    (d / "stranger.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (d / "stranger.pem").write_bytes(_pem(_pe_cert(other_ca, "stranger", key)))
    return d


# Runs in every PE: the handler and the tls_info of a PE's files.
PRELUDE = """
import base64, os, time, shmem
D = os.environ["TLS_DIR"]
CALLS = []
def DECRYPT(cipher):
    CALLS.append(cipher)
    return base64.b64decode(cipher).decode()[::-1]
def info(name, cas="ca.pem, extra.pem", pwd=True):
    text = f'''
        tlsCaPath: {D} ;
        tlsCaFile: {cas};
        tlsCert: {D}/{name}.pem;
        tlsPk: {D}/{name}.key;'''
    return text + (f"\\n tlsPkPwd: {D}/{name}.pwd;" if pwd else "")
def tls_on(name, **kw):
    assert shmem.register_decrypt_handler(DECRYPT) == 0
    assert shmem.set_conf_store_tls(True, info(name, **kw)) == 0
def init(engine=None, timeout=20):
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, 1 << 20, IP_PORT, attr) == 0
    if engine is not None:
        assert shmem.shmem_set_data_op_engine_type(attr, engine) == 0
    assert shmem.shmem_set_timeout(attr, timeout) == 0
    return shmem.shmem_init(RANK, NPES, 1 << 20)
"""


def run(pki: Path, n: int, body: str, **kw):
    env = {"TLS_DIR": str(pki), **kw.pop("env", {})}
    return spmd.run(n, PRELUDE + textwrap.dedent(body), env=env, **kw)


def start(pki: Path, n: int, body: str, **kw):
    env = {"TLS_DIR": str(pki), **kw.pop("env", {})}
    return spmd.start(n, PRELUDE + textwrap.dedent(body), env=env, **kw)


def test_argument_errors_are_invalid_value(pki):
    results = run(pki, 1, """
        import pytest
        bad = {
            "unknown key": info("pe0") + " tlsColour: blue;",
            "no colon": "tlsCaFile ca.pem; tlsCert: c.pem; tlsPk: k.pem",
            "empty value": "tlsCaFile: ; tlsCert: c.pem; tlsPk: k.pem",
            "twice": "tlsCaFile: a.pem; tlsCaFile: b.pem; tlsCert: c.pem; tlsPk: k.pem",
            "no CA": "tlsCert: c.pem; tlsPk: k.pem",
            "no cert": "tlsCaFile: a.pem; tlsPk: k.pem",
            "no key": "tlsCaFile: a.pem; tlsCert: c.pem",
            "empty": "",
            "NUL": "tlsCaFile: a.pem\\0; tlsCert: c.pem; tlsPk: k.pem",
        }
        got = {why: shmem.set_conf_store_tls(True, text) for why, text in bad.items()}
        got["ok"] = shmem.set_conf_store_tls(True, info("pe0"))
        got["ok, Ascend's extra keys"] = shmem.set_conf_store_tls(True, info("pe0") + "packagePath: /usr/lib;")
        got["off ignores the text"] = shmem.set_conf_store_tls(False, "garbage")
        got["off with None"] = shmem.set_conf_store_tls(False, None)
        for args in [("yes", info("pe0")), (True, 5), (True, None)]:
            with pytest.raises(TypeError):
                shmem.set_conf_store_tls(*args)
        got["key: empty"] = shmem.set_conf_store_tls_key("", "x")
        got["key: PEM without a key"] = shmem.set_conf_store_tls_key(
            "-----BEGIN CERTIFICATE-----\\nAA==\\n-----END CERTIFICATE-----", "")
        for args in [(5, "x"), ("k.pem", None), ("k.pem", "x", "not callable")]:
            with pytest.raises(TypeError):
                shmem.set_conf_store_tls_key(*args)
        got["key: path"] = shmem.set_conf_store_tls_key(D + "/pe0.key", "")
        got["no tlsPk once a key was given"] = shmem.set_conf_store_tls(True, "tlsCaFile: a.pem; tlsCert: c.pem")
        report(got)
    """)
    got = results[0].report
    for why in ("unknown key", "no colon", "empty value", "twice", "no CA", "no cert", "no key", "empty", "NUL",
                "key: empty", "key: PEM without a key"):
        assert got.pop(why) == shmem.SHMEM_INVALID_VALUE, why
    assert set(got.values()) == {0}, got
    stderr = results[0].stderr
    assert 'unknown key "tlsColour"' in stderr and "tlsCaFile is required" in stderr


def test_four_pes_meet_and_move_data_over_mutual_tls(pki):
    results = run(pki, 4, """
        tls_on(f"pe{RANK}")
        seen = []
        for round in range(2):                      # init again after finalize: the key is loaded again
            assert init() == 0
            buf = shmem.shmem_malloc(64)
            right = (RANK + 1) % NPES
            shmem.shmem_putmem(buf, bytes([RANK + 1]) * 8, 8, right)
            shmem.shmem_barrier_all()
            seen.append(bytes(shmem.buffer(buf, 8)).hex())
            shmem.shmem_free(buf)
            shmem.shmem_finialize()
        report([seen, CALLS])
    """)
    for pe in results:
        seen, calls = pe.report
        left = (pe.rank - 1) % 4
        assert seen == [bytes([left + 1] * 8).hex()] * 2
        assert calls == [base64.b64encode(f"pe{pe.rank}-password"[::-1].encode()).decode()] * 2, \
            "the handler got the tlsPkPwd file's text, trimmed, once per init"


def test_roce_puts_gets_and_atomics_cross_the_network_engine_over_tls(pki):
    results = run(pki, 3, """
        import random
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
    """)
    for pe in results:
        assert pe.report == [True] * 5, pe.report


def test_key_given_by_set_conf_store_tls_key_as_text_or_path(pki):
    results = run(pki, 2, """
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
    """)
    assert [pe.report for pe in results] == [2, 2]


STRANGERS = {
    # TLS off: plain TCP against rank 0's TLS listener.
    "plain": "pass",
    # A certificate from another CA, trusting the job's CA too (so it accepts rank 0): rank 0 refuses it.
    "other CA": 'shmem.set_conf_store_tls(True, info("stranger", cas="ca.pem, other_ca.pem", pwd=False))',
    # It trusts only its own CA: it refuses rank 0.
    "distrusts rank 0": 'shmem.set_conf_store_tls(True, info("stranger", cas="other_ca.pem", pwd=False))',
}


def test_processes_without_a_valid_certificate_are_refused_and_the_job_goes_on(pki):
    ip_port = f"tcp://127.0.0.1:{spmd.free_port()}"
    rank0 = start(pki, 2, """
        tls_on("pe0")
        rc = init(timeout=40)
        if rc == 0:
            shmem.shmem_barrier_all()
            shmem.shmem_finialize()
        report(rc)
    """, ranks=[0], ip_port=ip_port)
    try:
        # The strangers take PE 1's place at rank 0's address, one after the other.
        for what, setup in STRANGERS.items():
            stranger = run(pki, 2, f"""
                {setup}
                t0 = time.monotonic()
                rc = init(timeout=15)
                report([rc, time.monotonic() - t0, int(shmem.shmem_init_status())])
            """, ranks=[1], ip_port=ip_port, timeout=30)[0]
            rc, took, status = stranger.report
            assert rc == shmem.SHMEM_BOOTSTRAP_ERROR, (what, rc, stranger.stderr)
            assert took < 15, (what, took)  # -6, and before its own 15 s timeout (which says -7)
            assert status == shmem.InitStatus.NOT_INITIALIZED
            assert "tls" in stranger.stderr.lower(), (what, stranger.stderr)
        # The real PE 1 still gets in.
        pe1 = run(pki, 2, """
            tls_on("pe1")
            assert init() == 0
            shmem.shmem_barrier_all()
            shmem.shmem_finialize()
            report(0)
        """, ranks=[1], ip_port=ip_port, timeout=30)[0]
        assert pe1.report == 0
    finally:
        results = spmd.wait(rank0, timeout=60)
    assert results[0].returncode == 0 and results[0].report == 0, results[0].stderr


def test_handler_failures_fail_init_with_bootstrap_error_not_a_crash(pki):
    results = run(pki, 1, """
        def raising(cipher):
            raise ValueError("vault unreachable")
        def not_str(cipher):
            return b"bytes, not str"
        def wrong(cipher):
            return "not the password"
        got = {}
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
    """)
    got, stderr = results[0].report, results[0].stderr
    for name in ("raising", "not_str", "wrong", "none"):
        assert got[name] == [shmem.SHMEM_BOOTSTRAP_ERROR, 0], (name, got)
    assert got["good"] == [0] and got["off"] == [0]
    assert "raising" in stderr and "vault unreachable" in stderr, "the log names the handler and its error"
    assert "not_str" in stderr and "not str" in stderr
    assert "register_decrypt_handler" in stderr and "wrong password" in stderr


def test_handler_may_call_the_library_no_lock_is_held(pki):
    results = run(pki, 2, """
        import threading
        def reentrant(cipher):
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
    """, timeout=40)
    assert [pe.report for pe in results] == [2, 2]


def test_files_are_checked_at_init(pki):
    results = run(pki, 1, """
        import os
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
    """)
    got, left = results[0].report
    assert got == [shmem.SHMEM_BOOTSTRAP_ERROR] * 4 and left == []
    stderr = results[0].stderr
    assert "missing.pem" in stderr and "nothere.pem" in stderr
    assert "do not form a pair" in stderr and "signed by unknown authority" in stderr


def test_tls_off_again_is_plain_tcp_and_meets_plain_pes(pki):
    results = run(pki, 2, """
        if RANK == 0:
            tls_on("pe0")
            assert shmem.set_conf_store_tls(False, "") == 0
        assert init() == 0
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        report(CALLS)
    """)
    assert [pe.report for pe in results] == [[], []], "no TLS, so no password to decrypt"
