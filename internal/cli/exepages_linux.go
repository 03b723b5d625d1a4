package cli

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// releaseExecutablePages drops this process's page-table entries for the
// read-only mappings of its own executable: its code, read-only data and
// function tables. Start-up (package initialisers, migrations, the first
// garbage collections) touches pages all over these mappings, and the
// kernel maps the pages around each one touched (fault-around, 64 KB), so
// after start-up nearly the whole binary counts in the process's resident
// memory whether or not it is used again. The pages stay in the page cache:
// what the process runs afterwards is mapped again from there as it runs
// (minor faults, no disk reads). The mappings are never written, so
// nothing is lost; writable mappings (data, bss) are left alone.
// Best effort: any error leaves the mappings as they were.
func releaseExecutablePages() {
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &st); err != nil {
		return
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	dev := strconv.FormatUint(uint64(major(st.Dev)), 16) + ":" + strconv.FormatUint(uint64(minor(st.Dev)), 16)
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// address perms offset dev inode path
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[4] != strconv.FormatUint(st.Ino, 10) || !sameDev(f[3], dev) {
			continue
		}
		if perms := f[1]; len(perms) < 4 || perms[1] == 'w' || perms[3] != 'p' {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}

// major and minor split a Linux device number (glibc's gnu_dev_major and
// gnu_dev_minor).
func major(dev uint64) uint32 { return uint32((dev>>8)&0xfff | (dev>>32)&^0xfff) }
func minor(dev uint64) uint32 { return uint32(dev&0xff | (dev>>12)&^0xff) }

// sameDev compares /proc/self/maps' "major:minor" (hexadecimal, zero-padded)
// with want (hexadecimal, not padded).
func sameDev(field, want string) bool {
	ma, mi, ok := strings.Cut(field, ":")
	if !ok {
		return false
	}
	a, err1 := strconv.ParseUint(ma, 16, 32)
	b, err2 := strconv.ParseUint(mi, 16, 32)
	return err1 == nil && err2 == nil && strconv.FormatUint(a, 16)+":"+strconv.FormatUint(b, 16) == want
}
