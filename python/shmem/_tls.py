"""TLS for the rendezvous and the data connections: set_conf_store_tls, set_conf_store_tls_key (the later
Ascend names). Settings count from the next shmem_init on; the files are read, and the private-key password
decrypted, at that init."""

from __future__ import annotations

from collections.abc import Callable

from ._core import api
from ._errors import SHMEM_INVALID_VALUE
from ._init_fini import _status_call, register_decrypt_handler
from ._logging import logger


def set_conf_store_tls(enable: bool, tls_info: str) -> int:
    """Turns mutual TLS on (enable True) or off for the next shmem_init.

    tls_info holds "key: value;" pairs: tlsCaPath (directory of the CA files), tlsCaFile (comma-separated CA
    certificates, required), tlsCert (this PE's certificate, required), tlsPk (its private key, required unless
    set_conf_store_tls_key gives one), tlsPkPwd (a file holding the password's cipher text, for an encrypted
    key), tlsCrlPath/tlsCrlFile (CRLs), packagePath (accepted, unused). Returns 0, or SHMEM_INVALID_VALUE (-2)
    for an unknown, repeated or missing key. With enable False tls_info is ignored and plain TCP is used."""
    if not isinstance(enable, (bool, int)):
        raise TypeError(f"enable must be a bool, not {type(enable).__name__}")
    if tls_info is None and not enable:
        tls_info = ""
    if not isinstance(tls_info, str):
        raise TypeError(f"tls_info must be a str, not {type(tls_info).__name__}")
    if "\0" in tls_info:
        logger.error("set_conf_store_tls: tls_info contains a NUL character")
        return SHMEM_INVALID_VALUE
    return _status_call(api.SetConfStoreTLS, 1 if enable else 0, tls_info)


def set_conf_store_tls_key(tls_pk: str, tls_pk_pw: str,
                           py_decrypt_func: Callable[[str], str] | None = None) -> int:
    """Gives the private key (PEM text, or the path of a PEM file) and its password's cipher text ("" for a key
    that is not encrypted); they replace tls_info's tlsPk and tlsPkPwd. py_decrypt_func, when not None, is
    registered as by register_decrypt_handler (None keeps the registered one); without any handler the
    password text is used as it is. Returns 0, or SHMEM_INVALID_VALUE (-2) for an empty or unusable tls_pk."""
    for name, value in (("tls_pk", tls_pk), ("tls_pk_pw", tls_pk_pw)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        if "\0" in value:
            logger.error("set_conf_store_tls_key: %s contains a NUL character", name)
            return SHMEM_INVALID_VALUE
    if py_decrypt_func is not None and not callable(py_decrypt_func):
        raise TypeError("py_decrypt_func must be a callable(str) -> str or None")
    rc = _status_call(api.SetConfStoreTLSKey, tls_pk, tls_pk_pw)
    if rc == 0 and py_decrypt_func is not None:
        register_decrypt_handler(py_decrypt_func)
    return rc


__all__ = ["set_conf_store_tls", "set_conf_store_tls_key"]
