package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

type mapping struct {
	hi, lo uint64
	err    error
}

// probe fails with a retryable error twice, then answers.
func probe(attempt int, work time.Duration) (hi, lo uint64, retryable bool, err error) {
	time.Sleep(work)
	if attempt < 2 {
		return 0, 0, true, errors.New("busy")
	}
	return 2, 1, false, nil
}

// One producer, one value (two sends on exclusive paths inside a retry
// loop), and a receive that gives up on a timeout: each timed-out call
// leaves the producer blocked on its send.
func probeWithRetry(work, timeout time.Duration) (hi, lo uint64, err error) {
	ch := make(chan mapping)
	go func() {
		for attempt := 0; ; attempt++ {
			hi, lo, retryable, err := probe(attempt, work)
			if err == nil {
				ch <- mapping{hi, lo, nil}
				return
			}
			if !retryable {
				ch <- mapping{0, 0, err}
				return
			}
		}
	}()
	select {
	case m := <-ch:
		return m.hi, m.lo, m.err
	case <-time.After(timeout):
		return 0, 0, errors.New("probe taking too long")
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	for range 100 {
		probeWithRetry(5*time.Millisecond, time.Millisecond)
	}
	hi, lo, err := probeWithRetry(0, time.Second)
	fmt.Printf("result: %d %d %v\n", hi, lo, err)
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
