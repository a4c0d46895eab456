// Package tlsconf is the TLS configuration of the rendezvous and of the
// network engine's data connections (set_conf_store_tls /
// set_conf_store_tls_key): the Ascend-style tls_info string, loading the
// certificates and the (possibly encrypted PKCS#8 or legacy PEM) private key,
// and the mutual-TLS configs both planes use. It knows nothing of jobs:
// package job hands the two configs to bootstrap and netengine.
//
// Trust model: every PE presents a certificate and verifies its peer's
// against the configured CA(s) (and CRLs), in both directions. Host names are
// not checked: PEs reach each other by IP address, often through a wildcard
// or a NAT, and per-PE certificates rarely carry those addresses. Being
// signed by the job's CA is the identity; a certificate from another CA, an
// expired or revoked one, or none at all is refused.
package tlsconf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Info is a parsed tls_info string: "key: value;" pairs.
type Info struct {
	CAPath   string   // tlsCaPath: the directory relative CAFiles (and CRL files without CRLPath) are read from
	CAFiles  []string // tlsCaFile: comma-separated CA certificate files (PEM), required
	CertFile string   // tlsCert: this PE's certificate (PEM, leaf first, intermediates may follow), required
	KeyFile  string   // tlsPk: this PE's private key (PEM), required unless set_conf_store_tls_key gave one
	PwdFile  string   // tlsPkPwd: a file holding the key password's cipher text
	CRLPath  string   // tlsCrlPath: the directory relative CRLFiles are read from
	CRLFiles []string // tlsCrlFile: comma-separated CRLs (PEM or DER); a revoked peer is refused
}

// Key is what set_conf_store_tls_key gives: it replaces tlsPk and tlsPkPwd.
type Key struct {
	PEM            string // the private key as PEM text, or the path of a PEM file
	PasswordCipher string // the password's cipher text ("" for a key that is not encrypted)
}

// Settings are everything the next init needs to turn TLS on.
type Settings struct {
	Info Info
	Key  *Key // nil: Info.KeyFile and Info.PwdFile
}

// Config holds the configs of both planes. A nil *Config means plain TCP.
type Config struct {
	server, client *tls.Config
}

// Server is the config of this PE's listening ends (the rendezvous rank 0
// serves, the network engine's listener); nil for plain TCP.
func (t *Config) Server() *tls.Config {
	if t == nil {
		return nil
	}
	return t.server
}

// Client is the config of the connections this PE dials; nil for plain TCP.
func (t *Config) Client() *tls.Config {
	if t == nil {
		return nil
	}
	return t.client
}

// packagePath names where the Ascend library finds OpenSSL; Go's TLS needs
// nothing of the kind, so the key is accepted (tls_info strings are shared
// with Ascend programs) and ignored.
const tlsKeyPackagePath = "packagePath"

// ParseInfo parses "tlsCaPath: dir; tlsCaFile: a.pem,b.pem; tlsCert: ...;".
// Whitespace around keys and values is ignored, newlines included. Unknown,
// repeated or empty keys are InvalidValue. Files are not opened here.
func ParseInfo(info string) (Info, error) {
	var out Info
	seen := map[string]bool{}
	for part := range strings.SplitSeq(info, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, ok := strings.Cut(part, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return out, errcode.New(errcode.InvalidValue, "tls_info: %q is not a \"key: value\" pair", part)
		}
		if value == "" {
			return out, errcode.New(errcode.InvalidValue, "tls_info: %s has no value", key)
		}
		if seen[key] {
			return out, errcode.New(errcode.InvalidValue, "tls_info: %s is given twice", key)
		}
		seen[key] = true
		switch key {
		case "tlsCaPath":
			out.CAPath = value
		case "tlsCaFile":
			out.CAFiles = splitList(value)
		case "tlsCert":
			out.CertFile = value
		case "tlsPk":
			out.KeyFile = value
		case "tlsPkPwd":
			out.PwdFile = value
		case "tlsCrlPath":
			out.CRLPath = value
		case "tlsCrlFile":
			out.CRLFiles = splitList(value)
		case tlsKeyPackagePath:
		default:
			return out, errcode.New(errcode.InvalidValue, "tls_info: unknown key %q (known: tlsCaPath, tlsCaFile, "+
				"tlsCert, tlsPk, tlsPkPwd, tlsCrlPath, tlsCrlFile, packagePath)", key)
		}
	}
	return out, nil
}

