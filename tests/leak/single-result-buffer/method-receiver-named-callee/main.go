package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

type Client struct {
	delay   time.Duration
	timeout time.Duration
}

func (c *Client) doRequest(id int, out chan<- string) {
	time.Sleep(c.delay)
	out <- fmt.Sprintf("response %d", id)
}

func (c *Client) fetch(id int) (string, error) {
	ch := make(chan string)
	go c.doRequest(id, ch)
	select {
	case resp := <-ch:
		return resp, nil
	case <-time.After(c.timeout):
		return "", errors.New("request timed out")
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	slow := &Client{delay: 20 * time.Millisecond, timeout: time.Millisecond}
	for i := range 300 {
		slow.fetch(i)
	}
	fast := &Client{timeout: time.Second}
	for _, id := range []int{42, 43} {
		resp, err := fast.fetch(id)
		fmt.Printf("result: %s %v\n", resp, err)
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
