package main

import (
	"fmt"
	"time"
)

type S struct{ n int }

// A method named main is not the program's main.
func (s *S) main() {
	for range time.Tick(time.Millisecond) {
		s.n++
		if s.n == 2 {
			return
		}
	}
}

func main() {
	s := &S{}
	s.main()
	fmt.Println(s.n)
}
