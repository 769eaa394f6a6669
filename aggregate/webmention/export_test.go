package webmention

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// What only the tests use: the endpoint alone, and the queue's rows.

// Handler serves the endpoint alone (see Routes).
func (r *Receiver) Handler() http.Handler {
	m := chi.NewRouter()
	r.Routes(m)
	return m
}

// List returns the most recently received Webmentions, newest first.
func (r *Receiver) List(ctx context.Context, limit int) ([]Mention, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT id, source, target, status, attempts, received_at,
		updated_at, result FROM webmention_queue ORDER BY updated_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("webmention: list: %w", err)
	}
	defer rows.Close()
	var out []Mention
	for rows.Next() {
		var m Mention
		var recv, upd int64
		if err := rows.Scan(&m.ID, &m.Source, &m.Target, &m.Status, &m.Attempts, &recv, &upd, &m.Result); err != nil {
			return nil, fmt.Errorf("webmention: list: %w", err)
		}
		m.Received, m.Updated = time.Unix(recv, 0).UTC(), time.Unix(upd, 0).UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webmention: list: %w", err)
	}
	return out, nil
}
