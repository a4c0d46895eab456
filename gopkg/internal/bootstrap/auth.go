package bootstrap

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// Membership (doc.go): a PE proves it belongs to the job with an HMAC keyed
// by the job key over rank 0's fresh challenge, and rank 0 proves the same in
// its Welcome; the key itself never crosses the wire. Without a job key the
// HMAC key is derived from the job identity, which only launchers' variables
// hold and which is not secret: that tells jobs apart, it keeps no attacker
// out.

const (
	labelHello   = "shmem bootstrap hello v2\x00"
	labelWelcome = "shmem bootstrap welcome v2\x00"
	labelData    = "shmem data secret v2\x00"
	labelID      = "shmem job identity v2\x00"
)

// authKey is the HMAC key of the join: the job key, else one derived from
// the job identity.
func (c *Config) authKey() []byte {
	if len(c.JobKey) > 0 {
		return c.JobKey
	}
	sum := sha256.Sum256([]byte(labelID + c.JobID))
	return sum[:]
}

func helloMAC(key, serverNonce, clientNonce []byte, rank, size int, jobID string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(labelHello))
	m.Write(serverNonce)
	m.Write(clientNonce)
	m.Write(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(rank)), uint32(size)))
	m.Write([]byte(jobID))
	return m.Sum(nil)
}

func welcomeMAC(key, serverNonce, clientNonce []byte, rank, size int, jobNonce []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(labelWelcome))
	m.Write(clientNonce)
	m.Write(serverNonce)
	m.Write(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(rank)), uint32(size)))
	m.Write(jobNonce)
	return m.Sum(nil)
}

// dataSecret is what the job's data connections prove, derived from the job
// key and the job's public nonce, so no frame ever carries it.
func dataSecret(key, jobNonce []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(labelData))
	m.Write(jobNonce)
	return m.Sum(nil)
}

func newNonce() []byte {
	b := make([]byte, nonceLen)
	_, _ = rand.Read(b) // never fails on Linux (getrandom)
	return b
}

// KeyIdentity is the job identity of a job known by its key alone: a short
// fingerprint, so that messages can name the job without revealing the key.
func KeyIdentity(key []byte) string {
	sum := sha256.Sum256(append([]byte("shmem job key fingerprint\x00"), key...))
	return "key:" + hex.EncodeToString(sum[:6])
}

// jobName is an identity as messages show it.
func jobName(id string) string {
	if id == "" {
		return "(no job identity)"
	}
	return id
}
