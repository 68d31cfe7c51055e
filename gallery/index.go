package gallery

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// ErrBadQuery reports a query embedding that cannot be searched: wrong
// dimension, or a norm that is zero, infinite or NaN.
var ErrBadQuery = errors.New("gallery: bad query embedding")

// Exclusion says why a person was left out of matching.
type Exclusion uint8

// Reasons a person is excluded from matching at a given time.
const (
	// Eligible means the person takes part in matching.
	Eligible Exclusion = iota
	// Revoked means an admin disabled the person.
	Revoked
	// NotYetValid means the time is before the person's ValidFrom.
	NotYetValid
	// Expired means the time is at or after the person's ValidUntil.
	Expired
)

// String returns the reason as a word for events and logs.
func (e Exclusion) String() string {
	switch e {
	case Eligible:
		return "eligible"
	case Revoked:
		return "revoked"
	case NotYetValid:
		return "not-yet-valid"
	case Expired:
		return "expired"
	}
	return fmt.Sprintf("exclusion(%d)", uint8(e))
}

// Match is one person's best similarity to a query.
type Match struct {
	// PersonID is empty when there is no such match.
	PersonID string
	// Score is the cosine similarity in [-1, 1] of the person's best template.
	Score float32
}

// Result is the outcome of one 1:N search.
type Result struct {
	// Best is the eligible person with the highest score.
	Best Match
	// Second is the highest score among the other eligible persons; the
	// margin Best.Score-Second.Score shows how distinct the match is.
	Second Match
	// Excluded is the highest-scoring person left out of matching
	// (revoked or outside the validity window), so a caller can tell
	// "unknown face" from "known face, not allowed now"; never a grant.
	Excluded Match
	// Why says why Excluded was left out.
	Why Exclusion
	// Compared is the number of eligible persons compared.
	Compared int
	// Degraded is true while the gallery was rebuilt empty after a failed
	// integrity check and no resync has completed: face grants must be
	// refused even if Best scores high.
	Degraded bool
}

// entry is one person in a snapshot: a slot range in the arena plus what
// eligibility needs.
type entry struct {
	id          string
	start, n    int // slot range [start, start+n) in the arena
	from, until int64
	revoked     bool
}

// snapshot is an immutable view of the index. arena[:len] is never written
// after publication; writers only append beyond len or build a new arena.
type snapshot struct {
	arena []float32
	// codes and meta are the int8 form of arena's slots (stride8(dim)
	// codes and one qmeta per slot), maintained in step with it when the
	// index searches in int8; nil otherwise.
	codes    []int8
	meta     []qmeta
	people   []entry
	live     int // live template slots
	degraded bool
}

// Index is an in-memory 1:N search index over L2-normalised templates. It is
// safe for concurrent use: Search is lock-free and allocation-free and sees
// a consistent snapshot; updates are serialised and published atomically.
type Index struct {
	dim int
	// s8 is the int8 row stride, 0 when the index does not keep int8
	// templates (dimension above maxDim8).
	s8  int
	cur atomic.Pointer[snapshot]

	mu  sync.Mutex     // serialises writers
	pos map[string]int // person id -> index in cur.people; guarded by mu
}

// NewIndex returns an empty index for embeddings of dimension dim. On CPUs
// with an int8 SIMD kernel (amd64 AVX2 or AVX-512 VNNI, arm64) it keeps
// an int8 copy of every template for a faster scan; elsewhere (armv7, the
// purego build) the portable int8 kernel is slower than the float scan, so
// it keeps only the float templates. Results are the same either way.
func NewIndex(dim int) *Index {
	return newIndex(dim, dots8 != kernGo)
}

// newIndex is NewIndex with the int8 form chosen by the caller (tests force
// it to run the portable kernel); it is never kept above maxDim8.
func newIndex(dim int, int8Form bool) *Index {
	ix := &Index{dim: dim, pos: map[string]int{}}
	if int8Form && dim > 0 && dim <= maxDim8 {
		ix.s8 = stride8(dim)
	}
	ix.cur.Store(&snapshot{})
	return ix
}

