package main

import (
	"fmt"
	"runtime"
	"time"
)

type Status struct{ Term int }

// node serves status requests from run until Stop; run then closes done.
// A Status call racing with Stop blocked forever on its send (etcd PR
// 6857): the fix guards the send with the closed done channel.
type node struct {
	status chan chan Status
	stop   chan struct{}
	done   chan struct{}
}

func newNode() *node {
	return &node{
		status: make(chan chan Status),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
}

func (n *node) run() {
	for {
		select {
		case c := <-n.status:
			c <- Status{Term: 1}
		case <-n.stop:
			close(n.done)
			return
		}
	}
}

func (n *node) Status() Status {
	c := make(chan Status)
	n.status <- c
	return <-c
}

func (n *node) Stop() {
	select {
	case n.stop <- struct{}{}:
	case <-n.done:
		return
	}
	<-n.done
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	n := newNode()
	go n.run()
	fmt.Printf("status: %d\n", n.Status().Term)
	n.Stop()
	for range 300 {
		m := newNode()
		go m.run()
		m.Stop()
		go m.Status()
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
