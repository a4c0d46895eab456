package netengine

import (
	"bufio"
	"net"
)

// writeFrame writes a header and the payload [addr, addr+n). A small payload
// is copied into bw next to its header, so that many small frames leave in
// one system call; a large one goes from memory to the socket in one writev
// with its header, after whatever bw holds. iov and bufs are the caller's
// reusable storage, so nothing is allocated per frame.
func writeFrame(bw *bufio.Writer, conn net.Conn, iov *[2][]byte, bufs *net.Buffers, hdr []byte, addr, n uintptr) error {
	if n <= smallPayload {
		if bw.Available() < len(hdr)+int(n) {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		if _, err := bw.Write(hdr); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		_, err := bw.Write(bytesAt(addr, n))
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	iov[0], iov[1] = hdr, bytesAt(addr, n)
	var err error
	if fc, ok := conn.(*fdConn); ok {
		err = fc.writev(iov[:])
	} else {
		*bufs = iov[:]
		_, err = bufs.WriteTo(conn)
	}
	iov[0], iov[1] = nil, nil // do not keep the caller's memory reachable
	return err
}
