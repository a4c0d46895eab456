package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/tlsconf/tlstest"
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
	info, err := ParseInfo(`
		tlsCaPath: /etc/ssl/ca/ ;
		tlsCaFile:  ca1.pem , ca2.pem,;
		tlsCert: /etc/ssl/certs/pe.pem;
		tlsPk: /etc/ssl/private/pe.key;
		tlsPkPwd: /etc/ssl/private/pwd.txt;
		tlsCrlPath: /etc/ssl/crl/; tlsCrlFile: crl1.pem,crl2.pem;
		packagePath: /usr/lib;
	`)
	require.NoError(t, err)
	assert.Equal(t, Info{
		CAPath: "/etc/ssl/ca/", CAFiles: []string{"ca1.pem", "ca2.pem"},
		CertFile: "/etc/ssl/certs/pe.pem", KeyFile: "/etc/ssl/private/pe.key", PwdFile: "/etc/ssl/private/pwd.txt",
		CRLPath: "/etc/ssl/crl/", CRLFiles: []string{"crl1.pem", "crl2.pem"},
	}, info)

	info, err = ParseInfo("tlsCert: C:/certs/pe.pem")
	require.NoError(t, err)
	assert.Equal(t, "C:/certs/pe.pem", info.CertFile, "only the first colon separates key and value")
	info, err = ParseInfo("  ;\n ; ")
	require.NoError(t, err)
	assert.Equal(t, Info{}, info)

	for bad, why := range map[string]string{
		"tlsCert: a.pem; tlsColor: blue":  `unknown key "tlsColor"`,
		"tlscert: a.pem":                  `unknown key "tlscert"`,
		"tlsCert a.pem":                   "is not a \"key: value\" pair",
		": a.pem":                         "is not a \"key: value\" pair",
		"tlsCert: ; tlsPk: k.pem":         "tlsCert has no value",
		"tlsCert: a.pem; tlsCert: b.pem;": "tlsCert is given twice",
	} {
		_, err := ParseInfo(bad)
		requireCode(t, err, errcode.InvalidValue, why)
	}
}

