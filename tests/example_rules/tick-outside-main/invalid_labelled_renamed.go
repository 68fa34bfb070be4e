package main

import (
	"fmt"
	tm "time"
)

func poll(stop int) int {
	ticker := 0
	n := 0
outer:
	for range tm.Tick(tm.Millisecond) {
		ticker++
		switch {
		case ticker < stop:
			continue outer
		default:
			break outer
		}
	}
	return n + ticker
}

func main() { fmt.Println(poll(3)) }
