package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

func validate(port int) error {
	if port <= 0 {
		return errors.New("bad port")
	}
	return nil
}

func serve(port int) error {
	time.Sleep(time.Millisecond)
	return fmt.Errorf("server on %d stopped", port)
}

// start sends a bad port's error before anybody has the channel: that
// send blocks the goroutine calling start forever.
func start(port int) <-chan error {
	errc := make(chan error)
	if err := validate(port); err != nil {
		errc <- err
		return errc
	}
	go func() {
		errc <- serve(port)
	}()
	return errc
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	for range 300 {
		go func() {
			start(-1)
		}()
	}
	fmt.Println(<-start(8080))
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
