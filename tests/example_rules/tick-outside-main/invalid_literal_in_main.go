package main

import (
	"fmt"
	"time"
)

// A func literal inside main is its own function: called twice here, it
// would leave a ticker behind each time.
func main() {
	count := func(k int) int {
		n := 0
		for t := range time.Tick(time.Millisecond) {
			_ = t
			n++
			if n == k {
				return n
			}
		}
		return n
	}
	fmt.Println(count(1), count(2))
}
