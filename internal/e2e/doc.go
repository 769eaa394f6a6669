// Package e2e holds the end-to-end tests of Rookery: they build feedpub, hub
// and reader, run them as subprocesses on loopback with fresh SQLite files,
// and check what a user would see. It has no code of its own.
package e2e
