//go:build !linux

package suite

// MemoryDir returns "": only Linux's /dev/shm is known to be tmpfs.
func MemoryDir() string { return "" }
