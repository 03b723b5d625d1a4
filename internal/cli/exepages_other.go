//go:build !linux

package cli

// releaseExecutablePages is Linux's alone (exepages_linux.go).
func releaseExecutablePages() {}
