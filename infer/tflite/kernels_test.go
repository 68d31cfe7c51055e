package tflite

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// Every kernel path this CPU can run (the SIMD ones on amd64, the Go
// definitions everywhere) must give bit-identical results to the
// definitions in kernels.go, including tails that are not a multiple of
// the vector width.

// withPath runs f with the kernel path p selected.
func withPath(t *testing.T, p int, f func()) {
	t.Helper()
	old := kernelPath
	kernelPath = p
	defer func() { kernelPath = old }()
	f()
}

func pathName(p int) string {
	switch {
	case p == pathGo:
		return "go"
	case runtime.GOARCH == "amd64" && p <= 2:
		return [...]string{"go", "avx2", "avx512"}[p]
	case runtime.GOARCH == "arm64" && p == 1:
		return "neon"
	}
	return fmt.Sprint("path ", p)
}

// randFloats returns n values of mixed sign and magnitude, with some exact
// zeros (both signs), and with NaNs when nan is set.
func randFloats(r *rand.Rand, n int, nan bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch v := r.IntN(40); {
		case v == 0:
			s[i] = 0
		case v == 1:
			s[i] = float32(math.Copysign(0, -1))
		case v == 2 && nan:
			s[i] = float32(math.NaN())
		default:
			s[i] = float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(9)-4)))
		}
	}
	return s
}

// sameBits reports whether a and b are equal bit for bit, treating any two
// NaNs as equal (which NaN payload an operation returns is not part of the
// contract).
func sameBits(a, b []float32) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x != x && y != y {
			continue
		}
		if math.Float32bits(x) != math.Float32bits(y) {
			return i, false
		}
	}
	return 0, true
}

// clampRanges are the fused activations' bounds plus bounds that cut
// through the random values.
var clampRanges = [][2]float32{
	{float32(math.Inf(-1)), float32(math.Inf(1))},
	{0, float32(math.Inf(1))},
	{-1, 1},
	{0, 6},
	{-0.25, 0.5},
}

func TestGemmKernelPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, path := range availablePaths() {
		for rows := 1; rows <= gemmMaxRows; rows++ {
			for k := 0; k <= 67; k++ {
				if k > 20 && k%7 != 0 && k != 64 && k != 67 {
					continue
				}
				lda := k + r.IntN(3)
				ldc := gemmNR + r.IntN(5)
				a := randFloats(r, max((rows-1)*lda+k, 0), k%3 == 0)
				b := randFloats(r, k*gemmNR, false)
				bias := randFloats(r, gemmNR, false)
				cr := clampRanges[r.IntN(len(clampRanges))]
				want := randFloats(r, (rows-1)*ldc+gemmNR, false)
				got := append([]float32(nil), want...)
				gemmKernelGo(k, a, lda, b, bias, want, ldc, rows, cr[0], cr[1])
				withPath(t, path, func() {
					gemmKernel(k, a, lda, b, bias, got, ldc, rows, cr[0], cr[1])
				})
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("%s rows=%d k=%d lda=%d ldc=%d clamp=%v: c[%d] = %v, want %v", pathName(path), rows, k, lda, ldc, cr, i, got[i], want[i])
				}
			}
		}
	}
}

func TestDwRowTapPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, path := range availablePaths() {
		for _, n := range []int{0, 1, 2, 3, 7, 16} {
			for c := 1; c <= 67; c++ {
				for _, stride := range []int{1, 2} {
					pstride := c * stride
					if stride == 2 && c%5 == 0 {
						pstride += 3 // not a multiple of c
					}
					o := randFloats(r, n*c, false)
					p := randFloats(r, max((n-1)*pstride+c, 0), c%4 == 0)
					w := randFloats(r, c, false)
					want := append([]float32(nil), o...)
					dwRowTapGo(want, p, w, n, c, pstride)
					withPath(t, path, func() { dwRowTap(o, p, w, n, c, pstride) })
					if i, ok := sameBits(o, want); !ok {
						t.Fatalf("%s n=%d c=%d pstride=%d: o[%d] = %v, want %v", pathName(path), n, c, pstride, i, o[i], want[i])
					}
				}
			}
		}
	}
}

func TestElementwiseRowPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	type rowFunc struct {
		name      string
		def, disp func(o, a, b []float32, lo, hi float32)
	}
	funcs := []rowFunc{
		{"add", addRowGo, addRow},
		{"mul", mulRowGo, mulRow},
		{"max",
			func(o, a, b []float32, _, _ float32) { maxRowGo(o, a, b) },
			func(o, a, b []float32, _, _ float32) { maxRow(o, a, b) }},
		{"prelu",
			func(o, a, b []float32, _, _ float32) { preluRowGo(o, a, b) },
			func(o, a, b []float32, _, _ float32) { preluRow(o, a, b) }},
	}
	sizes := []int{0}
	for n := 1; n <= 70; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 127, 128, 129, 1000, 4096+5)
	for _, path := range availablePaths() {
		for _, f := range funcs {
			for _, n := range sizes {
				a := randFloats(r, n, true)
				b := randFloats(r, n, n%2 == 0)
				cr := clampRanges[r.IntN(len(clampRanges))]
				want := make([]float32, n)
				got := make([]float32, n)
				f.def(want, a, b, cr[0], cr[1])
				withPath(t, path, func() { f.disp(got, a, b, cr[0], cr[1]) })
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("%s %s n=%d clamp=%v: o[%d] = %v, want %v (a=%v b=%v)", pathName(path), f.name, n, cr, i, got[i], want[i], a[i], b[i])
				}
			}
		}
	}
}

// TestKernelBounds checks that the dispatchers refuse slices shorter than
// the extent a kernel would touch instead of letting assembly read past
// them.
func TestKernelBounds(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"gemm short a", func() {
			gemmKernel(4, make([]float32, 7), 4, make([]float32, 4*gemmNR), make([]float32, gemmNR), make([]float32, 2*gemmNR), gemmNR, 2, 0, 1)
		}},
		{"gemm short c", func() {
			gemmKernel(4, make([]float32, 8), 4, make([]float32, 4*gemmNR), make([]float32, gemmNR), make([]float32, 2*gemmNR-1), gemmNR, 2, 0, 1)
		}},
		{"gemm short b", func() {
			gemmKernel(4, make([]float32, 8), 4, make([]float32, 4*gemmNR-1), make([]float32, gemmNR), make([]float32, 2*gemmNR), gemmNR, 2, 0, 1)
		}},
		{"dw short p", func() { dwRowTap(make([]float32, 6), make([]float32, 5), make([]float32, 3), 2, 3, 3) }},
		{"add short b", func() { addRow(make([]float32, 6), make([]float32, 6), make([]float32, 5), 0, 1) }},
		{"prelu short alpha", func() { preluRow(make([]float32, 6), make([]float32, 6), make([]float32, 5)) }},
	}
	for _, path := range availablePaths() {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s", pathName(path), c.name), func(t *testing.T) {
				defer func() {
					if recover() == nil {
						t.Errorf("no panic")
					}
				}()
				withPath(t, path, c.f)
			})
		}
	}
}

func TestDwPixelsPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, path := range availablePaths() {
		for _, c := range []int{1, 3, 8, 15, 16, 17, 24, 33, 64, 67} {
			for _, n := range []int{0, 1, 3, 4, 5, 9} {
				for _, kk := range [][2]int{{1, 1}, {2, 3}, {3, 3}, {5, 5}, {1, 5}} {
					nky, kw := kk[0], kk[1]
					sw := 1 + r.IntN(2)
					ps := sw * c
					rs := (n*sw + kw + r.IntN(3)) * c
					p := randFloats(r, max((n-1)*ps+(nky-1)*rs+kw*c, 0), c%3 == 0)
					w := randFloats(r, nky*kw*c, false)
					bias := randFloats(r, c, false)
					want := randFloats(r, n*c, false)
					got := append([]float32(nil), want...)
					dwPixelsGo(want, p, w, bias, n, c, ps, nky, kw, rs)
					withPath(t, path, func() { dwPixels(got, p, w, bias, n, c, ps, nky, kw, rs) })
					if i, ok := sameBits(got, want); !ok {
						t.Fatalf("%s c=%d n=%d taps=%dx%d ps=%d rs=%d: o[%d] = %v, want %v", pathName(path), c, n, nky, kw, ps, rs, i, got[i], want[i])
					}
					// The same sums, tap by tap as the depthwise row code
					// adds them.
					tap := make([]float32, n*c)
					for i := 0; i < n; i++ {
						copy(tap[i*c:(i+1)*c], bias)
					}
					for ky := 0; ky < nky; ky++ {
						for kx := 0; kx < kw; kx++ {
							if n > 0 {
								dwRowTapGo(tap, p[ky*rs+kx*c:], w[(ky*kw+kx)*c:], n, c, ps)
							}
						}
					}
					if i, ok := sameBits(tap, want); !ok {
						t.Fatalf("c=%d n=%d taps=%dx%d: tap by tap o[%d] = %v, dwPixelsGo %v", c, n, nky, kw, i, tap[i], want[i])
					}
				}
			}
		}
	}
}

