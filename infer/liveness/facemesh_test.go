package liveness

import (
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/facegate/facegate/infer/tflite"
	"github.com/facegate/facegate/internal/testfaces"
)

func loadMesh(tb testing.TB) *FaceMesh {
	tb.Helper()
	m, err := tflite.Load(testfaces.Model(tb, "face_landmark.tflite"))
	if err != nil {
		tb.Fatalf("load face_landmark.tflite: %v", err)
	}
	fm, err := NewFaceMesh(m, tflite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(fm.Close)
	return fm
}

func loadFrame(tb testing.TB, clip string, n int) *image.RGBA {
	tb.Helper()
	p := filepath.Join(testfaces.Dir(tb, "video"), clip, "frame_"+pad4(n)+".jpg")
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		tb.Fatalf("%s: %v", p, err)
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

func pad4(n int) string {
	s := "000" + itoa(n)
	return s[len(s)-4:]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestFaceMeshOnRealFrame runs the model on a face-centred 512×512 frame
// (LivePortrait d3): the face must be present, the subject's right eye on
// the image's left, the eyes above the mouth, and a second pass seeded by
// the first mesh (tracking) must land on the same points.
func TestFaceMeshOnRealFrame(t *testing.T) {
	fm := loadMesh(t)
	img := loadFrame(t, "live_liveportrait_d3", 1)
	ctx := context.Background()
	m, err := fm.Run(ctx, img, ROI{Centre: Point{256, 256}, Size: 400})
	if err != nil {
		t.Fatal(err)
	}
	if m.Presence < 0.9 {
		t.Fatalf("presence %.3f on a clear face, want >= 0.9", m.Presence)
	}
	r, l := m.EyeCentres()
	mc := m.MouthCentre()
	if !(r.X < l.X) || !(mc.Y > r.Y && mc.Y > l.Y) {
		t.Errorf("implausible layout: right eye %v, left eye %v, mouth %v", r, l, mc)
	}
	if iod := m.InterOcular(); iod < 40 || iod > 250 {
		t.Errorf("inter-ocular %.1f px on a 512 px face crop, want 40..250", iod)
	}
	// Track twice (the first crop was a guess), then once more: the
	// tracked crop must be a fixed point.
	for i := 0; i < 2; i++ {
		if m, err = fm.Run(ctx, img, ROIFromMesh(m)); err != nil {
			t.Fatal(err)
		}
	}
	m2, err := fm.Run(ctx, img, ROIFromMesh(m))
	if err != nil {
		t.Fatal(err)
	}
	var d float64
	for i := range m.Points {
		d += dist(m.Points[i], m2.Points[i])
	}
	if mean := d / NumLandmarks / m.InterOcular(); mean > 0.03 {
		t.Errorf("re-running on the tracked crop moved landmarks by %.3f IOD on average, want < 0.03", mean)
	}
	// A featureless image has no face.
	grey := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for i := range grey.Pix {
		grey.Pix[i] = 128
	}
	g, err := fm.Run(ctx, grey, ROI{Centre: Point{128, 128}, Size: 200})
	if err != nil {
		t.Fatal(err)
	}
	if g.Presence >= 0.5 {
		t.Errorf("presence %.3f on a uniform grey image, want < 0.5", g.Presence)
	}
}

func TestFaceMeshRejectsWrongModel(t *testing.T) {
	m, err := tflite.Load(testfaces.Model(t, "face_detection_short_range.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewFaceMesh(m, tflite.Options{}); err == nil {
		t.Error("BlazeFace accepted as a face mesh model")
	}
}

// BenchmarkFaceMesh times the model alone (one 192×192 crop).
func BenchmarkFaceMesh(b *testing.B) {
	fm := loadMesh(b)
	img := loadFrame(b, "live_liveportrait_d3", 1)
	roi := ROI{Centre: Point{256, 256}, Size: 400}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := fm.Run(ctx, img, roi); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMeshAndCues times what liveness adds per frame in the daemon:
// the mesh on the tracked crop plus Evaluator.Add (all cues, window full).
func BenchmarkMeshAndCues(b *testing.B) {
	fm := loadMesh(b)
	var frames []*image.RGBA
	for n := 1; n <= 30; n++ {
		frames = append(frames, loadFrame(b, "live_liveportrait_d3", n))
	}
	ctx := context.Background()
	m0, err := fm.Run(ctx, frames[0], ROI{Centre: Point{256, 256}, Size: 400})
	if err != nil {
		b.Fatal(err)
	}
	// Timeout far away and mode strict so the evaluator keeps working.
	cfg := Config{Mode: ModeStrict, Timeout: time.Hour}
	ev, err := NewEvaluator(cfg, Visible)
	if err != nil {
		b.Fatal(err)
	}
	prev := m0
	t0 := time.Unix(0, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		img := frames[i%len(frames)]
		m, err := fm.Run(ctx, img, ROIFromMesh(prev))
		if err != nil {
			b.Fatal(err)
		}
		prev = m
		d := ev.Add(Observation{Time: t0.Add(time.Duration(i) * time.Second / 15), Frame: img, Mesh: m})
		if d.State != Pending { // keep measuring a window that is full
			ev, _ = NewEvaluator(cfg, Visible)
		}
	}
}

// BenchmarkCues times Evaluator.Add alone on precomputed meshes.
func BenchmarkCues(b *testing.B) {
	fm := loadMesh(b)
	var frames []*image.RGBA
	var meshes []*Mesh
	ctx := context.Background()
	roi := ROI{Centre: Point{256, 256}, Size: 400}
	for n := 1; n <= 30; n++ {
		img := loadFrame(b, "live_liveportrait_d3", n)
		m, err := fm.Run(ctx, img, roi)
		if err != nil {
			b.Fatal(err)
		}
		roi = ROIFromMesh(m)
		frames, meshes = append(frames, img), append(meshes, m)
	}
	// points=image is the default; points=mesh shows what the planarity
	// cue's image tracking costs.
	for _, points := range []string{PointsImage, PointsMesh} {
		b.Run("points="+points, func(b *testing.B) {
			cfg := Config{Mode: ModeStrict, Timeout: time.Hour, Planarity: PlanarityConfig{Points: points}}
			ev, _ := NewEvaluator(cfg, Visible)
			t0 := time.Unix(0, 0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := i % len(frames)
				d := ev.Add(Observation{Time: t0.Add(time.Duration(i) * time.Second / 15), Frame: frames[k], Mesh: meshes[k]})
				if d.State != Pending {
					ev, _ = NewEvaluator(cfg, Visible)
				}
			}
		})
	}
}