// Dim is the embedding dimension the index holds.
func (ix *Index) Dim() int { return ix.dim }

// Len returns the number of persons and of templates in the index.
func (ix *Index) Len() (persons, templates int) {
	s := ix.cur.Load()
	return len(s.people), s.live
}

// Search compares q with every template and returns the best and
// second-best eligible person at time now. q need not be normalised (scores
// are divided by its norm). It returns ErrBadQuery for a query of the wrong
// dimension or without a usable norm. Search does not allocate.
//
// The scan runs on the int8 templates and re-scores in float32 only the
// persons that can still rank (see searchInt8); the Result is identical to
// the exhaustive float32 search, scores bit for bit.
func (ix *Index) Search(q []float32, now time.Time) (Result, error) {
	s := ix.cur.Load()
	inv, err := ix.checkQuery(q)
	if err != nil {
		return Result{}, err
	}
	if ix.s8 != 0 {
		if res, ok := ix.searchInt8(s, q, inv, now); ok {
			return res, nil
		}
	}
	return ix.searchFloat(s, q, inv, now), nil
}

// checkQuery validates q and returns 1/‖q‖ as the float search computes it.
func (ix *Index) checkQuery(q []float32) (float32, error) {
	if len(q) != ix.dim {
		return 0, fmt.Errorf("%w: %d values, want %d", ErrBadQuery, len(q), ix.dim)
	}
	qq := dot(q, q)
	if !(qq > 1e-12) || math.IsInf(float64(qq), 0) {
		return 0, fmt.Errorf("%w: norm² %v", ErrBadQuery, qq)
	}
	return float32(1 / math.Sqrt(float64(qq))), nil
}

// personScore is a person's score as the float search defines it: the
// largest float32 dot product of q with one of the person's templates vs
// (n×dim values), -Inf when there are none. Both searches call it, so a
// re-scored person gets exactly the float search's value.
func personScore(q, vs []float32, dim int) float32 {
	m := float32(math.Inf(-1))
	for len(vs) >= dim {
		if d := dot(q, vs[:dim]); d > m {
			m = d
		}
		vs = vs[dim:]
	}
	return m
}

// exclusion says whether e takes part in matching at t (Unix ns).
func (e *entry) exclusion(t int64) Exclusion {
	switch {
	case e.revoked:
		return Revoked
	case t < e.from:
		return NotYetValid
	case t >= e.until:
		return Expired
	}
	return Eligible
}

// searchFloat is the exhaustive float32 search: the definition of Search's
// result. inv is 1/‖q‖ from checkQuery.
func (ix *Index) searchFloat(s *snapshot, q []float32, inv float32, now time.Time) Result {
	dim := ix.dim
	t := now.UnixNano()
	rk := newRanker()
	compared := 0
	arena, people := s.arena, s.people
	for i := range people {
		e := &people[i]
		m := personScore(q, arena[e.start*dim:(e.start+e.n)*dim], dim)
		why := e.exclusion(t)
		if why == Eligible {
			compared++
		}
		rk.add(i, m, why)
	}
	return rk.result(s, inv, compared)
}

// ranker keeps the best and second-best eligible person and the best
// excluded one while persons are offered in snapshot order. Ties go to the
// person offered first, so the outcome depends only on the persons that
// score at least the final second-best (eligible) or best (excluded): a
// search may leave out persons provably below those and get the same Result.
type ranker struct {
	best, second, excl    float32
	bestI, secondI, exclI int
	why                   Exclusion
}

func newRanker() ranker {
	inf := float32(math.Inf(-1))
	return ranker{best: inf, second: inf, excl: inf, bestI: -1, secondI: -1, exclI: -1}
}

// add offers person i with score m and exclusion why.
func (r *ranker) add(i int, m float32, why Exclusion) {
	if why != Eligible {
		if m > r.excl {
			r.excl, r.exclI, r.why = m, i, why
		}
		return
	}
	switch {
	case m > r.best:
		r.second, r.secondI = r.best, r.bestI
		r.best, r.bestI = m, i
	case m > r.second:
		r.second, r.secondI = m, i
	}
}

