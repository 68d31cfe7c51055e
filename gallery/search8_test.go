package gallery

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestKernels8 checks every int8 kernel this CPU runs against the portable
// definition, bit for bit, on random codes and on the extremes (±127
// everywhere, the int16-pair and int32 worst cases), for several strides
// and template counts including ones that are not multiples of any vector
// width.
func TestKernels8(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	fill := func(dst []int8, mode int) {
		for i := range dst {
			switch mode {
			case 0:
				dst[i] = int8(r.IntN(255) - 127)
			case 1:
				dst[i] = 127
			case 2:
				dst[i] = -127
			default:
				dst[i] = int8(127 * (1 - 2*(i&1)))
			}
		}
	}
	t.Logf("kernels: %v (search uses %v)", kernels8(), dots8)
	for _, kn := range kernels8() {
		for _, stride := range []int{64, 128, 192, 256, 512} {
			for _, n := range []int{0, 1, 2, 3, 7, 64, 65} {
				for mode := range 4 {
					var k query8
					k.stride = stride
					fill(k.p[:stride], mode)
					for i := range stride {
						k.u[i] = uint8(int16(k.p[i]) + 128)
						k.w[i] = int16(k.p[i])
					}
					codes := make([]int8, n*stride)
					fill(codes, (mode+r.IntN(4))%4)
					meta := make([]qmeta, n)
					for i := range meta {
						for _, c := range codes[i*stride : (i+1)*stride] {
							meta[i].sum += int32(c)
						}
					}
					want := make([]int32, n)
					dots8Go(&k, codes, meta, want)
					// Check the portable kernel itself once against a plain loop.
					for i := range want {
						var s int32
						for j := range stride {
							s += int32(k.p[j]) * int32(codes[i*stride+j])
						}
						if want[i] != s {
							t.Fatalf("dots8Go stride %d template %d = %d, want %d", stride, i, want[i], s)
						}
					}
					got := make([]int32, n+1)
					got[n] = 12345 // must stay untouched
					kn.run(&k, codes, meta, got[:n])
					if !slices.Equal(got[:n], want) || got[n] != 12345 {
						t.Errorf("%v stride %d n %d mode %d: got %v, want %v (sentinel %d)", kn, stride, n, mode, got[:n], want, got[n])
					}
				}
			}
		}
	}
}

// TestKernels8Panics checks that a kernel given slices shorter than it
// would touch panics in Go before any asm runs.
func TestKernels8Panics(t *testing.T) {
	for _, kn := range kernels8() {
		if kn == kernGo {
			continue // bounds-checked by the language
		}
		var k query8
		k.stride = 192
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%v: no panic for a short template slice", kn)
				}
			}()
			kn.run(&k, make([]int8, 191), make([]qmeta, 1), make([]int32, 1))
		}()
	}
}

// vecWith returns a unit vector of dimension dim shaped by kind: random,
// sparse (a few large values), one spike, or all equal magnitudes — the
// shapes that stress a per-vector int8 scale.
func vecWith(r *rand.Rand, dim, kind int) []float32 {
	v := make([]float32, dim)
	switch kind {
	case 0:
		return randVec(r, dim)
	case 1:
		for range 5 {
			v[r.IntN(dim)] = float32(r.NormFloat64())
		}
	case 2:
		for i := range v {
			v[i] = float32(r.NormFloat64() * 1e-3)
		}
		v[r.IntN(dim)] = 1
	default:
		for i := range v {
			v[i] = float32(1 - 2*r.IntN(2))
		}
	}
	n, err := normalize(v, dim)
	if err != nil {
		return randVec(r, dim)
	}
	return n
}

// TestInt8Bounds checks the interval the int8 scan derives for each
// template: the float search's score must lie in [lo, hi], for queries of
// any norm, several dimensions (with and without padding) and vector
// shapes. The interval must also be useful: narrow on random data.
func TestInt8Bounds(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, dim := range []int{4, 100, 192, 512} {
		ix := newIndex(dim, true)
		var widest float64
		for trial := range 400 {
			v := vecWith(r, dim, trial%4)
			q := vecWith(r, dim, (trial/4)%4)
			scale := float32(math.Pow(10, float64(r.IntN(7)-3)))
			for i := range q {
				q[i] *= scale
			}
			if err := ix.Put(Person{ID: "p"}, [][]float32{v}); err != nil {
				t.Fatal(err)
			}
			s := ix.cur.Load()
			e := &s.people[0]
			var sc scan8
			sc.init(q, dim, ix.s8)
			lo, hi := sc.bounds(s, e)
			f := float64(personScore(q, s.arena[e.start*dim:(e.start+1)*dim], dim))
			if !(lo <= f && f <= hi) {
				t.Fatalf("dim %d trial %d: float score %v outside int8 interval [%v, %v]", dim, trial, f, lo, hi)
			}
			if trial%4 == 0 && (trial/4)%4 == 0 {
				widest = max(widest, (hi-lo)/float64(scale))
			}
		}
		// Random 192-d unit vectors: codes step ≈ 0.002, ‖r‖ ≈ 0.006.
		if limit := 0.1; widest > limit {
			t.Errorf("dim %d: int8 interval up to %.4f wide on random vectors, want ≤ %v", dim, widest, limit)
		}
		t.Logf("dim %d: widest interval on random unit vectors %.4f", dim, widest)
	}
}

