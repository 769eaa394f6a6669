//go:build !unix

package site

// Lock is a no-op where flock is missing: builds of one site by two
// processes at once are not serialised there.
func Lock(dir string) (unlock func(), err error) { return func() {}, nil }
