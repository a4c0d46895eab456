package api

import (
	"net"
	"strconv"
	"strings"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// The ports an ip_port may name (ports up to 1024 are the system's).
const (
	minPort = 1025
	maxPort = 65535
)

// ParseIPPort checks an ip_port of the form tcp://HOST:PORT or
// tcp6://[V6]:PORT with 1024 < PORT <= 65535 and returns "HOST:PORT" for
// dialing.
func ParseIPPort(ipPort string) (string, error) {
	bad := func(why string) (string, error) {
		return "", errcode.New(errcode.InvalidValue,
			"ip_port %q %s (expected tcp://HOST:PORT or tcp6://[V6]:PORT, 1024 < PORT <= 65535)", ipPort, why)
	}
	var rest string
	v6 := false
	switch {
	case strings.HasPrefix(ipPort, "tcp://"):
		rest = ipPort[len("tcp://"):]
	case strings.HasPrefix(ipPort, "tcp6://"):
		rest, v6 = ipPort[len("tcp6://"):], true
	default:
		return bad("has no tcp:// or tcp6:// scheme")
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil || host == "" {
		return bad("has no HOST:PORT")
	}
	if v6 && !strings.HasPrefix(rest, "[") {
		return bad("needs the IPv6 address in brackets")
	}
	if !v6 && strings.Contains(host, ":") {
		return bad("holds an IPv6 address: use tcp6://[V6]:PORT")
	}
	// Digits only: Atoi would also take a sign ("+8666"), which the Python
	// launcher's parser (python/shmem/_launch_env.py) refuses.
	if port == "" || strings.Trim(port, "0123456789") != "" {
		return bad("has a port that is not a number")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < minPort || p > maxPort {
		return bad("has a port outside 1025..65535")
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil // "08666" is 8666, as in Python's parser
}

// CheckIPPort is ParseIPPort for shmem_set_attributes: the error only.
func CheckIPPort(ipPort string) (_ int, err error) {
	defer recoverInto(&err)
	_, err = ParseIPPort(ipPort)
	return 0, err
}
