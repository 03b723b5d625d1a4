package portability

// SetCSVBatchRows makes follower CSV batches (the staging statements, and
// the ranges of lines SQLite applies at a time) small, so that a small file
// spans several; it returns a function that restores the sizes.
func SetCSVBatchRows(n int) (restore func()) {
	oldRows, oldRange := csvBatchRows, csvApplyRange
	csvBatchRows, csvApplyRange = n, int64(n)
	return func() { csvBatchRows, csvApplyRange = oldRows, oldRange }
}

// SetCSVStep calls f at the end of each step of a follower CSV import
// ("begin", "stage", "check", "apply"); it returns a function that stops it.
func SetCSVStep(f func(step string)) (restore func()) {
	old := csvStep
	csvStep = f
	return func() { csvStep = old }
}
