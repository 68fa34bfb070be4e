// main waits on a WaitGroup whose goroutines skip Done on bad input: before
// the fix Go reports a deadlock (or the wait hangs); after it, main finishes.
package main

import (
	"fmt"
	"strconv"
	"sync"
)

func parseAll(in []string) []int {
	out := make([]int, len(in))
	var wg sync.WaitGroup
	for i, s := range in {
		wg.Add(1)
		go func() {
			n, err := strconv.Atoi(s)
			if err != nil {
				return
			}
			out[i] = n
			wg.Done()
		}()
	}
	wg.Wait()
	return out
}

func main() {
	fmt.Println(parseAll([]string{"1", "x", "3"}))
}
