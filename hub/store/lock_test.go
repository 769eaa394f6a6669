package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecondOpenOfOneFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	first := openTest(t, path)
	_, err := OpenSQLite(context.Background(), path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path+".lock") {
		t.Fatalf("second open while the first is open: %v; want ErrLocked naming %s.lock", err, path)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again := openTest(t, path) // the lock went with the first store
	again.Close()
}
