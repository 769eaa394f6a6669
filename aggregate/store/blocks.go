package store

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// Rule is a block or a mute.
type Rule struct {
	Value   string
	Kind    string // blocks: "feed" or "domain"; mutes: "word" or "tag"
	Created time.Time
}

// Filter hides blocked feeds and muted posts from listings.
type Filter struct {
	BlockedFeeds []int64
	Words        []string // lowercase
	Tags         []string // lowercase, without '#'
}

func (f Filter) blockedJSON() string {
	b, _ := json.Marshal(f.BlockedFeeds)
	if f.BlockedFeeds == nil {
		return "[]"
	}
	return string(b)
}

func (f Filter) keep(p *Post) bool { return f.Keep(*p) }

// Keep reports whether a post passes the mutes.
func (f Filter) Keep(p Post) bool {
	for _, t := range p.Tags {
		for _, m := range f.Tags {
			if t == m {
				return false
			}
		}
	}
	if len(f.Words) == 0 {
		return true
	}
	text := strings.ToLower(p.Title + "\n" + p.Text)
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		words[w] = true
	}
	for _, m := range f.Words {
		if words[m] || strings.ContainsAny(m, " -'.") && strings.Contains(text, m) {
			return false
		}
	}
	return true
}

// AddBlock blocks a feed URL or a domain.
func (s *Store) AddBlock(ctx context.Context, r Rule) error {
	return s.exec(ctx, `INSERT INTO blocks(value, kind, created) VALUES(?, ?, ?) ON CONFLICT DO NOTHING`,
		r.Value, r.Kind, s.now().Unix())
}

// RemoveBlock removes a block; it reports whether one was there.
func (s *Store) RemoveBlock(ctx context.Context, value string) (bool, error) {
	return s.remove(ctx, "blocks", value)
}

// AddMute mutes a word or tag.
func (s *Store) AddMute(ctx context.Context, r Rule) error {
	return s.exec(ctx, `INSERT INTO mutes(value, kind, created) VALUES(?, ?, ?) ON CONFLICT DO NOTHING`,
		r.Value, r.Kind, s.now().Unix())
}

// RemoveMute removes a mute; it reports whether one was there.
func (s *Store) RemoveMute(ctx context.Context, value string) (bool, error) {
	return s.remove(ctx, "mutes", value)
}

func (s *Store) remove(ctx context.Context, table, value string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE value = ?`, value)
	if err != nil {
		return false, fmt.Errorf("store: remove %s: %w", table, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Blocks lists blocks; Mutes lists mutes.
func (s *Store) Blocks(ctx context.Context) ([]Rule, error) { return s.rules(ctx, "blocks") }

// Mutes lists the muted words and tags.
func (s *Store) Mutes(ctx context.Context) ([]Rule, error) { return s.rules(ctx, "mutes") }

func (s *Store) rules(ctx context.Context, table string) ([]Rule, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT value, kind, created FROM `+table+` ORDER BY kind, value`)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", table, err)
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		var r Rule
		var c int64
		if err := rows.Scan(&r.Value, &r.Kind, &c); err != nil {
			return nil, fmt.Errorf("store: %s: %w", table, err)
		}
		r.Created = time.Unix(c, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Blocked reports whether a URL's feed or domain is blocked by rules.
func Blocked(rules []Rule, rawURL string) bool {
	host := hostOf(rawURL)
	for _, r := range rules {
		switch r.Kind {
		case "feed":
			if r.Value == rawURL {
				return true
			}
		case "domain":
			if host != "" && (host == r.Value || strings.HasSuffix(host, "."+r.Value)) {
				return true
			}
		}
	}
	return false
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Filter builds the filter of the current blocks and mutes.
func (s *Store) Filter(ctx context.Context) (Filter, error) {
	blocks, err := s.Blocks(ctx)
	if err != nil {
		return Filter{}, err
	}
	mutes, err := s.Mutes(ctx)
	if err != nil {
		return Filter{}, err
	}
	var f Filter
	for _, m := range mutes {
		if m.Kind == "tag" {
			f.Tags = append(f.Tags, strings.TrimPrefix(m.Value, "#"))
		} else {
			f.Words = append(f.Words, m.Value)
		}
	}
	if len(blocks) == 0 {
		return f, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, url FROM feeds`)
	if err != nil {
		return f, fmt.Errorf("store: filter: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var u string
		if err := rows.Scan(&id, &u); err != nil {
			return f, fmt.Errorf("store: filter: %w", err)
		}
		if Blocked(blocks, u) {
			f.BlockedFeeds = append(f.BlockedFeeds, id)
		}
	}
	return f, rows.Err()
}
