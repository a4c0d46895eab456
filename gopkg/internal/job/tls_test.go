package job

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/native"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One EC P-256 key, unencrypted and encrypted by OpenSSL 3.0 with the
// password "s3cret" in the ways OpenSSL and Python's cryptography write:
//
//	openssl pkcs8 -topk8 -v2 aes-256-cbc                         (PRF HMAC-SHA256, the default)
//	openssl pkcs8 -topk8 -v2 aes-128-cbc -v2prf hmacWithSHA1     (PRF left out: the DER default)
//	openssl pkcs8 -topk8 -v2 aes-192-cbc -v2prf hmacWithSHA512 -iter 1000
//	openssl pkcs8 -topk8 -v2 des3, and -scrypt                   (not supported)
const (
	fixturePlain = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLeYxs2zLafkuMv0P
5ppnS6yhNX/6Ktjw7FaWuYDAQqahRANCAAT7uk8bU6vMTuqtaGD0DFdT77N1w6Bc
HzAQ2RNsQz1Q2uC4RGfxEmHj619bwWRoMgJ/FAb4wZlXKdvwZ+S7ax2T
-----END PRIVATE KEY-----
`
	fixtureAES256 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhM//5OkvMMVQICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEMaqigFdTrQ62aSCBbJWKEgEgZDa
1EtHSY1wNZx6EG0E4PhjgOi7O+XstBFSm344biwlkVsBboLDqy2xhksxCoXphp4w
XgMS7RSCoiApV80TSJqtRY/4bjfdyq0bu1en8rgXzuDbKjmJtn/vLLz31iM3c/Se
LBPybOYLH1JcthYDzi3bTT+BTYo/VSG8oofb94P0uvQDyHfSvvRWq9YUK4OHj+w=
-----END ENCRYPTED PRIVATE KEY-----
`
	fixtureAES128SHA1 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHeMEkGCSqGSIb3DQEFDTA8MBsGCSqGSIb3DQEFDDAOBAi20T3D0WRXsQICCAAw
HQYJYIZIAWUDBAECBBAN1X8f2wTcFLPC6vk30fmBBIGQISUK0hztNCtQA8TN0ZcJ
OS1kRFPPVaG6IcPNS8dS7tqs7ej80btJwg6sa4obbDez4opwRzS40nd6b7a4PAY1
wfujfbN7gGZW8YIcKebLaQRKQxAQYsKdNmGtCTMVdRAyWyNoMAfcgzjYUSV1QXfl
wwamYrCMzUnDOo4reCgaghdGmqAKnK1v4EMYm0B/UFnF
-----END ENCRYPTED PRIVATE KEY-----
`
	fixtureAES192SHA512 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhvE6WlmOHVMwICA+gw
DAYIKoZIhvcNAgsFADAdBglghkgBZQMEARYEEOySAR1tTrqbhBApAo3CHUQEgZA3
oXj2Wp9fd3xGByA+3WJZtSOptfwXYAIvWT8bFQLpDs3IGPshRWbOpZdXvFD7aETc
1ykGkEkVupZI42yn/TY+f8fYnFFtRyWg/gc0AOdqQ2wJLCkM9LcJ5WRe5GceUyx+
n/kYOw0U9SbnTbZcwJi8xSpbpE53sckjkkYoqW4XJ7kFFM2VEmjJqPPR8U/Ft5U=
-----END ENCRYPTED PRIVATE KEY-----
`
	fixtureDES3 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHjME4GCSqGSIb3DQEFDTBBMCkGCSqGSIb3DQEFDDAcBAiacICqlz+7aAICCAAw
DAYIKoZIhvcNAgkFADAUBggqhkiG9w0DBwQIVbiyK8lzCOwEgZACty2gUv7ZyZp1
XI2hgZjv5Noaj1PzePomlA1NleKzKWsZVW2dy3ADVM4ZfnGuW1fYjGQ9mFels5f0
WQQGAUuXfIl0W0FA62YADtw8p/VXdEViMNnWlgTzPH8eYQE1CeZzjqiXbF/fVaQ9
ci9OW284RPmtrWJWcjIzvC8sInEz2UKLXd/49Vjdq4sjZVJnf1M=
-----END ENCRYPTED PRIVATE KEY-----
`
	fixtureScrypt = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHkME8GCSqGSIb3DQEFDTBCMCEGCSsGAQQB2kcECzAUBAg8V/5Q9LUmbQICQAAC
AQgCAQEwHQYJYIZIAWUDBAEqBBCY9L6uRwrJjG3sfYQVv88LBIGQXn0Zp+ypKkmh
bu9vAP16gB+WBHcTfx4RTSfdHTVrODr3mvIMy9k3Hl/0HlebIgHf7xnT81WQ0CCL
VKd9xNgFgzbG7OYBZhKYHUKpDLge+FHNFyc/a+BceT54YvMhzcAzwqlGvPNANMFv
8SuOwyt/0MHbHp7wd5PRvjuhrhyST9v1IPgYRPk6P3Xw/LKrBnZz
-----END ENCRYPTED PRIVATE KEY-----
`
	fixturePassword = "s3cret"
)

