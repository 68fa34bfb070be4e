package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// validate fails at once for a bad record and takes a while for a good one.
func validate(record string) error {
	if strings.HasPrefix(record, "bad") {
		return fmt.Errorf("record %q is malformed", record)
	}
	time.Sleep(20 * time.Millisecond)
	return nil
}

// validateAll returns the first error it sees and stops receiving.
func validateAll(records []string) error {
	errs := make(chan error)
	for _, r := range records {
		go func(r string) {
			errs <- validate(r)
		}(r)
	}
	for range records {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

func main() {
	runtime.GC()
	fmt.Printf("baseline: %d\n", runtime.NumGoroutine())
	records := make([]string, 10)
	for i := range records {
		records[i] = fmt.Sprintf("rec-%d", i)
	}
	records[3] = "bad-3"
	for range 100 {
		validateAll(records)
	}
	fmt.Printf("result: %v\n", validateAll(records))
	fmt.Printf("result: %v\n", validateAll([]string{"rec-1", "rec-2"}))
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Printf("goroutines: %d\n", runtime.NumGoroutine())
}
