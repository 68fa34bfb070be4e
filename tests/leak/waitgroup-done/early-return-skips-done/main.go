package main

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"
)

func parse(s string, out chan<- int) {
	wg := &sync.WaitGroup{}
	wg.Add(1)
	go func() {
		n, err := strconv.Atoi(s)
		if err != nil {
			out <- -1
			return
		}
		out <- n
		wg.Done()
	}()
	wg.Wait()
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	const calls = 200
	out := make(chan int, calls)
	for i := range calls {
		s := strconv.Itoa(i)
		if i%5 != 0 {
			s = "n/a"
		}
		go parse(s, out)
	}
	valid, sum := 0, 0
	for range calls {
		if v := <-out; v >= 0 {
			valid++
			sum += v
		}
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("result: %d valid of %d, sum %d\n", valid, calls, sum)
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
