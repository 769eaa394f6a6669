// Command racy has a data race on purpose: the testbin tests check that
// the programs are built with the race detector when the tests are.
package main

import (
	"fmt"
	"sync"
)

func main() {
	n := 0
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { n++ })
	}
	wg.Wait()
	fmt.Println(n)
}