func splitList(value string) []string {
	var out []string
	for f := range strings.SplitSeq(value, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Validate reports a required setting that is missing (InvalidValue).
func (s *Settings) Validate() error {
	missing := func(what string) error {
		return errcode.New(errcode.InvalidValue, "tls_info: %s is required when TLS is enabled", what)
	}
	switch {
	case len(s.Info.CAFiles) == 0:
		return missing("tlsCaFile")
	case s.Info.CertFile == "":
		return missing("tlsCert")
	case s.Info.KeyFile == "" && s.Key == nil:
		return missing("tlsPk (or set_conf_store_tls_key)")
	case len(s.Info.CRLFiles) == 0 && s.Info.CRLPath != "":
		return missing("tlsCrlFile (with tlsCrlPath)")
	}
	return nil
}

// Load reads the files s names, decrypts the private key when it is
// encrypted and builds both configs. decrypt turns the password's cipher
// text into the password; nil uses the text as it is (the Ascend library
// does the same without a decrypt handler). decrypt runs on the caller's
// goroutine and only when the key is encrypted. Errors are BootstrapError.
func Load(s Settings, decrypt func(cipher string) (string, error)) (*Config, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	roots, err := loadCAs(s.Info)
	if err != nil {
		return nil, err
	}
	crls, err := loadCRLs(s.Info)
	if err != nil {
		return nil, err
	}
	certPEM, err := os.ReadFile(s.Info.CertFile)
	if err != nil {
		return nil, tlsErr("reading tlsCert: %v", err)
	}
	keyPEM, err := s.privateKeyPEM(decrypt)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	clear(keyPEM)
	if err != nil {
		return nil, tlsErr("certificate %s and private key do not form a pair: %v", s.Info.CertFile, err)
	}
	if err := checkOwnCert(cert, roots, crls); err != nil {
		return nil, tlsErr("certificate %s: %v", s.Info.CertFile, err)
	}
	server := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    roots,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return checkRevoked(cs.VerifiedChains, crls)
		},
	}
	client := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		// The chain is verified below, against the CAs but not a host name
		// (see the trust model above); skipping only Go's own check.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyPeer(cs.PeerCertificates, roots, crls, x509.ExtKeyUsageServerAuth)
		},
	}
	return &Config{server: server, client: client}, nil
}

func tlsErr(format string, args ...any) error {
	return errcode.New(errcode.BootstrapError, "TLS: "+format, args...)
}

func inDir(dir, file string) string {
	if dir == "" || filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(dir, file)
}

func loadCAs(info Info) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, f := range info.CAFiles {
		path := inDir(info.CAPath, f)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, tlsErr("reading tlsCaFile: %v", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, tlsErr("tlsCaFile %s holds no PEM certificate", path)
		}
	}
	return pool, nil
}

func loadCRLs(info Info) ([]*x509.RevocationList, error) {
	dir := info.CRLPath
	if dir == "" {
		dir = info.CAPath
	}
	var out []*x509.RevocationList
	for _, f := range info.CRLFiles {
		path := inDir(dir, f)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, tlsErr("reading tlsCrlFile: %v", err)
		}
		if block, _ := pem.Decode(b); block != nil {
			b = block.Bytes
		}
		crl, err := x509.ParseRevocationList(b)
		if err != nil {
			return nil, tlsErr("tlsCrlFile %s is not a CRL: %v", path, err)
		}
		out = append(out, crl)
	}
	return out, nil
}

// checkOwnCert catches at init what every peer would refuse anyway: a
// certificate that the CAs did not sign, that expired, that is revoked or
// that may not serve as both ends of a connection (a PE is both).
func checkOwnCert(cert tls.Certificate, roots *x509.CertPool, crls []*x509.RevocationList) error {
	var chain []*x509.Certificate
	for _, der := range cert.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		chain = append(chain, c)
	}
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if err := verifyPeer(chain, roots, crls, usage); err != nil {
			return err
		}
	}
	return nil
}

