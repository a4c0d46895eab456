package netengine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
	"github.com/stretchr/testify/require"
)

const (
	sigOff   = 0
	dataOff  = 4096
	dataSize = 96 << 10 // several chunks of sigChunk, over the write-buffer limit
	sigChunk = 32 << 10
)

// versionedData is dataSize bytes of 32-bit words all holding version v.
func versionedData(t testing.TB, v uint32) []byte {
	b := mmapBytes(t, dataSize)
	for i := 0; i < dataSize; i += 4 {
		binary.LittleEndian.PutUint32(b[i:], v)
	}
	return b
}

// requireDataAtLeast checks every word of the data region holds a version
// of at least v: whoever saw signal v must see round v's data (or a later
// round's, already overwriting it).
func requireDataAtLeast(t testing.TB, n *node, v int32) {
	data := n.at(dataOff, dataSize)
	for i := 0; i < dataSize; i += 4 {
		if got := int32(binary.LittleEndian.Uint32(data[i:])); got < v {
			t.Errorf("signal %d seen, but word %d holds version %d", v, i/4, got)
			return
		}
	}
}

// TestSignalSeenAfterData hammers the guarantee: a waiter on the target that
// sees signal value v finds round v's data in place, for NBI puts followed
// by a separate Signal, and for PutSignal, blocking and NBI.
func TestSignalSeenAfterData(t *testing.T) {
	const rounds = 150
	kinds := []struct {
		name string
		send func(e *Engine, src []byte, v int32) error
	}{
		{"PutNBI+Signal", func(e *Engine, src []byte, v int32) error {
			if err := e.PutNBI(1, dataOff, addrOf(src), dataSize); err != nil {
				return err
			}
			return e.Signal(1, sigOff, signal.SigSet, v, true)
		}},
		{"Put+Signal", func(e *Engine, src []byte, v int32) error {
			if err := e.Put(1, dataOff, addrOf(src), dataSize); err != nil {
				return err
			}
			return e.Signal(1, sigOff, signal.SigSet, v, false)
		}},
		{"PutSignalNBI", func(e *Engine, src []byte, v int32) error {
			return e.PutSignal(1, dataOff, addrOf(src), dataSize, transport.Signal{Off: sigOff, Op: signal.SigSet, Value: v}, true)
		}},
		{"PutSignal", func(e *Engine, src []byte, v int32) error {
			return e.PutSignal(1, dataOff, addrOf(src), dataSize, transport.Signal{Off: sigOff, Op: signal.SigSet, Value: v}, false)
		}},
	}
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			nodes := cluster(t, 2, 1<<20, func(c *Config) { c.ChunkSize = sigChunk })
			a, b := nodes[0], nodes[1]
			// One source buffer per round: NBI sources stay untouched until Quiet.
			srcs := make([][]byte, rounds+1)
			for v := 1; v <= rounds; v++ {
				srcs[v] = versionedData(t, uint32(v))
			}
			var wg sync.WaitGroup
			wg.Go(func() {
				for v := int32(1); v <= rounds; {
					got, err := signal.WaitUntil32(b.word32(sigOff), b.wakeBlock(), signal.CmpGE, v, 10*time.Second, nil)
					if err != nil {
						t.Errorf("waiting for signal %d: %v", v, err)
						return
					}
					requireDataAtLeast(t, b, got)
					v = got + 1
				}
			})
			for v := 1; v <= rounds; v++ {
				require.NoError(t, kind.send(a.eng, srcs[v], int32(v)))
			}
			require.NoError(t, a.eng.Quiet())
			wg.Wait()
		})
	}
}

