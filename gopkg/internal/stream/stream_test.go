package stream

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

func TestOneStreamRunsInOrder(t *testing.T) {
	s := New()
	defer s.Close(false)
	var mu sync.Mutex
	var got []int
	for i := range 100 {
		if err := s.Enqueue(func(func() bool) error {
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if done, err := s.Sync(-1); !done || err != nil {
		t.Fatalf("Sync = %v, %v", done, err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("op %d ran as number %d: %v", v, i, got)
		}
	}
	if len(got) != 100 {
		t.Fatalf("%d ops ran", len(got))
	}
}

func TestEnqueueReturnsBeforeTheOpRuns(t *testing.T) {
	s := New()
	defer s.Close(false)
	release := make(chan struct{})
	var ran atomic.Bool
	_ = s.Enqueue(func(func() bool) error { <-release; ran.Store(true); return nil })
	if ran.Load() {
		t.Fatal("op ran inside Enqueue")
	}
	if done, _ := s.Sync(10 * time.Millisecond); done {
		t.Fatal("Sync finished while the op was blocked")
	}
	close(release)
	if done, _ := s.Sync(-1); !done || !ran.Load() {
		t.Fatal("op did not run")
	}
}

func TestStreamsRunConcurrently(t *testing.T) {
	a, b := New(), New()
	defer a.Close(false)
	defer b.Close(false)
	// a's op waits for b's: only concurrent streams finish.
	fromB := make(chan struct{})
	_ = a.Enqueue(func(func() bool) error { <-fromB; return nil })
	_ = b.Enqueue(func(func() bool) error { close(fromB); return nil })
	if done, _ := a.Sync(-1); !done {
		t.Fatal("a did not finish")
	}
}

func TestErrorReportedAtSyncOnceAndCounted(t *testing.T) {
	s := New()
	defer s.Close(false)
	boom := errcode.New(errcode.InvalidParam, "boom")
	_ = s.Enqueue(func(func() bool) error { return boom })
	_ = s.Enqueue(func(func() bool) error { return errors.New("second") })
	var after atomic.Bool
	_ = s.Enqueue(func(func() bool) error { after.Store(true); return nil })
	_, err := s.Sync(-1)
	if errcode.CodeOf(err) != errcode.InvalidParam || !after.Load() {
		t.Fatalf("Sync error %v, later op ran %v", err, after.Load())
	}
	if _, err := s.Sync(-1); err != nil {
		t.Fatalf("second Sync reported %v again", err)
	}
}

func TestDrainLeavesTheErrorForSync(t *testing.T) {
	s := New()
	defer s.Close(false)
	_ = s.Enqueue(func(func() bool) error { return errors.New("kept") })
	if !s.Drain(-1) {
		t.Fatal("Drain did not finish")
	}
	if _, err := s.Sync(-1); err == nil {
		t.Fatal("Drain took the error")
	}
}

func TestPanicBecomesError(t *testing.T) {
	s := New()
	defer s.Close(false)
	_ = s.Enqueue(func(func() bool) error { panic("bad") })
	if _, err := s.Sync(-1); errcode.CodeOf(err) != errcode.InnerError {
		t.Fatalf("err = %v", err)
	}
}

func TestCloseCancelsWaitsAndSkipsTheRest(t *testing.T) {
	s := New()
	started := make(chan struct{})
	_ = s.Enqueue(func(c func() bool) error {
		close(started)
		for !c() {
			time.Sleep(time.Millisecond)
		}
		return errcode.New(errcode.InnerError, "cancelled")
	})
	var ran atomic.Bool
	_ = s.Enqueue(func(func() bool) error { ran.Store(true); return nil })
	<-started
	s.Close(true)
	if ran.Load() {
		t.Fatal("an op ran after cancel")
	}
	if _, err := s.Sync(0); err == nil {
		t.Fatal("skipped ops were not reported")
	}
	if err := s.Enqueue(func(func() bool) error { return nil }); err == nil {
		t.Fatal("Enqueue after Close succeeded")
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	if _, err := r.Get(5); err == nil {
		t.Fatal("unknown handle accepted")
	}
	d, err := r.Get(0)
	if err != nil || d == nil {
		t.Fatal("no default stream")
	}
	h := r.Create()
	if h == 0 {
		t.Fatal("Create returned the default handle")
	}
	s, _ := r.Get(h)
	_ = s.Enqueue(func(func() bool) error { return errors.New("lost?") })
	if err := r.Shutdown(false); err == nil {
		t.Fatal("Shutdown dropped an unreported error")
	}
	if _, err := r.Get(h); err == nil {
		t.Fatal("handle survived Shutdown")
	}
}

// Registries given disjoint handle ranges never share a handle.
func TestRegistryFromHandsOutItsRange(t *testing.T) {
	a, b := NewRegistryFrom(1), NewRegistryFrom(1<<32+1)
	defer a.Shutdown(true)
	defer b.Shutdown(true)
	if ha, hb := a.Create(), b.Create(); ha != 1 || hb != 1<<32+1 {
		t.Fatalf("handles %d, %d", ha, hb)
	}
	if _, err := a.Get(1<<32 + 1); err == nil {
		t.Fatal("b's handle is known to a")
	}
	if _, err := b.Get(0); err != nil {
		t.Fatal("no default stream in b")
	}
	if h := NewRegistryFrom(-5).Create(); h != 1 {
		t.Fatalf("handle %d below 1", h)
	}
}
