package portability

// SetCSVBatchRows makes follower CSV batches (SQLite's statements of many
// lines) small, so that a small file spans several; it returns a function
// that restores the size. Every import reads the size, so a test that sets
// it must not be parallel (it would race with the parallel tests' imports).
func SetCSVBatchRows(n int) (restore func()) {
	old := csvBatchRows
	csvBatchRows = n
	return func() { csvBatchRows = old }
}

// SetCSVStep calls f at the end of each step of a follower CSV import
// ("begin", "stage", "check", "apply"); it returns a function that stops it.
func SetCSVStep(f func(step string)) (restore func()) {
	old := csvStep
	csvStep = f
	return func() { csvStep = old }
}

// SetCSVLook runs SQLite's follower CSV look-up goroutine through f (which
// must call look), so a benchmark can time that goroutine's thread; it
// returns a function that stops it.
func SetCSVLook(f func(look func())) (restore func()) {
	old := csvLook
	csvLook = f
	return func() { csvLook = old }
}
