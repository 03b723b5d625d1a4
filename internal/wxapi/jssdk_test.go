package wxapi_test

import (
	"net/url"
	"testing"
	"time"
)

func TestJSAPITicket(t *testing.T) {
	h, c, tok := start(t)
	r := c.call("/cgi-bin/ticket/getticket", tok, url.Values{"type": {"jsapi"}})
	wantCode(t, "getticket", r, 0)
	first := r.Str("ticket")
	if first == "" || r.Str("errmsg") != "ok" || r["expires_in"].(float64) != 7200 {
		t.Fatalf("getticket: %v", r)
	}
	h.Advance(time.Hour)
	r = c.call("/cgi-bin/ticket/getticket", tok, url.Values{"type": {"jsapi"}})
	if r.Str("ticket") != first || r["expires_in"].(float64) > 3600 || r["expires_in"].(float64) < 3590 {
		t.Fatalf("ticket within its 7200 s should be the same, counting down: %v", r)
	}
	// Another account has its own ticket.
	other := c.call("/cgi-bin/ticket/getticket", c.token(h.Subscription), url.Values{"type": {"jsapi"}})
	if other.Str("ticket") == "" || other.Str("ticket") == first {
		t.Fatalf("other account's ticket: %v", other)
	}
	h.Advance(time.Hour + time.Minute)
	tok = c.token(h.Service)
	r = c.call("/cgi-bin/ticket/getticket", tok, url.Values{"type": {"jsapi"}})
	if r.Str("ticket") == first || r["expires_in"].(float64) != 7200 {
		t.Fatalf("after 7200 s a new ticket: %v", r)
	}
	wantCode(t, "unknown type", c.call("/cgi-bin/ticket/getticket", tok, url.Values{"type": {"nope"}}), 40035)
}
