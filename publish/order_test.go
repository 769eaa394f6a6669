package publish_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

// Posts written within one second, even at the very same clock reading,
// come out in the order they were written; older posts' dates and IDs
// read as before.
func TestPostsKeepTheOrderTheyWereWrittenIn(t *testing.T) {
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "")+testsite.Post("old", "2030-12-31T23:59:59Z", "", "An older post."))
	at := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := []time.Time{at, at, at.Add(200 * time.Millisecond), at.Add(200 * time.Millisecond), at.Add(700 * time.Millisecond), at}
	var keys []string
	for i, now := range clock {
		path, err := publish.CreatePost(context.Background(), dir, publish.PostOptions{Text: "post " + string(rune('A'+i)), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		p, err := publish.ParsePost(path, []byte(readString(t, path)))
		if err != nil {
			t.Fatal(err)
		}
		keys = append([]string{p.Key}, keys...)
	}
	s := loadSite(t, dir)
	var got []string
	for _, e := range s.Entries[:len(clock)] {
		got = append(got, e.Key)
		if !strings.HasPrefix(e.ID, "tag:alice.example,2031:posts/") {
			t.Errorf("ID %s", e.ID)
		}
	}
	if strings.Join(got, " ") != strings.Join(keys, " ") {
		t.Errorf("order %v, want the reverse of writing %v", got, keys)
	}
	if last := s.Entries[len(s.Entries)-1]; last.Key != "old" || last.ID != "tag:alice.example,2030:posts/old" {
		t.Errorf("the older post: %s %s", last.Key, last.ID)
	}
	atom := string(docs(t, s)["feed.atom"])
	for _, want := range []string{"<published>2031-01-01T00:00:00Z</published>", "<published>2031-01-01T00:00:00.001Z</published>",
		"<published>2031-01-01T00:00:00.7Z</published>", "<published>2031-01-01T00:00:00.701Z</published>", "<published>2030-12-31T23:59:59Z</published>"} {
		if !strings.Contains(atom, want) {
			t.Errorf("feed.atom lacks %s", want)
		}
	}
}
