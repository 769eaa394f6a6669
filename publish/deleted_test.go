package publish_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

var deletedSite = testsite.Config("https://alice.example/", "") +
	testsite.Post("keep", "2026-02-01T10:00:00Z", "", "Still here.") +
	testsite.Post("gone", "2026-02-02T10:00:00Z", "deleted = 2026-02-09T08:00:00Z\n", "")

func TestDeletedEntry(t *testing.T) {
	d := docs(t, loadSite(t, testsite.Write(t, deletedSite)))
	a := string(d["feed.atom"])
	for _, want := range []string{
		`xmlns:at="http://purl.org/atompub/tombstones/1.0"`,
		`<at:deleted-entry ref="tag:alice.example,2026:posts/gone" when="2026-02-09T08:00:00Z">`,
		`<updated>2026-02-09T08:00:00Z</updated>`, // the deletion is the feed's newest change
	} {
		if !strings.Contains(a, want) {
			t.Errorf("feed.atom lacks %s:\n%s", want, a)
		}
	}
	f, err := (&atom.Parser{}).Parse(bytes.NewReader(d["feed.atom"]))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 1 || !strings.HasSuffix(f.Entries[0].ID, "posts/keep") {
		t.Errorf("Atom entries: %d", len(f.Entries))
	}
	del := f.Extensions["at"]["deleted-entry"]
	if len(del) != 1 || del[0].Attrs["ref"] != "tag:alice.example,2026:posts/gone" || del[0].Attrs["when"] != "2026-02-09T08:00:00Z" {
		t.Errorf("at:deleted-entry as gofeed reads it: %+v", f.Extensions)
	}
	for _, p := range []string{"feed.rss", "feed.json"} {
		g, err := gofeed.NewParser().Parse(bytes.NewReader(d[p]))
		if err != nil || len(g.Items) != 1 || strings.Contains(string(d[p]), "posts/gone") {
			t.Errorf("%s should hold only the live post: %v", p, err)
		}
	}
	jing, err := exec.LookPath("jing")
	if err != nil {
		testbin.Tool(t, "jing", "apt-get install jing")
	}
	out := writeDocs(t, d)
	schema, _ := filepath.Abs(filepath.Join("testdata", "atom.rnc"))
	if msg, err := exec.Command(jing, "-c", schema, filepath.Join(out, "feed.atom")).CombinedOutput(); err != nil {
		t.Errorf("jing: %v\n%s", err, msg)
	}
}

func TestDeletedBadDate(t *testing.T) {
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "")+testsite.Post("gone", "2026-02-02T10:00:00Z", "deleted = 2026-01-01T00:00:00Z\n", "x"))
	if _, err := publish.LoadSite(dir); err == nil || !strings.Contains(err.Error(), ":4: deleted is before published") {
		t.Errorf("error %v", err)
	}
}
