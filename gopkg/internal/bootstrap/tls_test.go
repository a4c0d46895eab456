package bootstrap

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// selfSignedTLS makes a server config with a fresh certificate for
// 127.0.0.1 and a client config that trusts exactly it.
func selfSignedTLS(t *testing.T) (server, client *tls.Config) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "shmem bootstrap test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS13}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}
	return server, client
}

func TestJobOverTLS(t *testing.T) {
	done := leakCheck(t)
	serverTLS, clientTLS := selfSignedTLS(t)
	sessions := joinAll(t, 3, func(c *Config) {
		c.ServerTLS, c.ClientTLS = serverTLS, clientTLS
	})
	for _, err := range everyRank(sessions, func(s *Session) error {
		got, err := s.Allgather("world", nil, []byte{byte(s.Rank())})
		if err == nil {
			assert.Equal(t, [][]byte{{0}, {1}, {2}}, got)
		}
		return err
	}) {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
	done()
}

func TestTLSOnOneSideOnlyFailsWithoutHanging(t *testing.T) {
	done := leakCheck(t)
	serverTLS, clientTLS := selfSignedTLS(t)
	addr := freeAddr(t)
	rank0 := testConfig(addr, 0, 2)
	rank0.ServerTLS, rank0.ClientTLS = serverTLS, clientTLS
	// Rank 0 serves until the client has its answer (then it is canceled), and
	// the client is patient: a BootstrapError rather than a timeout means it
	// stopped because of what the server did, not because its time ran out.
	rank0.JoinTimeout = patient
	serve := func(client Config) (rank0Err, clientErr error) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		served := make(chan error, 1)
		go func() {
			s, err := Join(ctx, rank0)
			if s != nil {
				_ = s.Close()
			}
			served <- err
		}()
		client.JoinTimeout = patient
		_, clientErr = Join(context.Background(), client)
		cancel()
		return <-served, clientErr
	}
	rank0Err, err := serve(testConfig(addr, 1, 2)) // no TLS
	requireCode(t, err, errcode.BootstrapError, "dropped the connection during the join")
	requireCode(t, rank0Err, errcode.BootstrapError, "canceled")

	// And a client whose trust store does not hold the server's certificate.
	_, otherCA := selfSignedTLS(t)
	distrust := testConfig(addr, 1, 2)
	distrust.ClientTLS = otherCA
	rank0Err, err = serve(distrust)
	requireCode(t, err, errcode.BootstrapError, "TLS handshake with PE 0")
	requireCode(t, rank0Err, errcode.BootstrapError, "canceled")
	done()
}

func TestClientTLSGetsServerNameFromAddr(t *testing.T) {
	cfg := Config{Addr: "node7:9000", ClientTLS: &tls.Config{}}
	assert.Equal(t, "node7", cfg.clientTLS().ServerName)
	assert.Empty(t, cfg.ClientTLS.ServerName, "the caller's config is not modified")
	cfg.ClientTLS.ServerName = "explicit"
	assert.Equal(t, "explicit", cfg.clientTLS().ServerName)
}
