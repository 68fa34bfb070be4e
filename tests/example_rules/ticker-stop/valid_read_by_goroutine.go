package main

import (
	"fmt"
	"time"
)

// The goroutine still reads the ticker after start returns: stopping it on
// return would starve the goroutine.
func start(out chan<- int) {
	t := time.NewTicker(time.Millisecond)
	go func() {
		for i := 0; i < 2; i++ {
			<-t.C
			out <- i
		}
	}()
}

func main() {
	out := make(chan int)
	start(out)
	fmt.Println(<-out, <-out)
}
