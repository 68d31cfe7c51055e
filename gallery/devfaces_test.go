package gallery

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/eval"
	"github.com/facegate/facegate/internal/testfaces"
)

// TestDevGalleryInt8Ranking enrolls the dev set's faces (real MobileFaceNet
// embeddings) and checks, for every dev image as a probe, that the int8
// search gives exactly the float search's answer: the same Result (top-1
// identity, second, scores bit for bit) and the same top-k order. Two
// galleries: one person per identity (every other image as a template) and
// one person per image (many near-identical scores to order). It also logs
// how often the int8 approximation alone would have ranked the same and how
// many persons needed float re-scoring.
func TestDevGalleryInt8Ranking(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	cfg := infer.Config{
		DetectorModel: testfaces.Model(t, "face_detection_short_range.tflite"),
		EmbedderModel: testfaces.Model(t, "MobileFaceNet.tflite"),
	}.WithDefaults()
	imgs, err := eval.LoadDir(dev)
	if err != nil {
		t.Fatal(err)
	}
	m, err := infer.LoadModels(cfg)
	if err != nil {
		t.Fatal(err)
	}
	embs, err := eval.Embed(context.Background(), imgs, eval.EmbedOptions{Config: cfg, Models: m, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}

	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	byID := newIndex(infer.EmbeddingDim, true)
	byImage := newIndex(infer.EmbeddingDim, true)
	var ids []string
	templates := map[string][][]float32{}
	var perImage []Enrolled
	for i, im := range imgs {
		if _, ok := templates[im.Identity]; !ok {
			ids = append(ids, im.Identity)
			templates[im.Identity] = nil
		}
		n := 0
		for j := range i {
			if imgs[j].Identity == im.Identity {
				n++
			}
		}
		if n%2 == 0 {
			templates[im.Identity] = append(templates[im.Identity], embs[i].Embedding)
		}
		perImage = append(perImage, Enrolled{Person: Person{ID: fmt.Sprintf("%s/%d", im.Identity, n)}, Templates: [][]float32{embs[i].Embedding}})
	}
	var perID []Enrolled
	for _, id := range ids {
		perID = append(perID, Enrolled{Person: Person{ID: id}, Templates: templates[id]})
	}
	if err := byID.Load(perID); err != nil {
		t.Fatal(err)
	}
	if err := byImage.Load(perImage); err != nil {
		t.Fatal(err)
	}

	for _, g := range []struct {
		name string
		ix   *Index
	}{{"per-identity", byID}, {"per-image", byImage}} {
		const k = 10
		s := g.ix.cur.Load()
		rawSame, rawTop1, maxCands, sumCands := 0, 0, 0, 0
		var got []Match
		for i, e := range embs {
			q := e.Embedding
			inv, err := g.ix.checkQuery(q)
			if err != nil {
				t.Fatal(err)
			}
			want := g.ix.searchFloat(s, q, inv, now)
			res, ok := g.ix.searchInt8(s, q, inv, now)
			if !ok || res != want {
				t.Errorf("%s: probe %s: int8 search %+v (ok %v), float %+v", g.name, imgs[i].Path, res, ok, want)
			}
			tk := topK{k: k}
			g.ix.topKFloat(s, q, now.UnixNano(), &tk)
			var wantK []Match
			for j := range tk.n {
				wantK = append(wantK, Match{PersonID: s.people[tk.idx[j]].id, Score: tk.score[j] * inv})
			}
			if got, err = g.ix.SearchTopK(q, now, k, got[:0]); err != nil || !slices.Equal(got, wantK) {
				t.Errorf("%s: probe %s top-%d:\n got %v, %v\nwant %v", g.name, imgs[i].Path, k, got, err, wantK)
			}
			raw, cands := approxTopK(g.ix, s, q, k)
			if slices.Equal(raw, tk.idx[:tk.n]) {
				rawSame++
			}
			if len(raw) > 0 && tk.n > 0 && raw[0] == tk.idx[0] {
				rawTop1++
			}
			sumCands += cands
			maxCands = max(maxCands, cands)
		}
		p, n := g.ix.Len()
		t.Logf("%s gallery (%d persons, %d templates), %d probes: int8-only top-1 equal to float for %d, top-%d order for %d; re-scored persons per search mean %.1f, max %d (top-%d)",
			g.name, p, n, len(embs), rawTop1, k, rawSame, float64(sumCands)/float64(len(embs)), maxCands, k)
	}
}

// approxTopK ranks the persons by the int8 approximation alone (the best
// s_q·s_t·d of each) and returns the k best person indexes, and the number
// of persons SearchTopK re-scores for k.
func approxTopK(ix *Index, s *snapshot, q []float32, k int) ([]int, int) {
	var sc scan8
	sc.init(q, ix.dim, ix.s8)
	set := candSet{k: k}
	tk := topK{k: k}
	var out [64]int32
	for i := range s.people {
		e := &s.people[i]
		lo, hi := sc.bounds(s, e)
		set.add(i, lo, hi)
		best := math.Inf(-1)
		for j := 0; j < e.n; j += len(out) {
			n := min(len(out), e.n-j)
			slot := e.start + j
			d := out[:n]
			sc.kern.run(&sc.q, s.codes[slot*ix.s8:(slot+n)*ix.s8], s.meta[slot:slot+n], d)
			for t := range d {
				best = max(best, sc.q.scale*float64(s.meta[slot+t].scale)*float64(d[t]))
			}
		}
		tk.add(i, float32(best))
	}
	set.prune()
	return slices.Clone(tk.idx[:tk.n]), set.n
}
