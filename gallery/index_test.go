package gallery

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

const testDim = 192

// randVec returns a random unit vector of dimension dim.
func randVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var ss float64
	for i := range v {
		x := r.NormFloat64()
		v[i] = float32(x)
		ss += x * x
	}
	inv := 1 / math.Sqrt(ss)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
	return v
}

// near returns a unit vector at cosine similarity ≈ cos to v.
func near(r *rand.Rand, v []float32, cos float64) []float32 {
	n := randVec(r, len(v))
	// Remove n's component along v, then mix.
	d := float64(dot(n, v))
	var ss float64
	for i := range n {
		n[i] -= float32(d) * v[i]
		ss += float64(n[i]) * float64(n[i])
	}
	s := math.Sqrt(1-cos*cos) / math.Sqrt(ss)
	out := make([]float32, len(v))
	for i := range v {
		out[i] = float32(cos*float64(v[i]) + s*float64(n[i]))
	}
	return out
}

func TestDot(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 192} {
		a, b := make([]float32, n), make([]float32, n)
		var want float64
		for i := range a {
			a[i], b[i] = float32(i+1), float32(2*i-3)
			want += float64(a[i]) * float64(b[i])
		}
		if got := dot(a, b); math.Abs(float64(got)-want) > 1e-3*math.Max(1, math.Abs(want)) {
			t.Errorf("dot(n=%d) = %v, want %v", n, got, want)
		}
	}
}

