// Package safehttp is the guarded HTTP client that Rookery uses for every
// request whose URL a stranger can choose: topic fetches and callbacks in the
// hub, Webmention sources and pushed topics in the reader.
//
// The guard runs at dial time, on the IP address the connection is really made
// to, after DNS resolution: redirects and DNS rebinding cannot get around it.
// It is not a general-purpose client wrapper; it adds limits and nothing else.
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned (wrapped) when a connection would reach an
// address that is not public and the client does not allow private addresses.
var ErrForbiddenAddress = errors.New("the address is not public")

// ErrTooLarge is returned (wrapped) by ReadAll when a body exceeds its limit.
var ErrTooLarge = errors.New("too large")

// ErrMalformed is returned (wrapped) by ParseURL for text that does not parse
// as a URL at all, such as "http://[bad".
var ErrMalformed = errors.New("not a valid URL")

// ErrScheme is returned (wrapped) for URLs that are not absolute http or https.
var ErrScheme = errors.New("only absolute http and https URLs are allowed")

// Options configures a Client. The zero value is a strict public-only client
// with conservative timeouts.
type Options struct {
	// AllowPrivate permits loopback, private, link-local and other
	// non-public destinations. For local use and tests only.
	AllowPrivate bool
	// DialTimeout bounds the TCP connect; default 5s.
	DialTimeout time.Duration
	// Timeout bounds a whole request including reading the body; default 30s.
	Timeout time.Duration
	// MaxRedirects is how many redirects are followed; default 5.
	// A negative value follows none and returns the redirect response.
	MaxRedirects int
	// UserAgent is set on every request that does not carry one.
	UserAgent string
	// MaxConnsPerHost bounds concurrent connections per host; 0 means no limit.
	MaxConnsPerHost int
}

// NewClient returns an http.Client whose every connection is checked by
// CheckAddr unless opts.AllowPrivate is set, and whose redirects stay on
// http and https.
func NewClient(opts Options) *http.Client {
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = 5
	}
	dialer := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		dialer.Control = controlPublicOnly
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would make the dial-time check meaningless
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		MaxConnsPerHost:       opts.MaxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opts.DialTimeout,
		ResponseHeaderTimeout: opts.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	var rt http.RoundTripper = tr
	if opts.UserAgent != "" {
		rt = userAgent{ua: opts.UserAgent, next: tr}
	}
	return &http.Client{
		Transport:     rt,
		Timeout:       opts.Timeout,
		CheckRedirect: checkRedirect(opts.MaxRedirects),
	}
}

type userAgent struct {
	ua   string
	next http.RoundTripper
}

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", u.ua)
	}
	return u.next.RoundTrip(r)
}

func checkRedirect(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if max < 0 {
			return http.ErrUseLastResponse
		}
		if len(via) > max {
			return fmt.Errorf("stopped after %d redirects", max)
		}
		return CheckURL(req.URL)
	}
}

// controlPublicOnly runs after DNS resolution, on the address actually dialled.
func controlPublicOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("unexpected dial address %q: %w", address, err)
	}
	return CheckAddr(ap.Addr())
}

// CheckAddr returns ErrForbiddenAddress (wrapped, naming the address) unless
// ip is a public unicast address.
func CheckAddr(ip netip.Addr) error {
	if IsPublic(ip) {
		return nil
	}
	return fmt.Errorf("%w: %s (start with --allow-private for local use)", ErrForbiddenAddress, ip)
}

// nonPublic lists the ranges that are never reached without AllowPrivate,
// beyond what the netip predicates cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT, RFC 6598
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("100::/64"),        // discard-only
}

// IsPublic reports whether ip is a globally routable unicast address: not
// loopback, private (RFC 1918, RFC 4193), link-local (which holds the cloud
// metadata address 169.254.169.254), CGNAT, multicast, unspecified or reserved.
// IPv6 addresses that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96,
// IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16 and Teredo
// 2001::/32) are judged as the IPv4 address they carry, since a gateway on
// the path delivers them there.
func IsPublic(ip netip.Addr) bool {
	if v4, ok := embeddedIPv4(ip); ok {
		ip = v4
	}
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsMulticast() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Prefixes of IPv6 addresses that carry an IPv4 address.
var (
	ipv4Compatible = netip.MustParsePrefix("::/96")        // RFC 4291 §2.5.5.1 (deprecated)
	nat64          = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052 well-known prefix
	sixToFour      = netip.MustParsePrefix("2002::/16")    // RFC 3056
	teredo         = netip.MustParsePrefix("2001::/32")    // RFC 4380
)

// embeddedIPv4 returns the IPv4 address that an IPv6 address carries, if it
// is of a form that reaches that IPv4 address: mapped, compatible, NAT64,
// 6to4 (bits 16–47) or Teredo (the client address, bits 96–127 inverted).
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if ip.Is4In6() {
		return ip.Unmap(), true
	}
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	last := [4]byte{b[12], b[13], b[14], b[15]}
	switch {
	case ipv4Compatible.Contains(ip):
		return netip.AddrFrom4(last), true
	case nat64.Contains(ip):
		return netip.AddrFrom4(last), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	case teredo.Contains(ip):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// CheckURL returns ErrScheme (wrapped) unless u is an absolute http or https
// URL with a host.
func CheckURL(u *url.URL) error {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: %q", ErrScheme, u.String())
	}
	return nil
}

// ParseURL parses raw and applies CheckURL.
func ParseURL(raw string) (*url.URL, error) {
	// url.Parse refuses control characters except in the fragment; no
	// URL carries them raw anywhere (an HTML attribute turns a NUL into
	// U+FFFD), so one holding them can never be linked to.
	if i := strings.IndexFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return nil, fmt.Errorf("%w: %q: a control character (%U) at byte %d", ErrMalformed, raw, rune(raw[i]), i)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %s", ErrMalformed, raw, parseReason(err))
	}
	if err := CheckURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

// parseReason is the part of a url.Parse error that says what is wrong,
// without the repeated "parse" and URL.
func parseReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// ReadAll reads at most max bytes from r. A longer body is an ErrTooLarge
// error; the bytes read are not returned in that case.
func ReadAll(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("unable to read the body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, &TooLargeError{Limit: max}
	}
	return b, nil
}

// TooLargeError is a body longer than its limit; it is an ErrTooLarge.
type TooLargeError struct {
	Limit int64 // bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the body is too large: over %d bytes (%s)", e.Limit, FormatSize(e.Limit))
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// FormatSize writes n bytes for a person: 10 MiB, 512 KiB, 1.5 MiB, 900 bytes.
func FormatSize(n int64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f, i = f/1024, i+1
	}
	if i == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0") + " " + units[i]
}

// Get issues a GET with ctx and returns the response with its body read
// (at most max bytes) and closed.
func Get(ctx context.Context, c *http.Client, rawURL string, header http.Header, max int64) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := ReadAll(resp.Body, max)
	if err != nil {
		return resp, nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	return resp, body, nil
}
