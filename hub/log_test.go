package hub

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/rookery-social/rookery/internal/testwait"
)

// testLogger sends the hub's logs to the test log, visible with -v or on
// failure.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer = testwait.Buffer
