package native

/*
#include <stdlib.h>
#include "shmem_callback.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"
)

// ErrCallbackFailed is wrapped by every error that comes from the callback
// itself (as opposed to bad arguments, which wrap ErrInvalidArgument). The
// caller gives it the API code of the operation that needed the callback (for
// the decrypt handler: BootstrapError).
var ErrCallbackFailed = errors.New("callback failed")

// CallStringFunc calls fn, the address of a C function of type
// int(const char *in, char *out, size_t out_cap), with in and returns its
// text. The protocol: the callback returns the length of its whole answer;
// if that fits in out_cap the answer is out[:n], otherwise nothing was
// written and CallStringFunc calls again with an n-byte buffer (starting at
// 4 KiB, at most 16 MiB, at most 4 calls). A negative return is a failure.
func CallStringFunc(fn uintptr, in string) (out string, err error) {
	if fn == 0 {
		return "", fmt.Errorf("callback: null function pointer: %w", ErrInvalidArgument)
	}
	if strings.IndexByte(in, 0) >= 0 {
		return "", fmt.Errorf("callback: input contains a NUL byte: %w", ErrInvalidArgument)
	}
	cin := C.CString(in)
	defer C.free(unsafe.Pointer(cin))

	size := callbackFirstCap
	for range callbackMaxCalls {
		buf := make([]byte, size)
		n := int(C.shmem_call_string_func(C.uintptr_t(fn), cin,
			(*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf))))
		switch {
		case n < 0:
			return "", fmt.Errorf("%w: returned status %d", ErrCallbackFailed, n)
		case n <= len(buf):
			return string(buf[:n]), nil
		case n > callbackMaxOut:
			return "", fmt.Errorf("%w: asked for %d bytes, more than the %d allowed",
				ErrCallbackFailed, n, callbackMaxOut)
		}
		size = n
	}
	return "", fmt.Errorf("%w: answer still larger than the buffer after %d calls",
		ErrCallbackFailed, callbackMaxCalls)
}
