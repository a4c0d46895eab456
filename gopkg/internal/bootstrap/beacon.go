package bootstrap

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The beacon lets the PEs of a one-host job meet with no address (an
// `mpirun -n 4` with nothing else set). Rank 0 serves the rendezvous on an
// ephemeral loopback port and answers, on an abstract unix socket named from
// the job identity and the user, with that port and a job key it made up.
// An abstract socket leaves no file behind whatever happens to the process,
// and the kernel names each end's user (SO_PEERCRED): the beacon talks only
// to processes of its own user, and the PEs trust only a beacon of their own
// user, so another user on the host can neither learn the key nor pose as
// rank 0.

func beaconName(jobID string) string {
	sum := sha256.Sum256([]byte(jobID))
	return fmt.Sprintf("@shmem-rdv-%d-%s", os.Getuid(), hex.EncodeToString(sum[:12]))
}

// peerUID is the user of the process at the other end of a unix connection.
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return -1, errors.New("not a unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return -1, err
	}
	if cerr != nil {
		return -1, cerr
	}
	return int(cred.Uid), nil
}

// beacon is rank 0's announcer; it runs until stop.
type beacon struct {
	ln   net.Listener
	wg   sync.WaitGroup
	line []byte
}

// startBeacon announces addr and key under the job's name. Failing to bind
// means that another process of this job's user already announces itself
// as rank 0 of a job with this identity.
func startBeacon(jobID, addr string, key []byte) (*beacon, error) {
	ln, err := net.Listen("unix", beaconName(jobID))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, bootstrapErr("another process already serves as PE 0 of job %s on this host (two PEs with rank 0?)", jobName(jobID))
		}
		return nil, bootstrapErr("announcing the rendezvous of job %s on this host: %v", jobName(jobID), err)
	}
	b := &beacon{ln: ln, line: []byte(addr + "\n" + hex.EncodeToString(key) + "\n")}
	b.wg.Add(1)
	go b.serve()
	return b, nil
}

func (b *beacon) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if uid, err := peerUID(c); err == nil && uid == os.Getuid() {
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write(b.line)
		}
		c.Close()
	}
}

func (b *beacon) stop() {
	b.ln.Close()
	b.wg.Wait()
}

// askBeacon waits for rank 0's beacon until deadline and returns the
// rendezvous address and the job key.
func askBeacon(ctx context.Context, cfg *Config, deadline time.Time) (string, []byte, error) {
	name := beaconName(cfg.JobID)
	backoff := dialBackoffStart
	for {
		addr, key, err := readBeacon(name, deadline)
		if err == nil {
			return addr, key, nil
		}
		var final *finalErr
		if errors.As(err, &final) {
			return "", nil, final.err
		}
		if time.Until(deadline) < backoff {
			return "", nil, timeoutErr("PE %d found no PE 0 of job %s on this host within %s (no address was given, "+
				"so the PEs look for each other on this host): %v", cfg.Rank, jobName(cfg.JobID), formatDuration(cfg.joinTimeout()), err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", nil, contextErr(ctx, "join")
		case <-t.C:
		}
		backoff = min(2*backoff, dialBackoffMax)
	}
}

// finalErr is a beacon answer no retry can mend.
type finalErr struct{ err error }

func (f *finalErr) Error() string { return f.err.Error() }

func readBeacon(name string, deadline time.Time) (string, []byte, error) {
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial("unix", name)
	if err != nil {
		return "", nil, err
	}
	defer c.Close()
	if uid, err := peerUID(c); err != nil || uid != os.Getuid() {
		return "", nil, &finalErr{bootstrapErr("the process announcing PE 0 of this job on this host belongs to another user (uid %d): refused", uid)}
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(c)
	addr, err1 := r.ReadString('\n')
	keyHex, err2 := r.ReadString('\n')
	if err1 != nil || err2 != nil {
		return "", nil, errors.New("the beacon closed early") // the previous run closing: ask again
	}
	key, err := hex.DecodeString(strings.TrimSpace(keyHex))
	addr = strings.TrimSpace(addr)
	if _, _, perr := net.SplitHostPort(addr); err != nil || perr != nil || len(key) == 0 {
		return "", nil, &finalErr{bootstrapErr("the beacon of PE 0 on this host sent a malformed answer")}
	}
	return addr, key, nil
}
