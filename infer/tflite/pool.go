package tflite

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// ranger is work that can be split into index ranges run on workers.
type ranger interface {
	runRange(ip *Interpreter, worker, lo, hi int)
}

// stealable marks a ranger whose items are worth running on a core other
// than their owner's: much arithmetic for the data each reads and writes
// (CONV_2D's matrix multiplies). Moving a depthwise row or an elementwise
// block to the other core costs more in reading what its owner's core
// wrote than waiting for the owner does (measured on MobileFaceNet: taking
// depthwise rows made two threads 3-4% slower); those run as even shares.
type stealable interface {
	ranger
	stealable()
}

// parallel runs r over [0,n) split across the interpreter's workers. Work
// is split by output rows or channels only, so every output element is
// computed in the same order whatever the thread count, and whichever
// worker computes it.
func (ip *Interpreter) parallel(r ranger, n int) {
	if ip.pool == nil || n < 2 || uint64(n) > math.MaxUint32 {
		r.runRange(ip, 0, 0, n)
		return
	}
	ip.pool.run(ip, r, n)
}

// parallelElems runs r over [0,n) split across the workers when the op
// writes at least minParallelElems values (elems), and on the caller
// otherwise: the split of the memory-bound ops (pooling, padding,
// QUANTIZE, PRELU), whose rows are better computed where the next op
// reads them than all on the caller.
func (ip *Interpreter) parallelElems(r ranger, n, elems int) {
	if ip == nil || elems < minParallelElems {
		r.runRange(ip, 0, 0, n)
		return
	}
	ip.parallel(r, n)
}

// pool is a fixed set of worker goroutines that run one operator's ranges
// at a time. A model invokes a hundred or so operators of tens of
// microseconds each, so the hand-off must cost far less than a goroutine
// wake-up through a channel (several microseconds each way, which made two
// threads slower than one): the caller publishes the job with one atomic
// increment and workers that ran recently are still spinning on it. A
// worker that has seen no job for a while parks on a condition variable,
// so an idle interpreter (between camera frames) burns no CPU. Nothing is
// allocated per job.
//
// Each worker owns an even share of the items, the same share of every
// operator, so the rows a core writes are the rows it reads in the next
// operator (moving data between cores is what two threads cost most
// here). For stealable work it claims its share from the front in
// shrinking chunks, and a worker done with its own share takes chunks
// from the back of the share with the most left: a core slowed down by
// something else (on a virtual machine, the host running other work on
// it) then costs its items, not the whole operator's wait.
type pool struct {
	n int
	// job, valid for the generation published in gen
	ip    *Interpreter
	r     ranger
	steal bool // r is stealable

	gen      atomic.Uint64 // incremented to publish a job
	pending  atomic.Int32  // workers still running the current job
	closed   atomic.Bool
	sleeping atomic.Int32 // workers parked (or about to) on cond
	mu       sync.Mutex
	cond     *sync.Cond
	done     sync.WaitGroup
	once     sync.Once
	shares   []share // one per worker
}

// share is the items [lo,hi) of a worker's share not yet claimed, packed
// lo | hi<<32 so that the owner (from the front) and others (from the
// back) claim with one compare-and-swap. Padded to its own cache line:
// the owner claims without touching the other workers' lines.
type share struct {
	v atomic.Uint64
	_ [56]byte
}

func packShare(lo, hi int) uint64 { return uint64(lo) | uint64(hi)<<32 }

func (s *share) load() (lo, hi int, v uint64) {
	v = s.v.Load()
	return int(uint32(v)), int(v >> 32), v
}

// claimFront claims the first chunk of the unclaimed items: half of them
// (at least one), so the owner makes a handful of claims per operator and
// most of its share runs as one range.
func (s *share) claimFront() (lo, hi int, ok bool) {
	for {
		lo, hi, v := s.load()
		if lo >= hi {
			return 0, 0, false
		}
		c := max((hi-lo+1)/2, 1)
		if s.v.CompareAndSwap(v, packShare(lo+c, hi)) {
			return lo, lo + c, true
		}
	}
}

// claimBack claims half of the unclaimed items (at least one) from the
// back.
func (s *share) claimBack() (lo, hi int, ok bool) {
	for {
		lo, hi, v := s.load()
		if lo >= hi {
			return 0, 0, false
		}
		c := max((hi-lo)/2, 1)
		if s.v.CompareAndSwap(v, packShare(lo, hi-c)) {
			return hi - c, hi, true
		}
	}
}

// spinLimit is how many polls of gen a worker makes before it parks:
// about 50-100 µs here, longer than the gap between two operators.
const spinLimit = 1 << 16

func newPool(n int) *pool {
	p := &pool{n: n, shares: make([]share, n)}
	p.cond = sync.NewCond(&p.mu)
	p.done.Add(n - 1)
	for w := 1; w < n; w++ {
		go p.worker(w)
	}
	return p
}

func (p *pool) worker(w int) {
	defer p.done.Done()
	seen := uint64(0)
	for {
		for spins := 0; p.gen.Load() == seen; spins++ {
			if p.closed.Load() {
				return
			}
			if spins&1023 == 1023 {
				runtime.Gosched()
			}
			if spins >= spinLimit {
				p.mu.Lock()
				p.sleeping.Add(1)
				for p.gen.Load() == seen && !p.closed.Load() {
					p.cond.Wait()
				}
				p.sleeping.Add(-1)
				p.mu.Unlock()
				spins = 0
			}
		}
		seen = p.gen.Load()
		p.work(w)
		p.pending.Add(-1)
	}
}

// work runs worker w's share of the current job, then helps with the
// others' until every item is claimed.
func (p *pool) work(w int) {
	ip, r := p.ip, p.r
	if !p.steal {
		if lo, hi, _ := p.shares[w].load(); lo < hi {
			r.runRange(ip, w, lo, hi)
		}
		return
	}
	for {
		lo, hi, ok := p.shares[w].claimFront()
		if !ok {
			break
		}
		r.runRange(ip, w, lo, hi)
	}
	for {
		// the share with the most items left
		v, most := -1, 0
		for i := range p.shares {
			if lo, hi, _ := p.shares[i].load(); hi-lo > most {
				v, most = i, hi-lo
			}
		}
		if v < 0 {
			return
		}
		if lo, hi, ok := p.shares[v].claimBack(); ok {
			r.runRange(ip, w, lo, hi)
		}
	}
}

func (p *pool) run(ip *Interpreter, r ranger, n int) {
	p.ip, p.r = ip, r
	_, p.steal = r.(stealable)
	parts := min(p.n, n)
	for w := range p.shares {
		if w < parts {
			p.shares[w].v.Store(packShare(n*w/parts, n*(w+1)/parts))
		} else {
			p.shares[w].v.Store(0)
		}
	}
	p.pending.Store(int32(p.n - 1))
	p.gen.Add(1) // publishes the fields above
	if p.sleeping.Load() > 0 {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	}
	p.work(0)
	for spins := 0; p.pending.Load() != 0; spins++ {
		if spins&1023 == 1023 {
			runtime.Gosched() // lets a worker run when GOMAXPROCS < threads
		}
	}
	p.ip, p.r = nil, nil
}

func (p *pool) close() {
	p.once.Do(func() {
		p.closed.Store(true)
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
		p.done.Wait()
	})
}
