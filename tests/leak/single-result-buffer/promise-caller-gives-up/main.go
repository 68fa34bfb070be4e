package main

import (
	"fmt"
	"runtime"
	"time"
)

// async runs f and returns the channel its result arrives on.
func async(f func() int) <-chan int {
	ch := make(chan int)
	go func() {
		ch <- f()
	}()
	return ch
}

func slow(d time.Duration) func() int {
	return func() int {
		time.Sleep(d)
		return 42
	}
}

// withTimeout stops waiting after d: async's goroutine then blocks on its
// send forever.
func withTimeout(f func() int, d time.Duration) (int, bool) {
	select {
	case v := <-async(f):
		return v, true
	case <-time.After(d):
		return 0, false
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	for range 300 {
		withTimeout(slow(20*time.Millisecond), time.Millisecond)
	}
	fmt.Println(withTimeout(slow(0), time.Second))
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
