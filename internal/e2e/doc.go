// Package e2e drives Herald in a real headless Chromium, the way a person
// on a phone would use it. The tests live in _test.go files; they skip when
// Chromium is not installed, unless HERALD_E2E_REQUIRED=1. They run in
// parallel, each with a browser process to itself (browser_test.go).
package e2e
