package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"
)

func execute(q string, work time.Duration) string {
	time.Sleep(work)
	return strings.ToUpper(q)
}

func query(ctx context.Context, quit <-chan struct{}, q string, work time.Duration) (string, error) {
	ch := make(chan string)
	go func() {
		ch <- execute(q, work)
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-quit:
		return "", errors.New("shutting down")
	}
}

func queryWithTimeout(quit <-chan struct{}, q string, work, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return query(ctx, quit, q, work)
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	quit := make(chan struct{})
	for range 300 {
		queryWithTimeout(quit, "slow", 20*time.Millisecond, time.Millisecond)
	}
	for _, q := range []string{"select 42", "select 43"} {
		r, err := queryWithTimeout(quit, q, 0, time.Second)
		fmt.Printf("result: %s %v\n", r, err)
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
