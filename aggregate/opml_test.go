package aggregate_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/aggregate"
)

func TestOPMLRoundTrip(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t)
	a, _ := openReader(t, aggregate.Options{})
	n.follow(t, a, "alice", "bob", "carol")
	var out bytes.Buffer
	if err := a.ExportOPML(ctx, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `<opml version="2.0">`) || !strings.Contains(out.String(), `xmlUrl="`+n.feed("bob")+`"`) {
		t.Fatalf("export:\n%s", out.String())
	}
	b, _ := openReader(t, aggregate.Options{})
	imported, err := b.ImportOPML(ctx, bytes.NewReader(out.Bytes()))
	if err != nil || len(imported) != 3 {
		t.Fatalf("import: %v, %d feeds", err, len(imported))
	}
	got := followed(t, b)
	for _, nick := range []string{"alice", "bob", "carol"} {
		if got[nick].URL != n.feed(nick) {
			t.Errorf("after round trip @%s is %+v", nick, got[nick])
		}
	}
	// Imported feeds are due at once.
	if fetched := must[int](t)(b.PollDue(ctx)); fetched != 3 {
		t.Errorf("PollDue fetched %d imported feeds, want 3", fetched)
	}
	if _, err := b.ImportOPML(ctx, strings.NewReader("not xml at all")); err == nil || !strings.Contains(err.Error(), "OPML") {
		t.Errorf("bad OPML: %v", err)
	}
}

func TestImportNestedOPMLFromOtherReaders(t *testing.T) {
	ctx := context.Background()
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Feedly</title></head><body>
<outline text="Tech" title="Tech">
  <outline type="rss" text="Daring Fireball" title="Daring Fireball" xmlUrl="https://daringfireball.net/feeds/main" htmlUrl="https://daringfireball.net/"/>
  <outline type="rss" text="golang" xmlUrl="https://go.dev/blog/feed.atom"/>
</outline>
<outline type="rss" text="bad" xmlUrl="javascript:alert(1)"/>
</body></opml>`
	r, _ := openReader(t, aggregate.Options{})
	got, err := r.ImportOPML(ctx, strings.NewReader(doc))
	if err != nil || len(got) != 2 {
		t.Fatalf("import: %v %+v", err, got)
	}
	f := followed(t, r)
	if f["golang"].URL != "https://go.dev/blog/feed.atom" || f["daringfireball"].URL != "https://daringfireball.net/feeds/main" {
		t.Fatalf("nicks: %+v", f)
	}
}
