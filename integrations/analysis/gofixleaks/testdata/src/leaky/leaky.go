// Package leaky holds one leak per rule kind the Analyzer must carry over:
// a one-line edit after a non-ASCII identifier (byte columns), and a
// multi-line one.
package leaky

import (
	"context"
	"time"
)

func fetch() int { return 1 }

// get gives up after a second; the goroutine's send then blocks forever.
func get() (int, error) {
	résultat := make(chan int) // want `single-result-buffer \[leak\]: .résultat. carries one result`
	go func() {
		résultat <- fetch()
	}()
	select {
	case v := <-résultat:
		return v, nil
	case <-time.After(time.Second):
		return 0, context.DeadlineExceeded
	}
}

// poll makes a new timer on every pass.
func poll(events <-chan int, done <-chan struct{}) int {
	n := 0
	for {
		select {
		case <-events:
			n++
		case <-time.After(time.Second): // want `time-after-in-loop \[allocation\]: .time.After. in a loop`
			return n
		case <-done:
			return n
		}
	}
}
