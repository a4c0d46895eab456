package engine

import "github.com/pyshmem/shmem/gopkg/internal/transport"

// Transport is the interface both same-host engines implement, the network
// engine's too (package transport says what each method promises).
type Transport = transport.Transport

// Signal is the signal update of a put-with-signal (transport.Signal).
type Signal = transport.Signal

var (
	_ Transport = (*direct)(nil)
	_ Transport = (*copyEngine)(nil)
)
