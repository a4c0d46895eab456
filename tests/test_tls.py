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
from pathlib import Path

import pytest
import shmem
import spmd
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def cipher_of(password: str) -> str:
    """The "cipher text" the tests' decrypt handler (DECRYPT of programs/tls.py) turns back into password."""
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


def run(pki: Path, n: int, case: str, *args: str, **kw):
    env = {"TLS_DIR": str(pki), **kw.pop("env", {})}
    return spmd.run_module(n, "tls", case, *args, env=env, **kw)


def start(pki: Path, n: int, case: str, *args: str, **kw):
    env = {"TLS_DIR": str(pki), **kw.pop("env", {})}
    return spmd.start_module(n, "tls", case, *args, env=env, **kw)


def test_argument_errors_are_invalid_value(pki):
    results = run(pki, 1, "argument_errors")
    got = results[0].report
    for why in ("unknown key", "no colon", "empty value", "twice", "no CA", "no cert", "no key", "empty", "NUL",
                "key: empty", "key: PEM without a key"):
        assert got.pop(why) == shmem.SHMEM_INVALID_VALUE, why
    assert set(got.values()) == {0}, got
    stderr = results[0].stderr
    assert 'unknown key "tlsColour"' in stderr and "tlsCaFile is required" in stderr


def test_four_pes_meet_and_move_data_over_mutual_tls(pki):
    results = run(pki, 4, "four_pes")
    for pe in results:
        seen, calls = pe.report
        left = (pe.rank - 1) % 4
        assert seen == [bytes([left + 1] * 8).hex()] * 2
        assert calls == [base64.b64encode(f"pe{pe.rank}-password"[::-1].encode()).decode()] * 2, \
            "the handler got the tlsPkPwd file's text, trimmed, once per init"


def test_roce_puts_gets_and_atomics_cross_the_network_engine_over_tls(pki):
    results = run(pki, 3, "roce")
    for pe in results:
        assert pe.report == [True] * 5, pe.report


def test_key_given_by_set_conf_store_tls_key_as_text_or_path(pki):
    results = run(pki, 2, "key_given")
    assert [pe.report for pe in results] == [2, 2]


# The strangers of programs.tls: TLS off (plain TCP against rank 0's TLS listener); a certificate from another CA,
# trusting the job's CA too (so it accepts rank 0: rank 0 refuses it); one that trusts only its own CA (it refuses
# rank 0).
STRANGERS = ["plain", "other CA", "distrusts rank 0"]


def test_processes_without_a_valid_certificate_are_refused_and_the_job_goes_on(pki):
    ip_port = f"tcp://127.0.0.1:{spmd.free_port()}"
    rank0 = start(pki, 2, "rank0", ranks=[0], ip_port=ip_port)
    try:
        # The strangers take PE 1's place at rank 0's address, one after the other.
        for what in STRANGERS:
            stranger = run(pki, 2, "stranger", what, ranks=[1], ip_port=ip_port, timeout=30)[0]
            rc, took, status = stranger.report
            assert rc == shmem.SHMEM_BOOTSTRAP_ERROR, (what, rc, stranger.stderr)
            assert took < 15, (what, took)  # -6, and before its own 15 s timeout (which says -7)
            assert status == shmem.InitStatus.NOT_INITIALIZED
            assert "tls" in stranger.stderr.lower(), (what, stranger.stderr)
        # The real PE 1 still gets in.
        pe1 = run(pki, 2, "real_pe1", ranks=[1], ip_port=ip_port, timeout=30)[0]
        assert pe1.report == 0
    finally:
        results = spmd.wait(rank0, timeout=60)
    assert results[0].returncode == 0 and results[0].report == 0, results[0].stderr


def test_handler_failures_fail_init_with_bootstrap_error_not_a_crash(pki):
    results = run(pki, 1, "handler_failures")
    got, stderr = results[0].report, results[0].stderr
    for name in ("raising", "not_str", "wrong", "none"):
        assert got[name] == [shmem.SHMEM_BOOTSTRAP_ERROR, 0], (name, got)
    assert got["good"] == [0] and got["off"] == [0]
    assert "raising" in stderr and "vault unreachable" in stderr, "the log names the handler and its error"
    assert "not_str" in stderr and "not str" in stderr
    assert "register_decrypt_handler" in stderr and "wrong password" in stderr


def test_handler_may_call_the_library_no_lock_is_held(pki):
    results = run(pki, 2, "reentrant_handler", timeout=40)
    assert [pe.report for pe in results] == [2, 2]


def test_files_are_checked_at_init(pki):
    results = run(pki, 1, "files_checked")
    got, left = results[0].report
    assert got == [shmem.SHMEM_BOOTSTRAP_ERROR] * 4 and left == []
    stderr = results[0].stderr
    assert "missing.pem" in stderr and "nothere.pem" in stderr
    assert "do not form a pair" in stderr and "signed by unknown authority" in stderr


def test_tls_off_again_is_plain_tcp_and_meets_plain_pes(pki):
    results = run(pki, 2, "tls_off")
    assert [pe.report for pe in results] == [[], []], "no TLS, so no password to decrypt"