// result turns the ranking into a Result; inv is 1/‖q‖.
func (r *ranker) result(s *snapshot, inv float32, compared int) Result {
	res := Result{Degraded: s.degraded, Compared: compared}
	if r.bestI >= 0 {
		res.Best = Match{PersonID: s.people[r.bestI].id, Score: r.best * inv}
	}
	if r.secondI >= 0 {
		res.Second = Match{PersonID: s.people[r.secondI].id, Score: r.second * inv}
	}
	if r.exclI >= 0 {
		res.Excluded = Match{PersonID: s.people[r.exclI].id, Score: r.excl * inv}
		res.Why = r.why
	}
	return res
}

// Put sets p's metadata and replaces all of p's templates. Templates are
// checked and L2-normalised; on error the index is unchanged.
func (ix *Index) Put(p Person, templates [][]float32) error {
	return ix.update(p, templates, false)
}

// Add sets p's metadata and appends templates to p's existing ones (p is
// created if absent). On error the index is unchanged.
func (ix *Index) Add(p Person, templates [][]float32) error {
	return ix.update(p, templates, true)
}

// SetPerson updates the metadata (window, revoked) of a person already in
// the index, keeping its templates. It reports whether the person exists.
func (ix *Index) SetPerson(p Person) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.cur.Load()
	i, ok := ix.pos[p.ID]
	if !ok {
		return false
	}
	next := *old
	next.people = append([]entry(nil), old.people...)
	e := &next.people[i]
	e.from, e.until = p.window()
	e.revoked = p.Revoked
	ix.cur.Store(&next)
	return true
}

// Remove deletes a person and its templates from the index and reports
// whether it was present. The template slots are reclaimed by the next
// arena rebuild.
func (ix *Index) Remove(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.cur.Load()
	i, ok := ix.pos[id]
	if !ok {
		return false
	}
	next := *old
	people := make([]entry, 0, len(old.people))
	people = append(people, old.people[:i]...)
	people = append(people, old.people[i+1:]...)
	for j := i; j < len(people); j++ {
		ix.pos[people[j].id] = j
	}
	delete(ix.pos, id)
	next.live -= old.people[i].n
	next.people = people
	ix.cur.Store(&next)
	return true
}

// setDegraded sets the flag copied into every Result.
func (ix *Index) setDegraded(d bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	next := *ix.cur.Load()
	next.degraded = d
	ix.cur.Store(&next)
}

// reset empties the index, keeping the degraded flag.
func (ix *Index) reset() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.pos = map[string]int{}
	ix.cur.Store(&snapshot{degraded: ix.cur.Load().degraded})
}

