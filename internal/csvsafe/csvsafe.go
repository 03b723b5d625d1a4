// Package csvsafe keeps text that people wrote from running as a formula
// when a CSV file Herald writes is opened in a spreadsheet.
package csvsafe

import (
	"strconv"
	"strings"
)

// Cell returns s as a CSV cell: text starting with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe, unless it is a number (such as
// -5), which stays a number.
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}
