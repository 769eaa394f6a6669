package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/sqlplan"
)

// TestListingsAreIndexWalks checks that the timeline and newest-first search
// never sort: they walk an index and stop after the limit, whatever the
// number of posts.
func TestListingsAreIndexWalks(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	queries := map[string]string{
		"timeline":          timelineSQL(timelineWhere),
		"timeline --from":   timelineSQL(timelineWhere + ` AND p.feed_id = ?3`),
		"search":            searchSQL(searchWhere, newestHit),
		"search --from":     searchSQL(searchWhere+` AND p.feed_id = ?4`, newestHit),
		"timeline --unread": timelineSQL(timelineWhere + ` AND p.unread = 1`),
	}
	for name, q := range queries {
		joined := queryPlan(t, s, q, `"x"`, 0, "[]", 1, 1, 1)
		if strings.Contains(joined, "TEMP B-TREE") || strings.Contains(joined+"\n", "SCAN p\n") || strings.Contains(joined, "SCAN p ") {
			t.Errorf("%s sorts or scans:\n%s", name, joined)
		}
	}
}

// TestIngestLookupsUseIndexes: the lookups done on every ingest (a feed by
// its self link, the stored digests of a document's keys) never scan.
func TestIngestLookupsUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	queries := map[string]string{
		"feed by self":   `SELECT id FROM feeds f WHERE f.self = ?1 ORDER BY f.followed DESC LIMIT 1`,
		"stored digests": storedDigestsSQL,
	}
	for name, q := range queries {
		joined := queryPlan(t, s, q, 1, "[]")
		if strings.Contains(joined, "SCAN f") || strings.Contains(joined, "SCAN posts") {
			t.Errorf("%s scans:\n%s", name, joined)
		}
	}
}

// TestMentionsCandidatesUseIndexes: finding the posts that mention me reads
// indexes of posts, mentions and replies, never a whole table.
func TestMentionsCandidatesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plan := queryPlan(t, s, mentionIDsSQL, "https://me.example/feed.atom", "https://me.example", 0, "[]", 1, 1, 50, 0)
	for _, table := range []string{"posts", "p", "p2", "replies", "post_mentions"} {
		if strings.Contains(plan+"\n", "SCAN "+table+"\n") || strings.Contains(plan, "SCAN "+table+" ") {
			t.Errorf("mentions scans %s:\n%s", table, plan)
		}
	}
}

func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	plan, err := sqlplan.QueryPlan(context.Background(), s.db, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}
