package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// firstError stops reading at the first ERROR line.
func firstError(lines []string) (string, bool) {
	matches := make(chan string)
	go func() {
		for _, l := range lines {
			if strings.HasPrefix(l, "ERROR") {
				matches <- l
			}
		}
		close(matches)
	}()
	for m := range matches {
		return m, true
	}
	return "", false
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	lines := []string{"INFO start", "ERROR disk full", "INFO retry", "ERROR disk still full", "ERROR giving up"}
	for range 300 {
		firstError(lines)
	}
	m, ok := firstError(lines)
	fmt.Printf("result: %s %v\n", m, ok)
	m, ok = firstError([]string{"INFO start", "INFO done"})
	fmt.Printf("result: %q %v\n", m, ok)
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
