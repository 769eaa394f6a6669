package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// fakeNow is the tests' clock, fixed far from today, so that a code path
// that reads the wall clock instead of Options.Now shows at once.
func fakeNow() time.Time { return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) }

// testOptions opens stores on the fake clock.
func testOptions() Options { return Options{Now: fakeNow} }

// `reader blocks` and `reader mutes` say since when: the store's clock.
func TestBlocksAndMutesAreStampedByTheClock(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddBlock(ctx, Rule{Value: "spam.example", Kind: "domain"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMute(ctx, Rule{Value: "spoilers", Kind: "tag"}); err != nil {
		t.Fatal(err)
	}
	blocks, err := s.Blocks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mutes, err := s.Mutes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(blocks, mutes...) {
		if !r.Created.Equal(fakeNow()) {
			t.Errorf("%s %s created %s, want the clock's %s", r.Kind, r.Value, r.Created, fakeNow())
		}
	}
	if len(blocks)+len(mutes) != 2 {
		t.Errorf("%d blocks and %d mutes, want 1 each", len(blocks), len(mutes))
	}
}