func TestParseTLSInfo(t *testing.T) {
	info, err := ParseTLSInfo(`
		tlsCaPath: /etc/ssl/ca/ ;
		tlsCaFile:  ca1.pem , ca2.pem,;
		tlsCert: /etc/ssl/certs/pe.pem;
		tlsPk: /etc/ssl/private/pe.key;
		tlsPkPwd: /etc/ssl/private/pwd.txt;
		tlsCrlPath: /etc/ssl/crl/; tlsCrlFile: crl1.pem,crl2.pem;
		packagePath: /usr/lib;
	`)
	require.NoError(t, err)
	assert.Equal(t, TLSInfo{
		CAPath: "/etc/ssl/ca/", CAFiles: []string{"ca1.pem", "ca2.pem"},
		CertFile: "/etc/ssl/certs/pe.pem", KeyFile: "/etc/ssl/private/pe.key", PwdFile: "/etc/ssl/private/pwd.txt",
		CRLPath: "/etc/ssl/crl/", CRLFiles: []string{"crl1.pem", "crl2.pem"},
	}, info)

	info, err = ParseTLSInfo("tlsCert: C:/certs/pe.pem")
	require.NoError(t, err)
	assert.Equal(t, "C:/certs/pe.pem", info.CertFile, "only the first colon separates key and value")
	info, err = ParseTLSInfo("  ;\n ; ")
	require.NoError(t, err)
	assert.Equal(t, TLSInfo{}, info)

	for bad, why := range map[string]string{
		"tlsCert: a.pem; tlsColor: blue":  `unknown key "tlsColor"`,
		"tlscert: a.pem":                  `unknown key "tlscert"`,
		"tlsCert a.pem":                   "is not a \"key: value\" pair",
		": a.pem":                         "is not a \"key: value\" pair",
		"tlsCert: ; tlsPk: k.pem":         "tlsCert has no value",
		"tlsCert: a.pem; tlsCert: b.pem;": "tlsCert is given twice",
	} {
		_, err := ParseTLSInfo(bad)
		requireCode(t, err, errcode.InvalidValue, why)
	}
}

func TestTLSSettingsValidate(t *testing.T) {
	full := TLSInfo{CAFiles: []string{"ca.pem"}, CertFile: "c.pem", KeyFile: "k.pem"}
	require.NoError(t, (&TLSSettings{Info: full}).Validate())
	for _, c := range []struct {
		edit func(*TLSInfo)
		want string
	}{
		{func(i *TLSInfo) { i.CAFiles = nil }, "tlsCaFile is required"},
		{func(i *TLSInfo) { i.CertFile = "" }, "tlsCert is required"},
		{func(i *TLSInfo) { i.KeyFile = "" }, "tlsPk (or set_conf_store_tls_key) is required"},
		{func(i *TLSInfo) { i.CRLPath = "/crl" }, "tlsCrlFile"},
	} {
		info := full
		c.edit(&info)
		requireCode(t, (&TLSSettings{Info: info}).Validate(), errcode.InvalidValue, c.want)
	}
	noKey := full
	noKey.KeyFile = ""
	require.NoError(t, (&TLSSettings{Info: noKey, Key: &TLSKey{PEM: fixturePlain}}).Validate(),
		"set_conf_store_tls_key stands in for tlsPk")
}

