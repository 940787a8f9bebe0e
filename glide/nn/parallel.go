package nn

import (
	"sync"
	"sync/atomic"
)

// parallelRange splits [0, n) into contiguous chunks of at least grain
// elements and runs fn on them over the device's goroutines.
func (c *CPU) parallelRange(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := min(c.threads, (n+grain-1)/grain)
	if chunks <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range chunks {
		lo, hi := n*i/chunks, n*(i+1)/chunks
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// parallelTasks runs fn(worker, task) for every task in [0, n), handing tasks
// out dynamically to up to c.threads goroutines. worker is in [0, threads)
// and lets a task use per-goroutine scratch memory.
func (c *CPU) parallelTasks(n int, fn func(worker, task int)) {
	if n <= 0 {
		return
	}
	workers := min(c.threads, n)
	if workers == 1 {
		for i := range n {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		}()
	}
	wg.Wait()
}
