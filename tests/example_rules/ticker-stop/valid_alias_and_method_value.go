package main

import "time"

func alias() {
	t := time.NewTicker(time.Millisecond)
	u := t
	<-u.C
	u.Stop()
}

func methodValue() {
	t := time.NewTicker(time.Millisecond)
	stop := t.Stop
	defer stop()
	<-t.C
}

func deferredClosure() {
	t := time.NewTicker(time.Millisecond)
	defer func() { t.Stop() }()
	<-t.C
}

func main() {
	alias()
	methodValue()
	deferredClosure()
}
