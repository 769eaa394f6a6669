package hub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Serve runs a hub on cfg.Addr until ctx ends (SIGTERM in the hub command),
// then stops accepting requests, drains in-flight work within
// cfg.ShutdownTimeout and returns nil. It checks the whole configuration
// first, then opens the database, then the port.
func Serve(ctx context.Context, cfg Config) error {
	checked, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	st, err := openStore(checked)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", checked.Addr)
	if err != nil {
		st.Close()
		return fmt.Errorf("hub: listen on %s: %w", checked.Addr, err)
	}
	defer ln.Close()
	cfg.Addr, cfg.Store = ln.Addr().String(), st // resolves port 0
	h, err := New(cfg)
	if err != nil {
		st.Close()
		return err
	}
	srv := newServer(h)
	if err := h.Start(ctx); err != nil {
		h.Close(ctx)
		return err
	}
	h.log.Info("hub: listening", "addr", ln.Addr().String(), "url", h.cfg.PublicURL, "db", dbName(h.cfg))
	errc := make(chan error, 1)
	limited := newLimitListener(ln, h.cfg.MaxConnections, h.cfg.MaxConnectionsPerIP)
	go func() { errc <- srv.Serve(limited) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	return shutdown(h, srv, err)
}

func newServer(h *Hub) *http.Server {
	return &http.Server{
		Handler:           h.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          nil,
	}
}

func shutdown(h *Hub, srv *http.Server, serveErr error) error {
	h.log.Info("hub: shutting down", "deadline", h.cfg.ShutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		h.log.Warn("hub: server shutdown", "err", err)
	}
	if err := h.Close(ctx); err != nil {
		return err
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("hub: serve: %w", serveErr)
	}
	return nil
}

// defaultURL is the public URL of a hub listening on addr.
func defaultURL(addr string) string {
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	return "http://" + addr + "/"
}

// dbName is where the hub keeps its state, for the log.
func dbName(cfg Config) string {
	if cfg.DBPath == "" {
		return "(given store)"
	}
	return cfg.DBPath
}