// verifyPeer verifies a presented chain against roots for usage, without a
// host name, then against the CRLs.
func verifyPeer(chain []*x509.Certificate, roots *x509.CertPool, crls []*x509.RevocationList, usage x509.ExtKeyUsage) error {
	if len(chain) == 0 {
		return errors.New("the peer presented no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	chains, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}})
	if err != nil {
		return err
	}
	return checkRevoked(chains, crls)
}

// checkRevoked refuses a chain holding a certificate that a CRL signed by
// its issuer lists.
func checkRevoked(chains [][]*x509.Certificate, crls []*x509.RevocationList) error {
	for _, chain := range chains {
		for i := 0; i+1 < len(chain); i++ {
			c, issuer := chain[i], chain[i+1]
			for _, crl := range crls {
				if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) || crl.CheckSignatureFrom(issuer) != nil {
					continue
				}
				for _, r := range crl.RevokedCertificateEntries {
					if r.SerialNumber.Cmp(c.SerialNumber) == 0 {
						return fmt.Errorf("certificate %q (serial %x) is revoked by its issuer's CRL",
							c.Subject.String(), c.SerialNumber)
					}
				}
			}
		}
	}
	return nil
}

// privateKeyPEM returns the key as unencrypted PEM, decrypting it with the
// password when it is encrypted.
func (s *Settings) privateKeyPEM(decrypt func(string) (string, error)) ([]byte, error) {
	var raw []byte
	source := s.Info.KeyFile
	switch {
	case s.Key != nil && strings.Contains(s.Key.PEM, "-----BEGIN"):
		raw, source = []byte(s.Key.PEM), "the key given to set_conf_store_tls_key"
	case s.Key != nil:
		source = s.Key.PEM
		fallthrough
	default:
		b, err := os.ReadFile(source)
		if err != nil {
			return nil, tlsErr("reading the private key: %v", err)
		}
		raw = b
	}
	password := func() ([]byte, error) {
		cipherText, err := s.passwordCipher()
		if err != nil {
			return nil, err
		}
		if decrypt == nil {
			return []byte(cipherText), nil
		}
		plain, err := decrypt(cipherText)
		if err != nil {
			return nil, tlsErr("the decrypt handler (register_decrypt_handler / set_conf_store_tls_key) "+
				"could not decrypt the private-key password: %v", err)
		}
		return []byte(plain), nil
	}
	out, err := decryptKeyPEM(raw, password)
	if err != nil {
		return nil, tlsErr("private key %s: %v", source, err)
	}
	return out, nil
}

func (s *Settings) passwordCipher() (string, error) {
	if s.Key != nil {
		if s.Key.PasswordCipher == "" {
			return "", tlsErr("the private key is encrypted but set_conf_store_tls_key gave no password")
		}
		return s.Key.PasswordCipher, nil
	}
	if s.Info.PwdFile == "" {
		return "", tlsErr("the private key is encrypted but tls_info has no tlsPkPwd")
	}
	b, err := os.ReadFile(s.Info.PwdFile)
	if err != nil {
		return "", tlsErr("reading tlsPkPwd: %v", err)
	}
	text := strings.TrimSpace(string(b))
	if text == "" {
		return "", tlsErr("tlsPkPwd file %s is empty", s.Info.PwdFile)
	}
	return text, nil
}

// errWrongPassword is what a wrong password looks like after decryption.
var errWrongPassword = errors.New("wrong password (or corrupt key)")

// decryptKeyPEM finds the private key in PEM data and returns it as
// unencrypted PEM. Encrypted keys: PKCS#8 "ENCRYPTED PRIVATE KEY" with PBES2
// (PBKDF2 with HMAC-SHA1/224/256/384/512, AES-128/192/256-CBC: what OpenSSL
// and Python's cryptography write), or legacy "Proc-Type: 4,ENCRYPTED" PEM.
// password is called only for an encrypted key.
func decryptKeyPEM(data []byte, password func() ([]byte, error)) ([]byte, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PEM private key found")
		}
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			continue // EC PARAMETERS, a certificate in the same file, ...
		}
		encrypted := block.Type == "ENCRYPTED PRIVATE KEY"
		//lint:ignore SA1019 legacy encrypted PEM is still what many tools write; see decryptLegacy
		legacy := x509.IsEncryptedPEMBlock(block)
		if !encrypted && !legacy {
			return pem.EncodeToMemory(block), nil
		}
		pw, err := password()
		if err != nil {
			return nil, err
		}
		defer clear(pw)
		if legacy {
			der, err := decryptLegacy(block, pw)
			if err != nil {
				return nil, err
			}
			return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der}), nil
		}
		der, err := decryptPKCS8(block.Bytes, pw)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
}

// decryptLegacy decrypts OpenSSL's traditional encrypted PEM. The standard
// library deprecated it as insecure by design (no integrity check, a weak
// key derivation), yet still supports it; it is accepted for keys that
// exist, PKCS#8 is what to make new ones with.
func decryptLegacy(block *pem.Block, pw []byte) ([]byte, error) {
	//lint:ignore SA1019 see above
	der, err := x509.DecryptPEMBlock(block, pw)
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, errWrongPassword
	}
	return der, err
}

