package api

import (
	"errors"
	"strings"
	"sync"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/gopkg/internal/tlsconf"
	"github.com/pyshmem/shmem/native"
)

// tlsState is what set_conf_store_tls and set_conf_store_tls_key left for
// the next init. mu is never held while the decrypt handler runs: the
// handler is Python code that may call back into the library.
var tlsState struct {
	mu      sync.Mutex
	enabled bool
	info    tlsconf.Info
	key     *tlsconf.Key
	// decryptFn is the decrypt handler's C function pointer for the next
	// init only (0: none): the facade sets it right before Init, which takes
	// it, so a pointer Python has since freed can never be called.
	decryptFn int64
}

// SetDecryptHandler hands the next Init the registered decrypt handler: the
// address of a ctypes CFUNCTYPE(c_int, c_char_p, c_char_p, c_size_t) that
// Python keeps alive (see native.CallStringFunc), 0 for none.
func SetDecryptHandler(fn int64) int {
	tlsState.mu.Lock()
	tlsState.decryptFn = fn
	tlsState.mu.Unlock()
	return 0
}

// SetConfStoreTLS is set_conf_store_tls: enable (non-zero) turns on mutual
// TLS for the next init's rendezvous and data connections, configured by
// tlsInfo ("tlsCaPath: dir; tlsCaFile: a.pem,b.pem; tlsCert: c.pem; tlsPk:
// k.pem; tlsPkPwd: pwd-file;"); 0 turns it off and ignores tlsInfo. Unknown
// or missing keys are InvalidValue; the files are read at init.
func SetConfStoreTLS(enable int, tlsInfo string) (_ int, err error) {
	defer recoverInto(&err)
	tlsState.mu.Lock()
	defer tlsState.mu.Unlock()
	if enable == 0 {
		tlsState.enabled = false
		return 0, nil
	}
	info, err := tlsconf.ParseInfo(tlsInfo)
	if err != nil {
		return 0, err
	}
	settings := tlsconf.Settings{Info: info, Key: tlsState.key}
	if err := settings.Validate(); err != nil {
		return 0, err
	}
	tlsState.enabled, tlsState.info = true, info
	return 0, nil
}

// SetConfStoreTLSKey is set_conf_store_tls_key without the handler (the
// facade registers that): tlsPk, PEM text or the path of a PEM file, and the
// cipher text of its password ("" for a key that is not encrypted) replace
// tls_info's tlsPk and tlsPkPwd.
func SetConfStoreTLSKey(tlsPk, tlsPkPw string) (_ int, err error) {
	defer recoverInto(&err)
	pk := strings.TrimSpace(tlsPk)
	switch {
	case pk == "":
		return 0, errcode.New(errcode.InvalidValue, "set_conf_store_tls_key: tls_pk is empty")
	case strings.Contains(pk, "-----BEGIN") && !strings.Contains(pk, "PRIVATE KEY-----"):
		return 0, errcode.New(errcode.InvalidValue, "set_conf_store_tls_key: tls_pk is PEM text without a private key")
	}
	tlsState.mu.Lock()
	defer tlsState.mu.Unlock()
	tlsState.key = &tlsconf.Key{PEM: pk, PasswordCipher: strings.TrimSpace(tlsPkPw)}
	return 0, nil
}

// loadTLS builds the TLS configs of this init, nil when TLS is off. The
// decrypt handler (without one the password is used as given) runs here,
// with no lock held.
func loadTLS() (*job.TLS, error) {
	tlsState.mu.Lock()
	enabled, decryptFn := tlsState.enabled, tlsState.decryptFn
	settings := tlsconf.Settings{Info: tlsState.info, Key: tlsState.key}
	tlsState.decryptFn = 0
	tlsState.mu.Unlock()
	if !enabled {
		return nil, nil
	}
	var decrypt func(string) (string, error)
	if decryptFn != 0 {
		decrypt = func(cipher string) (string, error) {
			plain, err := native.CallStringFunc(uintptr(decryptFn), cipher)
			if errors.Is(err, native.ErrInvalidArgument) {
				return "", errcode.Wrap(errcode.InvalidParam, err, "decrypt handler")
			}
			return plain, err
		}
	}
	conf, err := tlsconf.Load(settings, decrypt)
	return (*job.TLS)(conf), err
}
