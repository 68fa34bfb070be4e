package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

type Sensor struct {
	name  string
	delay time.Duration
}

type Collector struct {
	sensors []Sensor
}

// sample sends once on every path.
func (c *Collector) sample(s Sensor, out chan<- float64) {
	time.Sleep(s.delay)
	if s.name == "" {
		out <- -1
	} else {
		out <- float64(len(s.name))
	}
}

// first returns the first reading, or gives up after a timeout: the other
// samplers block forever on their sends.
func (c *Collector) first(timeout time.Duration) (float64, error) {
	readings := make(chan float64)
	for _, s := range c.sensors {
		go c.sample(s, readings)
	}
	select {
	case r := <-readings:
		return r, nil
	case <-time.After(timeout):
		return 0, errors.New("no reading")
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	slow := &Collector{}
	for i := range 10 {
		slow.sensors = append(slow.sensors, Sensor{fmt.Sprintf("s%d", i), 20 * time.Millisecond})
	}
	for range 20 {
		slow.first(time.Millisecond)
	}
	fast := &Collector{sensors: []Sensor{{"temp", 0}}}
	fmt.Println(fast.first(time.Second))
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