// randomGallery builds an index of persons with 1–4 random templates (one
// with 150), some near-duplicates of other persons' templates (near-ties),
// some exact duplicates (exact ties), and some revoked or outside their
// window.
func randomGallery(t *testing.T, r *rand.Rand, persons int, now time.Time) (*Index, [][]float32) {
	t.Helper()
	ix := newIndex(testDim, true)
	var all [][]float32
	people := make([]Enrolled, persons)
	for p := range people {
		n := 1 + r.IntN(4)
		if p == 7 {
			n = 150 // more templates than one kernel call takes
		}
		ts := make([][]float32, n)
		for i := range ts {
			switch {
			case len(all) > 0 && r.IntN(10) == 0:
				ts[i] = near(r, all[r.IntN(len(all))], 0.999)
			case len(all) > 0 && r.IntN(20) == 0:
				ts[i] = slices.Clone(all[r.IntN(len(all))])
			default:
				ts[i] = randVec(r, testDim)
			}
			all = append(all, ts[i])
		}
		pe := Person{ID: fmt.Sprintf("p%05d", p)}
		switch r.IntN(12) {
		case 0:
			pe.Revoked = true
		case 1:
			pe.ValidUntil = now
		case 2:
			pe.ValidFrom = now.Add(time.Minute)
		}
		people[p] = Enrolled{Person: pe, Templates: ts}
	}
	if err := ix.Load(people); err != nil {
		t.Fatal(err)
	}
	return ix, all
}

// TestSearchInt8MatchesFloat checks every person's int8 score interval and
// compares Search and SearchTopK with the exhaustive float32 search on a
// random gallery (with near and exact ties and excluded persons) for random
// queries and queries close to enrolled templates, of norms from 1e-5 to
// 1e15: the results must be identical, scores bit for bit, and the int8
// path must actually be the one that answered.
func TestSearchInt8MatchesFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ix, all := randomGallery(t, r, 2000, now)
	s := ix.cur.Load()
	fallbacks, probes := 0, 0
	var got []Match
	for trial := range 100 {
		var q []float32
		switch trial % 3 {
		case 0:
			q = randVec(r, testDim)
		case 1:
			q = near(r, all[r.IntN(len(all))], 0.6+0.4*r.Float64())
		default:
			q = slices.Clone(all[r.IntN(len(all))])
		}
		scale := 0.5 + r.Float32()
		switch trial % 10 {
		case 3:
			scale = 1e-5 // the smallest norms Search accepts are 1e-6
		case 7:
			scale = 1e15
		}
		for i := range q {
			q[i] *= scale
		}
		inv, err := ix.checkQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		var sc scan8
		sc.init(q, testDim, ix.s8)
		for i := range s.people {
			e := &s.people[i]
			lo, hi := sc.bounds(s, e)
			if m := float64(personScore(q, s.arena[e.start*testDim:(e.start+e.n)*testDim], testDim)); !(lo <= m && m <= hi) {
				t.Fatalf("trial %d person %s (%d templates): score %v outside [%v, %v]", trial, e.id, e.n, m, lo, hi)
			}
		}
		want := ix.searchFloat(s, q, inv, now)
		res, ok := ix.searchInt8(s, q, inv, now)
		probes++
		if !ok {
			fallbacks++
		} else if res != want {
			t.Fatalf("trial %d: int8 search %+v, float %+v", trial, res, want)
		}
		if res, err := ix.Search(q, now); err != nil || res != want {
			t.Fatalf("trial %d: Search %+v, %v; float %+v", trial, res, err, want)
		}
		for _, k := range []int{1, 2, 10, MaxTopK} {
			tk := topK{k: k}
			ix.topKFloat(s, q, now.UnixNano(), &tk)
			var wantK []Match
			for j := range tk.n {
				wantK = append(wantK, Match{PersonID: s.people[tk.idx[j]].id, Score: tk.score[j] * inv})
			}
			got, err = ix.SearchTopK(q, now, k, got[:0])
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, wantK) {
				t.Fatalf("trial %d top-%d:\n got %v\nwant %v", trial, k, got, wantK)
			}
			if k >= 2 && (got[0] != want.Best || got[1] != want.Second) {
				t.Fatalf("trial %d: top-%d starts %v, Search says %+v, %+v", trial, k, got[:2], want.Best, want.Second)
			}
		}
	}
	t.Logf("%d of %d queries fell back to the float scan", fallbacks, probes)
	if fallbacks > probes/20 {
		t.Errorf("int8 search fell back to float on %d of %d queries, want ≤ 5%%", fallbacks, probes)
	}
}

