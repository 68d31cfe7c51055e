package infer

import (
	"context"
	"image"
	"image/color"
	"strings"
	"testing"
)

// fakeNets returns a detector that finds one face (eyes 64 px apart in a
// 256×256 frame, centred) and an embedder whose output is the mean of
// its input channels.
func fakeNets() (Nets, *fakeNet, *fakeNet) {
	det := newFakeDetectorNet(ShortRange)
	idx := 512 + (4*8+4)*6 // stride-16 cell (4, 4): centre (4.5/8, 4.5/8)
	det.outs[1][idx] = 5
	r := det.outs[0][idx*16:]
	r[2], r[3] = 64, 64
	// Keypoints relative to the anchor, in 128-px input units (the
	// 256-px frame is scaled by 1/2): eyes ±16 (±32 px in the frame).
	kps := [6][2]float32{{-16, -8}, {16, -8}, {0, 4}, {0, 16}, {-28, 0}, {28, 0}}
	for k, p := range kps {
		r[4+2*k], r[5+2*k] = p[0], p[1]
	}
	emb := &fakeNet{in: make([]float32, CropSize*CropSize*3), outs: [][]float32{make([]float32, EmbeddingDim)}}
	emb.onInvoke = func(in []float32, outs [][]float32) {
		for i := range outs[0] {
			outs[0][i] = in[(i*97)%len(in)] + 2
		}
	}
	return Nets{Detector: det, Embedder: emb}, det, emb
}

func texture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(60 + 100*((x/3+y/3)%2))
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	return img
}

func TestPipelineProcess(t *testing.T) {
	nets, _, emb := fakeNets()
	p, err := NewPipelineNets(Config{}, nets)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Process(context.Background(), texture(256, 256))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Faces) != 1 || r.Pass != PassShortRange {
		t.Fatalf("%d faces, pass %s; want 1 face from short_range", len(r.Faces), r.Pass)
	}
	f := r.Faces[0]
	if d := f.EyeDistance(); d < 63.9 || d > 64.1 {
		t.Errorf("eye distance %v, want 64", d)
	}
	if !f.Quality.OK() || f.Embedding == nil || f.Aligned == nil {
		t.Fatalf("face not embedded: %+v", f.Quality)
	}
	// Flip is on by default: two embedder runs.
	if emb.invokes != 2 {
		t.Errorf("embedder ran %d times, want 2 (flip)", emb.invokes)
	}
	if n := Cosine(f.Embedding, f.Embedding); n < 0.999 || n > 1.001 {
		t.Errorf("embedding not unit length: %v", n)
	}

	// Steady state: no allocations per frame.
	img := texture(256, 256)
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := p.Process(context.Background(), img); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("Process allocates %v times per frame in steady state, want 0", allocs)
	}
}

func TestPipelineNoFaceAndSmallSearch(t *testing.T) {
	nets, det, _ := fakeNets()
	for i := range det.outs[1] {
		det.outs[1][i] = -10
	}
	// The detector "sees" a face only after its first run on the frame,
	// i.e. on the tiles.
	det.onInvoke = func(in []float32, outs [][]float32) {
		outs[1][512] = -10
		if det.invokes > 1 {
			outs[1][512] = 5
		}
	}
	p, err := NewPipelineNets(Config{SmallFaceInterval: 3}, nets)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Process(context.Background(), texture(200, 100))
	if err != nil {
		t.Fatal(err)
	}
	if r.Pass != PassSmallSearch || len(r.Faces) == 0 {
		t.Fatalf("pass %s with %d faces, want small_face_search to report the face", r.Pass, len(r.Faces))
	}
	if det.invokes != 5 {
		t.Errorf("detector ran %d times, want 5 (frame + 4 tiles)", det.invokes)
	}
	// The face is tiny (keypoints all at the anchor): the gate says why.
	if q := r.Faces[0].Quality; q.OK() || !strings.Contains(strings.Join(q.Reasons, ";"), "degenerate") && !strings.Contains(strings.Join(q.Reasons, ";"), "too small") {
		t.Errorf("tiny face passed the gate: %+v", q)
	}

	// With nothing anywhere, the search runs on one empty frame in three:
	// frame 1 searches (5 runs), frames 2 and 3 do not (1 run each), frame 4
	// searches again.
	det.onInvoke = nil
	det.outs[1][512] = -10
	det.invokes = 0
	p2, _ := NewPipelineNets(Config{SmallFaceInterval: 3}, nets)
	var runs []int
	for i := 0; i < 4; i++ {
		before := det.invokes
		r, err = p2.Process(context.Background(), texture(200, 100))
		if err != nil || r.Pass != PassNone || len(r.Faces) != 0 {
			t.Fatalf("no face: pass %s, %d faces, err %v", r.Pass, len(r.Faces), err)
		}
		runs = append(runs, det.invokes-before)
	}
	if runs[0] != 5 || runs[1] != 1 || runs[2] != 1 || runs[3] != 5 {
		t.Errorf("detector runs per empty frame %v, want [5 1 1 5]", runs)
	}
	det.invokes = 0
	p3, _ := NewPipelineNets(Config{NoSmallFaceSearch: true}, nets)
	if _, err := p3.Process(context.Background(), texture(200, 100)); err != nil || det.invokes != 1 {
		t.Errorf("search disabled: %d detector runs (err %v), want 1", det.invokes, err)
	}
}

func BenchmarkPipelineProcessFakeNets(b *testing.B) {
	nets, _, _ := fakeNets()
	p, err := NewPipelineNets(Config{}, nets)
	if err != nil {
		b.Fatal(err)
	}
	img := texture(640, 480)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Process(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
}
