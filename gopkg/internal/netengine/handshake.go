package netengine

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
)

// The secret handshake that opens every connection (doc.go, "Handshake").
// Both sides prove they know the job secret without sending it: each answers
// the other's random nonce with an HMAC over it.

// proof is HMAC-SHA256(secret, label || nonce || rank).
func proof(secret []byte, label string, nonce []byte, rank int) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	m.Write(nonce)
	var r [4]byte
	binary.LittleEndian.PutUint32(r[:], uint32(rank))
	m.Write(r[:])
	return m.Sum(nil)
}

func newNonce() ([]byte, error) {
	nonce := make([]byte, nonceLen)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return nonce, nil
}

// identity is the magic, version, rank and size that open both the server's
// hello and the client's proof.
type identity struct {
	version    uint16
	rank, size int
}

func putIdentity(b []byte, id identity) {
	copy(b, protocolMagic)
	binary.LittleEndian.PutUint16(b[4:], id.version)
	binary.LittleEndian.PutUint16(b[6:], 0)
	binary.LittleEndian.PutUint32(b[8:], uint32(id.rank))
	binary.LittleEndian.PutUint32(b[12:], uint32(id.size))
}

// readIdentity decodes an identity; false when the magic is wrong (not a
// shmem network engine at the other end).
func readIdentity(b []byte) (identity, bool) {
	if string(b[:4]) != protocolMagic {
		return identity{}, false
	}
	return identity{
		version: binary.LittleEndian.Uint16(b[4:]),
		rank:    int(int32(binary.LittleEndian.Uint32(b[8:]))),
		size:    int(int32(binary.LittleEndian.Uint32(b[12:]))),
	}, true
}

const identityLen = 16

// serverHandshake runs the server's side on a fresh connection and returns
// the rank of the PE that proved the secret. A refused client is told why
// before the caller closes the connection.
func serverHandshake(conn net.Conn, cfg *Config) (int, error) {
	nonce, err := newNonce()
	if err != nil {
		return 0, err
	}
	hello := make([]byte, serverHelloLen)
	putIdentity(hello, identity{version: protocolVersion, rank: cfg.Rank, size: cfg.Size})
	copy(hello[identityLen:], nonce)
	if _, err := conn.Write(hello); err != nil {
		return 0, err
	}
	answer := make([]byte, clientProofLen)
	if _, err := io.ReadFull(conn, answer); err != nil {
		return 0, err
	}
	client, ok := readIdentity(answer)
	if !ok {
		return 0, fmt.Errorf("not a shmem network engine (bad magic)")
	}
	clientNonce := answer[identityLen : identityLen+nonceLen]
	mac := answer[identityLen+nonceLen:]
	refuse := func(verdict byte, format string, args ...any) (int, error) {
		v := make([]byte, serverVerdictLen)
		v[0] = verdict
		_, _ = conn.Write(v)
		return 0, fmt.Errorf(format, args...)
	}
	switch {
	case client.version != protocolVersion:
		return refuse(verdictBadVersion, "protocol version %d, this engine speaks %d", client.version, protocolVersion)
	case client.size != cfg.Size || client.rank < 0 || client.rank >= cfg.Size:
		return refuse(verdictBadIdentity, "PE %d of a job of %d PEs does not belong to this job of %d", client.rank, client.size, cfg.Size)
	case !hmac.Equal(mac, proof(cfg.Secret, clientProofLabel, nonce, client.rank)):
		return refuse(verdictSecretMismatch, "claiming PE %d: job secret mismatch", client.rank)
	}
	verdict := make([]byte, serverVerdictLen)
	verdict[0] = verdictAccepted
	copy(verdict[4:], proof(cfg.Secret, serverProofLabel, clientNonce, cfg.Rank))
	if _, err := conn.Write(verdict); err != nil {
		return 0, err
	}
	return client.rank, nil
}

// clientHandshake runs the dialer's side towards PE pe.
func clientHandshake(conn net.Conn, cfg *Config, pe int) error {
	hello := make([]byte, serverHelloLen)
	if _, err := io.ReadFull(conn, hello); err != nil {
		return fmt.Errorf("no greeting (%v): not a shmem network engine, or TLS on one side only?", err)
	}
	server, ok := readIdentity(hello)
	switch {
	case !ok:
		return fmt.Errorf("not a shmem network engine (bad magic)")
	case server.version != protocolVersion:
		return fmt.Errorf("peer speaks protocol version %d, this engine %d", server.version, protocolVersion)
	case server.rank != pe || server.size != cfg.Size:
		return fmt.Errorf("the engine there is PE %d of %d PEs, expected PE %d of %d", server.rank, server.size, pe, cfg.Size)
	}
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	answer := make([]byte, clientProofLen)
	putIdentity(answer, identity{version: protocolVersion, rank: cfg.Rank, size: cfg.Size})
	copy(answer[identityLen:], nonce)
	copy(answer[identityLen+nonceLen:], proof(cfg.Secret, clientProofLabel, hello[identityLen:], cfg.Rank))
	if _, err := conn.Write(answer); err != nil {
		return err
	}
	verdict := make([]byte, serverVerdictLen)
	if _, err := io.ReadFull(conn, verdict); err != nil {
		return fmt.Errorf("connection dropped during the handshake (%v)", err)
	}
	switch verdict[0] {
	case verdictAccepted:
	case verdictSecretMismatch:
		return fmt.Errorf("refused: job secret mismatch")
	case verdictBadIdentity:
		return fmt.Errorf("refused: PE %d of %d PEs is not part of that job", cfg.Rank, cfg.Size)
	case verdictBadVersion:
		return fmt.Errorf("refused: protocol version mismatch")
	default:
		return fmt.Errorf("refused with unknown verdict %d", verdict[0])
	}
	if !hmac.Equal(verdict[4:], proof(cfg.Secret, serverProofLabel, nonce, pe)) {
		return fmt.Errorf("the peer could not prove the job secret")
	}
	return nil
}
