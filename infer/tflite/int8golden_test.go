package tflite

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/facegate/facegate/infer/tflite/internal/golden"
	"github.com/facegate/facegate/internal/testfaces"
)

// int8ModelCases are the full int8 models (written by make models from the
// float ones with facegate model quantize) compared with LiteRT: each runs
// the inputs of a float golden case (internal/golden).
var int8ModelCases = []struct{ model, float, golden string }{
	{"MobileFaceNet-int8.tflite", "MobileFaceNet.tflite", "pattern"},
	{"MobileFaceNet-int8.tflite", "MobileFaceNet.tflite", "faces"},
	{"face_detection_short_range-int8.tflite", "face_detection_short_range.tflite", "pattern"},
	{"face_detection_short_range-int8.tflite", "face_detection_short_range.tflite", "face_a"},
}

// int8Models is the folder the dump reads int8 models from.
var int8Models = flag.String("int8models", "", "with -int8dump: also dump the full int8 model cases whose files are in this folder")

func int8ModelCaseName(model, goldenCase string) string {
	return strings.TrimSuffix(model, ".tflite") + "/" + goldenCase
}

// int8Dump makes TestInt8Golden write the int8 cases (models, inputs and
// an inputs manifest for bench/litert/golden.mjs) into a folder instead of
// testing; scripts/golden.sh uses it.
var int8Dump = flag.String("int8dump", "", "write the int8 golden cases into this folder for LiteRT and exit the test")

// int8GoldenDir holds LiteRT.js's outputs for int8Cases.
var int8GoldenDir = filepath.Join("testdata", "golden", "int8")

type int8Manifest struct {
	Runtime string             `json:"runtime"`
	Format  string             `json:"format"`
	Cases   []int8ManifestCase `json:"cases"`
}

type int8ManifestCase struct {
	Model       string `json:"model"`
	Case        string `json:"case"`
	ModelSHA256 string `json:"modelSha256"`
	Inputs      []struct {
		Shape  []int  `json:"shape"`
		SHA256 string `json:"sha256"`
	} `json:"inputs"`
	Outputs []struct {
		Index  int    `json:"index"`
		Name   string `json:"name"`
		Shape  []int  `json:"shape"`
		File   string `json:"file"`
		SHA256 string `json:"sha256"`
	} `json:"outputs"`
}

const goldenFormat = "raw little-endian float32, row-major, no header"

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func dumpInt8Cases(t *testing.T, dir string) {
	type tin struct {
		Index  int    `json:"index"`
		Shape  []int  `json:"shape"`
		File   string `json:"file"`
		SHA256 string `json:"sha256"`
	}
	type tcase struct {
		Model  string `json:"model"`
		Case   string `json:"case"`
		Faces  bool   `json:"faces"`
		Inputs []tin  `json:"inputs"`
	}
	man := struct {
		Format string  `json:"format"`
		Cases  []tcase `json:"cases"`
	}{Format: goldenFormat}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range int8Cases() {
		model := "int8_" + c.name + ".tflite"
		in := "int8_" + c.name + ".in0.f32"
		b := f32Bytes(c.input)
		if err := os.WriteFile(filepath.Join(dir, model), c.model, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, in), b, 0o644); err != nil {
			t.Fatal(err)
		}
		man.Cases = append(man.Cases, tcase{Model: model, Case: c.name, Inputs: []tin{{0, c.shape, in, sha(b)}}})
	}
	if *int8Models != "" {
		faces := filepath.Join(testfaces.Root(), "dev")
		for _, mc := range int8ModelCases {
			b, err := os.ReadFile(filepath.Join(*int8Models, mc.model))
			if os.IsNotExist(err) {
				t.Logf("%s: not in %s, not dumped", mc.model, *int8Models)
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, mc.model), b, 0o644); err != nil {
				t.Fatal(err)
			}
			spec, ok := golden.Lookup(mc.float, mc.golden)
			if !ok {
				t.Fatalf("no golden case %s/%s", mc.float, mc.golden)
			}
			c, err := spec.Build(faces)
			if err != nil {
				t.Fatal(err)
			}
			in := strings.TrimSuffix(mc.model, ".tflite") + "." + mc.golden + ".in0.f32"
			ib := f32Bytes(c.Inputs[0].Data)
			if err := os.WriteFile(filepath.Join(dir, in), ib, 0o644); err != nil {
				t.Fatal(err)
			}
			man.Cases = append(man.Cases, tcase{Model: mc.model, Case: mc.golden, Faces: spec.NeedsFaces(), Inputs: []tin{{0, c.Inputs[0].Shape, in, sha(ib)}}})
			// The same model cut at its DEQUANTIZE ops.
			m, err := LoadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			tb, err := int8Trunk(m)
			if err != nil {
				t.Fatal(err)
			}
			tname := trunkName(mc.model)
			if err := os.WriteFile(filepath.Join(dir, tname), tb, 0o644); err != nil {
				t.Fatal(err)
			}
			man.Cases = append(man.Cases, tcase{Model: tname, Case: mc.golden, Faces: spec.NeedsFaces(), Inputs: []tin{{0, c.Inputs[0].Shape, in, sha(ib)}}})
		}
	}
	j, _ := json.MarshalIndent(man, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), j, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d int8 cases to %s", len(man.Cases), dir)
}

