package tflite

import (
	"sync/atomic"
	"testing"
	"time"
)

// countRanger counts how often each item runs and which worker ran it; the
// worker slow (if ≥ 0) sleeps in every range it runs, as a core the host
// has taken away would.
type countRanger struct {
	runs   []atomic.Int32
	byW    []atomic.Int32 // items run per worker
	slow   int
	pause  time.Duration
	ranges atomic.Int32
}

// stealCounter is a countRanger whose items may run on any worker.
type stealCounter struct{ *countRanger }

func (stealCounter) stealable() {}

func (c *countRanger) runRange(_ *Interpreter, w, lo, hi int) {
	if lo >= hi || lo < 0 || hi > len(c.runs) {
		panic("bad range")
	}
	c.ranges.Add(1)
	if w == c.slow {
		time.Sleep(c.pause)
	}
	for i := lo; i < hi; i++ {
		c.runs[i].Add(1)
	}
	c.byW[w].Add(int32(hi - lo))
}

func TestPoolRunsEveryItemOnce(t *testing.T) {
	for _, threads := range []int{2, 3, 4} {
		ip := &Interpreter{threads: threads, pool: newPool(threads)}
		for _, n := range []int{2, 3, 5, 17, 66, 262, 1000} {
			for _, slow := range []int{-1, 0, threads - 1} {
				for rep := 0; rep < 5; rep++ {
					c := &countRanger{runs: make([]atomic.Int32, n), byW: make([]atomic.Int32, threads), slow: slow, pause: 20 * time.Microsecond}
					if rep%2 == 0 {
						ip.parallel(stealCounter{c}, n)
					} else {
						ip.parallel(c, n)
					}
					for i := range c.runs {
						if got := c.runs[i].Load(); got != 1 {
							t.Fatalf("threads %d, n %d, slow worker %d: item %d ran %d times, want once", threads, n, slow, i, got)
						}
					}
				}
			}
		}
		ip.pool.close()
	}
}

// A worker that falls behind has the rest of its share taken by the
// others, so the operator does not wait for all of it.
func TestPoolTakesFromASlowWorker(t *testing.T) {
	const n = 64
	ip := &Interpreter{threads: 2, pool: newPool(2)}
	defer ip.pool.close()
	for _, slow := range []int{0, 1} {
		c := &countRanger{runs: make([]atomic.Int32, n), byW: make([]atomic.Int32, 2), slow: slow, pause: 100 * time.Millisecond}
		ip.parallel(stealCounter{c}, n)
		fast := 1 - slow
		// The slow worker's first claim is at most half its share (16
		// items); the fast one runs its own 32 and takes the rest while
		// the slow one sleeps (100 ms: long enough for a loaded CI
		// machine to run the fast one in between).
		if got := c.byW[fast].Load(); got < n*3/4 {
			t.Errorf("slow worker %d: the other ran %d of %d items, want at least %d", slow, got, n, n*3/4)
		}
		for i := range c.runs {
			if got := c.runs[i].Load(); got != 1 {
				t.Fatalf("slow worker %d: item %d ran %d times, want once", slow, i, got)
			}
		}
	}
}

// Work that is not stealable runs as even shares, each on its owner,
// however slow.
func TestPoolKeepsSharesOfUnstealableWork(t *testing.T) {
	const n = 64
	ip := &Interpreter{threads: 2, pool: newPool(2)}
	defer ip.pool.close()
	for _, slow := range []int{0, 1} {
		c := &countRanger{runs: make([]atomic.Int32, n), byW: make([]atomic.Int32, 2), slow: slow, pause: 2 * time.Millisecond}
		ip.parallel(c, n)
		for w := range 2 {
			if got := c.byW[w].Load(); got != n/2 {
				t.Errorf("slow worker %d: worker %d ran %d items, want its share of %d", slow, w, got, n/2)
			}
		}
		if got := c.ranges.Load(); got != 2 {
			t.Errorf("slow worker %d: %d ranges, want one per worker", slow, got)
		}
	}
}

func TestPackShare(t *testing.T) {
	for _, c := range [][2]int{{0, 0}, {0, 1}, {5, 17}, {1<<31 - 2, 1<<31 - 1}} {
		var s share
		s.v.Store(packShare(c[0], c[1]))
		if lo, hi, _ := s.load(); lo != c[0] || hi != c[1] {
			t.Errorf("packShare(%d, %d) loads as %d, %d", c[0], c[1], lo, hi)
		}
	}
}
