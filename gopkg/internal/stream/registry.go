package stream

import (
	"sync"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Registry names streams by integer handles, as Ascend passes streams: 0 is
// the default stream, made on first use; Create hands out 1, 2, ...
type Registry struct {
	mu      sync.Mutex
	streams map[int64]*Stream
	next    int64
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return NewRegistryFrom(1) }

// NewRegistryFrom returns an empty registry whose Create hands out first,
// first+1, ...: registries given disjoint ranges never share a handle, so a
// handle of one is unknown to the others (SHMEM instances).
func NewRegistryFrom(first int64) *Registry {
	return &Registry{streams: make(map[int64]*Stream), next: max(first, 1)}
}

// Create starts a new stream and returns its handle.
func (r *Registry) Create() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.next
	r.next++
	r.streams[h] = New()
	return h
}

// Get returns the stream of handle h; 0 makes the default stream if needed.
func (r *Registry) Get(h int64) (*Stream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.streams[h]; ok {
		return s, nil
	}
	if h == 0 {
		s := New()
		r.streams[0] = s
		return s, nil
	}
	return nil, errcode.New(errcode.InvalidParam, "stream %d does not exist (never created, or destroyed)", h)
}

// Remove takes handle h out of the registry and returns its stream, for the
// caller to close.
func (r *Registry) Remove(h int64) (*Stream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.streams[h]
	if !ok {
		return nil, errcode.New(errcode.InvalidParam, "stream %d does not exist (never created, or destroyed)", h)
	}
	delete(r.streams, h)
	return s, nil
}

// All returns every stream, default one included if it exists.
func (r *Registry) All() []*Stream {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Stream, 0, len(r.streams))
	for _, s := range r.streams {
		out = append(out, s)
	}
	return out
}

// Shutdown removes every stream and closes it (see Stream.Close); it returns
// the errors the streams held that no Sync reported.
func (r *Registry) Shutdown(cancel bool) error {
	r.mu.Lock()
	all := r.streams
	r.streams = make(map[int64]*Stream)
	r.mu.Unlock()
	var first error
	for _, s := range all {
		s.Close(cancel)
		if _, err := s.Sync(0); err != nil && first == nil {
			first = err
		}
	}
	return first
}
