package publish_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

// bulkyPosts returns n posts of about 60 KiB each, written to escape
// badly: quotes, ampersands and angle brackets cost up to six times
// their size once in a feed, and RSS carries the HTML twice.
func bulkyPosts(n int) string {
	var b strings.Builder
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	line := `Tom & Jerry said "<b>hi</b>" & 'bye' > then < now` + "\n\n"
	for i := range n {
		ts := start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		b.WriteString(testsite.Post(testsite.KeyN(i), ts, `tags = ["a&b", "c<d", "e\"f"]`+"\n", strings.Repeat(line, 60<<10/len(line))))
	}
	return b.String()
}

// Every feed document stays under 1 MiB however large its posts are:
// the main feed and the archives take fewer entries, and every entry is
// still in exactly one document, newest in the main feed.
func TestFeedDocumentsStayUnderOneMiB(t *testing.T) {
	const posts = 60
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "hubs = [\"https://hub.example/\"]\n")+bulkyPosts(posts))
	d := docs(t, loadSite(t, dir))
	var names []string
	for name, data := range d {
		names = append(names, name)
		if len(data) >= publish.MaxFeedDocument {
			t.Errorf("%s is %d bytes, not under 1 MiB", name, len(data))
		}
	}
	sort.Strings(names)
	main := parseAtom(t, d["feed.atom"])
	if len(main.ids) == 0 || main.ids[0] != testsite.KeyN(posts-1) || main.complete {
		t.Errorf("main feed: %v", main.ids)
	}
	seen := map[string]int{}
	for _, id := range main.ids {
		seen[id]++
	}
	for _, name := range names {
		if strings.HasPrefix(name, "archive/") {
			a := parseAtom(t, d[name])
			for _, id := range a.ids {
				seen[id]++
			}
		}
	}
	for i := range posts {
		if seen[testsite.KeyN(i)] != 1 {
			t.Errorf("post %s is in %d documents", testsite.KeyN(i), seen[testsite.KeyN(i)])
		}
	}
	if strings.Count(string(d["feed.rss"]), "<item>") != len(main.ids) || strings.Count(string(d["feed.json"]), `"content_html"`) != len(main.ids) {
		t.Errorf("feed.rss and feed.json do not hold the main feed's %d entries", len(main.ids))
	}
	t.Logf("documents: %v; main feed %d entries, %d bytes as RSS", names, len(main.ids), len(d["feed.rss"]))
}

// A post that no feed document could hold is refused with its file.
func TestPostTooLargeForAFeedIsRefused(t *testing.T) {
	tags := make([]string, 20000)
	for i := range tags {
		tags[i] = fmt.Sprintf("%q", fmt.Sprintf("t%05d", i))
	}
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "")+testsite.Post("a", "2026-01-02T00:00:00Z", "", "hello")+
		testsite.Post("many", "2026-01-03T00:00:00Z", "tags = ["+strings.Join(tags, ",")+"]\n", "so many tags"))
	_, err := publish.LoadSite(dir)
	if err == nil || !strings.Contains(err.Error(), "2026-01-03-many.md: the post would take up to ") || !strings.Contains(err.Error(), "more than a feed document may hold (1.0 MiB") {
		t.Fatalf("a post too large for any feed: %v", err)
	}
}
