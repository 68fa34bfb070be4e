package main

import (
	"fmt"
	"runtime"
	"time"
)

func slowSquare(n int, work time.Duration) int {
	time.Sleep(work)
	return n * n
}

func squareWithTimeout(n int, work, timeout time.Duration) (int, bool) {
	ch := make(chan int)
	go func() {
		ch <- slowSquare(n, work)
	}()
	select {
	case v := <-ch:
		return v, true
	case <-time.After(timeout):
		return 0, false
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	for range 300 {
		squareWithTimeout(3, 20*time.Millisecond, time.Millisecond)
	}
	for _, n := range []int{6, 7} {
		v, ok := squareWithTimeout(n, 0, time.Second)
		fmt.Printf("result: %d %v\n", v, ok)
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
