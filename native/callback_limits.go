package native

// Bounds of the string-callback protocol (see CallStringFunc).
const (
	// callbackFirstCap is the first out buffer: enough for any password.
	callbackFirstCap = 4 << 10
	// callbackMaxOut bounds what a callback may ask for, so a buggy one cannot
	// make Go allocate without limit.
	callbackMaxOut = 16 << 20
	// callbackMaxCalls bounds the retries of a callback whose answer keeps
	// growing between calls.
	callbackMaxCalls = 4
)
