package main

import (
	"context"
	"fmt"
	"time"
)

type job struct{ cancel context.CancelFunc }

func called() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	<-ctx.Done()
}

func deferred() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	_ = ctx
}

func passed(stop func(context.CancelFunc)) {
	ctx, cancel := context.WithCancel(context.Background())
	stop(cancel)
	_ = ctx
}

func returned() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	return ctx, cancel
}

func stored() job {
	ctx, cancel := context.WithCancel(context.Background())
	_ = ctx
	return job{cancel: cancel}
}

func inGoroutine() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() {
		cancel()
		close(done)
	}()
	<-done
	<-ctx.Done()
}

func main() {
	called()
	deferred()
	passed(func(f context.CancelFunc) { f() })
	_, c := returned()
	c()
	stored().cancel()
	inGoroutine()
	fmt.Println("ok")
}
