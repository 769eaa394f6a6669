package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/rookery-social/rookery/aggregate/sanitize"
)

// bar draws progress on a terminal, on one rewritten line of stderr.
type bar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	shown bool
}

func (a *App) progress(label string) *bar {
	if !a.Terminal {
		return &bar{}
	}
	return &bar{w: a.Stderr, label: label}
}

func (b *bar) step(done, total int, note string) {
	if b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	note = sanitize.Line(note)
	if len(note) > 50 {
		note = "…" + note[len(note)-49:]
	}
	if total > 0 {
		const width = 24
		fill := width * done / total
		fmt.Fprintf(b.w, "\r\x1b[K%s [%s%s] %d/%d %s", b.label, strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, note)
	} else {
		fmt.Fprintf(b.w, "\r\x1b[K%s %d %s", b.label, done, note)
	}
	b.shown = true
}

func (b *bar) done() {
	if b.w != nil && b.shown {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
}
