package api

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// FuzzParseIPPort: any string either fails with InvalidValue or yields a
// host:port with a port in 1025..65535 that parses back to itself.
func FuzzParseIPPort(f *testing.F) {
	for _, s := range []string{"tcp://127.0.0.1:8666", "tcp6://[::1]:8666", "tcp://node7:1025", "tcp://:80",
		"tcp6://::1:8666", "udp://x:9", "tcp://[fe80::1%eth0]:2000", "tcp://a:65536", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hostPort, err := ParseIPPort(s)
		if err != nil {
			if errcode.CodeOf(err) != errcode.InvalidValue {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		host, port, err := net.SplitHostPort(hostPort)
		if err != nil || host == "" {
			t.Fatalf("%q gave %q, which is not host:port", s, hostPort)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p <= 1024 || p > 65535 {
			t.Fatalf("%q gave port %q", s, port)
		}
		scheme := "tcp://"
		if strings.HasPrefix(s, "tcp6://") {
			scheme = "tcp6://"
		}
		again, err := ParseIPPort(scheme + hostPort)
		if err != nil || again != hostPort {
			t.Fatalf("%q gave %q, which parses as %q, %v", s, hostPort, again, err)
		}
	})
}
