package main

import (
	"context"
	"fmt"
)

type fakeCtx struct{}

func (fakeCtx) WithCancel(p context.Context) (context.Context, func()) { return p, func() {} }

func local() {
	context := fakeCtx{}
	ctx, cancel := context.WithCancel(nil)
	_, _ = ctx, cancel
}

func main() {
	local()
	fmt.Println("ok")
}
