package main

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// restore takes spans until ctx is cancelled; splitAndScatter, which the
// producer hands the channel to, then blocks forever on its next send
// (the shape of GoBench's Cockroach18101).
func restore(ctx context.Context, spans []string) (int, error) {
	ready := make(chan string)
	go func() {
		defer close(ready)
		splitAndScatter(ctx, spans, ready)
	}()
	n := 0
	for range ready {
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		default:
		}
		n++
		time.Sleep(time.Millisecond)
	}
	return n, ctx.Err()
}

func splitAndScatter(ctx context.Context, spans []string, ready chan string) {
	for _, s := range spans {
		ready <- "split " + s
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	spans := make([]string, 50)
	for i := range spans {
		spans[i] = fmt.Sprintf("span-%d", i)
	}
	for range 100 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
		restore(ctx, spans)
		cancel()
	}
	n, err := restore(context.Background(), spans[:3])
	fmt.Printf("result: %d %v\n", n, err)
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
