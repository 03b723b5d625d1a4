package core

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// maxOffset keeps a list's offset within 32 bits: far beyond any real list
// page, and safe for every database's OFFSET.
const maxOffset = math.MaxInt32

// Pager is a page of a numbered list, read from the query's "page".
type Pager struct {
	Page   int // 1-based
	Offset int // rows before the page
	Limit  int // rows per page
}

// ParsePage reads a 1-based page number: 1 when missing, not a number or
// below 1; clamped so the page's offset stays within 32 bits.
func ParsePage(s string, perPage int) Pager {
	if perPage < 1 {
		perPage = 1
	}
	last := maxOffset/perPage + 1
	page := 1
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && n > 1 {
		page = int(min(n, int64(last)))
	} else if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && !strings.HasPrefix(strings.TrimSpace(s), "-") {
		page = last
	}
	return Pager{Page: page, Offset: (page - 1) * perPage, Limit: perPage}
}

// QueryPage is ParsePage of the request's "page" query value.
func QueryPage(r *http.Request, perPage int) Pager {
	return ParsePage(r.URL.Query().Get("page"), perPage)
}
