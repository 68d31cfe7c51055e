package quantize

import (
	"context"
	"fmt"
	"math"

	"github.com/facegate/facegate/infer/tflite"
)

// Calibrator runs a float model on calibration inputs and records the
// minimum and maximum of every float activation. It runs a copy of the
// model in which every activation is also a graph output, so the
// interpreter keeps each one (instead of reusing its memory) until the run
// ends.
type Calibrator struct {
	model   string
	ip      *tflite.Interpreter
	inShape []int
	// names[i] is the tensor behind interpreter output i.
	names   []string
	lo, hi  []float32
	inLo    float32
	inHi    float32
	inName  string
	samples int
}

// NewCalibrator prepares calibration of m with inputs of inputShape (nil:
// the stored shape; MobileFaceNet is stored at batch 2 and run at batch 1).
// The model must have one float32 input. Call Close when done.
func NewCalibrator(m *tflite.Model, inputShape []int) (*Calibrator, error) {
	g := m.Graph()
	if len(g.Inputs) != 1 || g.Tensors[g.Inputs[0]].Type != tflite.Float32 {
		return nil, fmt.Errorf("calibrate %s: want one float32 input, have %d inputs", m.Name(), len(g.Inputs))
	}
	seen := map[string]bool{}
	isOut := map[int]bool{}
	for _, ti := range g.Outputs {
		isOut[ti] = true
	}
	var extra []int
	for _, op := range g.Ops {
		for _, ti := range op.Outputs {
			t := &g.Tensors[ti]
			if t.Type != tflite.Float32 {
				continue
			}
			if seen[t.Name] {
				return nil, fmt.Errorf("calibrate %s: two activations are named %q; ranges are keyed by name", m.Name(), t.Name)
			}
			seen[t.Name] = true
			if !isOut[ti] {
				extra = append(extra, ti)
			}
		}
	}
	g.Outputs = append(g.Outputs, extra...)
	b, err := g.Marshal()
	if err != nil {
		return nil, fmt.Errorf("calibrate %s: %w", m.Name(), err)
	}
	cm, err := tflite.LoadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("calibrate %s: load the copy with every activation as an output: %w", m.Name(), err)
	}
	ip, err := tflite.NewInterpreter(cm, tflite.Options{Threads: 1})
	if err != nil {
		return nil, fmt.Errorf("calibrate %s: %w", m.Name(), err)
	}
	if inputShape != nil {
		if err := ip.ResizeInput(0, inputShape); err != nil {
			ip.Close()
			return nil, fmt.Errorf("calibrate %s: %w", m.Name(), err)
		}
	}
	c := &Calibrator{model: m.Name(), ip: ip, inShape: ip.Input(0).Shape(), inName: g.Tensors[g.Inputs[0]].Name,
		inLo: float32(math.Inf(1)), inHi: float32(math.Inf(-1))}
	for i := 0; i < ip.NumOutputs(); i++ {
		c.names = append(c.names, ip.Output(i).Name())
		c.lo = append(c.lo, float32(math.Inf(1)))
		c.hi = append(c.hi, float32(math.Inf(-1)))
	}
	return c, nil
}

// Close stops the calibration interpreter.
func (c *Calibrator) Close() { c.ip.Close() }

// InputShape is the shape Add expects.
func (c *Calibrator) InputShape() []int { return append([]int(nil), c.inShape...) }

// Add runs the model on one input (InputShape's element count, the values
// the application feeds the model) and widens the recorded ranges.
func (c *Calibrator) Add(ctx context.Context, input []float32) error {
	in := c.ip.Input(0).Float32s()
	if len(input) != len(in) {
		return fmt.Errorf("calibrate %s: input has %d values, want %d for shape %v", c.model, len(input), len(in), c.inShape)
	}
	copy(in, input)
	for _, v := range input {
		c.inLo, c.inHi = min(c.inLo, v), max(c.inHi, v)
	}
	if err := c.ip.Invoke(ctx); err != nil {
		return fmt.Errorf("calibrate %s: %w", c.model, err)
	}
	for i := range c.names {
		lo, hi := c.lo[i], c.hi[i]
		for _, v := range c.ip.Output(i).Float32s() {
			if v != v { // NaN: a broken model or input; leave it out
				continue
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		c.lo[i], c.hi[i] = lo, hi
	}
	c.samples++
	return nil
}

// Samples is how many inputs Add has run.
func (c *Calibrator) Samples() int { return c.samples }

// Ranges returns the ranges recorded so far (an error before any Add).
func (c *Calibrator) Ranges() (*Ranges, error) {
	if c.samples == 0 {
		return nil, fmt.Errorf("calibrate %s: no calibration inputs", c.model)
	}
	r := &Ranges{Model: c.model, Samples: c.samples, Tensors: map[string][2]float32{c.inName: {c.inLo, c.inHi}}}
	for i, n := range c.names {
		r.Tensors[n] = [2]float32{c.lo[i], c.hi[i]}
	}
	return r, r.Validate()
}
