package main

import (
	"fmt"
	"time"
)

type clock struct{}

func (clock) NewTicker(d time.Duration) *clock { return &clock{} }

// `time` here is a local clock, not the time package.
func fake() {
	time := clock{}
	t := time.NewTicker(1)
	fmt.Println(t != nil)
}

func main() { fake() }