func TestSearchBestAndSecond(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	alice, bob, dave := randVec(r, testDim), randVec(r, testDim), randVec(r, testDim)
	ix := NewIndex(testDim)
	mustPut := func(p Person, ts ...[]float32) {
		t.Helper()
		if err := ix.Put(p, ts); err != nil {
			t.Fatalf("Put(%s): %v", p.ID, err)
		}
	}
	// Alice has three templates; the query is closest to her second one.
	mustPut(Person{ID: "alice"}, randVec(r, testDim), alice, randVec(r, testDim))
	mustPut(Person{ID: "bob"}, near(r, alice, 0.5), bob)
	mustPut(Person{ID: "carol", Revoked: true}, near(r, alice, 0.95))
	mustPut(Person{ID: "dave", ValidFrom: now.Add(time.Hour)}, near(r, alice, 0.9), dave)
	mustPut(Person{ID: "erin", ValidUntil: now}, near(r, alice, 0.8))
	mustPut(Person{ID: "frank", ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(time.Hour)}, near(r, alice, 0.3))

	q := near(r, alice, 0.99)
	res, err := ix.Search(q, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Best.PersonID != "alice" || math.Abs(float64(res.Best.Score)-0.99) > 1e-3 {
		t.Errorf("best = %+v, want alice at 0.99", res.Best)
	}
	if res.Second.PersonID != "bob" {
		t.Errorf("second = %+v, want bob (carol revoked, dave not yet valid, erin expired)", res.Second)
	}
	if res.Excluded.PersonID != "carol" || res.Why != Revoked {
		t.Errorf("excluded = %+v (%v), want carol (revoked)", res.Excluded, res.Why)
	}
	if res.Compared != 3 {
		t.Errorf("compared %d persons, want 3 (alice, bob, frank)", res.Compared)
	}

	// An hour later dave is valid and outranks bob; frank has expired.
	res, _ = ix.Search(q, now.Add(time.Hour))
	if res.Second.PersonID != "dave" {
		t.Errorf("an hour later second = %+v, want dave", res.Second)
	}
	// Unnormalised queries give the same cosine.
	q2 := append([]float32(nil), q...)
	for i := range q2 {
		q2[i] *= 3
	}
	res2, _ := ix.Search(q2, now)
	if math.Abs(float64(res2.Best.Score-res.Best.Score)) > 1e-4 {
		t.Errorf("scaled query score %v, want %v", res2.Best.Score, res.Best.Score)
	}
}

func TestSearchWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	v := randVec(r, testDim)
	from := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	until := from.Add(10 * time.Hour)
	ix := NewIndex(testDim)
	if err := ix.Put(Person{ID: "p", ValidFrom: from, ValidUntil: until}, [][]float32{v}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at   time.Time
		want Exclusion
	}{
		{from.Add(-time.Nanosecond), NotYetValid},
		{from, Eligible},
		{until.Add(-time.Nanosecond), Eligible},
		{until, Expired},
	}
	for _, tt := range tests {
		res, err := ix.Search(v, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		got := Eligible
		if res.Best.PersonID == "" {
			got = res.Why
		}
		if got != tt.want {
			t.Errorf("at %s: %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestSearchErrors(t *testing.T) {
	ix := NewIndex(4)
	for _, q := range [][]float32{nil, {1, 0, 0}, {0, 0, 0, 0}, {float32(math.NaN()), 0, 0, 1}, {float32(math.Inf(1)), 0, 0, 0}} {
		if _, err := ix.Search(q, time.Now()); !errors.Is(err, ErrBadQuery) {
			t.Errorf("Search(%v) error %v, want ErrBadQuery", q, err)
		}
	}
	res, err := ix.Search([]float32{1, 0, 0, 0}, time.Now())
	if err != nil || res.Best.PersonID != "" || res.Compared != 0 {
		t.Errorf("empty index: %+v, %v; want no match", res, err)
	}
	bad := []struct {
		name string
		p    Person
		ts   [][]float32
	}{
		{"wrong dim", Person{ID: "x"}, [][]float32{{1, 0, 0}}},
		{"nan", Person{ID: "x"}, [][]float32{{1, float32(math.NaN()), 0, 0}}},
		{"zero", Person{ID: "x"}, [][]float32{{0, 0, 0, 0}}},
		{"empty id", Person{}, [][]float32{{1, 0, 0, 0}}},
		{"window", Person{ID: "x", ValidFrom: time.Unix(10, 0), ValidUntil: time.Unix(10, 0)}, [][]float32{{1, 0, 0, 0}}},
	}
	for _, b := range bad {
		if err := ix.Put(b.p, b.ts); err == nil {
			t.Errorf("Put %s: no error", b.name)
		}
	}
	if p, n := ix.Len(); p != 0 || n != 0 {
		t.Errorf("after rejected puts Len = %d, %d; want 0, 0", p, n)
	}
}

func TestIndexUpdates(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ix := NewIndex(testDim)
	now := time.Now()
	vecs := map[string][]float32{}
	// Many adds, replaces and removes exercise the append path and arena rebuilds.
	for round := 0; round < 3000; round++ {
		id := fmt.Sprintf("p%03d", r.IntN(300))
		switch r.IntN(4) {
		case 0:
			ix.Remove(id)
			delete(vecs, id)
		case 1:
			if err := ix.Add(Person{ID: id}, [][]float32{randVec(r, testDim)}); err != nil {
				t.Fatal(err)
			}
			if _, ok := vecs[id]; !ok {
				vecs[id] = nil
			}
		default:
			v := randVec(r, testDim)
			if err := ix.Put(Person{ID: id}, [][]float32{v, randVec(r, testDim)}); err != nil {
				t.Fatal(err)
			}
			vecs[id] = v
		}
	}
	persons, _ := ix.Len()
	if persons != len(vecs) {
		t.Fatalf("Len persons = %d, want %d", persons, len(vecs))
	}
	for id, v := range vecs {
		if v == nil {
			continue // only added random templates; no known vector
		}
		res, err := ix.Search(v, now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Best.PersonID != id || res.Best.Score < 0.999 {
			t.Errorf("search own template of %s: best %+v", id, res.Best)
		}
	}
	if ix.SetPerson(Person{ID: "nobody"}) {
		t.Error("SetPerson of unknown id reported true")
	}
}

func TestSearchDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ix := NewIndex(testDim)
	for i := range 100 {
		if err := ix.Put(Person{ID: fmt.Sprint(i)}, [][]float32{randVec(r, testDim), randVec(r, testDim)}); err != nil {
			t.Fatal(err)
		}
	}
	q := randVec(r, testDim)
	now := time.Now()
	if n := testing.AllocsPerRun(20, func() { _, _ = ix.Search(q, now) }); n != 0 {
		t.Errorf("Search allocates %v times per call, want 0", n)
	}
}

// TestConcurrentSearchAndUpdate runs searches while persons are added,
// replaced, revoked and removed; run with -race. Every search must see a
// consistent snapshot: the "anchor" person, never touched, is always found
// with its exact score.
func TestConcurrentSearchAndUpdate(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	ix := NewIndex(testDim)
	anchor := randVec(r, testDim)
	if err := ix.Put(Person{ID: "anchor"}, [][]float32{anchor}); err != nil {
		t.Fatal(err)
	}
	templates := make([][]float32, 64)
	for i := range templates {
		templates[i] = randVec(r, testDim)
	}
	now := time.Now()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, 4)
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := ix.Search(anchor, now)
				if err != nil {
					errc <- err
					return
				}
				if res.Best.PersonID != "anchor" || res.Best.Score < 0.9999 {
					errc <- fmt.Errorf("searcher %d: best %+v, want anchor at 1", g, res.Best)
					return
				}
			}
		}()
	}
	for i := range 2000 {
		id := fmt.Sprint("p", i%50)
		switch i % 5 {
		case 0:
			ix.Remove(id)
		case 1:
			ix.SetPerson(Person{ID: id, Revoked: true})
		case 2:
			_ = ix.Add(Person{ID: id}, templates[i%64:i%64+1])
		default:
			_ = ix.Put(Person{ID: id}, templates[i%60:i%60+3])
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatal(err)
	default:
	}
}
