package infer

import (
	"context"
	"fmt"
	"sort"

	"github.com/facegate/facegate/infer/tflite"
)

// TFLiteNet adapts an infer/tflite interpreter to Net. Outputs are ordered
// largest first, which puts a detector's regressors (…×16) before its
// scores (…×1) whatever order the file stores them in.
type TFLiteNet struct {
	ip   *tflite.Interpreter
	in   []float32
	outs [][]float32
}

// NewTFLiteNet creates an interpreter for m with the given threads,
// resizing input 0 to shape when shape is not nil.
func NewTFLiteNet(m *tflite.Model, threads int, shape []int) (*TFLiteNet, error) {
	ip, err := tflite.NewInterpreter(m, tflite.Options{Threads: threads})
	if err != nil {
		return nil, err
	}
	if shape != nil {
		if err := ip.ResizeInput(0, shape); err != nil {
			ip.Close()
			return nil, err
		}
	}
	if ip.NumInputs() != 1 || ip.Input(0).Type() != tflite.Float32 {
		ip.Close()
		return nil, fmt.Errorf("model has %d inputs, want one float32 input", ip.NumInputs())
	}
	n := &TFLiteNet{ip: ip, in: ip.Input(0).Float32s()}
	for i := 0; i < ip.NumOutputs(); i++ {
		if ip.Output(i).Type() != tflite.Float32 {
			ip.Close()
			return nil, fmt.Errorf("model output %d is %v, want float32", i, ip.Output(i).Type())
		}
		n.outs = append(n.outs, ip.Output(i).Float32s())
	}
	sort.SliceStable(n.outs, func(i, j int) bool { return len(n.outs[i]) > len(n.outs[j]) })
	return n, nil
}

// Input implements Net.
func (n *TFLiteNet) Input() []float32 { return n.in }

// Output implements Net (nil when out of range).
func (n *TFLiteNet) Output(i int) []float32 {
	if i < 0 || i >= len(n.outs) {
		return nil
	}
	return n.outs[i]
}

// Invoke implements Net.
func (n *TFLiteNet) Invoke(ctx context.Context) error { return n.ip.Invoke(ctx) }

// Close stops the interpreter's worker goroutines.
func (n *TFLiteNet) Close() { n.ip.Close() }

// Models are the loaded model files; they are immutable and shared by
// every Pipeline built from them.
type Models struct {
	Detector  *tflite.Model
	FullRange *tflite.Model // nil unless Config.FullRangeModel is set
	Embedder  *tflite.Model
}

// LoadModels loads the model files named in cfg (defaults filled in).
func LoadModels(cfg Config) (*Models, error) {
	cfg = cfg.WithDefaults()
	var m Models
	var err error
	if m.Detector, err = tflite.Load(cfg.DetectorModel); err != nil {
		return nil, fmt.Errorf("infer.detector_model: %w", err)
	}
	if cfg.FullRangeModel != "" {
		if m.FullRange, err = tflite.Load(cfg.FullRangeModel); err != nil {
			return nil, fmt.Errorf("infer.full_range_model: %w", err)
		}
	}
	if m.Embedder, err = tflite.Load(cfg.EmbedderModel); err != nil {
		return nil, fmt.Errorf("infer.embedder_model: %w", err)
	}
	return &m, nil
}

// NewPipeline creates a pipeline with its own interpreters on the shared
// models. Call Close when done.
func NewPipeline(cfg Config, m *Models) (*Pipeline, error) {
	cfg = cfg.WithDefaults()
	var nets Nets
	var all []*TFLiteNet
	fail := func(what string, err error) (*Pipeline, error) {
		for _, n := range all {
			n.Close()
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	det, err := NewTFLiteNet(m.Detector, cfg.Threads, nil)
	if err != nil {
		return fail("detector", err)
	}
	all = append(all, det)
	nets.Detector = det
	if m.FullRange != nil {
		fr, err := NewTFLiteNet(m.FullRange, cfg.Threads, nil)
		if err != nil {
			return fail("full-range detector", err)
		}
		all = append(all, fr)
		nets.FullRange = fr
	}
	emb, err := NewTFLiteNet(m.Embedder, cfg.Threads, []int{1, CropSize, CropSize, 3})
	if err != nil {
		return fail("embedder", err)
	}
	all = append(all, emb)
	nets.Embedder = emb
	p, err := NewPipelineNets(cfg, nets)
	if err != nil {
		return fail("pipeline", err)
	}
	p.closers = all
	return p, nil
}

// Close releases the pipeline's interpreters.
func (p *Pipeline) Close() {
	for _, n := range p.closers {
		n.Close()
	}
	p.closers = nil
}