func pemDER(t *testing.T, s string) []byte {
	block, _ := pem.Decode([]byte(s))
	require.NotNil(t, block)
	return block.Bytes
}

func constPassword(pw string, calls *int) func() ([]byte, error) {
	return func() ([]byte, error) {
		*calls++
		return []byte(pw), nil
	}
}

func TestDecryptKeyPEMReadsOpenSSLsPKCS8(t *testing.T) {
	want := pemDER(t, fixturePlain)
	for name, fixture := range map[string]string{
		"aes256-sha256": fixtureAES256, "aes128-sha1-default-prf": fixtureAES128SHA1, "aes192-sha512": fixtureAES192SHA512,
	} {
		calls := 0
		out, err := decryptKeyPEM([]byte(fixture), constPassword(fixturePassword, &calls))
		require.NoError(t, err, name)
		assert.Equal(t, want, pemDER(t, string(out)), name)
		assert.Equal(t, 1, calls, name)

		_, err = decryptKeyPEM([]byte(fixture), constPassword("s3cret!", &calls))
		require.ErrorIs(t, err, errWrongPassword, name)
		_, err = decryptKeyPEM([]byte(fixture), constPassword("", &calls))
		require.ErrorIs(t, err, errWrongPassword, name)
	}
	for name, fixture := range map[string]string{"des3": fixtureDES3, "scrypt": fixtureScrypt} {
		calls := 0
		_, err := decryptKeyPEM([]byte(fixture), constPassword(fixturePassword, &calls))
		require.ErrorContains(t, err, "supported: PBES2 with PBKDF2", name)
	}

	// An unencrypted key needs no password, whatever else shares its file.
	calls := 0
	params := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
	out, err := decryptKeyPEM([]byte(params+fixturePlain), constPassword("unused", &calls))
	require.NoError(t, err)
	assert.Equal(t, want, pemDER(t, string(out)))
	assert.Zero(t, calls)

	// The password source's own failure is passed on.
	boom := errors.New("no handler")
	_, err = decryptKeyPEM([]byte(fixtureAES256), func() ([]byte, error) { return nil, boom })
	require.ErrorIs(t, err, boom)

	for _, junk := range []string{"", "not pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		_, err := decryptKeyPEM([]byte(junk), constPassword("x", &calls))
		require.ErrorContains(t, err, "no PEM private key found")
	}
	// Corrupt ciphertext (a flipped byte in the encrypted data) is refused, not parsed.
	der := pemDER(t, fixtureAES256)
	der[len(der)-20] ^= 0xff
	corrupt := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})
	_, err = decryptKeyPEM(corrupt, constPassword(fixturePassword, &calls))
	require.ErrorIs(t, err, errWrongPassword)
	_, err = decryptKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0}}),
		constPassword(fixturePassword, &calls))
	require.ErrorContains(t, err, "malformed")
}

func TestDecryptKeyPEMReadsLegacyEncryptedPEM(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	//lint:ignore SA1019 the format under test
	block, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", der, []byte("pw"), x509.PEMCipherAES256)
	require.NoError(t, err)
	calls := 0
	out, err := decryptKeyPEM(pem.EncodeToMemory(block), constPassword("pw", &calls))
	require.NoError(t, err)
	got, _ := pem.Decode(out)
	assert.Equal(t, "EC PRIVATE KEY", got.Type)
	assert.Empty(t, got.Headers)
	assert.Equal(t, der, got.Bytes)
	_, err = decryptKeyPEM(pem.EncodeToMemory(block), constPassword("wrong", &calls))
	require.ErrorIs(t, err, errWrongPassword)
}

// testCA is a certificate authority made for a test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

var bothEnds = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}

