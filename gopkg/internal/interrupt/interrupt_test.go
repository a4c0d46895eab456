package interrupt

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

func TestMarkSeesLaterRaiseOnly(t *testing.T) {
	Raise() // an interrupt before the mark is not this call's
	var m Mark
	require.NoError(t, m.Err())
	m.Take()
	require.NoError(t, m.Err())
	select {
	case <-m.Done():
		t.Fatal("done closed before any interrupt")
	default:
	}
	Raise()
	assert.Equal(t, errcode.Interrupted, errcode.CodeOf(m.Err()))
	assert.True(t, Is(m.Err()))
	select {
	case <-m.Done():
	case <-time.After(time.Second):
		t.Fatal("done not closed by the interrupt")
	}
	again := Now()
	require.NoError(t, again.Err())
	var none *Mark
	assert.NoError(t, none.Err())
}

func pipe(t *testing.T) (r, w int) {
	var fds [2]int
	require.NoError(t, syscall.Pipe2(fds[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC))
	return fds[0], fds[1]
}

func TestWatchRaisesOnSIGINTAndForwards(t *testing.T) {
	r, w := pipe(t)
	fr, fw := pipe(t)
	defer syscall.Close(w)
	defer syscall.Close(fr)
	defer syscall.Close(fw)
	require.NoError(t, Watch(r, fw))

	m := Now()
	_, err := syscall.Write(w, []byte{byte(syscall.SIGCHLD)})
	require.NoError(t, err)
	got := make([]byte, 8)
	require.Eventually(t, func() bool {
		n, _ := syscall.Read(fr, got)
		return n == 1
	}, 5*time.Second, time.Millisecond, "the byte was not forwarded")
	assert.Equal(t, byte(syscall.SIGCHLD), got[0])
	assert.NoError(t, m.Err(), "a signal other than SIGINT interrupted")

	_, err = syscall.Write(w, []byte{byte(syscall.SIGINT)})
	require.NoError(t, err)
	select {
	case <-m.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGINT on the wakeup fd raised no interrupt")
	}
	assert.Error(t, m.Err())
}

func TestWatchRejectsBadFd(t *testing.T) {
	assert.Error(t, Watch(-1, -1))
}
