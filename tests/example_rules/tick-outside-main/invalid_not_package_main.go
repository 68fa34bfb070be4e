package worker

import "time"

// main of a package that is not main is an ordinary function.
func main() int {
	n := 0
	for range time.Tick(time.Millisecond) {
		n++
		if n > 1 {
			break
		}
	}
	return n
}

var _ = main