func (ix *Index) update(p Person, templates [][]float32, add bool) error {
	if err := p.Validate(); err != nil {
		return err
	}
	norm, err := normalizeAll(templates, ix.dim)
	if err != nil {
		return fmt.Errorf("person %q: %w", p.ID, err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.cur.Load()
	dim := ix.dim

	next := *old
	next.people = make([]entry, len(old.people), len(old.people)+1)
	copy(next.people, old.people)
	i, exists := ix.pos[p.ID]
	var keep []float32 // existing templates carried over when adding
	var keep8 []int8   // and their int8 form
	var keepm []qmeta
	if exists {
		e := old.people[i]
		next.live -= e.n
		if add {
			keep = old.arena[e.start*dim : (e.start+e.n)*dim]
			if ix.s8 != 0 {
				keep8 = old.codes[e.start*ix.s8 : (e.start+e.n)*ix.s8]
				keepm = old.meta[e.start : e.start+e.n]
			}
		}
	} else {
		i = len(next.people)
		next.people = append(next.people, entry{id: p.ID})
	}
	n := len(keep)/dim + len(norm)
	need := n * dim

	// Rebuild into a fresh arena when the spare capacity is too small or
	// more than half of the used slots are dead; otherwise append into the
	// spare capacity, which no published snapshot can see.
	used := len(old.arena) / dim
	dead := used - old.live
	if exists {
		dead += old.people[i].n
	}
	if cap(old.arena)-len(old.arena) < need || (dead > 1024 && dead > used/2) {
		next.arena, next.codes, next.meta = ix.rebuild(next.people, i, n)
	}
	// Appending writes only beyond the lengths any published snapshot
	// sees (or reallocates).
	start := len(next.arena) / dim
	next.arena = append(next.arena, keep...)
	for _, t := range norm {
		next.arena = append(next.arena, t...)
	}
	if ix.s8 != 0 {
		next.codes = append(next.codes, keep8...)
		next.meta = append(next.meta, keepm...)
		for _, t := range norm {
			var m qmeta
			next.codes, m = quantize(next.codes, t, ix.s8)
			next.meta = append(next.meta, m)
		}
	}
	from, until := p.window()
	next.people[i] = entry{id: p.ID, start: start, n: n, from: from, until: until, revoked: p.Revoked}
	next.live += n
	ix.pos[p.ID] = i
	ix.cur.Store(&next)
	return nil
}

// rebuild copies the live templates of people (except person skip, whose
// templates the caller appends) into a new arena (and int8 arrays) with
// room for extra more slots, rewriting the slot ranges in people. people
// must be a private copy.
func (ix *Index) rebuild(people []entry, skip, extra int) ([]float32, []int8, []qmeta) {
	old := ix.cur.Load()
	dim, s8 := ix.dim, ix.s8
	live := 0
	for j := range people {
		if j != skip {
			live += people[j].n
		}
	}
	slots := live + extra
	slots += slots/2 + 64
	arena := make([]float32, 0, slots*dim)
	var codes []int8
	var meta []qmeta
	if s8 != 0 {
		codes = make([]int8, 0, slots*s8)
		meta = make([]qmeta, 0, slots)
	}
	for j := range people {
		if j == skip {
			continue
		}
		e := &people[j]
		start := len(arena) / dim
		arena = append(arena, old.arena[e.start*dim:(e.start+e.n)*dim]...)
		if s8 != 0 {
			codes = append(codes, old.codes[e.start*s8:(e.start+e.n)*s8]...)
			meta = append(meta, old.meta[e.start:e.start+e.n]...)
		}
		e.start = start
	}
	return arena, codes, meta
}

// Enrolled is a person with its templates, the unit of a bulk Load.
type Enrolled struct {
	Person
	// Templates are the person's embeddings (normalised by Load).
	Templates [][]float32
}

// Load replaces the whole index content with people in one step (one arena,
// one publication). Duplicate ids and invalid templates are errors; on error
// the index is unchanged.
func (ix *Index) Load(people []Enrolled) error {
	dim := ix.dim
	total := 0
	for _, p := range people {
		total += len(p.Templates)
	}
	slots := total + total/4 + 64
	arena := make([]float32, 0, slots*dim)
	var codes []int8
	var meta []qmeta
	if ix.s8 != 0 {
		codes = make([]int8, 0, slots*ix.s8)
		meta = make([]qmeta, 0, slots)
	}
	entries := make([]entry, 0, len(people))
	pos := make(map[string]int, len(people))
	for _, p := range people {
		if err := p.Validate(); err != nil {
			return err
		}
		if _, dup := pos[p.ID]; dup {
			return fmt.Errorf("%w: duplicate id %q", ErrInvalidPerson, p.ID)
		}
		start := len(arena) / dim
		for i, t := range p.Templates {
			n, err := normalize(t, dim)
			if err != nil {
				return fmt.Errorf("person %q: template %d: %w", p.ID, i, err)
			}
			arena = append(arena, n...)
			if ix.s8 != 0 {
				var m qmeta
				codes, m = quantize(codes, n, ix.s8)
				meta = append(meta, m)
			}
		}
		from, until := p.window()
		pos[p.ID] = len(entries)
		entries = append(entries, entry{id: p.ID, start: start, n: len(p.Templates), from: from, until: until, revoked: p.Revoked})
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.pos = pos
	ix.cur.Store(&snapshot{arena: arena, codes: codes, meta: meta, people: entries, live: total, degraded: ix.cur.Load().degraded})
	return nil
}
