package main

import (
	"context"
	"fmt"
	"time"
)

func deadline() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	_ = cancel
	_, ok := ctx.Deadline()
	return ok
}

func main() { fmt.Println(deadline()) }
