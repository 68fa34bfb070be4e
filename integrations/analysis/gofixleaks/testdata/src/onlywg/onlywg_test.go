package onlywg

import (
	"sync"
	"testing"
)

func TestWorkers(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { // want `waitgroup-done \[leak\]: the goroutine can leave without calling .wg.Done`
			if i == 1 {
				return
			}
			wg.Done()
		}()
	}
	wg.Wait()
}
