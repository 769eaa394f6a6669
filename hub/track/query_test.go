package track

import (
	"errors"
	"strings"
	"testing"
)

func TestParseNormalizesEquivalentSpellings(t *testing.T) {
	tests := map[string]struct {
		in   []string
		want string
	}{
		"tag":      {[]string{"#GoLang", "  #golang ", "#golang"}, "#golang"},
		"mention":  {[]string{"@HTTPS://Bob.Example:443/feed.atom#x", "@https://bob.example/feed.atom"}, "@https://bob.example/feed.atom"},
		"bare url": {[]string{"@http://bob.example", "@http://BOB.example:80/"}, "@http://bob.example/"},
		"words":    {[]string{"Static  SITE", "site, static!", "static site static"}, "site static"},
	}
	for name, tc := range tests {
		for _, in := range tc.in {
			q, err := Parse(in)
			if err != nil {
				t.Fatalf("%s: Parse(%q): %v", name, in, err)
			}
			if q.String() != tc.want {
				t.Errorf("%s: Parse(%q) = %q, want %q", name, in, q.String(), tc.want)
			}
		}
	}
}

func TestParseRejectsBadQueries(t *testing.T) {
	for _, in := range []string{"", "  ", "#", "#two words", "@", "@ftp://x.example/feed", "@not a url",
		"go #golang", "a b c d e f g h i", strings.Repeat("x", MaxQueryBytes+1), "#" + strings.Repeat("y", 65), "!!!"} {
		if _, err := Parse(in); !errors.Is(err, ErrQuery) {
			t.Errorf("Parse(%q) = %v, want ErrQuery", in, err)
		}
	}
}

func TestTrackURLRoundTrip(t *testing.T) {
	base := "http://127.0.0.1:8080/"
	for _, in := range []string{"#golang", "@https://bob.example/feed.atom", "static site"} {
		q, _ := Parse(in)
		u := q.URL(base)
		got, ok, err := FromURL(base, u)
		if !ok || err != nil || got.String() != q.String() {
			t.Errorf("FromURL(%q) = %v %v %v", u, got, ok, err)
		}
	}
	if _, ok, _ := FromURL(base, "https://alice.example/feed.atom"); ok {
		t.Error("a feed URL taken for a track URL")
	}
	_, ok, err := FromURL(base, base+"track?q=%23GoLang")
	if !ok || err == nil || !strings.Contains(err.Error(), "track?q=%23golang") {
		t.Errorf("non-canonical track URL: ok %v, err %v; want the canonical URL in the error", ok, err)
	}
}
