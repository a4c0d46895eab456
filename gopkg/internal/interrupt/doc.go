// Package interrupt lets every blocking call of the runtime end when the
// user presses Ctrl-C.
//
// The runtime runs with the GIL released, so Python's SIGINT handler cannot
// run while a PE blocks in Go: CPython's C-level handler only marks the
// signal and, when a wakeup fd is set (signal.set_wakeup_fd), writes the
// signal number to it. The facade hands that fd's read end to Watch; a
// goroutine reads it and, on SIGINT, starts a new interrupt epoch. Every
// blocking primitive takes a Mark when it starts to block and gives up with
// an Interrupted error once the epoch has moved: channel waits select on
// Mark.Done, futex sleeps re-check Mark.Err every sleep slice. The call then
// returns to Python, whose handler raises KeyboardInterrupt.
//
// A call that never blocks never looks here, so interruptibility costs a
// satisfied wait or an uncontended barrier nothing.
package interrupt
