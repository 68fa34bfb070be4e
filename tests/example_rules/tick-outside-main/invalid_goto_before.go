package main

import (
	"fmt"
	"time"
)

// A goto before the loop could jump over the new declaration: no fix.
func jump(skip bool) int {
	n := 0
	if skip {
		goto done
	}
	for range time.Tick(time.Millisecond) {
		n++
		break
	}
done:
	return n
}

func main() { fmt.Println(jump(false)) }
