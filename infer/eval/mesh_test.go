package eval

import (
	"context"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/liveness"
	"github.com/facegate/facegate/infer/tflite"
	"github.com/facegate/facegate/internal/testfaces"
)

func TestParseVariantMesh(t *testing.T) {
	for _, s := range []string{"mesh", "mesh5", "mesh5-1pass"} {
		if v, err := ParseVariant(s); err != nil || string(v) != s {
			t.Errorf("ParseVariant(%q) = %q, %v", s, v, err)
		}
	}
	if _, err := ParseVariant("mesh4"); err == nil || !strings.Contains(err.Error(), "mesh5") {
		t.Errorf("unknown variant: error %v, want one listing the mesh variants", err)
	}
}

func TestEmbedMeshNeedsModel(t *testing.T) {
	_, err := Embed(context.Background(), nil, EmbedOptions{Variant: Mesh})
	if err == nil || !strings.Contains(err.Error(), "face_landmark") {
		t.Errorf("mesh variant without the mesh model: error %v, want one naming face_landmark.tflite", err)
	}
}

// meshRig loads the short-range detector pipeline and the face mesh.
func meshRig(t *testing.T) (*infer.Pipeline, *liveness.FaceMesh) {
	t.Helper()
	det := testfaces.Model(t, "face_detection_short_range.tflite")
	emb := testfaces.Model(t, "MobileFaceNet.tflite")
	mm, err := tflite.Load(testfaces.Model(t, "face_landmark.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := infer.Config{DetectorModel: det, EmbedderModel: emb, Threads: 1}
	models, err := infer.LoadModels(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := infer.NewPipeline(cfg, models)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	fm, err := liveness.NewFaceMesh(mm, tflite.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fm.Close)
	return p, fm
}

// TestMeshAlignMapAgreesWithDetector checks the mesh alignment on real faces
// against an independent model: the crop built from the mesh's eye centres
// and mouth corners must roughly coincide with the one built from BlazeFace's
// eyes and mouth centre (measured here: crop centre, eyes and mouth within
// 3–15% of the eye distance, scale within 8%; the two models put the eyes
// at slightly different places). A swapped left/right, a wrong landmark
// index or a mirrored template puts them tens of percent apart.
func TestMeshAlignMapAgreesWithDetector(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	p, fm := meshRig(t)
	ctx := context.Background()
	for _, f := range []string{"df_angelina_jolie/1.jpg", "lfw_condoleezza_rice/1.jpg", "bbt_amy/1.jpg"} {
		img, err := infer.DecodeFile(filepath.Join(dev, f))
		if err != nil {
			t.Fatal(err)
		}
		dets, _, err := p.Detect(ctx, img)
		if err != nil || len(dets) == 0 {
			t.Fatalf("%s: %d faces, %v", f, len(dets), err)
		}
		d := dets[Pick(dets, img.Rect.Dx(), img.Rect.Dy(), false)]
		kp := d.Keypoints
		iod := math.Hypot(float64(kp[infer.LeftEye].X-kp[infer.RightEye].X), float64(kp[infer.LeftEye].Y-kp[infer.RightEye].Y))
		for _, c := range []struct {
			nose   bool
			passes int
		}{{false, meshRefinePass}, {true, meshRefinePass}, {true, 0}} {
			nose := c.nose
			m, ok, err := meshAlignMap(ctx, fm, img, d, nose, c.passes)
			if err != nil || !ok {
				t.Fatalf("%s nose=%v: ok %v, %v", f, nose, ok, err)
			}
			ref, err := infer.AlignMap3(kp)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range [][2]float64{{56, 56}, infer.ArcFaceTemplate[infer.RightEye], infer.ArcFaceTemplate[infer.LeftEye], infer.ArcFaceTemplate[infer.MouthCentre]} {
				x, y := m.Apply(q[0], q[1])
				rx, ry := ref.Apply(q[0], q[1])
				if off := math.Hypot(x-rx, y-ry) / iod; off > 0.25 {
					t.Errorf("%s nose=%v: crop point %v lands %.0f%% of the eye distance from where the detector's alignment puts it", f, nose, q, 100*off)
				}
			}
			if r := math.Hypot(m[0], m[3]) / math.Hypot(ref[0], ref[3]); r < 0.85 || r > 1.18 {
				t.Errorf("%s nose=%v: crop scale %.2f× the detector alignment's", f, nose, r)
			}
		}
	}
}

// TestMeshAlignMapNoFace checks that a mesh run on a featureless image
// reports no face (so Embed falls back to the detector's keypoints) rather
// than aligning on noise.
func TestMeshAlignMapNoFace(t *testing.T) {
	_, fm := meshRig(t)
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	img.Set(0, 0, color.RGBA{0, 0, 0, 255})
	d := infer.Detection{Box: infer.Rect{X0: 60, Y0: 60, X1: 140, Y1: 140}}
	d.Keypoints[infer.RightEye] = infer.Point{X: 80, Y: 90}
	d.Keypoints[infer.LeftEye] = infer.Point{X: 120, Y: 90}
	_, ok, err := meshAlignMap(context.Background(), fm, img, d, false, meshRefinePass)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("the mesh found a face on a flat grey image")
	}
}
