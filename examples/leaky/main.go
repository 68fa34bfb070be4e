// An example program with the goroutine leak that single-result-buffer fixes:
// get gives up after a millisecond, and every abandoned producer stays
// blocked on its send.
package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

func slowValue() int {
	time.Sleep(20 * time.Millisecond)
	return 42
}

func get() (int, error) {
	ch := make(chan int)
	go func() {
		ch <- slowValue()
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Millisecond):
		return 0, errors.New("timeout")
	}
}

func main() {
	for i := 0; i < 300; i++ {
		_, _ = get()
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Println("goroutines:", runtime.NumGoroutine())
}
