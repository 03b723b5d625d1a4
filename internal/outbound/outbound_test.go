package outbound_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/outbound"
)

// secret is what an internal service answers; it must never appear in
// an error shown to a tenant.
const secret = "# HELP go_gc_duration_seconds internal-only"

func internalServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, secret)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckRefusesSpecialAddresses(t *testing.T) {
	p := outbound.NewPolicy(nil)
	for _, s := range []string{
		"127.0.0.1", "127.1.2.3", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.1", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "100.100.100.200", "0.0.0.0", "224.0.0.1", "255.255.255.255",
		"::1", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "fe80::1", "fd00:ec2::254", "fc00::1",
		"64:ff9b::a00:1", "2002:7f00:1::", "::127.0.0.1", "ff02::1",
	} {
		err := p.Check(netip.MustParseAddr(s))
		if _, ok := outbound.Blocked(err); !ok {
			t.Errorf("%s: allowed, want refused", s)
		}
	}
	for _, s := range []string{"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "172.32.0.1", "100.128.0.1"} {
		if err := p.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s: %v, want allowed", s, err)
		}
	}
}

func TestAllowanceOpensOnlyTheNamedRanges(t *testing.T) {
	allow, err := outbound.ParseAllow("10.1.0.0/16, 192.168.7.9 ::ffff:172.20.0.0/112")
	if err != nil {
		t.Fatal(err)
	}
	p := outbound.NewPolicy(allow)
	for _, s := range []string{"10.1.2.3", "192.168.7.9", "::ffff:10.1.0.1", "172.20.3.4"} {
		if err := p.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s: %v, want allowed", s, err)
		}
	}
	for _, s := range []string{"10.2.0.1", "192.168.7.10", "127.0.0.1", "169.254.169.254"} {
		if err := p.Check(netip.MustParseAddr(s)); err == nil {
			t.Errorf("%s allowed, want refused", s)
		}
	}
	for _, bad := range []string{"10.1.0.0/33", "example.com", "10.0.0.0/8/8"} {
		if _, err := outbound.ParseAllow(bad); err == nil {
			t.Errorf("ParseAllow(%q): no error", bad)
		}
	}
}

// refused asserts that GET target fails with a refusal whose text holds
// nothing the target would have answered.
func refused(t *testing.T, c *http.Client, target string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	res, err := c.Do(req)
	if err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("%s: HTTP %d %q, want refused", target, res.StatusCode, b)
	}
	if _, ok := outbound.Blocked(err); !ok {
		t.Fatalf("%s: %v, want a refusal of the address", target, err)
	}
	if msg := outbound.Describe(err); strings.Contains(msg, "go_gc") || !strings.Contains(msg, "Herald does not connect to") {
		t.Errorf("%s: %q", target, msg)
	}
}

func TestClientRefusesInternalTargets(t *testing.T) {
	srv := internalServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	c := outbound.NewPolicy(nil).Client(5 * time.Second)
	for _, target := range []string{
		srv.URL,                                 // 127.0.0.1, where something answers
		"http://localhost:" + port + "/metrics", // a name that resolves to loopback
		"http://10.0.0.1/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::1]:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/", // IPv4-mapped IPv6
		"http://[::ffff:a9fe:a9fe]/",              // 169.254.169.254, mapped
		"http://0.0.0.0:" + port + "/",
	} {
		refused(t, c, target)
	}
}

// A public server that redirects inward: a client that follows redirects
// still re-checks the address of every hop. 127.0.0.2 stands in for the
// public host (allowed by name); 127.0.0.1 is the internal one.
func TestRedirectToAnInternalAddressIsRefused(t *testing.T) {
	inner := internalServer(t)
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	public := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/metrics", http.StatusFound)
	})}}
	public.Start()
	t.Cleanup(public.Close)

	p := outbound.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")})
	follows := &http.Client{Transport: p.Transport(), Timeout: 5 * time.Second}
	refused(t, follows, public.URL)

	// Herald's own client does not follow at all: the 3xx is the answer.
	res, err := p.Client(5 * time.Second).Get(public.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusFound || strings.Contains(string(b), "go_gc") {
		t.Errorf("HTTP %d %q, want the 302 itself", res.StatusCode, b)
	}
}

func TestLoopbackAllowanceReachesTestServers(t *testing.T) {
	srv := internalServer(t)
	res, err := outbound.NewPolicy(outbound.Loopback).Client(5 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != secret {
		t.Errorf("got %q", b)
	}
}

func TestExcerptIsShortAndPlain(t *testing.T) {
	long := strings.Repeat("é", 500) + "\x00\n<script>"
	got := outbound.Excerpt([]byte(long), 80)
	if n := len([]rune(got)); n != 81 || !strings.HasSuffix(got, "…") {
		t.Errorf("excerpt has %d runes: %q", n, got)
	}
	if got := outbound.Excerpt([]byte("a\x00b\nc\xff"), 80); got != "a b c�" {
		t.Errorf("got %q", got)
	}
}
