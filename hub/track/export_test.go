package track

// What only the tests read of an Index.

// Len is the number of queries held.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.all)
}
