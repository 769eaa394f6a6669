package cli

import "testing"

func TestPlural(t *testing.T) {
	for want, got := range map[string]string{
		"1 post": plural(1, "post"), "0 posts": plural(0, "post"), "2 new or updated posts": plural(2, "new or updated post"),
		"1 tracked query": plural(1, "tracked query"), "3 tracked queries": plural(3, "tracked query"), "2 keys": plural(2, "key"), "2 days": plural(2, "day"),
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
