package main

import (
	"context"
	"fmt"
)

func assigned() {
	var cancel context.CancelFunc
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	_ = ctx
	_ = cancel
}

// The second := reuses cancel: no new variable, and it is called anyway.
func reused() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx2, cancel := context.WithCancel(ctx)
	_ = ctx2
	_ = cancel
}

func main() {
	assigned()
	reused()
	fmt.Println("ok")
}
