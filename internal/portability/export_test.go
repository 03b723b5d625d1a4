package portability

// SetCSVBatchRows makes follower CSV batches small, so that a small file
// spans several; it returns a function that restores the size.
func SetCSVBatchRows(n int) (restore func()) {
	old := csvBatchRows
	csvBatchRows = n
	return func() { csvBatchRows = old }
}