// TestSignalAdd: additions from several PEs sum exactly.
func TestSignalAdd(t *testing.T) {
	nodes := cluster(t, 3, 4096, nil)
	var wg sync.WaitGroup
	for _, n := range nodes[1:] {
		wg.Go(func() {
			for i := range 100 {
				if err := n.eng.Signal(0, 64, signal.SigAdd, 3, i%2 == 0); err != nil {
					panic(err)
				}
			}
			if err := n.eng.Quiet(); err != nil {
				panic(err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(600), signal.Fetch32(nodes[0].word32(64)))
}

// TestRemoteUpdatesWakeSleepers: a waiter asleep on its futex is woken by a
// signal or an atomic from another PE (it would sleep forever otherwise).
func TestRemoteUpdatesWakeSleepers(t *testing.T) {
	nodes := cluster(t, 2, 4096, nil)
	a, b := nodes[0], nodes[1]
	updates := []struct {
		name  string
		wait  func() error
		apply func() error
	}{
		{"signal", func() error {
			_, err := signal.WaitUntil32(b.word32(0), b.wakeBlock(), signal.CmpEQ, 5, 0, nil)
			return err
		}, func() error { return a.eng.Signal(1, 0, signal.SigSet, 5, true) }},
		{"atomic32", func() error {
			_, err := signal.WaitUntil32(b.word32(8), b.wakeBlock(), signal.CmpGE, 2, 0, nil)
			return err
		}, func() error { _, err := a.eng.Atomic(1, AtomicFetchAdd, 4, 8, 2, 0); return err }},
		{"atomic64", func() error {
			return signal.Wait(b.wakeBlock(), func() bool { return signal.Fetch64(b.word32(16)) == 1<<40 }, 0, nil)
		}, func() error { _, err := a.eng.Atomic(1, AtomicSet, 8, 16, 1<<40, 0); return err }},
		{"put", func() error {
			return signal.Wait(b.wakeBlock(), func() bool { return signal.Fetch64(b.word32(24)) == 0x0707070707070707 }, 0,
				nil)
		}, func() error {
			before := signal.WakeCount()
			src := bytes.Repeat([]byte{7}, 8)
			if err := a.eng.Put(1, 24, addrOf(src), 8); err != nil {
				return err
			}
			if signal.WakeCount() == before {
				return errors.New("the delivered put made no futex wake")
			}
			return nil
		}},
	}
	for _, u := range updates {
		t.Run(u.name, func(t *testing.T) {
			woken := make(chan error, 1)
			go func() { woken <- u.wait() }()
			waitAsleep(t, b)
			require.NoError(t, u.apply())
			require.NoError(t, a.eng.Quiet())
			select {
			case err := <-woken:
				require.NoError(t, err)
			case <-time.After(5 * time.Second):
				t.Fatal("the waiter was not woken")
			}
		})
	}
}

func TestSignalArgumentsChecked(t *testing.T) {
	nodes := cluster(t, 2, 4096, nil)
	e := nodes[0].eng
	requireCode(t, e.Signal(1, 0, 7, 1, false), errcode.InvalidParam, "unknown signal operation 7")
	requireCode(t, e.Signal(1, 2, signal.SigSet, 1, false), errcode.InvalidParam, "not 4-byte aligned")
	requireCode(t, e.Signal(1, 4096, signal.SigSet, 1, false), errcode.InvalidParam, "outside PE 1's symmetric heap")
	requireCode(t, e.Signal(1, ^uintptr(3), signal.SigSet, 1, true), errcode.InvalidParam, "outside")
	require.NoError(t, e.Quiet())
}

// TestFailedPutSendsNoSignal: when the target rejects the data (here its
// heap is smaller than the sender thinks), the signal is not applied.
func TestFailedPutSendsNoSignal(t *testing.T) {
	a := newNode(t, 0, 2, 1<<20, nil)
	b := newNode(t, 1, 2, 64<<10, nil)
	require.NoError(t, a.eng.Connect([]string{a.eng.Addr(), b.eng.Addr()}, []bool{false, true}))
	src := localBytes(t, 8, 1)
	err := a.eng.PutSignal(1, 100<<10, addrOf(src), 8, transport.Signal{Op: signal.SigSet, Value: 9}, false)
	requireCode(t, err, errcode.InvalidParam, "outside PE 1's symmetric heap of 65536 bytes")
	require.NoError(t, a.eng.PutSignal(1, 100<<10, addrOf(src), 8, transport.Signal{Op: signal.SigSet, Value: 9}, true))
	requireCode(t, a.eng.Quiet(), errcode.InvalidParam, "outside PE 1's symmetric heap")
	require.Zero(t, signal.Fetch32(b.word32(0)))
	// The connection is fine and the signal works on its own.
	require.NoError(t, a.eng.Signal(1, 0, signal.SigSet, 9, false))
	require.Equal(t, int32(9), signal.Fetch32(b.word32(0)))
}
