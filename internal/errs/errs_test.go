package errs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A domain error keeps what its message was made of, so a face can write it
// in the reader's language; the message itself stays as made.
func TestMessageIn(t *testing.T) {
	shout := func(format string, args ...any) string { return strings.ToUpper(fmt.Sprintf(format, args...)) }
	err := fmt.Errorf("save: %w", FieldInvalid("name", "%s is taken.", "Lotus"))
	if got := MessageIn(err, shout); got != "LOTUS IS TAKEN." {
		t.Errorf("MessageIn = %q", got)
	}
	if got := Message(err); got != "Lotus is taken." {
		t.Errorf("Message = %q", got)
	}
	if got := MessageIn(&Error{Kind: KindInvalid, Message: "made by hand"}, shout); got != "made by hand" {
		t.Errorf("an error without a format: %q", got)
	}
	if got := MessageIn(errors.New("disk on fire"), shout); got != strings.ToUpper(genericMessage) {
		t.Errorf("an internal error: %q", got)
	}
}
