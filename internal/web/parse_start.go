//go:build !emulator

package web

// parseAtStart: every template file is parsed by ParseTemplates, so a
// syntax error or an unknown function stops the start.
const parseAtStart = true
