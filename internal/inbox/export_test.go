package inbox

// QueueSQL exposes Queue's statement to the plan test.
var QueueSQL = queueSQL
