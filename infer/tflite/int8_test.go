package tflite

import (
	"context"
	"slices"
	"testing"
)

// run8 loads a single-op model built by caseGen (without the final
// DEQUANTIZE), sets the int8 input and returns the int8 output.
func run8(t *testing.T, g *caseGen, in, out int, x []int8, threads int) []int8 {
	t.Helper()
	m, err := LoadBytes(buildModel8(g.ts, g.ops, []int{in}, []int{out}))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	ip, err := NewInterpreter(m, Options{Threads: threads})
	if err != nil {
		t.Fatalf("NewInterpreter: %v", err)
	}
	defer ip.Close()
	copy(ip.Input(0).Int8s(), x)
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatal(err)
	}
	return slices.Clone(ip.Output(0).Int8s())
}

// TestRequant pins the fp32 requantization (XNNPACK) against values worked
// out by hand, including the cases where it differs from TFLite's
// reference fixed-point kernels.
func TestRequant(t *testing.T) {
	for _, c := range []struct {
		acc        int32
		scale      float32
		zp, lo, hi int32
		want       int8
	}{
		{100, 0.5, 0, -128, 127, 50},
		{101, 0.5, 0, -128, 127, 50},   // 50.5 → 50 (ties to even; the reference rounds to 51)
		{103, 0.5, 0, -128, 127, 52},   // 51.5 → 52
		{-101, 0.5, 0, -128, 127, -50}, // −50.5 → −50 (the reference gives −51)
		{-101, 0.5, 3, -128, 127, -47},
		{1000, 0.5, 10, -128, 127, 127}, // saturates
		{-1000, 0.5, 10, -128, 127, -128},
		{20, 0.25, -5, -5, 127, 0},   // 5 − 5
		{-20, 0.25, -5, -5, 127, -5}, // RELU: clamped at the zero point
		{1 << 30, 1.0 / (1 << 24), 0, -128, 127, 64},
	} {
		if got := requant(c.acc, c.scale, c.zp, c.lo, c.hi); got != c.want {
			t.Errorf("requant(%d, %g, zp %d, [%d,%d]) = %d, want %d", c.acc, c.scale, c.zp, c.lo, c.hi, got, c.want)
		}
		// The shared kernel must agree.
		out := []int8{0}
		requantFP32([]int32{c.acc}, []int32{0}, []float32{c.scale}, c.zp, c.lo, c.hi, out)
		if out[0] != c.want {
			t.Errorf("requantFP32(%d, %g, zp %d, [%d,%d]) = %d, want %d", c.acc, c.scale, c.zp, c.lo, c.hi, out[0], c.want)
		}
	}
}

// TestFixedPoint pins TFLite's MultiplyByQuantizedMultiplier (used by
// PRELU) on hand-computed values.
func TestFixedPoint(t *testing.T) {
	for _, c := range []struct {
		x    int32
		real float64
		want int32
	}{
		{100, 0.5, 50},
		{101, 0.5, 51},   // 50.5 rounds half away from zero
		{-101, 0.5, -50}, // but the doubling high multiply's nudge takes −50.5 toward zero
		{7, 0.25, 2},     // 1.75
		{3, 1.5, 5},      // 4.5 → 5 (left shift 1)
		{1000, 0.001, 1},
		{-1500, 0.001, -2}, // −1.5 → −2
	} {
		m, s := quantizeMultiplier(c.real)
		if got := multiplyByQuantizedMultiplier(c.x, m, s); got != c.want {
			t.Errorf("MultiplyByQuantizedMultiplier(%d, %g) = %d, want %d (m %d shift %d)", c.x, c.real, got, c.want, m, s)
		}
	}
}

