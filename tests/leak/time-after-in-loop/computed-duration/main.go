// A loop serving a busy channel with a time.After whose duration a method
// computes on every pass (a backoff that counts its calls). Under pre-Go
// 1.23 timer semantics (go.mod at go 1.22), every pass leaves a live timer
// behind: heap objects grow with iterations. The fix makes one stopped
// timer and re-arms it with the method's result before each select, so
// the method still runs once per pass (the printed count is unchanged).
package main

import (
	"fmt"
	"runtime"
	"time"
)

type backoff struct{ calls int }

func (b *backoff) next() time.Duration {
	b.calls++
	return time.Hour + time.Duration(b.calls%3)*time.Minute
}

func serve(in <-chan int, b *backoff, n int) int {
	sum := 0
	for i := 0; i < n; i++ {
		select {
		case v := <-in:
			sum += v
		case <-time.After(b.next()):
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
	b := &backoff{}
	first := serve(in, b, n)
	mid := heapObjects()
	second := serve(in, b, n)
	end := heapObjects()
	fmt.Println("sums:", first, second, "calls:", b.calls)
	// Growth during the second batch: pending timers that no one can reach.
	fmt.Println("leak-metric:", end-mid)
}
