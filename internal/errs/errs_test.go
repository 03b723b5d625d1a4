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

// A value that is itself a text of the catalogue (a state's label) is
// written in the reader's language with the sentence; a plain string, such
// as a name, stays as written.
func TestMessageInWritesTextValuesToo(t *testing.T) {
	zh := map[string]string{"This order is %s and cannot be refunded.": "此订单%s，无法退款。", "paid": "已支付"}
	translate := func(format string, args ...any) string {
		if s, ok := zh[format]; ok {
			format = s
		}
		return fmt.Sprintf(format, args...)
	}
	args := []any{Text("paid")}
	err := Conflictf("This order is %s and cannot be refunded.", args...)
	if got := MessageIn(err, translate); got != "此订单已支付，无法退款。" {
		t.Errorf("MessageIn = %q", got)
	}
	if got := Message(err); got != "This order is paid and cannot be refunded." {
		t.Errorf("Message = %q", got)
	}
	if args[0] != Text("paid") {
		t.Errorf("the error's values were changed: %v", args)
	}
	if got := MessageIn(Conflictf("%s is paid.", "paid"), translate); got != "paid is paid." {
		t.Errorf("a plain string was translated: %q", got)
	}
}
