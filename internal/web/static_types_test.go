package web

import (
	"mime"
	"testing"
)

// The types Static gives without asking the mime package are the ones it
// would give.
func TestStaticTypesAreTheMimePackages(t *testing.T) {
	for ext, typ := range staticTypes {
		if got := mime.TypeByExtension(ext); got != typ {
			t.Errorf("%s: mime says %q, Static gives %q", ext, got, typ)
		}
	}
}
