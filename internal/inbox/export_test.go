package inbox

// QueueSQL exposes Queue's statement to the plan test.
var QueueSQL = queueSQL

// CountsSQL exposes Counts's statement to the plan test.
var CountsSQL = countsSQL
