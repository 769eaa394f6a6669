package webmention

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// defaultPerHostPerHour bounds the Webmentions kept (queued or stored)
// per source host in any hour.
const defaultPerHostPerHour = 20

// hostOf is the lowercase host name of a source URL.
func hostOf(source string) string {
	u, err := url.Parse(source)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// fromHostLastHour counts the Webmentions of a source host received or
// handled in the last hour, dropped ones aside.
func (r *Receiver) fromHostLastHour(ctx context.Context, host string) (int, error) {
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM webmention_queue WHERE source_host = ?
		AND updated_at > ? AND status != ?`, host, r.cfg.Now().Add(-time.Hour).Unix(), StatusDropped).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("webmention: count Webmentions from %s: %w", host, err)
	}
	return n, nil
}

// pageDigest identifies a fetched source's content.
func pageDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

// variantOf returns the source of another Webmention for target already
// stored from the same page (same final URL after redirects, or the same
// content), or "".
func (r *Receiver) variantOf(ctx context.Context, id int64, target, final, digest string) (string, error) {
	var src string
	err := r.db.QueryRowContext(ctx, `SELECT source FROM webmention_queue WHERE id != ? AND target = ?
		AND status = ? AND (final_url = ? OR digest = ?) LIMIT 1`, id, target, StatusDone, final, digest).Scan(&src)
	if err != nil && !isNoRows(err) {
		return "", fmt.Errorf("webmention: look for variants of %s: %w", final, err)
	}
	return src, nil
}

// recordPage notes a Webmention's source page (final URL and digest).
func (r *Receiver) recordPage(ctx context.Context, id int64, final, digest string) error {
	_, err := r.db.ExecContext(ctx, `UPDATE webmention_queue SET final_url = ?, digest = ? WHERE id = ?`, final, digest, id)
	if err != nil {
		return fmt.Errorf("webmention: record source page %s: %w", final, err)
	}
	return nil
}

// dropLog logs dropped Webmentions at most once a minute per reason and
// source host, with how many were dropped since the last line.
type dropLog struct {
	mu   sync.Mutex
	seen map[[2]string]*dropCount
}

type dropCount struct {
	n      int
	logged time.Time
}

// dropped counts one drop and logs a line when none was logged for this
// reason and host in the last minute.
func (r *Receiver) dropped(reason, host string) {
	d := &r.drops
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[[2]string]*dropCount{}
	}
	k := [2]string{reason, host}
	c := d.seen[k]
	if c == nil {
		c = &dropCount{}
		d.seen[k] = c
	}
	c.n++
	now := r.cfg.Now()
	if !c.logged.IsZero() && now.Sub(c.logged) < time.Minute {
		return
	}
	r.log.Warn("webmentions dropped", "reason", reason, "source_host", host, "count", c.n,
		"limit_per_host_per_hour", r.cfg.PerHostPerHour)
	c.n, c.logged = 0, now
}
