package engine

// direction says which way a request copies.
type direction uint8

const (
	toPeer   direction = iota // put: local memory is read
	fromPeer                  // get: local memory is written
)

// localAccess names what a request needs of its local memory, for errors.
func (d direction) localAccess() string {
	if d == toPeer {
		return "readable"
	}
	return "writable"
}