// The ASN.1 of PKCS#8 encrypted keys (RFC 5958) with PBES2 (RFC 8018).
type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbes2Params struct {
	KeyDerivation pkix.AlgorithmIdentifier
	Encryption    pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"` // absent: HMAC-SHA1
}

var (
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	pbkdf2PRF = map[string]func() hash.Hash{
		"1.2.840.113549.2.7":  sha1.New,
		"1.2.840.113549.2.8":  sha256.New224,
		"1.2.840.113549.2.9":  sha256.New,
		"1.2.840.113549.2.10": sha512.New384,
		"1.2.840.113549.2.11": sha512.New,
	}
	aesCBCKeyLen = map[string]int{
		"2.16.840.1.101.3.4.1.2":  16,
		"2.16.840.1.101.3.4.1.22": 24,
		"2.16.840.1.101.3.4.1.42": 32,
	}
)

// maxPBKDF2Iterations bounds the work a key file can ask for (OpenSSL
// writes 2048, cryptography a few hundred thousand at most).
const maxPBKDF2Iterations = 1 << 24

func unmarshalAll(b []byte, v any) error {
	rest, err := asn1.Unmarshal(b, v)
	if err == nil && len(rest) > 0 {
		err = errors.New("trailing data")
	}
	return err
}

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo and returns the PKCS#8
// PrivateKeyInfo inside it.
func decryptPKCS8(der, pw []byte) ([]byte, error) {
	unsupported := func(what string) ([]byte, error) {
		return nil, fmt.Errorf("encrypted PKCS#8 key uses %s; supported: PBES2 with PBKDF2 "+
			"(HMAC-SHA1/224/256/384/512) and AES-128/192/256-CBC", what)
	}
	var info encryptedPrivateKeyInfo
	if err := unmarshalAll(der, &info); err != nil {
		return nil, fmt.Errorf("malformed encrypted PKCS#8 key: %v", err)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return unsupported("scheme " + info.Algorithm.Algorithm.String())
	}
	var params pbes2Params
	if err := unmarshalAll(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("malformed PBES2 parameters: %v", err)
	}
	if !params.KeyDerivation.Algorithm.Equal(oidPBKDF2) {
		return unsupported("key derivation " + params.KeyDerivation.Algorithm.String())
	}
	var kdf pbkdf2Params
	if err := unmarshalAll(params.KeyDerivation.Parameters.FullBytes, &kdf); err != nil {
		return unsupported("PBKDF2 parameters this implementation cannot read (" + err.Error() + ")")
	}
	prf := sha1.New
	if len(kdf.PRF.Algorithm) > 0 {
		var ok bool
		if prf, ok = pbkdf2PRF[kdf.PRF.Algorithm.String()]; !ok {
			return unsupported("PRF " + kdf.PRF.Algorithm.String())
		}
	}
	keyLen, ok := aesCBCKeyLen[params.Encryption.Algorithm.String()]
	if !ok {
		return unsupported("cipher " + params.Encryption.Algorithm.String())
	}
	if kdf.KeyLength != 0 && kdf.KeyLength != keyLen {
		return nil, fmt.Errorf("PBKDF2 key length %d does not fit the cipher's %d", kdf.KeyLength, keyLen)
	}
	if kdf.Iterations < 1 || kdf.Iterations > maxPBKDF2Iterations {
		return nil, fmt.Errorf("PBKDF2 iteration count %d is outside 1..%d", kdf.Iterations, maxPBKDF2Iterations)
	}
	var iv []byte
	if err := unmarshalAll(params.Encryption.Parameters.FullBytes, &iv); err != nil || len(iv) != aes.BlockSize {
		return nil, errors.New("malformed AES-CBC parameters (the IV)")
	}
	if len(info.Data) == 0 || len(info.Data)%aes.BlockSize != 0 {
		return nil, errors.New("encrypted key data is not a whole number of AES blocks")
	}
	key, err := pbkdf2.Key(prf, string(pw), kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, fmt.Errorf("PBKDF2: %v", err)
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, info.Data)
	plain, ok = unpad(plain)
	if !ok {
		return nil, errWrongPassword
	}
	// Padding can look right by chance; the key's own structure cannot.
	if _, err := x509.ParsePKCS8PrivateKey(plain); err != nil {
		clear(plain)
		return nil, errWrongPassword
	}
	return plain, nil
}

// unpad removes PKCS#7 padding.
func unpad(b []byte) ([]byte, bool) {
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, false
	}
	for _, p := range b[len(b)-n:] {
		if int(p) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}
