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
	names  []string
	lo, hi []float32
	// sumLo and sumHi add up each input's own extremes, for RangeMean.
	sumLo, sumHi []float64
	// chSum and chN sum each output's values per channel (last axis),
	// for the channel means bias correction uses.
	chSum   [][]float64
	chN     []float64
	inLo    float32
	inHi    float32
	inName  string
	inSum   []float64
	inN     float64
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
	c.sumLo, c.sumHi = make([]float64, len(c.names)), make([]float64, len(c.names))
	c.chSum, c.chN = make([][]float64, len(c.names)), make([]float64, len(c.names))
	for i := range c.names {
		sh := ip.Output(i).Shape()
		ch := 1
		if len(sh) > 0 && sh[len(sh)-1] > 0 {
			ch = sh[len(sh)-1]
		}
		c.chSum[i] = make([]float64, ch)
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
	if c.inSum == nil {
		c.inSum = make([]float64, c.inShape[len(c.inShape)-1])
	}
	for k, v := range input {
		c.inLo, c.inHi = min(c.inLo, v), max(c.inHi, v)
		c.inSum[k%len(c.inSum)] += float64(v)
	}
	c.inN += float64(len(input) / len(c.inSum))
	if err := c.ip.Invoke(ctx); err != nil {
		return fmt.Errorf("calibrate %s: %w", c.model, err)
	}
	for i := range c.names {
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		sum, ch := c.chSum[i], len(c.chSum[i])
		out := c.ip.Output(i).Float32s()
		for k, v := range out {
			if v != v { // NaN: a broken model or input; leave it out
				continue
			}
			lo, hi = min(lo, v), max(hi, v)
			sum[k%ch] += float64(v)
		}
		c.chN[i] += float64(len(out) / ch)
		if lo <= hi {
			c.lo[i], c.hi[i] = min(c.lo[i], lo), max(c.hi[i], hi)
			c.sumLo[i] += float64(lo)
			c.sumHi[i] += float64(hi)
		}
	}
	c.samples++
	return nil
}

// Samples is how many inputs Add has run.
func (c *Calibrator) Samples() int { return c.samples }

// RangeStat says how a tensor's range is taken from the calibration runs.
type RangeStat string

// Range statistics.
const (
	// RangeMinMax is the smallest and largest value seen over all inputs
	// (TFLite converter's default).
	RangeMinMax RangeStat = "minmax"
	// RangeMean is the mean over inputs of each input's own minimum and
	// maximum: rare outliers widen the range less, so typical values get
	// a finer scale (values beyond it saturate).
	RangeMean RangeStat = "mean"
)

// Ranges returns the ranges recorded so far by stat (an error before any
// Add). The model input's range is always its min/max.
func (c *Calibrator) Ranges(stat RangeStat) (*Ranges, error) {
	if c.samples == 0 {
		return nil, fmt.Errorf("calibrate %s: no calibration inputs", c.model)
	}
	if stat != RangeMinMax && stat != RangeMean {
		return nil, fmt.Errorf("calibrate: unknown range statistic %q (want %q or %q)", stat, RangeMinMax, RangeMean)
	}
	r := &Ranges{Model: c.model, Samples: c.samples, Stat: stat, Tensors: map[string][2]float32{c.inName: {c.inLo, c.inHi}},
		Means: map[string][]float32{c.inName: c.inMean()}}
	for i, n := range c.names {
		if c.chN[i] > 0 {
			m := make([]float32, len(c.chSum[i]))
			for k, s := range c.chSum[i] {
				m[k] = float32(s / c.chN[i])
			}
			r.Means[n] = m
		}
		if stat == RangeMean {
			r.Tensors[n] = [2]float32{float32(c.sumLo[i] / float64(c.samples)), float32(c.sumHi[i] / float64(c.samples))}
		} else {
			r.Tensors[n] = [2]float32{c.lo[i], c.hi[i]}
		}
	}
	return r, r.Validate()
}

func (c *Calibrator) inMean() []float32 {
	m := make([]float32, len(c.inSum))
	for k, s := range c.inSum {
		m[k] = float32(s / c.inN)
	}
	return m
}