// TestModelsIdenticalOnEveryPath runs the models on every kernel path and
// thread count: all outputs must be bit-identical, so a result never
// depends on the CPU or on Options.Threads.
func TestModelsIdenticalOnEveryPath(t *testing.T) {
	models := []struct {
		file  string
		shape []int
	}{
		{"face_detection_short_range.tflite", nil},
		{"face_detection_full_range.tflite", nil},
		{"MobileFaceNet.tflite", []int{1, 112, 112, 3}},
		{"face_landmark.tflite", nil},
	}
	type run struct{ path, threads int }
	var runs []run
	for _, p := range availablePaths() {
		runs = append(runs, run{p, 1})
	}
	runs = append(runs, run{kernelPath, 2}, run{kernelPath, 4})
	for _, m := range models {
		var ref [][]float32
		for _, rn := range runs {
			ip := newFilled(t, m.file, rn.threads, m.shape)
			withPath(t, rn.path, func() {
				if err := ip.Invoke(context.Background()); err != nil {
					t.Fatalf("%s: %v", m.file, err)
				}
			})
			for o := 0; o < ip.NumOutputs(); o++ {
				out := ip.Output(o).Float32s()
				if ref == nil || len(ref) <= o {
					ref = append(ref, append([]float32(nil), out...))
					continue
				}
				if i, ok := sameBits(out, ref[o]); !ok {
					t.Fatalf("%s %s threads %d: output %d element %d = %v, %s at 1 thread gave %v", m.file, pathName(rn.path), rn.threads, o, i, out[i], pathName(runs[0].path), ref[o][i])
				}
			}
		}
	}
}

func TestPreluRowsPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, path := range availablePaths() {
		for _, c := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 67} {
			for _, rows := range []int{0, 1, 2, 5} {
				x := randFloats(r, rows*c, true)
				alpha := randFloats(r, c, c%2 == 0)
				want := make([]float32, rows*c)
				got := make([]float32, rows*c)
				preluRowsGo(want, x, alpha, rows, c)
				withPath(t, path, func() { preluRows(got, x, alpha, rows, c) })
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("%s rows=%d c=%d: o[%d] = %v, want %v", pathName(path), rows, c, i, got[i], want[i])
				}
			}
		}
	}
}

// TestLeakyReluOnPreluKernel checks LEAKY_RELU (alpha ≥ 0), which runs on
// the PRELU kernels, against its definition v > 0 ? v : alpha·v, on every
// path and for lengths around the alpha run.
func TestLeakyReluOnPreluKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, path := range availablePaths() {
		for _, alpha := range []float32{0, 0.1, 0.2, 1.5} {
			for _, n := range []int{0, 1, 17, alphaRun - 1, alphaRun, 3*alphaRun + 5} {
				x := randFloats(r, n, true)
				in, out := &Tensor{f32: x}, &Tensor{f32: make([]float32, n)}
				k := &unary{code: opLeakyRelu, in: in, out: out, alpha: alpha}
				k.alphas = make([]float32, alphaRun)
				for i := range k.alphas {
					k.alphas[i] = alpha
				}
				withPath(t, path, func() { k.eval(nil) })
				for i, v := range x {
					want := alpha * v
					if v > 0 {
						want = v
					}
					if got := out.f32[i]; math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
						t.Fatalf("%s alpha=%v n=%d: leaky_relu(%v) = %v, want %v", pathName(path), alpha, n, v, got, want)
					}
				}
			}
		}
	}
}

