package gallery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// TestRandomCorruption flips random bytes of a valid store file. Open must
// never panic, fault or hang; it either quarantines the file, or (one bbolt
// meta page damaged) opens the previous transaction flagged degraded, or,
// when the flip hit unused space, loads exactly the data that was stored.
func TestRandomCorruption(t *testing.T) {
	f := newFixture(t)
	s := f.open()
	want := map[string]int{}
	for i := range 12 {
		id := fmt.Sprintf("person-%02d", i)
		mustEnroll(t, s, Person{ID: id, Name: "N"}, f.vecs(1+i%3))
		want[id] = 1 + i%3
	}
	_ = s.Close()
	orig, err := os.ReadFile(f.cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(99, uint64(len(orig))))
	quarantined, rolledBack := 0, 0
	const rounds = 60
	for round := range rounds {
		b := append([]byte(nil), orig...)
		for range 1 + r.IntN(4) {
			b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
		}
		if err := os.WriteFile(f.cfg.Path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := Open(context.Background(), f.cfg)
		if err != nil {
			t.Fatalf("round %d: Open error %v (want quarantine or success)", round, err)
		}
		if q := st.Quarantined(); q != nil {
			quarantined++
			_ = os.Remove(q.MovedTo)
		} else {
			m, err := st.Manifest()
			_, degraded := st.Degraded()
			if degraded {
				rolledBack++
			}
			if err != nil || len(m) != len(want) && !(degraded && len(m) == len(want)-1) {
				t.Fatalf("round %d: accepted store (degraded %v) has manifest %+v, %v", round, degraded, m, err)
			}
			for _, e := range m {
				if want[e.PersonID] != e.Templates {
					t.Fatalf("round %d: accepted store altered: %+v", round, e)
				}
			}
		}
		_ = st.Close()
	}
	t.Logf("%d of %d corrupted files quarantined, %d opened degraded at the previous transaction, the rest had flips only in unused space", quarantined, rounds, rolledBack)
	if quarantined == 0 {
		t.Error("no corruption detected at all")
	}
}
