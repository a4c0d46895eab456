package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Every error this package returns carries errcode.TimeoutError for an
// expired bound and errcode.BootstrapError for everything else.

func bootstrapErr(format string, args ...any) *errcode.Error {
	return errcode.New(errcode.BootstrapError, format, args...)
}

func timeoutErr(format string, args ...any) *errcode.Error {
	return errcode.New(errcode.TimeoutError, format, args...)
}

// errSessionClosed is what collectives return after Close began.
func errSessionClosed(rank int) *errcode.Error {
	return bootstrapErr("the bootstrap session of PE %d is closed", rank)
}

// codeFromWire accepts only the two codes a server sends, so a corrupt frame
// cannot smuggle an unrelated code to the user.
func codeFromWire(code int) int {
	if code == errcode.TimeoutError {
		return errcode.TimeoutError
	}
	return errcode.BootstrapError
}

// contextErr turns a finished context into a coded error.
func contextErr(ctx context.Context, what string) *errcode.Error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return timeoutErr("%s: the context's deadline passed", what)
	}
	return bootstrapErr("%s: canceled", what)
}

// formatPEs names a set of ranks compactly: "PE 2", "PEs 0, 3-5".
func formatPEs(ranks []int) string {
	if len(ranks) == 1 {
		return "PE " + strconv.Itoa(ranks[0])
	}
	var b strings.Builder
	b.WriteString("PEs ")
	for i := 0; i < len(ranks); {
		j := i
		for j+1 < len(ranks) && ranks[j+1] == ranks[j]+1 {
			j++
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(ranks[i]))
		if j > i {
			fmt.Fprintf(&b, "-%d", ranks[j])
		}
		i = j + 1
	}
	return b.String()
}

// formatDuration keeps messages short: "3s", "250ms".
func formatDuration(d time.Duration) string {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.String()
}