// TestSearchInt8Fallback fills a gallery with more identical persons than
// the candidate list holds: the int8 scan cannot separate them and must
// hand over to the float search, and Search must still give its result.
func TestSearchInt8Fallback(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	v := randVec(r, testDim)
	ix := newIndex(testDim, true)
	people := make([]Enrolled, maxCand+10)
	for i := range people {
		people[i] = Enrolled{Person: Person{ID: fmt.Sprint("same-", i)}, Templates: [][]float32{v}}
	}
	if err := ix.Load(people); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s := ix.cur.Load()
	inv, _ := ix.checkQuery(v)
	if _, ok := ix.searchInt8(s, v, inv, now); ok {
		t.Fatalf("int8 scan kept %d tied persons as candidates; want a fallback", len(people))
	}
	want := ix.searchFloat(s, v, inv, now)
	res, err := ix.Search(v, now)
	if err != nil || res != want || res.Best.PersonID != "same-0" || res.Second.PersonID != "same-1" {
		t.Errorf("Search = %+v, %v; want %+v (first two of the tie)", res, err, want)
	}
	got, err := ix.SearchTopK(v, now, 3, nil)
	if err != nil || len(got) != 3 || got[2].PersonID != "same-2" {
		t.Errorf("SearchTopK = %v, %v; want same-0, same-1, same-2", got, err)
	}
	for _, k := range []int{0, MaxTopK + 1} {
		if _, err := ix.SearchTopK(v, now, k, nil); err == nil {
			t.Errorf("SearchTopK k=%d: no error", k)
		}
	}
}

// checkInt8 verifies that the snapshot's int8 arrays mirror its float
// arena: same slot count, and every live slot's codes and metadata are the
// quantisation of its float template.
func checkInt8(t *testing.T, ix *Index) {
	t.Helper()
	s := ix.cur.Load()
	dim, s8 := ix.dim, ix.s8
	slots := len(s.arena) / dim
	if len(s.codes) != slots*s8 || len(s.meta) != slots {
		t.Fatalf("int8 arrays: %d codes, %d meta for %d slots (stride %d)", len(s.codes), len(s.meta), slots, s8)
	}
	for _, e := range s.people {
		for j := e.start; j < e.start+e.n; j++ {
			codes, m := quantize(nil, s.arena[j*dim:(j+1)*dim], s8)
			if !slices.Equal(codes, s.codes[j*s8:(j+1)*s8]) || m != s.meta[j] {
				t.Fatalf("person %s slot %d: int8 form does not match its float template", e.id, j)
			}
		}
	}
}

// TestInt8FollowsUpdates runs adds, replaces, removes and metadata changes
// (with arena rebuilds) and checks after each step that the int8 form
// mirrors the float arena and that Search agrees with the float search.
func TestInt8FollowsUpdates(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	ix := newIndex(testDim, true)
	now := time.Now()
	for round := range 1500 {
		id := fmt.Sprintf("p%03d", r.IntN(200))
		switch r.IntN(5) {
		case 0:
			ix.Remove(id)
		case 1:
			if err := ix.Add(Person{ID: id}, [][]float32{randVec(r, testDim)}); err != nil {
				t.Fatal(err)
			}
		case 2:
			ix.SetPerson(Person{ID: id, Revoked: r.IntN(2) == 0})
		default:
			if err := ix.Put(Person{ID: id}, [][]float32{randVec(r, testDim), randVec(r, testDim)}); err != nil {
				t.Fatal(err)
			}
		}
		if round%50 == 0 || round == 1499 {
			checkInt8(t, ix)
			q := randVec(r, testDim)
			s := ix.cur.Load()
			inv, _ := ix.checkQuery(q)
			if res, err := ix.Search(q, now); err != nil || res != ix.searchFloat(s, q, inv, now) {
				t.Fatalf("round %d: Search %+v, %v differs from the float search", round, res, err)
			}
		}
	}
}

// TestSearchTopKDoesNotAllocate checks SearchTopK with room in dst.
func TestSearchTopKDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	now := time.Now()
	ix, _ := randomGallery(t, r, 200, now)
	q := randVec(r, testDim)
	dst := make([]Match, 0, 10)
	if n := testing.AllocsPerRun(20, func() { _, _ = ix.SearchTopK(q, now, 10, dst[:0]) }); n != 0 {
		t.Errorf("SearchTopK allocates %v times per call, want 0", n)
	}
}

// TestLargeDimUsesFloat checks that an index wider than maxDim8 keeps no
// int8 form and still searches.
func TestLargeDimUsesFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	const dim = maxDim8 + 1
	ix := newIndex(dim, true)
	a, b := randVec(r, dim), randVec(r, dim)
	if err := ix.Put(Person{ID: "a"}, [][]float32{a}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(Person{ID: "b"}, [][]float32{b}); err != nil {
		t.Fatal(err)
	}
	if s := ix.cur.Load(); ix.s8 != 0 || s.codes != nil {
		t.Fatalf("dim %d: int8 stride %d, %d codes; want none", dim, ix.s8, len(s.codes))
	}
	res, err := ix.Search(b, time.Now())
	if err != nil || res.Best.PersonID != "b" || res.Second.PersonID != "a" {
		t.Errorf("Search = %+v, %v; want b then a", res, err)
	}
}
