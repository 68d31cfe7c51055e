package gallery

import (
	"fmt"
	"math"
	"time"
)

// Int8 search with an exact float32 result.
//
// The scan computes, for every template, the integer dot product d of the
// query codes p and the template codes c, and from it the approximation
// A = s_q·s_t·d of the float dot product q·v. Writing q = s_q·p + r_q and
// v = s_t·c + r_t,
//
//	q·v − A = (s_q·p)·r_t + r_q·v,  so  |q·v − A| ≤ ‖s_q·p‖·‖r_t‖ + ‖r_q‖·‖v‖
//
// (Cauchy–Schwarz), with ‖v‖ ≤ 1+1e-5 for a normalised float32 template.
// The float32 dot product F that the float search computes differs from q·v
// by at most (dim+8)·2⁻²⁴·‖q‖·‖v‖ (rounding of the blocked sum), which is
// added as slack. So every template gets an interval [A−E, A+E] that holds
// F, and every person one that holds its score (the largest F): hi is the
// largest upper end, lo the largest lower end.
//
// The k persons with the largest lo all score at least T, the k-th largest
// lo, so the k-th best score is ≥ T; a person with hi < T scores < T and
// cannot be among the k best, not even tied. Only persons with hi ≥ T (the
// candidates) are re-scored in float32 with the float search's own code
// (personScore, ranker), in snapshot order, which gives the float search's
// Result exactly: same persons, same tie-breaking, bit-identical scores.
// Typically a handful of persons are re-scored. If more than maxCand
// persons stay candidates (many near-identical scores), the search falls
// back to the exhaustive float scan, so the guarantee has no exception.

// maxCand is the number of candidates a search keeps before it falls back to
// the float scan.
const maxCand = 256

// MaxTopK is the largest k that SearchTopK accepts.
const MaxTopK = 32

// cand is a person that may rank: its index and the upper end of its
// score's interval.
type cand struct {
	i  int
	hi float64
}

// candSet collects the persons whose interval reaches the k-th largest
// lower end seen so far. That threshold only rises, so a person dropped
// from the set stays below it.
type candSet struct {
	k    int
	nlo  int
	lo   [MaxTopK]float64 // the nlo largest lower ends, descending
	n    int
	list [maxCand]cand
	over bool
}

// threshold is the k-th largest lower end, -Inf while fewer were seen.
func (c *candSet) threshold() float64 {
	if c.nlo < c.k {
		return math.Inf(-1)
	}
	return c.lo[c.k-1]
}

// add offers person i with score interval [lo, hi].
func (c *candSet) add(i int, lo, hi float64) {
	if c.nlo < c.k || lo > c.lo[c.k-1] {
		j := min(c.nlo, c.k-1)
		for j > 0 && c.lo[j-1] < lo {
			c.lo[j] = c.lo[j-1]
			j--
		}
		c.lo[j] = lo
		c.nlo = min(c.nlo+1, c.k)
	}
	if hi < c.threshold() {
		return
	}
	if c.n == len(c.list) {
		c.prune()
		if c.n == len(c.list) {
			c.over = true
			return
		}
	}
	c.list[c.n] = cand{i, hi}
	c.n++
}

// prune drops the candidates below the threshold, keeping the order.
func (c *candSet) prune() {
	t := c.threshold()
	n := 0
	for _, x := range c.list[:c.n] {
		if x.hi >= t {
			c.list[n] = x
			n++
		}
	}
	c.n = n
}

// scan8 is the per-search state of the int8 scan.
type scan8 struct {
	q    query8
	a    float64 // ‖s_q·p‖: multiplies a template's ‖r_t‖
	c    float64 // ‖r_q‖·max‖v‖ plus the float32 rounding slack
	kern kernel8
}

func (sc *scan8) init(q []float32, dim, stride int) {
	sc.q.set(q, stride)
	sc.a = sc.q.pnorm
	const u = 1.0 / (1 << 24) // float32 unit roundoff
	slack := (1.01*float64(dim+8)*u + 1e-9) * sc.q.norm * (1 + 1e-5)
	sc.c = sc.q.rnorm*(1+1e-5) + slack
	sc.kern = dots8
}

