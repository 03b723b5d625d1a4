// Package outbound is the one way Herald connects to addresses that
// tenants chose: developers' servers (message push and the URL
// handshake), merchants' notify_url and anything else fetched from a
// URL stored by a tenant. Its guard runs in the dialer, on the address
// actually dialled after DNS resolution, so it holds for names that
// resolve to internal addresses and on every redirect. Loopback,
// private, link-local (cloud metadata), CGNAT and other special-purpose
// addresses are refused unless the operator allowed a range.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
)

// blocked lists the special-purpose ranges Herald never connects to by
// default, with the reason shown to whoever configured the URL.
var blocked = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a reserved address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local (cloud metadata) address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a reserved address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a reserved address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/128"), "a reserved address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("::/96"), "a reserved address"}, // IPv4-compatible
	{netip.MustParsePrefix("100::/64"), "a reserved address"},
	{netip.MustParsePrefix("2001::/23"), "a reserved address"}, // Teredo, benchmarking, ORCHID
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fc00::/7"), "a private address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a reserved address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// embedded returns the IPv4 address carried inside an IPv6 translation
// address (NAT64 64:ff9b::/96, 6to4 2002::/16), which reaches that IPv4
// host, so it is judged as that host.
func embedded(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case netip.MustParsePrefix("64:ff9b::/96").Contains(a), netip.MustParsePrefix("64:ff9b:1::/48").Contains(a):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case netip.MustParsePrefix("2002::/16").Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// BlockedError is the refusal of an address.
type BlockedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("Herald does not connect to %s: it is %s. Use a public address (the platform operator can allow private ranges with --outbound-allow).", e.Addr, e.Reason)
}

// Policy decides which addresses may be dialled.
type Policy struct {
	allow []netip.Prefix
}

// NewPolicy returns the policy that refuses every special-purpose address
// except those inside allow.
func NewPolicy(allow []netip.Prefix) *Policy {
	return &Policy{allow: append([]netip.Prefix(nil), allow...)}
}

// Loopback is the allowance the emulator and tests use: the bot under test
// runs on the same machine.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// ParseAllow reads a comma- or space-separated list of CIDR ranges (a bare
// address is its own /32 or /128).
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is neither an address nor a CIDR range (such as 10.1.0.0/16)", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR range (such as 10.1.0.0/16)", f)
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return nil, fmt.Errorf("%q: write IPv4 ranges in IPv4 form", f)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Check returns a *BlockedError when a may not be dialled.
func (p *Policy) Check(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return &BlockedError{Addr: a, Reason: "not an address"}
	}
	if p != nil {
		for _, r := range p.allow {
			if r.Contains(a) {
				return nil
			}
		}
	}
	if v4, ok := embedded(a); ok {
		if err := p.Check(v4); err != nil {
			return &BlockedError{Addr: a, Reason: err.(*BlockedError).Reason + " (" + v4.String() + " inside IPv6)"}
		}
		return nil
	}
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return &BlockedError{Addr: a, Reason: b.why}
		}
	}
	return nil
}

// control is the dialer hook: address is the resolved ip:port about to be
// connected, for every connection (first request, retries, redirects).
func (p *Policy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Reason: "not an address: " + address}
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return &BlockedError{Addr: ap.Addr(), Reason: "reached over " + network}
	}
	return p.Check(ap.Addr())
}

// Dialer returns a dialer that refuses what the policy blocks.
func (p *Policy) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: p.control}
}

// Transport returns a transport whose every connection passes the policy.
// It never uses an HTTP proxy from the environment: the proxy's address
// would be the one checked, not the target's.
func (p *Policy) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           p.Dialer(10 * time.Second).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
}

// Client returns the client for tenant-chosen URLs: guarded connections,
// no redirects (WeChat does not follow them for pushes or notifications;
// a 3xx is the answer), and an overall timeout.
func (p *Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{Transport: p.Transport(), Timeout: timeout, CheckRedirect: NoRedirects}
}

// NoRedirects makes a client return a 3xx answer instead of following it.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Blocked reports whether err (from a client of this package) is a refusal
// of the address, and returns the refusal.
func Blocked(err error) (*BlockedError, bool) {
	var b *BlockedError
	ok := errors.As(err, &b)
	return b, ok
}

// Describe explains a failed request in one line fit for the person who
// configured the URL: the refusal itself, a timeout, or the error.
func Describe(err error) string {
	if b, ok := Blocked(err); ok {
		return b.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

// Excerpt is what may be shown of a failed answer: at most n runes, with
// control characters replaced, so an internal page never appears whole.
// The result still needs HTML escaping where it is rendered (templates do
// that).
func Excerpt(b []byte, n int) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "�")
	}
	var out strings.Builder
	i := 0
	for _, r := range s {
		if i == n {
			out.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		out.WriteRune(r)
		i++
	}
	return out.String()
}

// FastClient returns an HTTP/1.1 client (fasthttp) whose every
// connection passes the policy: it dials through the policy's dialer (the
// check is on the resolved address), never follows redirects (a 3xx is the
// answer), uses no proxy and verifies TLS certificates as crypto/tls does.
// It reads at most maxBody bytes of an answer (more is an error). It makes
// a request on the calling goroutine over pooled keep-alive connections,
// without net/http's reader and writer goroutines per connection, which
// are a large share of a small request's CPU (docs/performance.md). A
// request is sent again once, on a new connection, only when the server
// closed the connection before any byte of its answer: mostly a kept-alive
// connection the server closed while idle, which net/http's reader
// notices before reuse and fasthttp only on use; never otherwise.
func (p *Policy) FastClient(maxBody int) *fasthttp.Client {
	return &fasthttp.Client{
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			return p.Dialer(min(timeout, 10*time.Second)).Dial("tcp", addr)
		},
		Dial: func(addr string) (net.Conn, error) {
			return p.Dialer(10*time.Second).Dial("tcp", addr)
		},
		MaxConnsPerHost:           4096, // callers cap their own requests per host
		MaxIdleConnDuration:       30 * time.Second,
		ReadBufferSize:            16 << 10, // the largest answer header accepted
		MaxResponseBodySize:       maxBody,
		MaxIdemponentCallAttempts: 2,
		RetryIfErr: func(_ *fasthttp.Request, _ int, err error) (bool, bool) {
			return false, errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed)
		},
		NoDefaultUserAgentHeader: true,
		DisablePathNormalizing:   true,
	}
}
