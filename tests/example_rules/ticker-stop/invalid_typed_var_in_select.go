package main

import (
	"fmt"
	"time"
)

func wait(done <-chan bool) int {
	var t *time.Ticker = time.NewTicker(time.Millisecond)
	n := 0
	for {
		select {
		case <-t.C:
			n++
		case <-done:
			return n
		}
	}
}

func main() {
	done := make(chan bool)
	go func() {
		time.Sleep(5 * time.Millisecond)
		close(done)
	}()
	fmt.Println(wait(done) > 0)
}