// bounds returns the interval [lo, hi] holding the float search's score of
// person e (both -Inf for a person without templates).
func (sc *scan8) bounds(s *snapshot, e *entry) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(-1)
	var out [64]int32
	stride := sc.q.stride
	for j := 0; j < e.n; j += len(out) {
		n := min(len(out), e.n-j)
		slot := e.start + j
		meta := s.meta[slot : slot+n]
		d := out[:n]
		sc.kern.run(&sc.q, s.codes[slot*stride:(slot+n)*stride], meta, d)
		for t := range d {
			a := sc.q.scale * float64(meta[t].scale) * float64(d[t])
			err := sc.a * float64(meta[t].rnorm)
			hi = max(hi, a+err)
			lo = max(lo, a-err)
		}
	}
	return lo - sc.c, hi + sc.c
}

// searchInt8 is Search on the int8 templates; ok is false when too many
// persons stayed candidates and the caller must run the float search.
func (ix *Index) searchInt8(s *snapshot, q []float32, inv float32, now time.Time) (res Result, ok bool) {
	var sc scan8
	sc.init(q, ix.dim, ix.s8)
	t := now.UnixNano()
	elig, excl := candSet{k: 2}, candSet{k: 1}
	compared := 0
	for i := range s.people {
		e := &s.people[i]
		lo, hi := sc.bounds(s, e)
		if e.exclusion(t) == Eligible {
			compared++
			elig.add(i, lo, hi)
		} else {
			excl.add(i, lo, hi)
		}
	}
	if elig.over || excl.over {
		return Result{}, false
	}
	elig.prune()
	excl.prune()
	rk := newRanker()
	dim := ix.dim
	for _, set := range [...]*candSet{&elig, &excl} {
		for _, c := range set.list[:set.n] {
			e := &s.people[c.i]
			rk.add(c.i, personScore(q, s.arena[e.start*dim:(e.start+e.n)*dim], dim), e.exclusion(t))
		}
	}
	return rk.result(s, inv, compared), true
}

// topK keeps the k best (person, score) pairs offered in snapshot order;
// equal scores keep the person offered first ahead.
type topK struct {
	k, n  int
	score [MaxTopK]float32
	idx   [MaxTopK]int
}

func (tk *topK) add(i int, m float32) {
	if math.IsInf(float64(m), -1) {
		return // no templates
	}
	j := tk.n
	for j > 0 && tk.score[j-1] < m {
		j--
	}
	if j >= tk.k {
		return
	}
	last := min(tk.n, tk.k-1)
	copy(tk.score[j+1:last+1], tk.score[j:last])
	copy(tk.idx[j+1:last+1], tk.idx[j:last])
	tk.score[j], tk.idx[j] = m, i
	tk.n = min(tk.n+1, tk.k)
}

// SearchTopK appends to dst the k eligible persons most similar to q at
// time now, best first, with the scores Search would give them (persons
// without templates are left out, so fewer than k may be returned). Among
// equal scores the order is the index's internal order, the same on every
// call. q is checked as by Search; k must be in 1..MaxTopK. The result is
// identical to an exhaustive float32 ranking; SearchTopK does not allocate
// when dst has room for k matches.
func (ix *Index) SearchTopK(q []float32, now time.Time, k int, dst []Match) ([]Match, error) {
	if k < 1 || k > MaxTopK {
		return dst, fmt.Errorf("gallery: top-k %d out of range 1..%d", k, MaxTopK)
	}
	s := ix.cur.Load()
	inv, err := ix.checkQuery(q)
	if err != nil {
		return dst, err
	}
	tk := topK{k: k}
	dim := ix.dim
	t := now.UnixNano()
	done := false
	if ix.s8 != 0 {
		var sc scan8
		sc.init(q, dim, ix.s8)
		set := candSet{k: k}
		for i := range s.people {
			e := &s.people[i]
			if e.exclusion(t) != Eligible {
				continue
			}
			lo, hi := sc.bounds(s, e)
			set.add(i, lo, hi)
		}
		if !set.over {
			set.prune()
			for _, c := range set.list[:set.n] {
				e := &s.people[c.i]
				tk.add(c.i, personScore(q, s.arena[e.start*dim:(e.start+e.n)*dim], dim))
			}
			done = true
		}
	}
	if !done {
		ix.topKFloat(s, q, t, &tk)
	}
	for j := range tk.n {
		dst = append(dst, Match{PersonID: s.people[tk.idx[j]].id, Score: tk.score[j] * inv})
	}
	return dst, nil
}

// topKFloat offers every eligible person's float32 score to tk: the
// definition of SearchTopK's result.
func (ix *Index) topKFloat(s *snapshot, q []float32, t int64, tk *topK) {
	dim := ix.dim
	for i := range s.people {
		e := &s.people[i]
		if e.exclusion(t) == Eligible {
			tk.add(i, personScore(q, s.arena[e.start*dim:(e.start+e.n)*dim], dim))
		}
	}
}
