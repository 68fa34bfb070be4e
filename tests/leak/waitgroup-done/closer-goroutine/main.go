package main

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// parseAll is the everyday shape: Add(len(inputs)), one goroutine per
// input, a closer goroutine that waits and closes the results channel. A
// bad input returns before wg.Done(): the closer waits forever, results is
// never closed, and parseAll's range never ends. Each call reports how many
// values it received so far on seen, then its total on out.
func parseAll(inputs []string, seen chan<- int, out chan<- int) {
	results := make(chan int)
	var wg sync.WaitGroup
	wg.Add(len(inputs))
	for _, s := range inputs {
		go func() {
			n, err := strconv.Atoi(s)
			if err != nil {
				return
			}
			results <- n
			wg.Done()
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	sum := 0
	for n := range results {
		sum += n
		seen <- n
	}
	out <- sum
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	const calls = 100
	seen := make(chan int, 3*calls)
	out := make(chan int, calls)
	for i := range calls {
		inputs := []string{strconv.Itoa(i), "n/a", "1"}
		go parseAll(inputs, seen, out)
	}
	sum := 0
	for range 2 * calls {
		sum += <-seen
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("result: %d values, sum %d\n", 2*calls, sum)
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
