package job

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/tlsconf"
	"github.com/pyshmem/shmem/gopkg/internal/tlsconf/tlstest"
	"github.com/pyshmem/shmem/native"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The TLS configuration itself is package tlsconf's and tested there; these
// tests run a job over it: both the rendezvous and the data connections
// speak it, and a PE of another CA is refused.

// loadTLS makes a PE certificate signed by ca in dir and loads it with the
// CA files trusted (relative to dir).
func loadTLS(t *testing.T, dir, name string, ca *tlstest.CA, serial int64, trusted ...string) *TLS {
	cert, key := ca.NewPE(t, dir, name, serial)
	conf, err := tlsconf.Load(tlsconf.Settings{Info: tlsconf.Info{CAPath: dir, CAFiles: trusted, CertFile: cert, KeyFile: key}}, nil)
	require.NoError(t, err)
	return (*TLS)(conf)
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
	ca, other := tlstest.NewCA(t, "job CA"), tlstest.NewCA(t, "other CA")
	tlstest.WriteFile(t, dir, "ca.pem", ca.PEM)
	tlstest.WriteFile(t, dir, "other.pem", other.PEM)
	var confs [2]*TLS
	for rank := range 2 {
		confs[rank] = loadTLS(t, dir, "pe"+string(rune('0'+rank)), ca, int64(20+rank), "ca.pem")
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
	stranger := loadTLS(t, dir, "stranger", other, 30, "ca.pem", "other.pem")
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
	ca, other := tlstest.NewCA(t, "job CA"), tlstest.NewCA(t, "other CA")
	tlstest.WriteFile(t, dir, "ca.pem", ca.PEM)
	tlstest.WriteFile(t, dir, "other.pem", other.PEM)
	good := loadTLS(t, dir, "pe0", ca, 40, "ca.pem")
	bad := loadTLS(t, dir, "pe1", other, 41, "ca.pem", "other.pem")
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
