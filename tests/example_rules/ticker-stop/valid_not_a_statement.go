package main

import (
	"fmt"
	"time"
)

var global = time.NewTicker(time.Hour)

// In an if header or a grouped var there is no statement to put a defer
// after: no finding (this rule only fixes statements of a block).
func header() {
	if t := time.NewTicker(time.Millisecond); t != nil {
		<-t.C
		t.Stop()
	}
	var (
		u = time.NewTicker(time.Millisecond)
	)
	<-u.C
	u.Stop()
}

func main() {
	header()
	global.Stop()
	fmt.Println("ok")
}
