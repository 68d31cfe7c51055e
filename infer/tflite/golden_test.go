package tflite_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/facegate/facegate/infer/tflite"
	"github.com/facegate/facegate/infer/tflite/internal/golden"
	"github.com/facegate/facegate/internal/testfaces"
)

// goldenDir holds the outputs of Google's runtime (LiteRT.js) for the cases
// of internal/golden. They are written by Google's runtime, not by us, so
// there is no -update flag: regenerate them with `make golden`
// (scripts/golden.sh, needs Node and npm).
var goldenDir = filepath.Join("testdata", "golden")

// TestGolden runs every case of testdata/golden/manifest.json through our
// interpreter (one thread) and compares each output with LiteRT's:
// |ours − reference| ≤ 1e-4·(1 + |reference|) elementwise, and for
// MobileFaceNet a cosine ≥ 0.99999 between embedding rows. Pattern cases
// always run; face cases need the shared faces folder (skipped outside CI
// when it is absent, failed in CI).
func TestGolden(t *testing.T) {
	m, err := golden.ReadManifest(filepath.Join(goldenDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The manifest and the case list must agree, or the committed outputs
	// are stale.
	inManifest := map[string]bool{}
	for _, c := range m.Cases {
		inManifest[c.Model+"/"+c.Case] = true
	}
	for _, s := range golden.Specs() {
		if !inManifest[s.Model+"/"+s.Case] {
			t.Errorf("case %s/%s has no golden outputs: run make golden", s.Model, s.Case)
		}
	}
	t.Logf("reference: %s", m.Runtime)

	models := map[string]*tflite.Model{}
	for _, mc := range m.Cases {
		t.Run(strings.TrimSuffix(mc.Model, ".tflite")+"/"+mc.Case, func(t *testing.T) {
			model, ok := models[mc.Model]
			if !ok {
				var err error
				model, err = tflite.Load(testfaces.Model(t, mc.Model))
				if err != nil {
					t.Fatalf("load %s: %v", mc.Model, err)
				}
				models[mc.Model] = model
			}
			runGoldenCase(t, model, mc)
		})
	}
}

func runGoldenCase(t *testing.T, model *tflite.Model, mc golden.ManifestCase) {
	spec, ok := golden.Lookup(mc.Model, mc.Case)
	if !ok {
		t.Fatalf("manifest case %s/%s is not in golden.Specs: run make golden", mc.Model, mc.Case)
	}
	facesDir := ""
	if spec.NeedsFaces() {
		facesDir = testfaces.Dir(t, "dev")
	}
	c, err := spec.Build(facesDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Inputs) != len(mc.Inputs) {
		t.Fatalf("%d inputs built, manifest has %d", len(c.Inputs), len(mc.Inputs))
	}
	for i, in := range c.Inputs {
		mt := mc.Inputs[i]
		if !slices.Equal(in.Shape, mt.Shape) || golden.Hash(in.Data) != mt.SHA256 {
			t.Fatalf("input %d (shape %v, sha256 %s) is not what LiteRT ran (shape %v, sha256 %s): the golden inputs changed, run make golden",
				i, in.Shape, golden.Hash(in.Data), mt.Shape, mt.SHA256)
		}
	}

	ip, err := tflite.NewInterpreter(model, tflite.Options{Threads: 1})
	if err != nil {
		t.Fatalf("NewInterpreter: %v", err)
	}
	defer ip.Close()
	if ip.NumInputs() != len(c.Inputs) {
		t.Fatalf("model has %d inputs, case has %d", ip.NumInputs(), len(c.Inputs))
	}
	for i, in := range c.Inputs {
		if stored := ip.Input(i).Shape(); !slices.Equal(stored, in.Shape) {
			if err := ip.ResizeInput(i, in.Shape); err != nil {
				t.Fatalf("ResizeInput(%d, %v) from %v: %v", i, in.Shape, stored, err)
			}
		}
		dst := ip.Input(i).Float32s()
		if len(dst) != len(in.Data) {
			t.Fatalf("input %d holds %d floats, case has %d (shape %v)", i, len(dst), len(in.Data), ip.Input(i).Shape())
		}
		copy(dst, in.Data)
	}
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatalf("Invoke: %v", err)
	}

	if ip.NumOutputs() != len(mc.Outputs) {
		t.Errorf("model has %d outputs, reference has %d", ip.NumOutputs(), len(mc.Outputs))
	}
	for _, mo := range mc.Outputs {
		want, err := golden.ReadTensor(goldenDir, mo)
		if err != nil {
			t.Fatal(err)
		}
		if mo.Index >= ip.NumOutputs() {
			t.Errorf("output %d (%s) missing", mo.Index, mo.Name)
			continue
		}
		out := ip.Output(mo.Index)
		if out.Name() != mo.Name {
			t.Errorf("output %d is %q, reference output %d is %q", mo.Index, out.Name(), mo.Index, mo.Name)
		}
		if !slices.Equal(out.Shape(), mo.Shape) {
			t.Errorf("output %d (%s): shape %v, reference %v", mo.Index, mo.Name, out.Shape(), mo.Shape)
			continue
		}
		got := out.Float32s()
		d := golden.Compare(got, want, golden.RelTol)
		if !d.OK {
			t.Errorf("output %d (%s) %v: %v", mo.Index, mo.Name, mo.Shape, d)
		} else {
			t.Logf("output %d (%s): max scaled error %.3g at index %d", mo.Index, mo.Name, d.Scaled, d.Worst)
		}
		if mc.Model == "MobileFaceNet.tflite" && len(mo.Shape) == 2 {
			dim := mo.Shape[1]
			for r := range mo.Shape[0] {
				cos := golden.Cosine(got[r*dim:(r+1)*dim], want[r*dim:(r+1)*dim])
				if !(cos >= golden.MinCosine) {
					t.Errorf("embedding row %d: cosine %.7f with the reference, want >= %g", r, cos, golden.MinCosine)
				}
			}
		}
	}
}
