package main

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"
)

type Result[T any] struct {
	Val T
	Err error
}

func withTimeout[T any](d time.Duration, f func() (T, error)) (T, error) {
	ch := make(chan Result[T])
	go func() {
		v, err := f()
		ch <- Result[T]{Val: v, Err: err}
	}()
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-time.After(d):
		var zero T
		return zero, errors.New("timeout")
	}
}

func parseAfter(s string, work time.Duration) func() (int, error) {
	return func() (int, error) {
		time.Sleep(work)
		return strconv.Atoi(s)
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	for range 300 {
		withTimeout(time.Millisecond, parseAfter("1", 20*time.Millisecond))
	}
	for _, s := range []string{"42", "x"} {
		v, err := withTimeout(time.Second, parseAfter(s, 0))
		fmt.Printf("result: %d %v\n", v, err)
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
