// Package onlywg has a WaitGroup leak and a result-channel leak; with
// --only waitgroup-done the Analyzer must report the first alone.
package onlywg

import "sync"

func process([]int) {}

func each(parts [][]int) {
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Add(1)
		go func() { // want `waitgroup-done \[leak\]`
			if len(p) == 0 {
				return
			}
			process(p)
			wg.Done()
		}()
	}
	wg.Wait()
}

func first(quit <-chan struct{}) int {
	res := make(chan int)
	go func() { res <- 42 }()
	select {
	case v := <-res:
		return v
	case <-quit:
		return -1
	}
}
