package main

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

type Result struct {
	ID    string
	Value string
}

type Client struct {
	store   map[string]string
	latency time.Duration
}

// doRequest loses requests for unknown ids: it returns without sending.
func (c *Client) doRequest(id string, ch chan *Result) {
	time.Sleep(c.latency)
	v, ok := c.store[id]
	if !ok {
		return
	}
	ch <- &Result{ID: id, Value: v}
}

func (c *Client) fetch(ctx context.Context, id string) (*Result, error) {
	ch := make(chan *Result)
	go c.doRequest(id, ch)
	return <-ch, nil
}

func (c *Client) lookup(ctx context.Context, id string) (*Result, error) {
	return c.fetch(ctx, id)
}

type reply struct {
	r   *Result
	err error
}

// get walks away from lookup when the timeout expires.
func (c *Client) get(id string, timeout time.Duration) (*Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan reply, 1)
	go func() {
		r, err := c.lookup(ctx, id)
		done <- reply{r, err}
	}()
	select {
	case rep := <-done:
		return rep.r, rep.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	c := &Client{store: map[string]string{"42": "answer"}, latency: 20 * time.Millisecond}
	for i := range 200 {
		id := "42"
		if i%4 != 0 {
			id = fmt.Sprintf("missing-%d", i)
		}
		c.get(id, time.Millisecond)
	}
	r, err := c.get("42", time.Second)
	fmt.Printf("result: %s %v\n", r.Value, err)
	_, err = c.get("missing", time.Millisecond)
	fmt.Printf("result: %v\n", err)
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
