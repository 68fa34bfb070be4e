package main

import (
	"fmt"
	"time"
)

func wait(mode chan int) int {
	n := 0
	select {
	case m := <-mode:
		for _ = range time.Tick(time.Millisecond) {
			n += m
			if n >= 2 {
				break
			}
		}
	default:
	}
	return n
}

func main() {
	mode := make(chan int, 1)
	mode <- 1
	fmt.Println(wait(mode))
}
