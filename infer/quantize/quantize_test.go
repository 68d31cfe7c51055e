package quantize

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/infer/tflite"
	"github.com/facegate/facegate/internal/litertrun"
	"github.com/facegate/facegate/internal/testfaces"
)

func TestActivationParams(t *testing.T) {
	tests := []struct {
		lo, hi float32
		scale  float32
		zp     int32
	}{
		{-1, 1.55, 0.01, -28},
		{0, 6, 6.0 / 255, -128}, // ReLU6 output
		{-3, 0, 3.0 / 255, 127},
		{2, 5, 5.0 / 255, -128}, // widened to contain 0
		{-2, 3, 5.0 / 255, -26},
		{0, 0, 1, 0},
	}
	for _, tc := range tests {
		p := ActivationParams(tc.lo, tc.hi)
		if math.Abs(float64(p.Scale-tc.scale)) > 1e-7 || p.ZeroPoint != tc.zp {
			t.Errorf("ActivationParams(%v, %v) = %+v, want scale %v zero point %d", tc.lo, tc.hi, p, tc.scale, tc.zp)
		}
	}
}

// oneConv is a float graph: input [1,2,2,1] → CONV_2D 1×1, 2 filters → output.
func oneConv() *tflite.Graph {
	return &tflite.Graph{
		Tensors: []tflite.GraphTensor{
			{Name: "in", Type: tflite.Float32, Shape: []int{1, 2, 2, 1}},
			{Name: "w", Type: tflite.Float32, Shape: []int{2, 1, 1, 1}, Data: tflite.Float32Bytes([]float32{1.27, -0.635})},
			{Name: "b", Type: tflite.Float32, Shape: []int{2}, Data: tflite.Float32Bytes([]float32{0.5, -0.3})},
			{Name: "out", Type: tflite.Float32, Shape: []int{1, 2, 2, 2}},
		},
		Ops: []tflite.GraphOp{{Code: tflite.OpConv2D, Version: 1, Inputs: []int{0, 1, 2}, Outputs: []int{3},
			Options: tflite.OpOptions{Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1}}},
		Inputs:  []int{0},
		Outputs: []int{3},
	}
}

func byName(g *tflite.Graph, name string) *tflite.GraphTensor {
	for i := range g.Tensors {
		if g.Tensors[i].Name == name {
			return &g.Tensors[i]
		}
	}
	return nil
}

// TestQuantizeOneConv checks the rewritten graph and the integer weights
// and bias against values worked out by hand.
func TestQuantizeOneConv(t *testing.T) {
	r := &Ranges{Model: "one", Samples: 1, Tensors: map[string][2]float32{"in": {-1, 1.55}, "out": {-2, 3}}}
	for _, perChannel := range []bool{true, false} {
		q, err := Quantize(oneConv(), r, Options{PerChannel: perChannel})
		if err != nil {
			t.Fatal(err)
		}
		var ops []string
		for _, op := range q.Ops {
			ops = append(ops, op.Code.String())
		}
		if got, want := strings.Join(ops, " "), "QUANTIZE CONV_2D DEQUANTIZE"; got != want {
			t.Fatalf("per-channel %v: ops %q, want %q", perChannel, got, want)
		}
		in, out := q.Tensors[q.Inputs[0]], q.Tensors[q.Outputs[0]]
		if in.Name != "in" || in.Type != tflite.Float32 || out.Name != "out" || out.Type != tflite.Float32 {
			t.Errorf("graph input %q %v, output %q %v; want float32 \"in\" and \"out\"", in.Name, in.Type, out.Name, out.Type)
		}
		conv := q.Ops[1]
		x, w, b, y := &q.Tensors[conv.Inputs[0]], &q.Tensors[conv.Inputs[1]], &q.Tensors[conv.Inputs[2]], &q.Tensors[conv.Outputs[0]]
		if x.Type != tflite.Int8 || x.Quant.ZeroPoint[0] != -28 || math.Abs(float64(x.Quant.Scale[0]-0.01)) > 1e-7 {
			t.Errorf("conv input: %v %+v, want int8 scale 0.01 zero point -28", x.Type, x.Quant)
		}
		if y.Type != tflite.Int8 || y.Quant.ZeroPoint[0] != -26 {
			t.Errorf("conv output: %v %+v, want int8 zero point -26", y.Type, y.Quant)
		}
		wantW, wantB := []int8{127, -127}, []int32{5000, -6000}
		if !perChannel {
			wantW, wantB = []int8{127, -64}, []int32{5000, -3000} // one scale 0.01: -0.635/0.01 = -63.5 → -64
		}
		for k, v := range w.Data {
			if int8(v) != wantW[k] {
				t.Errorf("per-channel %v: weight %d = %d, want %d", perChannel, k, int8(v), wantW[k])
			}
		}
		if got := int32s(b.Data); got[0] != wantB[0] || got[1] != wantB[1] || b.Type != tflite.Int32 {
			t.Errorf("per-channel %v: bias %v %v, want int32 %v", perChannel, b.Type, got, wantB)
		}
		if perChannel && (len(w.Quant.Scale) != 2 || w.Quant.Axis != 0) {
			t.Errorf("per-channel weights: %+v, want 2 scales on axis 0", w.Quant)
		}
		if conv.Version != 3 {
			t.Errorf("int8 CONV_2D version %d, want 3", conv.Version)
		}
	}
}

