package tlstest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What the helpers make must be what a TLS test relies on: a PE certificate
// that its CA verifies for both ends and another CA does not, a key that
// pairs with it, and a CRL the CA signed that names the revoked serials.
func TestCAIssuesVerifiablePEsAndCRLs(t *testing.T) {
	dir := t.TempDir()
	ca, other := NewCA(t, "job CA"), NewCA(t, "job CA")
	certFile, keyFile := ca.NewPE(t, dir, "pe0", 7)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	require.NoError(t, err)
	assert.Equal(t, big.NewInt(7), leaf.SerialNumber)

	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(ca.PEM))
	for _, usage := range BothEnds {
		_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}})
		require.NoError(t, err)
	}
	strangers := x509.NewCertPool()
	require.True(t, strangers.AppendCertsFromPEM(other.PEM))
	_, err = leaf.Verify(x509.VerifyOptions{Roots: strangers, KeyUsages: BothEnds})
	require.Error(t, err, "an impostor CA with the same name does not verify it")

	block, _ := pem.Decode(ca.CRL(t, 7, 9))
	require.NotNil(t, block)
	crl, err := x509.ParseRevocationList(block.Bytes)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(ca.Cert))
	require.Error(t, crl.CheckSignatureFrom(other.Cert))
	require.Len(t, crl.RevokedCertificateEntries, 2)
	assert.Equal(t, big.NewInt(9), crl.RevokedCertificateEntries[1].SerialNumber)

	info, err := os.Stat(keyFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "keys are written owner-only")
}