// TestInt8Golden runs each single-op int8 model through our interpreter and
// requires its output to equal LiteRT.js's bit for bit (the outputs are
// dequantized int8 values, so equal floats mean equal int8 results).
func TestInt8Golden(t *testing.T) {
	if *int8Dump != "" {
		dumpInt8Cases(t, *int8Dump)
		return
	}
	b, err := os.ReadFile(filepath.Join(int8GoldenDir, "manifest.json"))
	if err != nil {
		t.Fatalf("%v: run make golden", err)
	}
	var man int8Manifest
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatalf("int8 manifest: %v", err)
	}
	t.Logf("reference: %s", man.Runtime)
	idx := map[string]int{}
	for i, c := range man.Cases {
		if strings.HasPrefix(c.Model, "int8_") {
			idx[c.Case] = i
		}
	}
	for _, c := range int8Cases() {
		t.Run(c.name, func(t *testing.T) {
			i, ok := idx[c.name]
			if !ok {
				t.Fatalf("case %s has no LiteRT outputs: run make golden", c.name)
			}
			mc := man.Cases[i]
			if got := sha(c.model); got != mc.ModelSHA256 {
				t.Fatalf("model sha256 %s, LiteRT ran %s: the case changed, run make golden", got, mc.ModelSHA256)
			}
			if len(mc.Inputs) != 1 || sha(f32Bytes(c.input)) != mc.Inputs[0].SHA256 {
				t.Fatalf("input differs from what LiteRT ran: run make golden")
			}
			m, err := LoadBytes(c.model)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			for _, threads := range []int{1, 3} {
				ip, err := NewInterpreter(m, Options{Threads: threads})
				if err != nil {
					t.Fatalf("NewInterpreter: %v", err)
				}
				copy(ip.Input(0).Float32s(), c.input)
				if err := ip.Invoke(context.Background()); err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				for _, mo := range mc.Outputs {
					raw, err := os.ReadFile(filepath.Join(int8GoldenDir, mo.File))
					if err != nil {
						t.Fatal(err)
					}
					out := ip.Output(mo.Index)
					if !slices.Equal(out.Shape(), mo.Shape) {
						t.Fatalf("output %d shape %v, LiteRT %v", mo.Index, out.Shape(), mo.Shape)
					}
					got := out.Float32s()
					if len(raw) != 4*len(got) {
						t.Fatalf("output %d: %d floats, LiteRT file has %d bytes", mo.Index, len(got), len(raw))
					}
					// The int8 step of the op's output.
					q := &m.tensors[m.exec[len(m.exec)-1].inputs[0]]
					step := float64(q.q.scale[0])
					bad := 0
					for k, g := range got {
						w := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
						if math.Float32bits(g) != math.Float32bits(w) {
							if bad < 5 {
								t.Errorf("threads %d: output[%d] = %v, LiteRT %v (%+.0f steps)", threads, k, g, w, (float64(g)-float64(w))/step)
							}
							bad++
						}
					}
					if bad > 0 {
						t.Errorf("threads %d: %d of %d outputs differ from LiteRT", threads, bad, len(got))
					}
				}
				ip.Close()
			}
		})
	}
}

// TestInt8GoldenModels runs the full int8 models (make models) on the
// inputs LiteRT ran and requires equal outputs. Only the models whose
// LiteRT outputs were recorded by make golden are checked; the model files
// must be byte-identical to the ones LiteRT ran (their sha256 is in the
// manifest), or the outputs are stale.
func TestInt8GoldenModels(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(int8GoldenDir, "manifest.json"))
	if err != nil {
		t.Fatalf("%v: run make golden", err)
	}
	var man int8Manifest
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatalf("int8 manifest: %v", err)
	}
	models := map[string]*Model{}
	for _, mc := range int8ModelCases {
		for _, trunk := range []bool{false, true} {
			file := mc.model
			if trunk {
				file = trunkName(mc.model)
			}
			name := int8ModelCaseName(file, mc.golden)
			i := slices.IndexFunc(man.Cases, func(c int8ManifestCase) bool { return c.Model == file && c.Case == mc.golden })
			if i < 0 {
				t.Logf("%s: no LiteRT outputs recorded (make golden without models/%s)", name, mc.model)
				continue
			}
			c := man.Cases[i]
			t.Run(name, func(t *testing.T) { runInt8ModelCase(t, models, mc.model, mc.float, mc.golden, trunk, c) })
		}
	}
}

// trunkName names the cut of an int8 model at its DEQUANTIZE ops.
func trunkName(model string) string { return strings.TrimSuffix(model, ".tflite") + "-trunk.tflite" }

