package main

import (
	"fmt"
	"time"
)

// A defer in the outer loop would pile up: reported, no fix.
func rounds() int {
	n := 0
	for i := 0; i < 2; i++ {
		for range time.Tick(time.Millisecond) {
			n++
			break
		}
	}
	return n
}

func main() { fmt.Println(rounds()) }
