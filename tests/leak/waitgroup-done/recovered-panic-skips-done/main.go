package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

func divide(total, d int, out chan<- string) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				out <- fmt.Sprint(r)
			}
		}()
		if d == 0 {
			panic("division by zero")
		}
		out <- fmt.Sprint(total / d)
		wg.Done()
	}()
	wg.Wait()
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	const calls = 200
	out := make(chan string, calls)
	divisors := []int{0, 8, 0, 0}
	for i := range calls {
		go divide(1000, divisors[i%len(divisors)], out)
	}
	counts := make(map[string]int)
	for range calls {
		counts[<-out]++
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("result: %v\n", counts)
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