// issue signs a PE certificate for pub. It names no host or address: peers
// must not need one.
func (ca *testCA) issue(t *testing.T, pub crypto.PublicKey, serial int64, usage []x509.ExtKeyUsage) []byte {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "shmem PE"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usage,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func (ca *testCA) crl(t *testing.T, serials ...int64) []byte {
	var revoked []x509.RevocationListEntry
	for _, s := range serials {
		revoked = append(revoked, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: time.Now()})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: revoked,
	}, ca.cert, ca.key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// newPE writes a fresh key and a certificate ca signs for it into dir and
// returns tls_info for it, trusting trusted.
func newPE(t *testing.T, dir, name string, ca *testCA, serial int64, trusted ...string) TLSInfo {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return TLSInfo{
		CAPath: dir, CAFiles: trusted,
		CertFile: writeFile(t, dir, name+".pem", ca.issue(t, key.Public(), serial, bothEnds)),
		KeyFile:  writeFile(t, dir, name+".key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	}
}

func fixturePublicKey(t *testing.T) crypto.PublicKey {
	key, err := x509.ParsePKCS8PrivateKey(pemDER(t, fixturePlain))
	require.NoError(t, err)
	return key.(*ecdsa.PrivateKey).Public()
}

func TestLoadTLSDecryptsTheKeyThroughTheHandler(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, "job CA")
	writeFile(t, dir, "ca.pem", ca.pem)
	info := TLSInfo{
		CAPath: dir, CAFiles: []string{"ca.pem"},
		CertFile: writeFile(t, dir, "pe.pem", ca.issue(t, fixturePublicKey(t), 2, bothEnds)),
		KeyFile:  writeFile(t, dir, "pe.key", []byte(fixtureAES256)),
		PwdFile:  writeFile(t, dir, "pwd", []byte("  CIPHER-TEXT\n")),
	}
	var seen []string
	handler := func(cipher string) (string, error) {
		seen = append(seen, cipher)
		return fixturePassword, nil
	}
	conf, err := LoadTLS(TLSSettings{Info: info}, handler)
	require.NoError(t, err)
	assert.Equal(t, []string{"CIPHER-TEXT"}, seen, "the handler gets the file's text, trimmed, once")
	require.NotNil(t, conf.serverConfig())
	assert.Equal(t, tls.RequireAndVerifyClientCert, conf.serverConfig().ClientAuth)
	assert.Equal(t, uint16(tls.VersionTLS12), conf.clientConfig().MinVersion)
	assert.Nil(t, (*TLS)(nil).serverConfig())
	assert.Nil(t, (*TLS)(nil).clientConfig())

	// A failing handler is a BootstrapError that names it.
	_, err = LoadTLS(TLSSettings{Info: info}, func(string) (string, error) { return "", errors.New("callback failed") })
	requireCode(t, err, errcode.BootstrapError, "decrypt handler (register_decrypt_handler")
	_, err = LoadTLS(TLSSettings{Info: info}, func(string) (string, error) { return "not it", nil })
	requireCode(t, err, errcode.BootstrapError, "wrong password")

	// Without a handler the text is the password itself (as in the Ascend library).
	plainPwd := info
	plainPwd.PwdFile = writeFile(t, dir, "plainpwd", []byte(fixturePassword+"\n"))
	_, err = LoadTLS(TLSSettings{Info: plainPwd}, nil)
	require.NoError(t, err)

	// set_conf_store_tls_key: PEM text or a path, and its own password.
	noKey := info
	noKey.KeyFile, noKey.PwdFile = "", ""
	for _, pk := range []string{fixtureAES256, info.KeyFile} {
		seen = nil
		_, err = LoadTLS(TLSSettings{Info: noKey, Key: &TLSKey{PEM: pk, PasswordCipher: "OTHER"}}, handler)
		require.NoError(t, err)
		assert.Equal(t, []string{"OTHER"}, seen)
	}
	_, err = LoadTLS(TLSSettings{Info: noKey, Key: &TLSKey{PEM: fixtureAES256}}, handler)
	requireCode(t, err, errcode.BootstrapError, "set_conf_store_tls_key gave no password")
	noPwd := info
	noPwd.PwdFile = ""
	_, err = LoadTLS(TLSSettings{Info: noPwd}, handler)
	requireCode(t, err, errcode.BootstrapError, "tls_info has no tlsPkPwd")
	// An unencrypted key never calls the handler.
	_, err = LoadTLS(TLSSettings{Info: noKey, Key: &TLSKey{PEM: fixturePlain}},
		func(string) (string, error) { panic("called") })
	require.NoError(t, err)
}

func TestLoadTLSReportsBadFiles(t *testing.T) {
	dir := t.TempDir()
	ca, other := newTestCA(t, "job CA"), newTestCA(t, "other CA")
	writeFile(t, dir, "ca.pem", ca.pem)
	good := newPE(t, dir, "pe", ca, 2, "ca.pem")
	strangerInfo := newPE(t, dir, "stranger", other, 2, "ca.pem")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serverOnly := writeFile(t, dir, "server-only.pem", ca.issue(t, key.Public(), 3, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}))
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	serverOnlyKey := writeFile(t, dir, "server-only.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	writeFile(t, dir, "junk.pem", []byte("no certificates here"))
	writeFile(t, dir, "revoked.crl", ca.crl(t, 2))

	cases := []struct {
		edit func(*TLSInfo)
		want string
	}{
		{func(i *TLSInfo) { i.CAFiles = []string{"missing.pem"} }, "reading tlsCaFile: open " + filepath.Join(dir, "missing.pem")},
		{func(i *TLSInfo) { i.CAFiles = []string{"junk.pem"} }, "holds no PEM certificate"},
		{func(i *TLSInfo) { i.CertFile = filepath.Join(dir, "nope.pem") }, "reading tlsCert"},
		{func(i *TLSInfo) { i.KeyFile = filepath.Join(dir, "nope.key") }, "reading the private key"},
		{func(i *TLSInfo) { i.KeyFile = strangerInfo.KeyFile }, "do not form a pair"},
		{func(i *TLSInfo) { i.CertFile, i.KeyFile = strangerInfo.CertFile, strangerInfo.KeyFile }, "signed by unknown authority"},
		{func(i *TLSInfo) { i.CertFile, i.KeyFile = serverOnly, serverOnlyKey }, "incompatible key usage"},
		{func(i *TLSInfo) { i.CRLFiles = []string{"revoked.crl"} }, "is revoked"},
		{func(i *TLSInfo) { i.CRLFiles = []string{"junk.pem"} }, "is not a CRL"},
		{func(i *TLSInfo) { i.CertFile = "" }, "tlsCert is required"},
	}
	for _, c := range cases {
		info := good
		c.edit(&info)
		_, err := LoadTLS(TLSSettings{Info: info}, nil)
		require.Error(t, err, c.want)
		assert.Contains(t, err.Error(), c.want)
		if !strings.Contains(c.want, "required") {
			assert.Equal(t, errcode.BootstrapError, errcode.CodeOf(err), c.want)
		}
	}
	_, err := LoadTLS(TLSSettings{Info: good}, nil)
	require.NoError(t, err)
}

// handshake runs a TLS handshake between a client and a server config over
// loopback TCP, with one byte from each side so TLS 1.3's late
// client-certificate check counts, and returns both sides' errors.
func handshake(t *testing.T, client, server *tls.Config) (clientErr, serverErr error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer a.Close()
	b, err := ln.Accept()
	require.NoError(t, err)
	defer b.Close()
	deadline := time.Now().Add(5 * time.Second)
	_ = a.SetDeadline(deadline)
	_ = b.SetDeadline(deadline)
	exchange := func(c *tls.Conn) error {
		if err := c.Handshake(); err != nil {
			return err
		}
		if _, err := c.Write([]byte{1}); err != nil {
			return err
		}
		_, err := c.Read(make([]byte, 1))
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		serverErr = exchange(tls.Server(b, server))
		if serverErr != nil {
			_ = b.Close()
		}
	}()
	clientErr = exchange(tls.Client(a, client))
	if clientErr != nil {
		_ = a.Close()
	}
	wg.Wait()
	return clientErr, serverErr
}

func TestMutualTLSBetweenPEs(t *testing.T) {
	dir := t.TempDir()
	ca, other := newTestCA(t, "job CA"), newTestCA(t, "other CA")
	writeFile(t, dir, "ca.pem", ca.pem)
	writeFile(t, dir, "other.pem", other.pem)
	load := func(info TLSInfo) *TLS {
		conf, err := LoadTLS(TLSSettings{Info: info}, nil)
		require.NoError(t, err)
		return conf
	}
	pe0 := load(newPE(t, dir, "pe0", ca, 10, "ca.pem"))
	pe1 := load(newPE(t, dir, "pe1", ca, 11, "ca.pem"))
	cErr, sErr := handshake(t, pe1.clientConfig(), pe0.serverConfig())
	require.NoError(t, cErr)
	require.NoError(t, sErr)

	// A stranger trusting both CAs gets past its own check of rank 0, but
	// rank 0 refuses it (Go's client does not even send a certificate that
	// no CA rank 0 names signed).
	stranger := load(newPE(t, dir, "stranger", other, 10, "ca.pem", "other.pem"))
	cErr, sErr = handshake(t, stranger.clientConfig(), pe0.serverConfig())
	require.Error(t, cErr)
	require.ErrorContains(t, sErr, "client didn't provide a certificate")
	// Sent anyway, it fails verification.
	forced := stranger.clientConfig().Clone()
	cert := forced.Certificates[0]
	forced.Certificates = nil
	forced.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	cErr, sErr = handshake(t, forced, pe0.serverConfig())
	require.Error(t, cErr)
	require.ErrorContains(t, sErr, "certificate signed by unknown authority")
	// And a PE refuses a server with a certificate from another CA.
	cErr, _ = handshake(t, pe1.clientConfig(), stranger.serverConfig())
	require.ErrorContains(t, cErr, "certificate signed by unknown authority")
	// No certificate at all.
	cErr, sErr = handshake(t, &tls.Config{InsecureSkipVerify: true}, pe0.serverConfig())
	require.Error(t, cErr)
	require.ErrorContains(t, sErr, "client didn't provide a certificate")

	// TLS 1.2 works too; the rest prefers 1.3.
	old := pe1.clientConfig().Clone()
	old.MaxVersion = tls.VersionTLS12
	cErr, sErr = handshake(t, old, pe0.serverConfig())
	require.NoError(t, cErr)
	require.NoError(t, sErr)

	// A CRL from the job's CA revokes PE 1, on both ends of a connection.
	writeFile(t, dir, "job.crl", ca.crl(t, 11))
	withCRL := newPE(t, dir, "pe2", ca, 12, "ca.pem")
	withCRL.CRLFiles = []string{"job.crl"}
	pe2 := load(withCRL)
	_, sErr = handshake(t, pe1.clientConfig(), pe2.serverConfig())
	require.ErrorContains(t, sErr, "is revoked")
	cErr, _ = handshake(t, pe2.clientConfig(), pe1.serverConfig())
	require.ErrorContains(t, cErr, "is revoked")
	cErr, sErr = handshake(t, pe0.clientConfig(), pe2.serverConfig())
	require.NoError(t, cErr)
	require.NoError(t, sErr)
	// A CRL that another CA with the job CA's name signed does not count.
	impostor := newTestCA(t, "job CA")
	writeFile(t, dir, "forged.crl", impostor.crl(t, 10))
	withForged := newPE(t, dir, "pe3", ca, 13, "ca.pem")
	withForged.CRLFiles = []string{"forged.crl"}
	_, sErr = handshake(t, pe0.clientConfig(), load(withForged).serverConfig())
	require.NoError(t, sErr)
}

// startPair starts a job of two PEs in this process, rank 0 and rank 1 on
// their own goroutines, each with its TLS.
func startPair(t *testing.T, confs [2]*TLS, engine int) [2]*Job {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	var jobs [2]*Job
	var errs [2]error
	var wg sync.WaitGroup
	for rank := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jobs[rank], errs[rank] = Start(Options{
				Rank: rank, Size: 2, MemSize: 1 << 20, Addr: addr, Engine: engine,
				InitTimeout: 10 * time.Second, CreateTimeout: 5 * time.Second, OpTimeout: 10 * time.Second,
				TLS: confs[rank],
			}, nil, nil)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	return jobs
}

func finalizePair(t *testing.T, jobs [2]*Job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			transfers, meeting := j.Finalize(nil)
			assert.NoError(t, transfers)
			assert.NoError(t, meeting)
		}()
	}
	wg.Wait()
}

