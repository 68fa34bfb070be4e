package main

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

func step(i int) int {
	time.Sleep(time.Millisecond)
	return i
}

// firstTwo takes two values from a producer that has more to send: the
// producer leaks. Its caller's ctx is cancelled while firstTwo still waits
// on its second plain receive, so a guard watching ctx (or a child of it)
// would skip that send and leave firstTwo blocked forever (Go reports the
// deadlock). The fix's guards watch a context cancelled when firstTwo
// returns.
func firstTwo(ctx context.Context, n int) (int, int) {
	results := make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			results <- step(i)
		}
	}()
	a := <-results
	b := <-results
	return a, b
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	wrong := 0
	for range 200 {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(1500*time.Microsecond, cancel)
		if a, b := firstTwo(ctx, 10); a != 0 || b != 1 {
			wrong++
		}
		cancel()
	}
	fmt.Printf("wrong results: %d\n", wrong)
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
