package portability

// SetCSVBatchRows makes follower CSV batches (the staging statements, and
// the ranges of lines SQLite applies at a time) small, so that a small file
// spans several; it returns a function that restores the sizes.
func SetCSVBatchRows(n int) (restore func()) {
	oldRows, oldRange := csvBatchRows, csvApplyRange
	csvBatchRows, csvApplyRange = n, int64(n)
	return func() { csvBatchRows, csvApplyRange = oldRows, oldRange }
}
