package main

import (
	"fmt"
	"time"
)

type clock struct{}

func (clock) Tick(d time.Duration) []int { return []int{1, 2} }

func sum() int {
	time := clock{}
	n := 0
	for _, v := range time.Tick(1) {
		n += v
	}
	return n
}

func main() { fmt.Println(sum()) }
