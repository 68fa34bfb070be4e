package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

func square(n int, out chan<- int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		out <- n * n
	}()
	wg.Wait()
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	const calls = 200
	out := make(chan int, calls)
	for i := range calls {
		go square(i, out)
	}
	sum := 0
	for range calls {
		sum += <-out
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("result: %d squares, sum %d\n", calls, sum)
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
