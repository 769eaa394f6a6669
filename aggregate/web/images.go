package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/rookery-social/rookery/internal/safehttp"
)

// imageTimeout bounds one proxied fetch.
const imageTimeout = 15 * time.Second

// proxiedTypes are the image types the proxy passes on. SVG is left out:
// opened on its own, it is a document that may run script.
var proxiedTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/avif": true,
}

// imageProxy fetches a remote image that a page of the view links to
// (the URL's signature says so) through the SSRF-guarded client, up to
// MaxImageBytes, so that the authors' servers see the reader's server,
// not the browser.
func (s *Server) imageProxy(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Images != ImagesProxy {
		http.Error(w, "remote images are off", http.StatusNotFound)
		return
	}
	src := r.URL.Query().Get("u")
	if src == "" || !same(r.URL.Query().Get("s"), s.sign("img", src)) {
		http.Error(w, "not an image of this reader's pages", http.StatusForbidden)
		return
	}
	if _, err := safehttp.ParseURL(src); err != nil {
		http.Error(w, "not an http(s) image URL", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), imageTimeout)
	defer cancel()
	resp, body, err := safehttp.Get(ctx, s.cfg.ImageClient, src, http.Header{"Accept": {"image/*"}}, s.cfg.MaxImageBytes)
	switch {
	case errors.Is(err, safehttp.ErrTooLarge):
		http.Error(w, "image too large", http.StatusBadGateway)
		return
	case err != nil:
		http.Error(w, "unable to fetch the image", http.StatusBadGateway)
		return
	case resp.StatusCode != http.StatusOK:
		http.Error(w, "the image's server answered "+resp.Status, http.StatusBadGateway)
		return
	}
	ctype := imageType(resp.Header.Get("Content-Type"), body)
	if ctype == "" {
		http.Error(w, "not an image", http.StatusBadGateway)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=86400")
	w.Write(body)
}

// imageType is the type of a fetched image when both its declared type
// and its bytes say it is one of proxiedTypes, else "".
func imageType(declared string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(declared)
	sniffed := http.DetectContentType(body)
	if !proxiedTypes[mt] || !strings.HasPrefix(sniffed, "image/") || sniffed == "image/svg+xml" {
		return ""
	}
	return sniffed
}
