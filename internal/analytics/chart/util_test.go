package chart

import "fmt"

func fmtSscanf(s string, x, y, w, h *float64) (int, error) {
	return fmt.Sscanf(s, ` x="%g" y="%g" width="%g" height="%g"`, x, y, w, h)
}
