package api

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"

	"github.com/pyshmem/shmem/native"
)

// logSink is the address of the facade's ctypes log function (0: none), of
// the CallStringFunc type: it receives "LEVEL message" and returns 0. The
// facade sets it before Init and Finalize when its logger wants DEBUG or
// INFO lines; it is called only from the goroutine of those calls, which
// gopy runs with the GIL released.
var logSink atomic.Int64

// SetLogSink sets the function that receives start-up and shut-down lines.
func SetLogSink(fn int64) int {
	logSink.Store(fn)
	return 0
}

// sinkLogger is the job's Options.Log for the current sink, nil when none.
func sinkLogger() func(level int, msg string) {
	fn := logSink.Load()
	if fn == 0 {
		return nil
	}
	return func(level int, msg string) {
		// A log line that cannot be delivered is not worth failing init for.
		_, _ = native.CallStringFunc(uintptr(fn), fmt.Sprintf("%d %s", level, msg))
	}
}

// JobInfo is shmem.job_info(): this PE's view of the running job as JSON
// (job.Info: rendezvous address, each peer's host and engine, start-up
// steps). NotInited before init.
func JobInfo() (_ string, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(j.Info())
	return string(b), err
}

// BuildInfo is what `python -m shmem info` reports about the runtime: the Go
// version it was built with and the module's build settings, as JSON.
func BuildInfo() string {
	out := map[string]string{"go_version": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		out["main_module"] = bi.Main.Path
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision", "vcs.time", "vcs.modified", "CGO_ENABLED", "-trimpath", "-buildmode":
				out[s.Key] = s.Value
			}
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}