func TestTLSSettingsValidate(t *testing.T) {
	full := Info{CAFiles: []string{"ca.pem"}, CertFile: "c.pem", KeyFile: "k.pem"}
	require.NoError(t, (&Settings{Info: full}).Validate())
	for _, c := range []struct {
		edit func(*Info)
		want string
	}{
		{func(i *Info) { i.CAFiles = nil }, "tlsCaFile is required"},
		{func(i *Info) { i.CertFile = "" }, "tlsCert is required"},
		{func(i *Info) { i.KeyFile = "" }, "tlsPk (or set_conf_store_tls_key) is required"},
		{func(i *Info) { i.CRLPath = "/crl" }, "tlsCrlFile"},
	} {
		info := full
		c.edit(&info)
		requireCode(t, (&Settings{Info: info}).Validate(), errcode.InvalidValue, c.want)
	}
	noKey := full
	noKey.KeyFile = ""
	require.NoError(t, (&Settings{Info: noKey, Key: &Key{PEM: fixturePlain}}).Validate(),
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

// newPE writes a fresh key and a certificate ca signs for it into dir and
// returns tls_info for it, trusting trusted.
func newPE(t *testing.T, dir, name string, ca *tlstest.CA, serial int64, trusted ...string) Info {
	cert, key := ca.NewPE(t, dir, name, serial)
	return Info{CAPath: dir, CAFiles: trusted, CertFile: cert, KeyFile: key}
}

func fixturePublicKey(t *testing.T) crypto.PublicKey {
	key, err := x509.ParsePKCS8PrivateKey(pemDER(t, fixturePlain))
	require.NoError(t, err)
	return key.(*ecdsa.PrivateKey).Public()
}

func TestLoadTLSDecryptsTheKeyThroughTheHandler(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "job CA")
	tlstest.WriteFile(t, dir, "ca.pem", ca.PEM)
	info := Info{
		CAPath: dir, CAFiles: []string{"ca.pem"},
		CertFile: tlstest.WriteFile(t, dir, "pe.pem", ca.Issue(t, fixturePublicKey(t), 2, tlstest.BothEnds)),
		KeyFile:  tlstest.WriteFile(t, dir, "pe.key", []byte(fixtureAES256)),
		PwdFile:  tlstest.WriteFile(t, dir, "pwd", []byte("  CIPHER-TEXT\n")),
	}
	var seen []string
	handler := func(cipher string) (string, error) {
		seen = append(seen, cipher)
		return fixturePassword, nil
	}
	conf, err := Load(Settings{Info: info}, handler)
	require.NoError(t, err)
	assert.Equal(t, []string{"CIPHER-TEXT"}, seen, "the handler gets the file's text, trimmed, once")
	require.NotNil(t, conf.Server())
	assert.Equal(t, tls.RequireAndVerifyClientCert, conf.Server().ClientAuth)
	assert.Equal(t, uint16(tls.VersionTLS12), conf.Client().MinVersion)
	assert.Nil(t, (*Config)(nil).Server())
	assert.Nil(t, (*Config)(nil).Client())

	// A failing handler is a BootstrapError that names it.
	_, err = Load(Settings{Info: info}, func(string) (string, error) { return "", errors.New("callback failed") })
	requireCode(t, err, errcode.BootstrapError, "decrypt handler (register_decrypt_handler")
	_, err = Load(Settings{Info: info}, func(string) (string, error) { return "not it", nil })
	requireCode(t, err, errcode.BootstrapError, "wrong password")

	// Without a handler the text is the password itself (as in the Ascend library).
	plainPwd := info
	plainPwd.PwdFile = tlstest.WriteFile(t, dir, "plainpwd", []byte(fixturePassword+"\n"))
	_, err = Load(Settings{Info: plainPwd}, nil)
	require.NoError(t, err)

	// set_conf_store_tls_key: PEM text or a path, and its own password.
	noKey := info
	noKey.KeyFile, noKey.PwdFile = "", ""
	for _, pk := range []string{fixtureAES256, info.KeyFile} {
		seen = nil
		_, err = Load(Settings{Info: noKey, Key: &Key{PEM: pk, PasswordCipher: "OTHER"}}, handler)
		require.NoError(t, err)
		assert.Equal(t, []string{"OTHER"}, seen)
	}
	_, err = Load(Settings{Info: noKey, Key: &Key{PEM: fixtureAES256}}, handler)
	requireCode(t, err, errcode.BootstrapError, "set_conf_store_tls_key gave no password")
	noPwd := info
	noPwd.PwdFile = ""
	_, err = Load(Settings{Info: noPwd}, handler)
	requireCode(t, err, errcode.BootstrapError, "tls_info has no tlsPkPwd")
	// An unencrypted key never calls the handler.
	_, err = Load(Settings{Info: noKey, Key: &Key{PEM: fixturePlain}},
		func(string) (string, error) { panic("called") })
	require.NoError(t, err)
}

func TestLoadTLSReportsBadFiles(t *testing.T) {
	dir := t.TempDir()
	ca, other := tlstest.NewCA(t, "job CA"), tlstest.NewCA(t, "other CA")
	tlstest.WriteFile(t, dir, "ca.pem", ca.PEM)
	good := newPE(t, dir, "pe", ca, 2, "ca.pem")
	strangerInfo := newPE(t, dir, "stranger", other, 2, "ca.pem")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serverOnly := tlstest.WriteFile(t, dir, "server-only.pem", ca.Issue(t, key.Public(), 3, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}))
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	serverOnlyKey := tlstest.WriteFile(t, dir, "server-only.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	tlstest.WriteFile(t, dir, "junk.pem", []byte("no certificates here"))
	tlstest.WriteFile(t, dir, "revoked.crl", ca.CRL(t, 2))

	cases := []struct {
		edit func(*Info)
		want string
	}{
		{func(i *Info) { i.CAFiles = []string{"missing.pem"} }, "reading tlsCaFile: open " + filepath.Join(dir, "missing.pem")},
		{func(i *Info) { i.CAFiles = []string{"junk.pem"} }, "holds no PEM certificate"},
		{func(i *Info) { i.CertFile = filepath.Join(dir, "nope.pem") }, "reading tlsCert"},
		{func(i *Info) { i.KeyFile = filepath.Join(dir, "nope.key") }, "reading the private key"},
		{func(i *Info) { i.KeyFile = strangerInfo.KeyFile }, "do not form a pair"},
		{func(i *Info) { i.CertFile, i.KeyFile = strangerInfo.CertFile, strangerInfo.KeyFile }, "signed by unknown authority"},
		{func(i *Info) { i.CertFile, i.KeyFile = serverOnly, serverOnlyKey }, "incompatible key usage"},
		{func(i *Info) { i.CRLFiles = []string{"revoked.crl"} }, "is revoked"},
		{func(i *Info) { i.CRLFiles = []string{"junk.pem"} }, "is not a CRL"},
		{func(i *Info) { i.CertFile = "" }, "tlsCert is required"},
	}
	for _, c := range cases {
		info := good
		c.edit(&info)
		_, err := Load(Settings{Info: info}, nil)
		require.Error(t, err, c.want)
		assert.Contains(t, err.Error(), c.want)
		if !strings.Contains(c.want, "required") {
			assert.Equal(t, errcode.BootstrapError, errcode.CodeOf(err), c.want)
		}
	}
	_, err := Load(Settings{Info: good}, nil)
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
	ca, other := tlstest.NewCA(t, "job CA"), tlstest.NewCA(t, "other CA")
	tlstest.WriteFile(t, dir, "ca.pem", ca.PEM)
	tlstest.WriteFile(t, dir, "other.pem", other.PEM)
	load := func(info Info) *Config {
		conf, err := Load(Settings{Info: info}, nil)
		require.NoError(t, err)
		return conf
	}
	pe0 := load(newPE(t, dir, "pe0", ca, 10, "ca.pem"))
	pe1 := load(newPE(t, dir, "pe1", ca, 11, "ca.pem"))
	cErr, sErr := handshake(t, pe1.Client(), pe0.Server())
	require.NoError(t, cErr)
	require.NoError(t, sErr)

	// A stranger trusting both CAs gets past its own check of rank 0, but
	// rank 0 refuses it (Go's client does not even send a certificate that
	// no CA rank 0 names signed).
	stranger := load(newPE(t, dir, "stranger", other, 10, "ca.pem", "other.pem"))
	cErr, sErr = handshake(t, stranger.Client(), pe0.Server())
	require.Error(t, cErr)
	require.ErrorContains(t, sErr, "client didn't provide a certificate")
	// Sent anyway, it fails verification.
	forced := stranger.Client().Clone()
	cert := forced.Certificates[0]
	forced.Certificates = nil
	forced.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	cErr, sErr = handshake(t, forced, pe0.Server())
	require.Error(t, cErr)
	require.ErrorContains(t, sErr, "certificate signed by unknown authority")
	// And a PE refuses a server with a certificate from another CA.
	cErr, _ = handshake(t, pe1.Client(), stranger.Server())
	require.ErrorContains(t, cErr, "certificate signed by unknown authority")
	// No certificate at all.
	cErr, sErr = handshake(t, &tls.Config{InsecureSkipVerify: true}, pe0.Server())
	require.Error(t, cErr)
	require.ErrorContains(t, sErr, "client didn't provide a certificate")

	// TLS 1.2 works too; the rest prefers 1.3.
	old := pe1.Client().Clone()
	old.MaxVersion = tls.VersionTLS12
	cErr, sErr = handshake(t, old, pe0.Server())
	require.NoError(t, cErr)
	require.NoError(t, sErr)

	// A CRL from the job's CA revokes PE 1, on both ends of a connection.
	tlstest.WriteFile(t, dir, "job.crl", ca.CRL(t, 11))
	withCRL := newPE(t, dir, "pe2", ca, 12, "ca.pem")
	withCRL.CRLFiles = []string{"job.crl"}
	pe2 := load(withCRL)
	_, sErr = handshake(t, pe1.Client(), pe2.Server())
	require.ErrorContains(t, sErr, "is revoked")
	cErr, _ = handshake(t, pe2.Client(), pe1.Server())
	require.ErrorContains(t, cErr, "is revoked")
	cErr, sErr = handshake(t, pe0.Client(), pe2.Server())
	require.NoError(t, cErr)
	require.NoError(t, sErr)
	// A CRL that another CA with the job CA's name signed does not count.
	impostor := tlstest.NewCA(t, "job CA")
	tlstest.WriteFile(t, dir, "forged.crl", impostor.CRL(t, 10))
	withForged := newPE(t, dir, "pe3", ca, 13, "ca.pem")
	withForged.CRLFiles = []string{"forged.crl"}
	_, sErr = handshake(t, pe0.Client(), load(withForged).Server())
	require.NoError(t, sErr)
}

func requireCode(t *testing.T, err error, code int, contains ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, errcode.CodeOf(err), err.Error())
	for _, s := range contains {
		assert.Contains(t, err.Error(), s)
	}
}