// TestDepthwiseSumOrder runs DEPTHWISE_CONV_2D (interior pixels through
// dwPixels, edges tap by tap) on every kernel path against a per-pixel
// reference that adds the bias and then the taps inside the input in
// (ky, kx) order: the results must be bit-identical, with padding,
// strides, dilations and channel counts that leave vector tails.
func TestDepthwiseSumOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for i := 0; i < 40; i++ {
		kh, kw := 1+2*r.IntN(3), 1+2*r.IntN(3)
		sh, sw := 1+r.IntN(2), 1+r.IntN(2)
		dh, dw := 1+r.IntN(2), 1+r.IntN(2)
		if i%3 != 0 {
			dh, dw = 1, 1 // the common case: dwPixels applies
		}
		c := []int{1, 3, 16, 17, 24, 40}[r.IntN(6)]
		same := r.IntN(2) == 0
		act := []uint8{0, 3}[r.IntN(2)]
		h := (kh-1)*dh + 1 + r.IntN(9)
		w := (kw-1)*dw + 1 + r.IntN(9)
		in := randFloats(r, h*w*c, false)
		filt := randFloats(r, kh*kw*c, false)
		bias := randFloats(r, c, false)
		oh, pt, err := convOut(map[bool]int{true: 0, false: 1}[same], h, kh, sh, dh)
		if err != nil {
			t.Fatal(err)
		}
		ow, pl, err := convOut(map[bool]int{true: 0, false: 1}[same], w, kw, sw, dw)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, _ := actRange(int(act))
		want := make([]float32, oh*ow*c)
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for j := 0; j < c; j++ {
					acc := bias[j]
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							iy, ix := oy*sh-pt+ky*dh, ox*sw-pl+kx*dw
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							acc += float32(in[(iy*w+ix)*c+j] * filt[(ky*kw+kx)*c+j])
						}
					}
					want[(oy*ow+ox)*c+j] = clamp(acc, lo, hi)
				}
			}
		}
		pad := uint8(1)
		if same {
			pad = 0
		}
		model := buildModel([]tTensor{
			{name: "in", shape: []int{1, h, w, c}},
			{name: "w", shape: []int{1, kh, kw, c}, f32: filt},
			{name: "b", shape: []int{c}, f32: bias},
			{name: "out", shape: []int{1, oh, ow, c}},
		}, []tOp{{code: opDepthwiseConv2d, inputs: i32s(0, 1, 2), outputs: i32s(3),
			opts: wtbl(pad, int32(sw), int32(sh), int32(1), act, int32(dw), int32(dh))}}, []int{0}, []int{3})
		for _, path := range availablePaths() {
			var out [][]float32
			withPath(t, path, func() { out, _ = runModel(t, model, in) })
			if k, ok := sameBits(out[0], want); !ok {
				t.Fatalf("%s case %d (%dx%d in, %dx%d kernel, stride %dx%d, dilation %dx%d, c %d, same %v): out[%d] = %v, want %v",
					pathName(path), i, h, w, kh, kw, sh, sw, dh, dw, c, same, k, out[0][k], want[k])
			}
		}
	}
}