// speaksTLS dials addr with conf and reports whether the server accepted the
// TLS session: a server that refuses the certificate answers the first read
// with an alert, one that accepts sends its greeting or waits for ours.
func speaksTLS(t *testing.T, addr string, conf *tls.Config) error {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, conf)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		return nil
	}
	return err
}

func TestJobRunsRendezvousAndDataConnectionsOverTLS(t *testing.T) {
	dir := t.TempDir()
	ca, other := newTestCA(t, "job CA"), newTestCA(t, "other CA")
	writeFile(t, dir, "ca.pem", ca.pem)
	writeFile(t, dir, "other.pem", other.pem)
	var confs [2]*TLS
	for rank := range 2 {
		info := newPE(t, dir, "pe"+string(rune('0'+rank)), ca, int64(20+rank), "ca.pem")
		var err error
		confs[rank], err = LoadTLS(TLSSettings{Info: info}, nil)
		require.NoError(t, err)
	}
	jobs := startPair(t, confs, EngineROCE)
	require.NotNil(t, jobs[0].net, "ROCE sends every transfer through the network engine")

	var blocks [2]uintptr
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			blocks[i], err = j.Malloc(4096, 0, true)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	src := native.View(blocks[0]+1024, 1024)
	for i := range src {
		src[i] = byte(i * 7)
	}
	require.NoError(t, jobs[0].Put(blocks[0], blocks[0]+1024, 1024, 1, false))
	assert.Equal(t, src, native.View(blocks[1], 1024))
	require.NoError(t, jobs[1].Get(blocks[1]+2048, blocks[1]+1024, 1024, 0, false))
	assert.Equal(t, src, native.View(blocks[1]+2048, 1024))
	old, err := jobs[1].Atomic(signal.AmoFetchAdd, 8, blocks[1]+3072, 5, 0, 0)
	require.NoError(t, err)
	assert.Zero(t, old)
	old, err = jobs[0].Atomic(signal.AmoFetch, 8, blocks[0]+3072, 0, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(5), old)

	// Both the rendezvous and the data plane are TLS servers that take the
	// job's certificates and refuse another CA's.
	strangerInfo := newPE(t, dir, "stranger", other, 30, "ca.pem", "other.pem")
	stranger, err := LoadTLS(TLSSettings{Info: strangerInfo}, nil)
	require.NoError(t, err)
	for _, addr := range []string{jobs[0].opts.Addr, jobs[1].net.Addr()} {
		require.NoError(t, speaksTLS(t, addr, confs[1].clientConfig()), addr)
		require.Error(t, speaksTLS(t, addr, stranger.clientConfig()), addr)
	}
	// The job is not disturbed.
	require.NoError(t, jobs[0].Put(blocks[0], blocks[0]+1024, 8, 1, false))
	finalizePair(t, jobs)
}