// TestQuantizeOneConvLiteRT runs the quantized one-conv model in Google's
// runtime: its outputs must be the float results within one output step.
func TestQuantizeOneConvLiteRT(t *testing.T) {
	litertrun.Need(t)
	r := &Ranges{Model: "one", Samples: 1, Tensors: map[string][2]float32{"in": {-1, 1.55}, "out": {-2, 3}}}
	q, err := Quantize(oneConv(), r, Options{PerChannel: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := q.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	in := []float32{-1, -0.25, 0.5, 1}
	outs, err := litertrun.Run(t, b, []litertrun.Input{{Shape: []int{1, 2, 2, 1}, Data: in}})
	if err != nil {
		t.Fatal(err)
	}
	step := 5.0 / 255
	for i, x := range in {
		for c, wb := range [][2]float32{{1.27, 0.5}, {-0.635, -0.3}} {
			want := math.Max(-2, math.Min(3, float64(x*wb[0]+wb[1])))
			got := float64(outs[0].Data[2*i+c])
			if math.Abs(got-want) > step {
				t.Errorf("out[%d][%d] = %v, want %v ± %v", i, c, got, want, step)
			}
		}
	}
}

// shipped are the options scripts/fetch-models.sh (make models) quantizes MobileFaceNet with.
var shipped = Options{PerChannel: true, FloatHeads: true}

// shippedBlazeFace adds the two layers BlazeFace keeps float (see
// docs/quantize.md).
var shippedBlazeFace = Options{PerChannel: true, FloatHeads: true, FloatTensors: []string{"conv2d_16", "depthwise_conv2d_15"}}

func quantizeReal(t *testing.T, name, ranges string, opts Options) (*tflite.Model, []byte) {
	t.Helper()
	m, err := tflite.Load(testfaces.Model(t, name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReadRanges(filepath.Join("ranges", ranges))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Quantize(m.Graph(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return m, b
}

// TestQuantizeRealModels quantizes the shipped models from the committed
// ranges: the same input gives the same bytes, every convolution but the
// output heads and the layers named float runs in int8 with per-channel
// weights, and the inputs and outputs keep their float type, shape and
// name.
func TestQuantizeRealModels(t *testing.T) {
	for _, tc := range []struct {
		model, ranges string
		opts          Options
		int8, float   int // int8 and float convolutions
	}{
		{"MobileFaceNet.tflite", "MobileFaceNet.json", shipped, 51, 1},
		{"face_detection_short_range.tflite", "face_detection_short_range.json", shippedBlazeFace, 31, 6},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m, b := quantizeReal(t, tc.model, tc.ranges, tc.opts)
			_, b2 := quantizeReal(t, tc.model, tc.ranges, tc.opts)
			if !bytes.Equal(b, b2) {
				t.Fatal("two quantizations of the same model and ranges differ")
			}
			r, _ := ReadRanges(filepath.Join("ranges", tc.ranges))
			g, _ := Quantize(m.Graph(), r, tc.opts)
			convs, floats := 0, 0
			for _, op := range g.Ops {
				switch op.Code {
				case tflite.OpConv2D, tflite.OpDepthwiseConv2D:
					if g.Tensors[op.Inputs[0]].Type == tflite.Float32 && g.Tensors[op.Inputs[1]].Type == tflite.Float32 {
						floats++
						continue
					}
					convs++
					if g.Tensors[op.Inputs[0]].Type != tflite.Int8 || g.Tensors[op.Inputs[1]].Type != tflite.Int8 {
						t.Errorf("%v on %q is not int8", op.Code, g.Tensors[op.Outputs[0]].Name)
					}
					w := g.Tensors[op.Inputs[1]]
					axis := 0
					if op.Code == tflite.OpDepthwiseConv2D {
						axis = 3
					}
					if len(w.Quant.Scale) != w.Shape[axis] || w.Quant.Axis != axis {
						t.Errorf("%v weights %q: %d scales on axis %d, want %d on axis %d", op.Code, w.Name, len(w.Quant.Scale), w.Quant.Axis, w.Shape[axis], axis)
					}
				}
			}
			if convs != tc.int8 || floats != tc.float {
				t.Errorf("%d int8 and %d float convolutions, want %d and %d", convs, floats, tc.int8, tc.float)
			}
			for _, name := range tc.opts.FloatTensors {
				for _, op := range g.Ops {
					if out := g.Tensors[op.Outputs[0]]; out.Name == name && out.Type != tflite.Float32 {
						t.Errorf("%q is %v, want float32 (named in FloatTensors)", name, out.Type)
					}
				}
			}
			// The file loads in our interpreter (int8 kernels).
			if _, err := tflite.LoadBytes(b); err != nil {
				t.Errorf("load the written model: %v", err)
			}
			for i, ti := range g.Inputs {
				if want := m.Inputs()[i]; g.Tensors[ti].Name != want.Name || g.Tensors[ti].Type != tflite.Float32 {
					t.Errorf("input %d: %q %v, want float32 %q", i, g.Tensors[ti].Name, g.Tensors[ti].Type, want.Name)
				}
			}
			for i, ti := range g.Outputs {
				if want := m.Outputs()[i]; g.Tensors[ti].Name != want.Name || g.Tensors[ti].Type != tflite.Float32 {
					t.Errorf("output %d: %q %v, want float32 %q", i, g.Tensors[ti].Name, g.Tensors[ti].Type, want.Name)
				}
			}
		})
	}
}

// TestQuantizedMobileFaceNetLiteRT runs the int8 MobileFaceNet in Google's
// runtime on a smooth synthetic face-sized input and compares the
// embedding with the float model's: quantization changes it, but it must
// stay the same direction.
func TestQuantizedMobileFaceNetLiteRT(t *testing.T) {
	litertrun.Need(t)
	m, b := quantizeReal(t, "MobileFaceNet.tflite", "MobileFaceNet.json", shipped)
	in := m.Inputs()[0]
	n := 1
	for _, d := range in.Shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		x, y, c := float64((i/3)%112), float64((i/336)%112), float64(i%3)
		data[i] = float32(0.6*math.Sin(x/9+c)*math.Cos(y/13) - 0.1)
	}
	inputs := []litertrun.Input{{Shape: in.Shape, Data: data}}
	q, err := litertrun.Run(t, b, inputs)
	if err != nil {
		t.Fatalf("LiteRT.js on the int8 model: %v", err)
	}
	fb, err := m.Graph().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	f, err := litertrun.Run(t, fb, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(q[0].Data) != len(f[0].Data) {
		t.Fatalf("int8 output has %d values, float %d", len(q[0].Data), len(f[0].Data))
	}
	var dot, nq, nf float64
	for k := range f[0].Data {
		a, b := float64(q[0].Data[k]), float64(f[0].Data[k])
		dot, nq, nf = dot+a*b, nq+a*a, nf+b*b
	}
	cos := dot / math.Sqrt(nq*nf)
	t.Logf("cosine(int8, float) = %.4f", cos)
	if cos < 0.8 { // measured 0.909; broken scales or layouts gave 0.1-0.4
		t.Errorf("cosine between the int8 and float embeddings %.4f, want ≥ 0.8", cos)
	}
}

// TestBiasCorrection: with one weight scale (0.01) the second weight
// −0.635 rounds to −0.64; for inputs of mean 2 that lowers the output mean
// by 0.01, which the corrected bias adds back: −0.3 → −0.29 (−2900 at
// bias scale 1e-4). Without channel means nothing changes.
func TestBiasCorrection(t *testing.T) {
	for _, tc := range []struct {
		means map[string][]float32
		want  []int32
	}{
		{map[string][]float32{"in": {2}}, []int32{5000, -2900}},
		{nil, []int32{5000, -3000}},
	} {
		r := &Ranges{Model: "one", Samples: 1, Tensors: map[string][2]float32{"in": {-1, 1.55}, "out": {-2, 3}}, Means: tc.means}
		q, err := Quantize(oneConv(), r, Options{BiasCorrection: true})
		if err != nil {
			t.Fatal(err)
		}
		b := q.Tensors[q.Ops[1].Inputs[2]]
		if got := int32s(b.Data); got[0] != tc.want[0] || got[1] != tc.want[1] {
			t.Errorf("means %v: bias %v, want %v", tc.means, got, tc.want)
		}
	}
}

// TestFloatTensorsUnknown refuses a float tensor name the model does
// not have: a typo must not silently quantize the layer it meant to keep.
// (TestQuantizeRealModels checks that named layers stay float.)
func TestFloatTensorsUnknown(t *testing.T) {
	r := &Ranges{Model: "one", Samples: 1, Tensors: map[string][2]float32{"in": {-1, 1.55}, "out": {-2, 3}}}
	_, err := Quantize(oneConv(), r, Options{FloatTensors: []string{"otu"}})
	if err == nil || !strings.Contains(err.Error(), `"otu"`) {
		t.Errorf("unknown float tensor: error %v, want one naming \"otu\"", err)
	}
}
