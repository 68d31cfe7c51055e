// Package litertrun runs Google's LiteRT.js (bench/litert/run.mjs, Node,
// single-threaded WASM/XNNPACK) on a model held in memory, for tests that
// compare our interpreter, or files we write, with Google's runtime.
package litertrun

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Input is one float32 model input.
type Input struct {
	Shape []int
	Data  []float32
}

// Output is one model output as LiteRT.js returned it.
type Output struct {
	Name  string
	Shape []int
	Data  []float32
}

// benchDir returns the repository's bench/litert directory.
func benchDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "bench", "litert")
}

// Need returns the bench/litert directory, or skips tb when Node or the
// npm packages are missing outside CI. In CI (CI=true) it installs the
// pinned packages with `npm ci` when needed and fails tb if it cannot.
func Need(tb testing.TB) string {
	tb.Helper()
	dir := benchDir()
	ci := os.Getenv("CI") == "true"
	if _, err := exec.LookPath("node"); err != nil {
		if ci {
			tb.Fatalf("node is not installed (needed to run LiteRT.js)")
		}
		tb.Skip("node is not installed: skipping the LiteRT.js comparison")
	}
	pkg := filepath.Join(dir, "node_modules", "@litertjs", "core", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		if !ci {
			tb.Skipf("%s/node_modules has no @litertjs/core (run npm ci there): skipping the LiteRT.js comparison", dir)
		}
		// Test binaries of several packages run at once: one installs,
		// the others wait on the lock and then find the packages there.
		unlock, err := lockFile(filepath.Join(os.TempDir(), "facegate-litert-npm-ci.lock"))
		if err != nil {
			tb.Fatalf("lock for npm ci: %v", err)
		}
		defer unlock()
		if _, err := os.Stat(pkg); err == nil {
			return dir
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return dir
}

// Run runs model (TFLite bytes) on inputs with LiteRT.js and returns its
// outputs in the model's output order.
func Run(tb testing.TB, model []byte, inputs []Input) ([]Output, error) {
	tb.Helper()
	dir := Need(tb)
	tmp := tb.TempDir()
	mf := filepath.Join(tmp, "model.tflite")
	if err := os.WriteFile(mf, model, 0o644); err != nil {
		return nil, err
	}
	args := []string{filepath.Join(dir, "run.mjs"), mf, filepath.Join(tmp, "out")}
	for i, in := range inputs {
		f := filepath.Join(tmp, "in"+strconv.Itoa(i)+".f32")
		b := make([]byte, 4*len(in.Data))
		for k, v := range in.Data {
			binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(v))
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return nil, err
		}
		dims := make([]string, len(in.Shape))
		for k, d := range in.Shape {
			dims[k] = strconv.Itoa(d)
		}
		args = append(args, f+":"+strings.Join(dims, ","))
	}
	cmd := exec.Command("node", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("node run.mjs: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(tmp, "out", "outputs.json"))
	if err != nil {
		return nil, err
	}
	var list []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		File  string `json:"file"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("outputs.json: %w", err)
	}
	outs := make([]Output, len(list))
	for i, o := range list {
		b, err := os.ReadFile(filepath.Join(tmp, "out", o.File))
		if err != nil {
			return nil, err
		}
		d := make([]float32, len(b)/4)
		for k := range d {
			d[k] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))
		}
		outs[i] = Output{Name: o.Name, Shape: o.Shape, Data: d}
	}
	return outs, nil
}
