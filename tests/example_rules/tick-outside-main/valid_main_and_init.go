package main

import (
	"fmt"
	"time"
)

var start = time.Now()

func init() {
	for range time.Tick(time.Millisecond) {
		break
	}
}

func main() {
	n := 0
	for range time.Tick(time.Millisecond) {
		n++
		if n == 2 {
			break
		}
	}
	c := time.Tick(time.Millisecond)
	<-c
	fmt.Println(n, time.Since(start) > 0)
}
