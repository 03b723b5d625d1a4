//go:build unix

package portability

import (
	"os"
	"syscall"
)

// lockWork takes the lock file path for this process without waiting. It
// returns a release function, or ok false when another run (in this
// process or another, on this machine or one sharing the directory) holds
// it. The lock is flock(2): the kernel drops it when its holder dies, even
// by kill -9, so a dead run never keeps it.
func lockWork(path string) (release func(), ok bool, err error) {
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
		if err != nil {
			return nil, false, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if err == syscall.EWOULDBLOCK {
				return nil, false, nil
			}
			return nil, false, err
		}
		// The holder before us removes the file as it lets go: a lock on a
		// file no longer at path locks nothing, so open the path again.
		fi, ferr := f.Stat()
		pi, perr := os.Stat(path)
		if ferr == nil && perr == nil && os.SameFile(fi, pi) {
			return func() {
				os.Remove(path)
				f.Close()
			}, true, nil
		}
		f.Close()
	}
}