// TestInt8OpsHand runs each int8 op on inputs small enough to work out by
// hand.
func TestInt8OpsHand(t *testing.T) {
	t.Run("quantize", func(t *testing.T) {
		g := newCaseGen(0)
		in := g.tensor("in", Float32, []int{6}, nil)
		out := g.tensor("q", Int8, []int{6}, pq(0.5, 1))
		g.op(opQuantize, vQuantize, []int{in}, out, nil)
		m, err := LoadBytes(buildModel8(g.ts, g.ops, []int{in}, []int{out}))
		if err != nil {
			t.Fatal(err)
		}
		ip, err := NewInterpreter(m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// x/0.5 + 1: 0.25→0.5→0 (even) +1; 0.75→1.5→2 +1; −0.25→−0.5→−0 +1; 100 saturates.
		copy(ip.Input(0).Float32s(), []float32{0.25, 0.75, -0.25, 100, -100, 3})
		if err := ip.Invoke(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := []int8{1, 3, 1, 127, -128, 7}
		if got := ip.Output(0).Int8s(); !slices.Equal(got, want) {
			t.Errorf("QUANTIZE = %v, want %v", got, want)
		}
	})
	t.Run("conv1x1_per_channel", func(t *testing.T) {
		g := newCaseGen(0)
		x := g.tensor("x", Int8, []int{1, 1, 2, 2}, pq(0.5, 2))
		// channel 0: w (1, 2) scale 0.25; channel 1: w (−3, 1) scale 0.5
		w := g.constI8("w", []int{2, 1, 1, 2}, &tQuant{scale: []float32{0.25, 0.5}}, []int8{1, 2, -3, 1})
		b := g.constI32("b", []int{2}, &tQuant{scale: []float32{0.125, 0.25}}, []int32{4, -2})
		y := g.tensor("y", Int8, []int{1, 1, 2, 2}, pq(1, -1))
		g.op(opConv2d, 3, []int{x, w, b}, y, convOpts(1, 1, 1, 0))
		// pixel 0: x = (6, 4) → x−zp = (4, 2)
		//   ch0: 4·1+2·2+4 = 12, ·0.5·0.25/1 = 1.5 → 2 (even), −1 → 1
		//   ch1: 4·−3+2·1−2 = −12, ·0.25 = −3, −1 → −4
		// pixel 1: x = (3, 2) → (1, 0)
		//   ch0: 1+4 = 5, ·0.125 = 0.625 → 1, −1 → 0
		//   ch1: −3−2 = −5, ·0.25 = −1.25 → −1, −1 → −2
		got := run8(t, g, x, y, []int8{6, 4, 3, 2}, 1)
		if want := []int8{1, -4, 0, -2}; !slices.Equal(got, want) {
			t.Errorf("CONV_2D = %v, want %v", got, want)
		}
	})
	t.Run("depthwise_padding", func(t *testing.T) {
		g := newCaseGen(0)
		x := g.tensor("x", Int8, []int{1, 1, 3, 1}, pq(1, 5))
		w := g.constI8("w", []int{1, 1, 3, 1}, &tQuant{scale: []float32{1}, axis: 3}, []int8{1, 1, 1})
		b := g.constI32("b", []int{1}, &tQuant{scale: []float32{1}}, []int32{0})
		y := g.tensor("y", Int8, []int{1, 1, 3, 1}, pq(1, 0))
		g.op(opDepthwiseConv2d, 3, []int{x, w, b}, y, wtbl(uint8(0), int32(1), int32(1), int32(1), uint8(0), int32(1), int32(1)))
		// x−zp = (1, 2, 3); SAME padding reads real 0 at both ends:
		// (0+1+2, 1+2+3, 2+3+0)
		got := run8(t, g, x, y, []int8{6, 7, 8}, 1)
		if want := []int8{3, 6, 5}; !slices.Equal(got, want) {
			t.Errorf("DEPTHWISE_CONV_2D = %v, want %v", got, want)
		}
	})
	t.Run("add", func(t *testing.T) {
		g := newCaseGen(0)
		x := g.tensor("x", Int8, []int{4}, pq(0.5, 0))
		c := g.constI8("c", []int{4}, pq(0.25, 0), []int8{1, 2, 3, -3})
		y := g.tensor("y", Int8, []int{4}, pq(1, 0))
		g.op(opAdd, 2, []int{x, c}, y, wtbl(uint8(0)))
		// 0.5a + 0.25b: (1, 2) → 1.0; (1, 1) → 0.75 → 1; (0, 2) → 0.5
		// rounds half up → 1; (0, −2) → −0.5 → 0 (half up).
		got := run8(t, g, x, y, []int8{1, 1, 0, 1}, 1)
		if want := []int8{1, 1, 1, 0}; !slices.Equal(got, want) {
			t.Errorf("ADD = %v, want %v", got, want)
		}
	})
	t.Run("mul", func(t *testing.T) {
		g := newCaseGen(0)
		x := g.tensor("x", Int8, []int{3}, pq(0.5, 1))
		c := g.constI8("c", []int{3}, pq(0.5, 0), []int8{3, -3, 4})
		y := g.tensor("y", Int8, []int{3}, pq(0.5, 0))
		g.op(opMul, 2, []int{x, c}, y, wtbl(uint8(0)))
		// (x−1)·c·0.5: (2·3)/2 = 3; (1·−3)/2 = −1.5 → −2; (−1·4)/2 = −2
		got := run8(t, g, x, y, []int8{3, 2, 0}, 1)
		if want := []int8{3, -2, -2}; !slices.Equal(got, want) {
			t.Errorf("MUL = %v, want %v", got, want)
		}
	})
	t.Run("prelu", func(t *testing.T) {
		g := newCaseGen(0)
		x := g.tensor("x", Int8, []int{1, 4}, pq(1, 0))
		a := g.constI8("a", []int{4}, pq(0.25, 0), []int8{1, 2, 1, 2})
		y := g.tensor("y", Int8, []int{1, 4}, pq(1, 0))
		g.op(opPrelu, 1, []int{x, a}, y, nil)
		// positive: x; negative: x·a·0.25, rounding half away from zero:
		// −6·0.25 = −1.5 → −2; −6·0.5 = −3.
		got := run8(t, g, x, y, []int8{5, 7, -6, -6}, 1)
		if want := []int8{5, 7, -2, -3}; !slices.Equal(got, want) {
			t.Errorf("PRELU = %v, want %v", got, want)
		}
	})
	t.Run("avgpool", func(t *testing.T) {
		g := newCaseGen(0)
		q := pq(1, 0)
		x := g.tensor("x", Int8, []int{1, 2, 2, 2}, q)
		y := g.tensor("y", Int8, []int{1, 1, 1, 2}, q)
		g.op(opAveragePool2d, 2, []int{x}, y, wtbl(uint8(1), int32(2), int32(2), int32(2), int32(2), uint8(0)))
		// (1+2+3+4)/4 = 2.5 → 3 (half away from zero); (−1−2−3−4)/4 → −3.
		got := run8(t, g, x, y, []int8{1, -1, 2, -2, 3, -3, 4, -4}, 1)
		if want := []int8{3, -3}; !slices.Equal(got, want) {
			t.Errorf("AVERAGE_POOL_2D = %v, want %v", got, want)
		}
	})
	t.Run("maxpool_relu6", func(t *testing.T) {
		g := newCaseGen(0)
		q := pq(0.5, -10)
		x := g.tensor("x", Int8, []int{1, 2, 2, 1}, q)
		y := g.tensor("y", Int8, []int{1, 1, 1, 1}, q)
		g.op(opMaxPool2d, 2, []int{x}, y, wtbl(uint8(1), int32(2), int32(2), int32(2), int32(2), uint8(3)))
		// max 20; RELU6 caps at 6/0.5 − 10 = 2.
		got := run8(t, g, x, y, []int8{-50, 20, 0, 1}, 1)
		if want := []int8{2}; !slices.Equal(got, want) {
			t.Errorf("MAX_POOL_2D = %v, want %v", got, want)
		}
	})
}

// TestInt8Errors checks that int8 models with unusable quantization are
// refused with a clear error rather than run.
func TestInt8Errors(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(g *caseGen) (in, out int)
	}{
		{"activation without quantization", func(g *caseGen) (int, int) {
			x := g.tensor("x", Int8, []int{4}, nil)
			y := g.tensor("y", Int8, []int{4}, pq(1, 0))
			g.op(opAdd, 2, []int{x, x}, y, wtbl(uint8(0)))
			return x, y
		}},
		{"asymmetric weights", func(g *caseGen) (int, int) {
			x := g.tensor("x", Int8, []int{1, 2}, pq(1, 0))
			w := g.constI8("w", []int{1, 2}, pq(1, 3), []int8{1, 2})
			y := g.tensor("y", Int8, []int{1, 1}, pq(1, 0))
			g.op(opFullyConnected, 4, []int{x, w, -1}, y, wtbl(uint8(0), uint8(0), false))
			return x, y
		}},
		{"concat with different scales", func(g *caseGen) (int, int) {
			x := g.tensor("x", Int8, []int{2}, pq(1, 0))
			c := g.constI8("c", []int{2}, pq(2, 0), []int8{1, 2})
			y := g.tensor("y", Int8, []int{4}, pq(1, 0))
			g.op(opConcatenation, 2, []int{x, c}, y, wtbl(int32(0), uint8(0)))
			return x, y
		}},
		{"zero point out of range", func(g *caseGen) (int, int) {
			x := g.tensor("x", Int8, []int{2}, pq(1, 300))
			y := g.tensor("y", Float32, []int{2}, nil)
			g.op(opDequantize, vDequantize, []int{x}, y, nil)
			return x, y
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newCaseGen(0)
			in, out := c.build(g)
			m, err := LoadBytes(buildModel8(g.ts, g.ops, []int{in}, []int{out}))
			if err == nil {
				_, err = NewInterpreter(m, Options{})
			}
			if err == nil {
				t.Fatal("model accepted, want an error")
			}
			t.Logf("error: %v", err)
		})
	}
}

// TestInt8NoAllocs checks that Invoke of an int8 model allocates nothing,
// with one and several threads.
func TestInt8NoAllocs(t *testing.T) {
	for _, c := range int8Cases() {
		m, err := LoadBytes(c.model)
		if err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{1, 2} {
			ip, err := NewInterpreter(m, Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			copy(ip.Input(0).Float32s(), c.input)
			ctx := context.Background()
			if a := testing.AllocsPerRun(5, func() { _ = ip.Invoke(ctx) }); a != 0 {
				t.Errorf("%s threads %d: %v allocations per Invoke, want 0", c.name, threads, a)
			}
			ip.Close()
		}
	}
}

// TestQuantizeEdge checks the int8 bounds of fused activations.
func TestQuantizeEdge(t *testing.T) {
	lo, hi, err := actRange8(3, 0.05, -128)
	if err != nil || lo != -128 || hi != -8 {
		t.Errorf("RELU6 at scale 0.05 zp −128 = [%d, %d] %v, want [−128, −8]", lo, hi, err)
	}
	lo, hi, err = actRange8(1, 0.1, 7)
	if err != nil || lo != 7 || hi != 127 {
		t.Errorf("RELU at zp 7 = [%d, %d] %v, want [7, 127]", lo, hi, err)
	}
	if _, _, err := actRange8(4, 1, 0); err == nil {
		t.Error("activation 4 (TANH) accepted")
	}
}

// TestI8AddRowSIMD compares the ADD row kernel with its portable loop on
// random data, lengths with tails, and the extreme multipliers and shifts.
func TestI8AddRowSIMD(t *testing.T) {
	if !i8AddHasAVX2 {
		t.Log("no SIMD ADD row kernel on this CPU/architecture: portable loop only")
	}
	g := newCaseGen(42)
	for _, sc := range [][3]float32{{0.05, 0.03, 0.07}, {0.5, 0.0101, 0.013}, {1, 1, 0.004}, {0.001, 0.002, 1}} {
		ma, mb, shift, err := addParams(sc[0], sc[1], sc[2])
		if err != nil {
			t.Fatal(err)
		}
		for _, zs := range [][3]int32{{0, 0, 0}, {-128, 127, -5}, {17, -3, 100}} {
			for _, act := range [][2]int32{{-128, 127}, {0, 127}, {-20, 30}} {
				p := &i8AddParams{ma: ma, mb: mb, shift: int32(shift), bias: int32(1)<<(shift-1) - ma*zs[0] - mb*zs[1], lo: act[0] - zs[2], hi: act[1] - zs[2], zo: zs[2]}
				for _, n := range []int{0, 1, 7, 8, 9, 31, 64, 1000} {
					a, b := g.weights(n), g.weights(n)
					if n > 2 {
						a[0], b[0], a[1], b[1] = -128, -128, 127, 127
					}
					got, want := make([]int8, n), make([]int8, n)
					i8AddRow(a, b, got, p)
					i8AddRowGo(a, b, want, p)
					if !slices.Equal(got, want) {
						t.Fatalf("scales %v zps %v act %v n %d: SIMD %v, portable %v", sc, zs, act, n, got, want)
					}
				}
			}
		}
	}
}

// TestI8MaxRowSIMD compares the max row kernel with its portable loop.
func TestI8MaxRowSIMD(t *testing.T) {
	g := newCaseGen(7)
	for _, n := range []int{0, 1, 15, 16, 17, 24, 31, 32, 33, 47, 48, 63, 96, 1000} {
		o, p := g.weights(n), g.weights(n)
		if n > 1 {
			o[0], p[0], o[1], p[1] = -128, 127, 127, -128
		}
		want := slices.Clone(o)
		i8MaxRowGo(want, p)
		i8MaxRow(o, p)
		if !slices.Equal(o, want) {
			t.Fatalf("n %d: SIMD %v, portable %v", n, o, want)
		}
	}
}

// TestRoundEvenSmall checks the magic-bias rounding against math.RoundToEven
// over the clamped range, ties included.
func TestRoundEvenSmall(t *testing.T) {
	for i := -2600; i <= 2600; i++ {
		f := float32(i) / 10
		if got, want := roundEvenSmall(f), roundEven(f); got != want {
			t.Fatalf("roundEvenSmall(%v) = %d, want %d", f, got, want)
		}
	}
	for _, f := range []float32{0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 127.5, -128.5, 0.49999997, -0.49999997} {
		if got, want := roundEvenSmall(f), roundEven(f); got != want {
			t.Errorf("roundEvenSmall(%v) = %d, want %d", f, got, want)
		}
	}
}

// TestInt8ReluFusion checks that an int8 RELU after a convolution becomes
// its fused activation only when it keeps the scale and zero point.
func TestInt8ReluFusion(t *testing.T) {
	build := func(reluQ *tQuant) []byte {
		g := newCaseGen(0)
		x := g.tensor("x", Int8, []int{1, 1, 1, 2}, pq(0.5, 0))
		w := g.constI8("w", []int{2, 1, 1, 2}, &tQuant{scale: []float32{0.5, 0.5}}, []int8{1, 0, 0, -1})
		y := g.tensor("y", Int8, []int{1, 1, 1, 2}, pq(0.25, -3))
		g.op(opConv2d, 3, []int{x, w, -1}, y, convOpts(1, 1, 1, 0))
		r := g.tensor("r", Int8, []int{1, 1, 1, 2}, reluQ)
		g.op(opRelu, 2, []int{y}, r, nil)
		return buildModel8(g.ts, g.ops, []int{x}, []int{r})
	}
	m, err := LoadBytes(build(pq(0.25, -3)))
	if err != nil {
		t.Fatalf("RELU with the convolution's quantization: %v", err)
	}
	ip, err := NewInterpreter(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	copy(ip.Input(0).Int8s(), []int8{6, 4})
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatal(err)
	}
	// ch0: 6·1·0.25/0.25 = 6 → 6−3 = 3; ch1: −4 → −4−3 = −7, RELU → −3 (zp)
	if got, want := ip.Output(0).Int8s(), []int8{3, -3}; !slices.Equal(got, want) {
		t.Errorf("CONV_2D+RELU = %v, want %v", got, want)
	}
	m, err = LoadBytes(build(pq(0.1, 0)))
	if err == nil {
		_, err = NewInterpreter(m, Options{})
	}
	if err == nil {
		t.Error("an int8 RELU that requantizes was accepted")
	}
}
