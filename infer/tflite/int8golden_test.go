package tflite

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// int8Dump makes TestInt8Golden write the int8 cases (models, inputs and
// an inputs manifest for bench/litert/golden.mjs) into a folder instead of
// testing; scripts/golden.sh uses it.
var int8Dump = flag.String("int8dump", "", "write the int8 golden cases into this folder for LiteRT and exit the test")

// int8GoldenDir holds LiteRT.js's outputs for int8Cases.
var int8GoldenDir = filepath.Join("testdata", "golden", "int8")

type int8Manifest struct {
	Runtime string `json:"runtime"`
	Format  string `json:"format"`
	Cases   []struct {
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
	} `json:"cases"`
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
		idx[c.Case] = i
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
