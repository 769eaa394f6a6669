package websub

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// ErrBadSignature is returned (wrapped) when an X-Hub-Signature is missing,
// malformed, uses an unknown method, or does not match the body.
var ErrBadSignature = errors.New("websub: bad signature")

var hashes = map[string]func() hash.Hash{
	"sha1":   sha1.New,
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
}

// Sign returns the X-Hub-Signature value "sha256=<hex HMAC of body>".
func Sign(secret, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(sha256.New, secret, body))
}

// Verify checks an X-Hub-Signature header value against body, accepting the
// sha1, sha256, sha384 and sha512 methods the Recommendation names. The
// comparison is constant-time.
func Verify(header string, secret, body []byte) error {
	method, digest, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok {
		return fmt.Errorf("%w: want method=hex, got %q", ErrBadSignature, header)
	}
	newHash, known := hashes[strings.ToLower(method)]
	if !known {
		return fmt.Errorf("%w: unknown method %q", ErrBadSignature, method)
	}
	got, err := hex.DecodeString(digest)
	if err != nil {
		return fmt.Errorf("%w: digest is not hex", ErrBadSignature)
	}
	if !hmac.Equal(got, mac(newHash, secret, body)) {
		return fmt.Errorf("%w: digest does not match the body", ErrBadSignature)
	}
	return nil
}

func mac(h func() hash.Hash, secret, body []byte) []byte {
	m := hmac.New(h, secret)
	m.Write(body)
	return m.Sum(nil)
}