// TestMaxRowSpecials checks maxRow's signed zeros and NaNs on every path
// (random data meets them rarely): Go's max gives +0 for max(-0, +0).
func TestMaxRowSpecials(t *testing.T) {
	nz, nan := float32(math.Copysign(0, -1)), float32(math.NaN())
	pairs := [][2]float32{{nz, 0}, {0, nz}, {nz, nz}, {0, 0}, {nan, 1}, {1, nan}, {nan, nz}, {-1, nz}, {nz, -1}}
	for _, path := range availablePaths() {
		for _, n := range []int{len(pairs), 16 + len(pairs)} { // tail lanes and full vectors
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i] = pairs[i%len(pairs)][0], pairs[i%len(pairs)][1]
			}
			want, got := make([]float32, n), make([]float32, n)
			maxRowGo(want, a, b)
			withPath(t, path, func() { maxRow(got, a, b) })
			if i, ok := sameBits(got, want); !ok {
				t.Fatalf("%s: max(%v, %v) = %v (bits %x), want %v (bits %x)", pathName(path), a[i], b[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}

func TestGemmKernel2Paths(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, path := range availablePaths() {
		for rows := 1; rows <= gemmMaxRows; rows++ {
			for _, k := range []int{0, 1, 2, 5, 16, 31, 64, 67} {
				lda := k + r.IntN(3)
				ldc := 2*gemmNR + r.IntN(5)
				a := randFloats(r, max((rows-1)*lda+k, 0), k%2 == 1)
				b0, b1 := randFloats(r, k*gemmNR, false), randFloats(r, k*gemmNR, false)
				bias0, bias1 := randFloats(r, gemmNR, false), randFloats(r, gemmNR, false)
				cr := clampRanges[r.IntN(len(clampRanges))]
				want := randFloats(r, (rows-1)*ldc+2*gemmNR, false)
				got := append([]float32(nil), want...)
				gemmKernelGo(k, a, lda, b0, bias0, want, ldc, rows, cr[0], cr[1])
				gemmKernelGo(k, a, lda, b1, bias1, want[gemmNR:], ldc, rows, cr[0], cr[1])
				withPath(t, path, func() {
					gemmKernel2(k, a, lda, b0, b1, bias0, bias1, got, ldc, rows, cr[0], cr[1])
				})
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("%s rows=%d k=%d lda=%d ldc=%d clamp=%v: c[%d] = %v, want %v", pathName(path), rows, k, lda, ldc, cr, i, got[i], want[i])
				}
			}
		}
	}
}

// TestDepthwisePixelsMatchRows checks depthwise.pixels, which a CONV_2D
// with a fused depthwise convolution calls on arbitrary pixel blocks
// (fuse.go), against the rows eval writes: every span of a row, edges
// and interior, strides, dilations and depth multipliers, must give the
// same bits.
func TestDepthwisePixelsMatchRows(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for i := 0; i < 30; i++ {
		kh, kw := 1+2*r.IntN(3), 1+2*r.IntN(3)
		sh, sw := 1+r.IntN(2), 1+r.IntN(2)
		dh, dw := 1+r.IntN(2), 1+r.IntN(2)
		mul := 1 + r.IntN(2)
		c := []int{1, 3, 16, 17}[r.IntN(4)]
		same := r.IntN(2) == 0
		h := (kh-1)*dh + 1 + r.IntN(9)
		w := (kw-1)*dw + 1 + r.IntN(9)
		oc := c * mul
		oh, _, err := convOut(map[bool]int{true: 0, false: 1}[same], h, kh, sh, dh)
		if err != nil {
			t.Fatal(err)
		}
		ow, _, err := convOut(map[bool]int{true: 0, false: 1}[same], w, kw, sw, dw)
		if err != nil {
			t.Fatal(err)
		}
		pad := uint8(1)
		if same {
			pad = 0
		}
		model := buildModel([]tTensor{
			{name: "in", shape: []int{1, h, w, c}},
			{name: "w", shape: []int{1, kh, kw, oc}, f32: randFloats(r, kh*kw*oc, false)},
			{name: "b", shape: []int{oc}, f32: randFloats(r, oc, false)},
			{name: "out", shape: []int{1, oh, ow, oc}},
		}, []tOp{{code: opDepthwiseConv2d, inputs: i32s(0, 1, 2), outputs: i32s(3),
			opts: wtbl(pad, int32(sw), int32(sh), int32(mul), uint8(3), int32(dw), int32(dh))}}, []int{0}, []int{3})
		m, err := LoadBytes(model)
		if err != nil {
			t.Fatal(err)
		}
		ip, err := NewInterpreter(m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		copy(ip.Input(0).Float32s(), randFloats(r, h*w*c, false))
		if err := ip.Invoke(context.Background()); err != nil {
			t.Fatal(err)
		}
		k := ip.kernels[0].(*depthwise)
		rows := ip.Output(0).Float32s()
		for range 20 {
			m0 := r.IntN(oh * ow)
			m1 := m0 + 1 + r.IntN(oh*ow-m0)
			got := make([]float32, (m1-m0)*oc)
			k.pixels(got, 0, m0, m1)
			if j, ok := sameBits(got, rows[m0*oc:m1*oc]); !ok {
				t.Fatalf("case %d (%dx%d in, %dx%d kernel, stride %dx%d, dilation %dx%d, mul %d, same %v): pixels [%d,%d) value %d = %v, eval wrote %v",
					i, h, w, kh, kw, sh, sw, dh, dw, mul, same, m0, m1, j, got[j], rows[m0*oc+j])
			}
		}
	}
}
