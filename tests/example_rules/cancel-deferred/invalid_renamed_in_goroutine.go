package main

import (
	stdctx "context"
	"fmt"
	"time"
)

func main() {
	done := make(chan error)
	go func() {
		ctx, stop := stdctx.WithDeadline(stdctx.Background(), time.Now().Add(time.Hour))
		_ = stop
		done <- ctx.Err()
	}()
	fmt.Println(<-done)
}
