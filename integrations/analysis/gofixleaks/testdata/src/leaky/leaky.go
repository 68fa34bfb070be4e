// Package leaky holds the leaks the Analyzer must carry over:
// a one-line edit after a non-ASCII identifier (byte columns), a
// multi-line one, and a finding with no fix (the test file has one more).
package leaky

import (
	"context"
	"sync"
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

type conn struct{ open bool }

func (c *conn) close() { c.open = false }

// readAll's goroutines call Done before their cleanup, which a defer would
// make Wait wait for: reported, with no fix and the reason.
func readAll(conns []*conn) {
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() { // want `waitgroup-done \[leak\]: .* \(no automatic fix: .wg.Done\(\). on line \d+ is followed by more work`
			if c == nil {
				return
			}
			wg.Done()
			c.close()
		}()
	}
	wg.Wait()
}
