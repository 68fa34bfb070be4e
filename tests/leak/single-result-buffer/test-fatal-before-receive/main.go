package main

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

var errBad = errors.New("bad input")

func fetch(fail bool) error {
	time.Sleep(time.Millisecond)
	if fail {
		return errBad
	}
	return nil
}

// checkBoth's b.FailNow stops it before it receives the goroutine's error:
// the goroutine stays blocked on its send.
func benchFetch(fail bool) func(b *testing.B) {
	return func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			checkBoth(b, fail)
		}
	}
}

func checkBoth(b *testing.B, fail bool) {
	ch := make(chan error)
	go func() {
		ch <- fetch(false)
	}()
	if err := fetch(fail); err != nil {
		b.FailNow()
	}
	if err := <-ch; err != nil {
		b.FailNow()
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	for range 200 {
		testing.Benchmark(benchFetch(true))
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
