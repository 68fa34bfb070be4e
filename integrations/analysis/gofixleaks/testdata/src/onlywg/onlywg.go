// Package onlywg is leaky with --only waitgroup-done: only the test file's leak is reported.
package onlywg

import (
	"context"
	"time"
)

func fetch() int { return 1 }

// get gives up after a second; the goroutine's send then blocks forever.
func get() (int, error) {
	résultat := make(chan int)
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
		case <-time.After(time.Second):
			return n
		case <-done:
			return n
		}
	}
}
