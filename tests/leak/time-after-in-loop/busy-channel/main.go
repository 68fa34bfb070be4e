// A loop serving a busy channel with a long time.After in its select. Under
// pre-Go 1.23 timer semantics (go.mod at go 1.22), every pass leaves a live
// one-hour timer behind: heap objects grow with iterations. With one owned
// timer they stay flat.
package main

import (
	"fmt"
	"runtime"
	"time"
)

func serve(in <-chan int, n int) int {
	sum := 0
	for i := 0; i < n; i++ {
		select {
		case v := <-in:
			sum += v
		case <-time.After(time.Hour):
			return -1
		}
	}
	return sum
}

func heapObjects() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapObjects)
}

func main() {
	const n = 20000
	in := make(chan int, 2*n)
	for i := 0; i < 2*n; i++ {
		in <- i % 7
	}
	first := serve(in, n)
	mid := heapObjects()
	second := serve(in, n)
	end := heapObjects()
	fmt.Println("sums:", first, second)
	// Growth during the second batch: pending timers that no one can reach.
	fmt.Println("leak-metric:", end-mid)
}
