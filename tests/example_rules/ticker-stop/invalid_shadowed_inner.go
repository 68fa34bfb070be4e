package main

import (
	"fmt"
	"time"
)

// The outer t is stopped; the inner t, in its own block, is another ticker.
func twice() int {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	<-t.C
	{
		t := time.NewTicker(time.Millisecond)
		<-t.C
	}
	return 2
}

func main() { fmt.Println(twice()) }
