package gallery

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkSearch measures one exhaustive 1:N search over n templates of
// dimension 192 (4 templates per person). Target: ≤ 20 ms at 100k on one core
// (run with -cpu 1).
func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("templates=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, uint64(n)))
			ix := NewIndex(testDim)
			const per = 4
			all := make([]Enrolled, n/per)
			for p := range all {
				ts := make([][]float32, per)
				for i := range ts {
					ts[i] = randVec(r, testDim)
				}
				all[p] = Enrolled{Person: Person{ID: fmt.Sprintf("person-%06d", p)}, Templates: ts}
			}
			if err := ix.Load(all); err != nil {
				b.Fatal(err)
			}
			q := randVec(r, testDim)
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := ix.Search(q, now); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*testDim)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}
