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
	arena    []float32
	people   []entry
	live     int // live template slots
	degraded bool
}

// Index is an in-memory 1:N search index over L2-normalised templates. It is
// safe for concurrent use: Search is lock-free and allocation-free and sees
// a consistent snapshot; updates are serialised and published atomically.
type Index struct {
	dim int
	cur atomic.Pointer[snapshot]

	mu  sync.Mutex     // serialises writers
	pos map[string]int // person id -> index in cur.people; guarded by mu
}

// NewIndex returns an empty index for embeddings of dimension dim.
func NewIndex(dim int) *Index {
	ix := &Index{dim: dim, pos: map[string]int{}}
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
func (ix *Index) Search(q []float32, now time.Time) (Result, error) {
	s := ix.cur.Load()
	dim := ix.dim
	if len(q) != dim {
		return Result{}, fmt.Errorf("%w: %d values, want %d", ErrBadQuery, len(q), dim)
	}
	qq := dot(q, q)
	if !(qq > 1e-12) || math.IsInf(float64(qq), 0) {
		return Result{}, fmt.Errorf("%w: norm² %v", ErrBadQuery, qq)
	}
	inv := float32(1 / math.Sqrt(float64(qq)))
	t := now.UnixNano()

	res := Result{Degraded: s.degraded}
	best, second, excl := float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1))
	bestI, secondI, exclI := -1, -1, -1
	arena, people := s.arena, s.people
	for i := range people {
		e := &people[i]
		// One slice check per person; the template and dot loops below
		// compile without bounds checks.
		vs := arena[e.start*dim : (e.start+e.n)*dim]
		m := float32(math.Inf(-1))
		for len(vs) >= dim {
			if d := dot(q, vs[:dim]); d > m {
				m = d
			}
			vs = vs[dim:]
		}
		why := Eligible
		switch {
		case e.revoked:
			why = Revoked
		case t < e.from:
			why = NotYetValid
		case t >= e.until:
			why = Expired
		}
		if why != Eligible {
			if m > excl {
				excl, exclI, res.Why = m, i, why
			}
			continue
		}
		res.Compared++
		switch {
		case m > best:
			second, secondI = best, bestI
			best, bestI = m, i
		case m > second:
			second, secondI = m, i
		}
	}
	if bestI >= 0 {
		res.Best = Match{PersonID: s.people[bestI].id, Score: best * inv}
	}
	if secondI >= 0 {
		res.Second = Match{PersonID: s.people[secondI].id, Score: second * inv}
	}
	if exclI >= 0 {
		res.Excluded = Match{PersonID: s.people[exclI].id, Score: excl * inv}
	} else {
		res.Why = Eligible
	}
	return res, nil
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
	if exists {
		e := old.people[i]
		next.live -= e.n
		if add {
			keep = old.arena[e.start*dim : (e.start+e.n)*dim]
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
		next.arena = ix.rebuild(next.people, i, need)
	} else {
		next.arena = old.arena
	}
	start := len(next.arena) / dim
	next.arena = append(next.arena, keep...)
	for _, t := range norm {
		next.arena = append(next.arena, t...)
	}
	from, until := p.window()
	next.people[i] = entry{id: p.ID, start: start, n: n, from: from, until: until, revoked: p.Revoked}
	next.live += n
	ix.pos[p.ID] = i
	ix.cur.Store(&next)
	return nil
}

// rebuild copies the live templates of people (except person skip, whose
// templates the caller appends) into a new arena with room for extra more
// values, rewriting the slot ranges in people. people must be a private copy.
func (ix *Index) rebuild(people []entry, skip, extra int) []float32 {
	old := ix.cur.Load().arena
	dim := ix.dim
	live := 0
	for j := range people {
		if j != skip {
			live += people[j].n
		}
	}
	size := live*dim + extra
	arena := make([]float32, 0, size+size/2+64*dim)
	for j := range people {
		if j == skip {
			continue
		}
		e := &people[j]
		start := len(arena) / dim
		arena = append(arena, old[e.start*dim:(e.start+e.n)*dim]...)
		e.start = start
	}
	return arena
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
	arena := make([]float32, 0, total*dim+total*dim/4+64*dim)
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
		}
		from, until := p.window()
		pos[p.ID] = len(entries)
		entries = append(entries, entry{id: p.ID, start: start, n: len(p.Templates), from: from, until: until, revoked: p.Revoked})
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.pos = pos
	ix.cur.Store(&snapshot{arena: arena, people: entries, live: total, degraded: ix.cur.Load().degraded})
	return nil
}
