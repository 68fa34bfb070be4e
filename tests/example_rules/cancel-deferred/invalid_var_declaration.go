package main

import (
	"context"
	"fmt"
)

func check() error {
	var ctx, cancel = context.WithCancel(context.Background())
	_ = cancel
	return ctx.Err()
}

func main() { fmt.Println(check()) }
