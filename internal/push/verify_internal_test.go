package push

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/outbound"
)

// Each way the URL handshake can fail without an answer has a message of
// its own, whole, so that a reader of another language gets a sentence
// without English inside it; only an unforeseen failure carries the
// system's words, quoted after the sentence (an errs.Quote, shown as
// content in English).
func TestUnreachableSaysWhichFailureInOneSentence(t *testing.T) {
	cases := []struct {
		err  error
		want string // a part of the format
	}{
		{&outbound.BlockedError{Addr: netip.MustParseAddr("10.0.0.5"), Reason: "private"}, "not a public address"},
		{&outbound.BlockedError{Reason: "reached over udp"}, "only to public addresses over TCP"},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), "did not answer in time"},
		{&net.DNSError{Name: "bot.example.invalid", Err: "no such host", IsNotFound: true}, "the name %s could not be found"},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, "refused the connection"},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, "closed the connection before answering"},
		{&net.OpError{Op: "dial", Err: syscall.ENETUNREACH}, "network of your server cannot be reached"},
		{fmt.Errorf("odd: %w", http.ErrBodyNotAllowed), "could not be reached: %s"},
	}
	formats := map[string]bool{}
	for _, c := range cases {
		e := unreachable(c.err)
		if e.Field != "url" || e.Kind != errs.KindInvalid || !strings.Contains(e.Format, c.want) || !strings.HasPrefix(e.Format, "URL verification failed: ") {
			t.Errorf("%v: %+v", c.err, e)
		}
		for _, a := range e.Args {
			if s, _ := a.(string); strings.Contains(s, "private") || strings.Contains(s, "no such host") {
				t.Errorf("%v: the system's words %q are put into the sentence", c.err, s)
			}
		}
		formats[e.Format] = true
	}
	if e := unreachable(fmt.Errorf("odd: %w", http.ErrBodyNotAllowed)); len(e.Args) != 1 || e.Args[0] != errs.Quote(http.ErrBodyNotAllowed.Error()) {
		t.Errorf("an unforeseen failure's words are not quoted: %#v", e.Args)
	}
	if len(formats) != len(cases) {
		t.Errorf("%d kinds of failure share %d messages", len(cases), len(formats))
	}
}
