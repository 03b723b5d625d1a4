//go:build emulator

package web

// parseAtStart: the emulator parses a template file when a page that needs
// it is first rendered (the files are the ones herald parses at every
// start, and its tests parse them all); a throw-away test helper that
// often renders no page at all keeps no parse trees.
const parseAtStart = false
