package main

import "time"

type holder struct{ t *time.Ticker }

func make1() holder {
	t := time.NewTicker(time.Millisecond)
	return holder{t: t}
}

func list() []*time.Ticker {
	t := time.NewTicker(time.Millisecond)
	return []*time.Ticker{t}
}

func main() {
	h := make1()
	h.t.Stop()
	list()[0].Stop()
}
