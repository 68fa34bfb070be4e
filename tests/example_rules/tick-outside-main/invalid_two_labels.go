package main

import (
	"fmt"
	"time"
)

// Two labels: code before the inner one would be labelled by the outer
// one. Reported without a fix.
func poll() int {
	n := 0
outer:
inner:
	for range time.Tick(time.Millisecond) {
		n++
		if n == 1 {
			continue inner
		}
		if n == 2 {
			goto outer
		}
		return n
	}
	return n
}

func main() { fmt.Println(poll()) }
