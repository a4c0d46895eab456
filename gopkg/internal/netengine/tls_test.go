package netengine

import (
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
	"github.com/stretchr/testify/require"
)

// testPKI is a CA made for the test and a certificate it signed for
// 127.0.0.1, good for both ends of a connection.
type testPKI struct {
	pool *x509.CertPool
	cert tls.Certificate
}

func newTestPKI(t testing.TB) *testPKI {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "shmem test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "shmem PE"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{pool: pool, cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
}

func (p *testPKI) server() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.cert}, ClientCAs: p.pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13}
}

func (p *testPKI) client() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.cert}, RootCAs: p.pool, MinVersion: tls.VersionTLS13}
}

func (p *testPKI) tweak(c *Config) {
	c.ServerTLS, c.ClientTLS = p.server(), p.client()
	c.ChunkSize = 40 << 10
}

func TestTLSMutualAuth(t *testing.T) {
	pki := newTestPKI(t)
	nodes := cluster(t, 3, 1<<20, pki.tweak)
	for _, n := range []uintptr{8, 100 << 10} {
		src := localBytes(t, int(n), uint64(n))
		require.NoError(t, nodes[0].eng.Put(2, 64, addrOf(src), n))
		require.Equal(t, src, nodes[2].at(64, n))
		dst := mmapBytes(t, n)
		require.NoError(t, nodes[1].eng.Get(addrOf(dst), 2, 64, n))
		require.Equal(t, src, dst)
		require.NoError(t, nodes[1].eng.GetNBI(addrOf(dst), 0, 0, n))
		require.NoError(t, nodes[1].eng.Quiet())
		require.Equal(t, nodes[0].at(0, n), dst)
	}
	old, err := nodes[2].eng.Atomic(0, AtomicFetchAdd, 8, 8, 5, 0)
	require.NoError(t, err)
	require.Zero(t, old)
}

func TestTLSRefusesWhoCannotProveIt(t *testing.T) {
	pki := newTestPKI(t)
	server := newNode(t, 1, 2, 4096, pki.tweak)
	addrs := []string{"", server.eng.Addr()}
	use := []bool{false, true}

	noCert := newNode(t, 0, 2, 4096, func(c *Config) { c.ClientTLS = &tls.Config{RootCAs: pki.pool} })
	requireCode(t, noCert.eng.Connect(addrs, use), errcode.BootstrapError, "PE 0 connecting to PE 1")
	server.logs.waitForLog(t, "TLS handshake")

	// A certificate from another CA, or none at all, is refused the same way.
	stranger := newTestPKI(t)
	otherCA := newNode(t, 0, 2, 4096, func(c *Config) {
		c.ClientTLS = &tls.Config{Certificates: []tls.Certificate{stranger.cert}, RootCAs: pki.pool}
	})
	requireCode(t, otherCA.eng.Connect(addrs, use), errcode.BootstrapError, "PE 0 connecting to PE 1")

	// Without TLS the dialer waits for a greeting the TLS server never sends.
	plain := newNode(t, 0, 2, 4096, func(c *Config) { c.DialTimeout = 300 * time.Millisecond })
	requireCode(t, plain.eng.Connect(addrs, use), errcode.BootstrapError, "TLS on one side only?")

	// The client checks the server too: a server with an unknown CA fails.
	impostor := newNode(t, 1, 2, 4096, stranger.tweak)
	trusting := newNode(t, 0, 2, 4096, pki.tweak)
	requireCode(t, trusting.eng.Connect([]string{"", impostor.eng.Addr()}, use), errcode.BootstrapError,
		"certificate signed by unknown authority")

	// The right certificate and secret get in.
	good := newNode(t, 0, 2, 4096, pki.tweak)
	require.NoError(t, good.eng.Connect(addrs, use))
	src := localBytes(t, 8, 1)
	require.NoError(t, good.eng.Put(1, 0, addrOf(src), 8))
	require.Equal(t, src, server.at(0, 8))
}
