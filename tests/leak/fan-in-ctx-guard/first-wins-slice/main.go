package main

import (
	"fmt"
	"runtime"
	"time"
)

// download fetches file from one mirror; every mirror serves the same bytes.
func download(mirror, file string, work time.Duration) string {
	time.Sleep(work)
	return file + " (sha256 ok)"
}

func first(mirrors []string, file string, work, timeout time.Duration) (string, bool) {
	results := make(chan string)
	for _, m := range mirrors {
		go func(m string) {
			results <- download(m, file, work)
		}(m)
	}
	select {
	case r := <-results:
		return r, true
	case <-time.After(timeout):
		return "", false
	}
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	mirrors := make([]string, 10)
	for i := range mirrors {
		mirrors[i] = fmt.Sprintf("mirror-%d.example.com", i)
	}
	for range 100 {
		first(mirrors, "pkg.tar", 20*time.Millisecond, time.Millisecond)
	}
	for _, file := range []string{"a.tar", "b.tar"} {
		r, ok := first(mirrors, file, 0, time.Second)
		fmt.Printf("result: %s %v\n", r, ok)
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
