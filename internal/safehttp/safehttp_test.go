package safehttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestIsPublic(t *testing.T) {
	cases := map[string]bool{
		"8.8.8.8":                true,
		"2606:4700::1111":        true,
		"127.0.0.1":              false,
		"127.8.9.10":             false,
		"::1":                    false,
		"10.1.2.3":               false,
		"172.16.0.1":             false,
		"192.168.1.1":            false,
		"169.254.169.254":        false, // cloud metadata
		"100.64.0.1":             false, // CGNAT
		"0.0.0.0":                false,
		"::":                     false,
		"224.0.0.1":              false,
		"ff02::1":                false,
		"fd00::1":                false, // RFC 4193
		"fe80::1":                false,
		"::ffff:127.0.0.1":       false, // mapped loopback
		"::ffff:169.254.169.254": false,
		"255.255.255.255":        false,
		// IPv6 forms that carry an IPv4 address are judged by that address.
		"64:ff9b::7f00:1":                      false, // NAT64 of 127.0.0.1
		"64:ff9b::a9fe:a9fe":                   false, // NAT64 of 169.254.169.254
		"64:ff9b::a00:1":                       false, // NAT64 of 10.0.0.1
		"64:ff9b::808:808":                     true,  // NAT64 of 8.8.8.8
		"2002:7f00:1::1":                       false, // 6to4 of 127.0.0.1
		"2002:a9fe:a9fe::":                     false, // 6to4 of 169.254.169.254
		"2002:c0a8:101::1":                     false, // 6to4 of 192.168.1.1
		"2002:808:808::1":                      true,  // 6to4 of 8.8.8.8
		"::7f00:1":                             false, // IPv4-compatible 127.0.0.1
		"::a9fe:a9fe":                          false, // IPv4-compatible 169.254.169.254
		"::808:808":                            true,  // IPv4-compatible 8.8.8.8
		"2001:0:4136:e378:8000:63bf:80ff:fffe": false, // Teredo, client 127.0.0.1
		"2001:0:4136:e378:8000:63bf:f7f7:f7f7": true,  // Teredo, client 8.8.8.8
	}
	for s, want := range cases {
		if got := IsPublic(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsPublic(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestClientRefusesLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secret")
	}))
	defer srv.Close()
	c := NewClient(Options{})
	_, _, err := Get(context.Background(), c, srv.URL, nil, 100)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("err = %v, want ErrForbiddenAddress", err)
	}
	c = NewClient(Options{AllowPrivate: true, UserAgent: "test-agent"})
	_, body, err := Get(context.Background(), c, srv.URL, nil, 100)
	if err != nil || string(body) != "secret" {
		t.Fatalf("allowed client: body %q err %v", body, err)
	}
}

func TestRedirectToOtherSchemeRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	}))
	defer srv.Close()
	c := NewClient(Options{AllowPrivate: true})
	_, _, err := Get(context.Background(), c, srv.URL, nil, 100)
	if !errors.Is(err, ErrScheme) {
		t.Fatalf("err = %v, want ErrScheme", err)
	}
}

func TestReadAllLimit(t *testing.T) {
	if _, err := ReadAll(strings.NewReader("12345"), 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	b, err := ReadAll(strings.NewReader("1234"), 4)
	if err != nil || string(b) != "1234" {
		t.Fatalf("got %q, %v", b, err)
	}
}

func TestUserAgentSet(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("User-Agent")
	}))
	defer srv.Close()
	c := NewClient(Options{AllowPrivate: true, UserAgent: "Rookery/test"})
	if _, _, err := Get(context.Background(), c, srv.URL, nil, 10); err != nil {
		t.Fatal(err)
	}
	if got != "Rookery/test" {
		t.Fatalf("User-Agent = %q", got)
	}
}

func TestParseURL(t *testing.T) {
	for _, bad := range []string{"ftp://x/", "/relative", "javascript:alert(1)", "http://", "http://0#\x00", "https://a.example/#x\ty"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
	if _, err := ParseURL("https://example.com/feed"); err != nil {
		t.Error(err)
	}
}
