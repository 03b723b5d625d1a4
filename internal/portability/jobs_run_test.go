package portability

import (
	"context"
	"encoding/json"

	"github.com/heraldoa/herald/internal/workq"
)

// RunExportJob runs the export job's handler for exportID once, as the work
// queue does on a node that claimed the job (runs: the claim's number).
func (e *Exports) RunExportJob(ctx context.Context, accountID, exportID int64, runs int) error {
	p, err := json.Marshal(exportPayload{ExportID: exportID})
	if err != nil {
		return err
	}
	return e.run(ctx, &workq.Job{Kind: JobKind, AccountID: accountID, Payload: p, Runs: runs})
}
