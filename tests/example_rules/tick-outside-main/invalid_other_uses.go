package main

import (
	"fmt"
	"time"
)

// Not a range: reported, no fix.
func first() time.Time {
	c := time.Tick(time.Millisecond)
	return <-c
}

func main() { fmt.Println(!first().IsZero()) }