// int8Trunk returns m with its DEQUANTIZE outputs (the int8 results that
// float ops or the graph outputs read) as the graph outputs, so the int8
// part is compared bit for bit even where a float head follows it.
func int8Trunk(m *Model) ([]byte, error) {
	g := m.Graph()
	var outs []int
	for _, op := range g.Ops {
		if op.Code == OpCode(opDequantize) && g.Tensors[op.Inputs[0]].Type == Int8 && !g.Tensors[op.Inputs[0]].IsConst() {
			outs = append(outs, op.Outputs[0])
		}
	}
	if len(outs) == 0 {
		return nil, fmt.Errorf("no DEQUANTIZE of an int8 activation")
	}
	g.Outputs = outs
	return g.Marshal()
}

func runInt8ModelCase(t *testing.T, models map[string]*Model, file, float, goldenCase string, trunk bool, c int8ManifestCase) {
	mc := struct{ model, float, golden string }{file, float, goldenCase}
	m, ok := models[mc.model]
	if !ok {
		path := testfaces.Model(t, mc.model)
		mb, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if m, err = LoadBytes(mb); err != nil {
			t.Fatal(err)
		}
		models[mc.model] = m
	}
	mb, err := os.ReadFile(testfaces.Model(t, mc.model))
	if err != nil {
		t.Fatal(err)
	}
	if trunk {
		if mb, err = int8Trunk(m); err != nil {
			t.Fatal(err)
		}
		if m, err = LoadBytes(mb); err != nil {
			t.Fatal(err)
		}
	}
	if got := sha(mb); got != c.ModelSHA256 {
		t.Fatalf("%s has sha256 %s, LiteRT ran %s: the quantized model changed, run make golden", c.Model, got, c.ModelSHA256)
	}
	spec, ok := golden.Lookup(mc.float, mc.golden)
	if !ok {
		t.Fatalf("no golden case %s/%s", mc.float, mc.golden)
	}
	facesDir := ""
	if spec.NeedsFaces() {
		facesDir = testfaces.Dir(t, "dev")
	}
	gc, err := spec.Build(facesDir)
	if err != nil {
		t.Fatal(err)
	}
	in := gc.Inputs[0]
	if len(c.Inputs) != 1 || sha(f32Bytes(in.Data)) != c.Inputs[0].SHA256 {
		t.Fatalf("input differs from what LiteRT ran: run make golden")
	}
	// Three threads as well: the split of every operator, and items taken
	// from a slower worker, must not change a single value.
	for _, threads := range []int{1, 3} {
		t.Run(fmt.Sprintf("threads%d", threads), func(t *testing.T) {
			ip, err := NewInterpreter(m, Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			defer ip.Close()
			if !slices.Equal(ip.Input(0).Shape(), in.Shape) {
				if err := ip.ResizeInput(0, in.Shape); err != nil {
					t.Fatal(err)
				}
			}
			copy(ip.Input(0).Float32s(), in.Data)
			if err := ip.Invoke(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, mo := range c.Outputs {
				raw, err := os.ReadFile(filepath.Join(int8GoldenDir, mo.File))
				if err != nil {
					t.Fatal(err)
				}
				out := ip.Output(mo.Index)
				got := out.Float32s()
				if !slices.Equal(out.Shape(), mo.Shape) || len(raw) != 4*len(got) {
					t.Fatalf("output %d: shape %v, LiteRT %v (%d bytes)", mo.Index, out.Shape(), mo.Shape, len(raw))
				}
				if !dequantized(m, m.outputs[mo.Index]) {
					// A float op computes this output (a head the
					// quantizer left float): float kernels agree with
					// LiteRT within the float golden tolerance, not
					// bit for bit.
					want := make([]float32, len(got))
					for k := range want {
						want[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
					}
					if d := golden.Compare(got, want, golden.RelTol); !d.OK {
						t.Errorf("output %d (%s), float: %v", mo.Index, mo.Name, d)
					} else {
						t.Logf("output %d (%s) %v: float output, max scaled error %.3g", mo.Index, mo.Name, mo.Shape, d.Scaled)
					}
					continue
				}
				bad := 0
				for k, g := range got {
					w := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
					if math.Float32bits(g) != math.Float32bits(w) {
						if bad < 5 {
							t.Errorf("output %d (%s) [%d] = %v, LiteRT %v", mo.Index, mo.Name, k, g, w)
						}
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("output %d (%s): %d of %d values differ from LiteRT", mo.Index, mo.Name, bad, len(got))
				} else {
					t.Logf("output %d (%s) %v: all %d values equal LiteRT's", mo.Index, mo.Name, mo.Shape, len(got))
				}
			}
		})
	}
}

// dequantized reports whether tensor ti holds int8 results, exactly: it is
// written by a DEQUANTIZE, or moved by RESHAPE/CONCATENATION from such
// tensors only. Those must equal LiteRT's bit for bit.
func dequantized(m *Model, ti int) bool {
	for _, op := range m.ops {
		if !slices.Contains(op.outputs, ti) {
			continue
		}
		switch op.code {
		case opDequantize:
			return true
		case opReshape, opConcatenation:
			if op.code == opConcatenation && op.opts.activation != 0 {
				return false
			}
			for k, in := range op.inputs {
				if op.code == opReshape && k > 0 {
					break // the shape
				}
				if in >= 0 && !dequantized(m, in) {
					return false
				}
			}
			return true
		}
		return false
	}
	return false
}
