package publish_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

// A post file that is a symbolic link to a file outside the site is
// refused, naming the file; a link to a file inside the site is a post.
func TestPostLinkOutsideTheSiteIsRefused(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.md")
	os.WriteFile(secret, []byte("+++\nkey = \"secret\"\npublished = 2026-01-01T00:00:00Z\n+++\nmy private notes\n"), 0o644)
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "")+testsite.Post("a", "2026-01-02T00:00:00Z", "", "hello")+
		"-- drafts/inside.md --\n+++\nkey = \"inside\"\npublished = 2026-01-03T00:00:00Z\n+++\nlinked from inside\n")
	if err := os.Symlink(filepath.Join("..", "drafts", "inside.md"), filepath.Join(dir, "posts", "inside.md")); err != nil {
		t.Fatal(err)
	}
	if s := loadSite(t, dir); len(s.Entries) != 2 {
		t.Fatalf("a link to a file inside the site: %d entries, want 2", len(s.Entries))
	}
	link := filepath.Join(dir, "posts", "evil.md")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	_, err := publish.LoadSite(dir)
	if err == nil || !strings.Contains(err.Error(), link+": a symbolic link to ") || !strings.Contains(err.Error(), "outside the site directory") {
		t.Fatalf("a link to a file outside the site: %v", err)
	}
	// The same through an entry cache that knew the site before the link.
	cache := &publish.EntryCache{}
	os.Remove(link)
	if _, err := publish.LoadSiteCached(dir, cache); err != nil {
		t.Fatal(err)
	}
	os.Symlink(secret, link)
	if _, err := publish.LoadSiteCached(dir, cache); err == nil || !strings.Contains(err.Error(), link) {
		t.Fatalf("with a cache: %v", err)
	}
	// A posts directory that is itself a link outside.
	os.Remove(link)
	os.RemoveAll(filepath.Join(dir, "posts"))
	os.Symlink(outside, filepath.Join(dir, "posts"))
	if _, err := publish.LoadSite(dir); err == nil || !strings.Contains(err.Error(), "outside the site directory") {
		t.Fatalf("posts/ linked outside the site: %v", err)
	}
}

// A post file over MaxPostSize is refused before it is read, with the
// file and the limit in the error.
func TestOversizedPostIsRefused(t *testing.T) {
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "")+testsite.Post("a", "2026-01-02T00:00:00Z", "", "hello"))
	big := filepath.Join(dir, "posts", "2026-01-03-big.md")
	body := strings.Repeat("All work and no play. ", publish.MaxPostSize/20)
	os.WriteFile(big, []byte("+++\nkey = \"big\"\npublished = 2026-01-03T00:00:00Z\n+++\n"+body+"\n"), 0o644)
	_, err := publish.LoadSite(dir)
	if err == nil || !strings.Contains(err.Error(), big+": the post file is ") || !strings.Contains(err.Error(), "over the 256 KiB a post may have") {
		t.Fatalf("oversized post: %v", err)
	}
	if _, err := publish.ParsePost(big, []byte(body+body)); err == nil || !strings.Contains(err.Error(), "256 KiB") {
		t.Fatalf("ParsePost of an oversized post: %v", err)
	}
}