func TestJobRefusesAPEWithAnotherCA(t *testing.T) {
	dir := t.TempDir()
	ca, other := newTestCA(t, "job CA"), newTestCA(t, "other CA")
	writeFile(t, dir, "ca.pem", ca.pem)
	writeFile(t, dir, "other.pem", other.pem)
	good, err := LoadTLS(TLSSettings{Info: newPE(t, dir, "pe0", ca, 40, "ca.pem")}, nil)
	require.NoError(t, err)
	bad, err := LoadTLS(TLSSettings{Info: newPE(t, dir, "pe1", other, 41, "ca.pem", "other.pem")}, nil)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	var errs [2]error
	var wg sync.WaitGroup
	for rank, conf := range []*TLS{good, bad} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[rank] = Start(Options{Rank: rank, Size: 2, MemSize: 1 << 16, Addr: addr, Engine: EngineMTE,
				InitTimeout: time.Second, TLS: conf}, nil, nil)
		}()
	}
	wg.Wait()
	requireCode(t, errs[1], errcode.BootstrapError, "tls")
	requireCode(t, errs[0], errcode.TimeoutError)
}

func requireCode(t *testing.T, err error, code int, contains ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, errcode.CodeOf(err), err.Error())
	for _, s := range contains {
		assert.Contains(t, err.Error(), s)
	}
}
