package infer

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"path/filepath"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

func testPipeline(t *testing.T) *Pipeline {
	t.Helper()
	return pipelineWith(t, Config{
		DetectorModel: testfaces.Model(t, "face_detection_short_range.tflite"),
		EmbedderModel: testfaces.Model(t, "MobileFaceNet.tflite"),
	})
}

// pipelineWith loads cfg's models and builds a pipeline closed at the end
// of the test.
func pipelineWith(tb testing.TB, cfg Config) *Pipeline {
	tb.Helper()
	m, err := LoadModels(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := NewPipeline(cfg, m)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p
}

// TestDetectAlignEmbed runs the real models on dev images: the same
// person must score higher than different people.
func TestDetectAlignEmbed(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	p := testPipeline(t)
	ctx := context.Background()
	embed := func(rel string) []float32 {
		img, err := DecodeFile(filepath.Join(dev, rel))
		if err != nil {
			t.Fatal(err)
		}
		dets, pass, err := p.Detect(ctx, img)
		if err != nil {
			t.Fatal(err)
		}
		if len(dets) == 0 || pass != PassShortRange {
			t.Fatalf("%s: %d faces (pass %s), want ≥ 1", rel, len(dets), pass)
		}
		best := 0
		for i, d := range dets {
			if d.Box.Area() > dets[best].Box.Area() {
				best = i
			}
		}
		m, err := AlignMap(dets[best].Keypoints)
		if err != nil {
			t.Fatal(err)
		}
		e := make([]float32, EmbeddingDim)
		if err := p.EmbedMap(ctx, img, m, false, e, nil); err != nil {
			t.Fatal(err)
		}
		return e
	}
	a1 := embed("df_angelina_jolie/1.jpg")
	a2 := embed("df_angelina_jolie/2.jpg")
	m1 := embed("df_matt_damon/1.jpg")
	l1 := embed("lfw_condoleezza_rice/1.jpg")
	l2 := embed("lfw_condoleezza_rice/2.jpg")
	gen1, gen2 := Cosine(a1, a2), Cosine(l1, l2)
	for _, imp := range []float32{Cosine(a1, m1), Cosine(a2, m1), Cosine(a1, l1), Cosine(m1, l2)} {
		if !(gen1 > imp && gen2 > imp) {
			t.Errorf("genuine %.3f, %.3f not above impostor %.3f", gen1, gen2, imp)
		}
	}
	if gen1 < 0.4 || gen2 < 0.4 {
		t.Errorf("genuine similarities %.3f, %.3f are implausibly low", gen1, gen2)
	}
}

// TestProcess checks what the daemon gets: a gated, aligned, embedded face.
func TestProcess(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	p := testPipeline(t)
	img, err := DecodeFile(filepath.Join(dev, "df_angelina_jolie/1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Process(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Faces) != 1 {
		t.Fatalf("%d faces, want 1", len(r.Faces))
	}
	f := r.Faces[0]
	if !f.Quality.OK() || f.Embedding == nil || f.Aligned == nil || f.Aligned.Rect.Dx() != CropSize {
		t.Fatalf("face not embedded: quality %+v, embedding %v", f.Quality, f.Embedding != nil)
	}
	if n := Cosine(f.Embedding, f.Embedding); n < 0.999 || n > 1.001 {
		t.Errorf("embedding norm² %v, want 1", n)
	}
	if f.Score < 0.5 || f.EyeDistance() < 60 {
		t.Errorf("score %v eye distance %v: implausible for a 1024-px portrait", f.Score, f.EyeDistance())
	}
	// Keypoint geometry of an upright frontal portrait: the person's right
	// eye on the image's left, eyes above the nose above the mouth.
	kp := f.Keypoints
	if !(kp[RightEye].X < kp[LeftEye].X && kp[RightEye].Y < kp[NoseTip].Y && kp[NoseTip].Y < kp[MouthCentre].Y && kp[RightEar].X < kp[RightEye].X && kp[LeftEar].X > kp[LeftEye].X) {
		t.Errorf("implausible keypoints %v", kp)
	}
	keep := f.Clone()
	// A 150-px LFW image has eyes ~25 px apart: rejected with a reason.
	small, err := DecodeFile(filepath.Join(dev, "lfw_jiang_zemin/1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	r, err = p.Process(context.Background(), small)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Faces) == 0 || r.Faces[0].Quality.OK() || r.Faces[0].Embedding != nil {
		t.Fatalf("small face accepted: %+v", r.Faces)
	}
	if keep.Embedding[0] == 0 && keep.Embedding[1] == 0 || Cosine(keep.Embedding, keep.Embedding) < 0.999 {
		t.Error("Clone did not survive the next Process call")
	}
}

// TestFullRangeDetector checks the full-range anchors and decoding on the
// real model: it must find the same face as short-range.
func TestFullRangeDetector(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	p := pipelineWith(t, Config{
		DetectorModel:  testfaces.Model(t, "face_detection_short_range.tflite"),
		FullRangeModel: testfaces.Model(t, "face_detection_full_range.tflite"),
		EmbedderModel:  testfaces.Model(t, "MobileFaceNet.tflite"),
	})
	img, err := DecodeFile(filepath.Join(dev, "df_matt_damon/1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	short, err := p.short.Detect(ctx, img)
	if err != nil || len(short) == 0 {
		t.Fatalf("short-range: %d faces, %v", len(short), err)
	}
	want := short[0]
	full, err := p.full.Detect(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	best := float32(0)
	for _, d := range full {
		best = max(best, IoU(d.Box, want.Box))
	}
	if best < 0.5 {
		t.Errorf("full-range boxes %+v do not match the short-range box %+v (best IoU %.2f)", full, want.Box, best)
	}
}

// BenchmarkProcess measures the whole pipeline on a real 758×1024 portrait
// with the real models, configured as the daemon runs it (2 threads, one
// embedding): detect, gate, align and embed one face.
func BenchmarkProcess(b *testing.B) {
	dev := testfaces.Dir(b, "dev")
	p := pipelineWith(b, Config{
		DetectorModel:   testfaces.Model(b, "face_detection_short_range.tflite"),
		EmbedderModel:   testfaces.Model(b, "MobileFaceNet.tflite"),
		SingleEmbedding: true,
		Threads:         2,
	})
	img, err := DecodeFile(filepath.Join(dev, "df_angelina_jolie/1.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := p.Process(context.Background(), img)
		if err != nil || len(r.Faces) != 1 || r.Faces[0].Embedding == nil {
			b.Fatalf("process: %v", err)
		}
	}
}

// TestSmallFaceSearch puts a real portrait, shrunk, into a large empty
// frame: the whole-frame pass misses the face and the tile search finds it.
func TestSmallFaceSearch(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	p := testPipeline(t)
	src, err := DecodeFile(filepath.Join(dev, "df_angelina_jolie/1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	// Shrink the 758×1024 portrait 4× (face box ≈ 90 px) into a 1280×960 frame.
	w, h := 758/4, 1024/4
	var s sampler
	s.reset(src)
	buf := make([]float32, w*h*3)
	s.warp(buf, w, h, scaleMap(0, 0, 758, 1024, w, h))
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	toRGBA(small, buf, w, h)
	frame := solid(1280, 960, color.RGBA{120, 120, 120, 255})
	draw.Draw(frame, image.Rect(300, 200, 300+w, 200+h), small, image.Point{}, draw.Src)

	r, err := p.Process(context.Background(), frame)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pass != PassSmallSearch || len(r.Faces) != 1 {
		t.Fatalf("pass %s with %d faces, want one face from small_face_search", r.Pass, len(r.Faces))
	}
	if c := r.Faces[0].Box.Centre(); c.X < 300 || c.X > float32(300+w) || c.Y < 200 || c.Y > float32(200+h) {
		t.Errorf("face centre %v is outside the pasted portrait", c)
	}

	cfg := p.Config()
	cfg.NoSmallFaceSearch = true
	q := pipelineWith(t, cfg)
	if r, err := q.Process(context.Background(), frame); err != nil || r.Pass != PassNone {
		t.Errorf("without the search: pass %s (err %v), want none: the whole-frame pass should miss this face", r.Pass, err)
	}
}
