package publish

// Owner is the name this engine writes into publish_jobs.lease_owner for
// the jobs it runs (operators and multi-node tests tell nodes apart by it).
func (e *Engine) Owner() string { return e.owner }
