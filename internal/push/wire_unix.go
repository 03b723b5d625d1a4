//go:build unix

package push

import (
	"net"
	"syscall"
)

// open reports whether an idle connection is still open and quiet: a peek
// that does not wait finds nothing to read. It finds the end of the stream
// when the server closed the connection, and bytes when it sent something
// unasked for; either way the connection is not used again.
func open(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
		return true // never wait for the poller
	})
	return err == nil && alive
}
