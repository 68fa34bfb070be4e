package main

import (
	"fmt"
	"time"
)

func main() {
	done := make(chan int)
	go func() {
		t := time.NewTicker(time.Millisecond)
		n := 0
		for range t.C {
			n++
			if n == 3 {
				break
			}
		}
		done <- n
	}()
	fmt.Println(<-done)
}
