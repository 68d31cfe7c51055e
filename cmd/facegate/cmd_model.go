package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/infer/tflite"
)

func init() {
	register("model", command{
		summary: "inspect (info), time (bench) or int8-quantize (quantize) a .tflite model",
		usage: "model info MODEL.tflite | model bench MODEL.tflite [--threads N] [--runs N] [--warmup N] [--input-shape 1,112,112,3] [--json]\n" +
			"             | model quantize IN.tflite -o OUT.tflite (--calib DIR | --ranges FILE) [--per-channel] [--float-heads] [--bias-correction] [--range minmax|mean] [--ranges-out FILE] [--float-ops OPS] [--float-tensors NAMES] [--models DIR]",
		run: runModel,
	})
}

func runModel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("missing subcommand (info, bench or quantize)")
	}
	switch args[0] {
	case "info":
		return modelInfo(args[1:], stdout, stderr)
	case "bench":
		return modelBench(ctx, args[1:], stdout, stderr)
	case "quantize":
		return modelQuantize(ctx, args[1:], stdout, stderr)
	}
	return usageError("unknown subcommand %q (want info, bench or quantize)", args[0])
}

// parseShape parses "1,112,112,3".
func parseShape(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("bad shape %q: want positive integers separated by commas", s)
		}
		out = append(out, d)
	}
	return out, nil
}

func modelInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("model info", stderr)
	shape := fs.String("input-shape", "", "resize input 0 to this shape before counting MACs")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("model info takes one model file")
	}
	m, ip, err := openModel(pos[0], 1, *shape)
	if err != nil {
		return err
	}
	defer ip.Close()
	fmt.Fprintf(stdout, "model: %s\n", m.Name())
	if d := m.Description(); d != "" {
		fmt.Fprintf(stdout, "description: %s\n", d)
	}
	fmt.Fprintln(stdout, "inputs:")
	for i := 0; i < ip.NumInputs(); i++ {
		t := ip.Input(i)
		fmt.Fprintf(stdout, "  %d %-24q %-8v %v\n", i, t.Name(), t.Type(), t.Shape())
	}
	fmt.Fprintln(stdout, "outputs:")
	for i := 0; i < ip.NumOutputs(); i++ {
		t := ip.Output(i)
		fmt.Fprintf(stdout, "  %d %-24q %-8v %v\n", i, t.Name(), t.Type(), t.Shape())
	}
	counts := m.OpCounts()
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Slice(names, func(a, b int) bool {
		if counts[names[a]] != counts[names[b]] {
			return counts[names[a]] > counts[names[b]]
		}
		return names[a] < names[b]
	})
	fmt.Fprintf(stdout, "operators: %d\n", m.NumOps())
	for _, n := range names {
		fmt.Fprintf(stdout, "  %-22s %d\n", n, counts[n])
	}
	macs := ip.MACs()
	fmt.Fprintf(stdout, "MACs: %d (%.1f M; CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED)\n", macs, float64(macs)/1e6)
	return nil
}

// openModel loads a model and creates an interpreter, resizing input 0 to
// shape ("1,112,112,3") when shape is not empty.
func openModel(path string, threads int, shape string) (*tflite.Model, *tflite.Interpreter, error) {
	var dims []int
	if shape != "" {
		var err error
		if dims, err = parseShape(shape); err != nil {
			return nil, nil, usageError("%v", err)
		}
	}
	m, err := tflite.Load(path)
	if err != nil {
		return nil, nil, err
	}
	ip, err := tflite.NewInterpreter(m, tflite.Options{Threads: threads})
	if err != nil {
		return nil, nil, err
	}
	if dims != nil {
		if err := ip.ResizeInput(0, dims); err != nil {
			ip.Close()
			return nil, nil, err
		}
	}
	return m, ip, nil
}

// benchResult is the JSON form of `facegate model bench --json`.
type benchResult struct {
	Model        string  `json:"model"`
	InputShape   []int   `json:"input_shape"`
	Threads      int     `json:"threads"`
	Runs         int     `json:"runs"`
	MedianMS     float64 `json:"median_ms"`
	MinMS        float64 `json:"min_ms"`
	MaxMS        float64 `json:"max_ms"`
	AllocsPerRun float64 `json:"allocs_per_run"`
}

func modelBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("model bench", stderr)
	threads := fs.Int("threads", 1, "interpreter threads")
	runs := fs.Int("runs", 50, "timed runs")
	warmup := fs.Int("warmup", 5, "untimed warm-up runs")
	shape := fs.String("input-shape", "", "resize input 0 to this shape, e.g. 1,112,112,3")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("model bench takes one model file")
	}
	if *runs < 1 || *threads < 1 || *warmup < 0 {
		return usageError("--runs and --threads must be at least 1, --warmup at least 0")
	}
	m, ip, err := openModel(pos[0], *threads, *shape)
	if err != nil {
		return err
	}
	defer ip.Close()
	// Deterministic input in [-1, 1) for every float input.
	for i := 0; i < ip.NumInputs(); i++ {
		in := ip.Input(i).Float32s()
		for j := range in {
			in[j] = float32((j*7919)%2000)/1000 - 1
		}
	}
	for i := 0; i < *warmup; i++ {
		if err := ip.Invoke(ctx); err != nil {
			return err
		}
	}
	times := make([]float64, *runs)
	for i := range times {
		t0 := time.Now()
		if err := ip.Invoke(ctx); err != nil {
			return err
		}
		times[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	allocs := testing.AllocsPerRun(3, func() { _ = ip.Invoke(ctx) })
	sort.Float64s(times)
	r := benchResult{
		Model: m.Name(), InputShape: ip.Input(0).Shape(), Threads: *threads, Runs: *runs,
		MedianMS: median(times), MinMS: times[0], MaxMS: times[len(times)-1], AllocsPerRun: allocs,
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	fmt.Fprintf(stdout, "model %s input %v threads %d (%s/%s, GOMAXPROCS %d)\n", r.Model, r.InputShape, r.Threads, runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "runs %d: median %.2f ms, min %.2f ms, max %.2f ms, %.0f allocs per run\n", r.Runs, r.MedianMS, r.MinMS, r.MaxMS, r.AllocsPerRun)
	return nil
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
