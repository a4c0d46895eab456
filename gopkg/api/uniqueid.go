package api

import (
	"encoding/hex"
	"strings"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// A unique id (shmem_get_unique_id) is text padded with NULs to 128 bytes:
//
//	shmem-uid-2:<ip_port>#<job key, 32 hex digits>
//
// The program hands it only to its own PEs, so the key in it is a secret of
// the job: a process that did not get the id can neither join nor read the
// job. "shmem-uid-1:<ip_port>" (no key) is still read.
const (
	uniqueIDSize   = 128
	uniqueIDPrefix = "shmem-uid-"
)

// decodeUniqueID returns the rendezvous address and the job key ("" for a
// version 1 id) of a unique id, or InvalidValue naming what is wrong.
func decodeUniqueID(uid string) (ipPort, key string, err error) {
	bad := func(why string) (string, string, error) {
		shown := uid
		if len(shown) > 40 {
			shown = shown[:40] + "..."
		}
		return "", "", errcode.New(errcode.InvalidValue, "%q is not a shmem unique id: %s", shown, why)
	}
	if len(uid) > uniqueIDSize {
		return bad("longer than 128 bytes")
	}
	text := strings.TrimRight(uid, "\x00")
	switch {
	case strings.HasPrefix(text, uniqueIDPrefix+"1:"):
		ipPort = text[len(uniqueIDPrefix)+2:]
	case strings.HasPrefix(text, uniqueIDPrefix+"2:"):
		var ok bool
		ipPort, key, ok = strings.Cut(text[len(uniqueIDPrefix)+2:], "#")
		if !ok {
			return bad("no job key")
		}
		if raw, err := hex.DecodeString(key); err != nil || len(raw) < 16 {
			return bad("the job key is not 32 or more hex digits")
		}
	default:
		return bad("no shmem-uid- prefix")
	}
	if strings.ContainsRune(ipPort, 0) {
		return bad("a NUL inside")
	}
	if _, err := ParseIPPort(ipPort); err != nil {
		return "", "", err
	}
	return ipPort, key, nil
}

// UniqueIDAddress is the rendezvous address (ip_port) of a unique id, given
// as the id's bytes read as Latin-1 text.
func UniqueIDAddress(uid string) (_ string, err error) {
	defer recoverInto(&err)
	ipPort, _, err := decodeUniqueID(uid)
	return ipPort, err
}

// UniqueIDKey is the job key of a unique id ("" for a version 1 id).
func UniqueIDKey(uid string) (_ string, err error) {
	defer recoverInto(&err)
	_, key, err := decodeUniqueID(uid)
	return key, err
}
