package tflite

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"unsafe"
)

// s8Fill fills x by mode: "rand" uniform int8, "min" all −128, "max" all
// 127, "ext" a random mix of −128 and 127 (the saturation cases).
func s8Fill(rng *rand.Rand, x []int8, mode string) {
	for i := range x {
		switch mode {
		case "min":
			x[i] = -128
		case "max":
			x[i] = 127
		case "ext":
			x[i] = int8(-128 + 255*rng.IntN(2))
		default:
			x[i] = int8(rng.IntN(256) - 128)
		}
	}
}

// forEachS8Path runs f with each gemmS8 path this CPU supports forced.
func forEachS8Path(t *testing.T, f func(t *testing.T)) {
	saved := s8Path
	defer func() { s8Path = saved }()
	for _, p := range s8Paths() {
		s8Path = p
		t.Run(s8PathNames[p], f)
	}
}

// naiveGemmS8 is the GEMM on the unpacked weights, to check packS8 too.
func naiveGemmS8(a []int8, lda, rows int, w []int8, n, k int, c []int32, ldc int) {
	for r := 0; r < rows; r++ {
		for j := 0; j < n; j++ {
			var s int32
			for kk := 0; kk < k; kk++ {
				s += int32(a[r*lda+kk]) * int32(w[j*k+kk])
			}
			c[r*ldc+j] = s
		}
	}
}

func TestGemmS8MatchesDefinition(t *testing.T) {
	type shape struct{ rows, k, n, lpad, cpad int }
	var shapes []shape
	for _, k := range []int{1, 3, 4, 5, 6, 7, 8, 27, 31, 64, 65, 130} {
		for _, n := range []int{1, 15, 16, 17, 33, 48, 63, 64, 65, 100, 129} {
			for _, rows := range []int{1, 2, 5, 6, 7, 13} {
				shapes = append(shapes, shape{rows, k, n, (k + n + rows) % 3, (k * n) % 5})
			}
		}
	}
	shapes = append(shapes, shape{49, 512, 128, 0, 0}, shape{20, 576, 64, 0, 0})
	forEachS8Path(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for i, s := range shapes {
			mode := []string{"rand", "min", "max", "ext"}[i%4]
			lda, ldc := s.k+s.lpad, s.n+s.cpad
			a := guardedInt8(t, (s.rows-1)*lda+s.k) // a read past the last row faults
			w := make([]int8, s.n*s.k)
			s8Fill(rng, a, mode)
			s8Fill(rng, w, []string{"rand", "min", "ext", "max"}[i%4])
			p := packS8(w, s.n, s.k)
			const sentinel = -7777
			got := make([]int32, (s.rows-1)*ldc+s.n+3)
			for i := range got {
				got[i] = sentinel
			}
			want := slices.Clone(got)
			naiveGemmS8(a, lda, s.rows, w, s.n, s.k, want, ldc)
			gemmS8(a, lda, s.rows, p, got[:len(got)-3], ldc)
			if !slices.Equal(got, want) {
				for j := range got {
					if got[j] != want[j] {
						t.Fatalf("rows=%d k=%d n=%d lda=%d ldc=%d (%s): c[%d] = %d, want %d",
							s.rows, s.k, s.n, lda, ldc, mode, j, got[j], want[j])
					}
				}
			}
			def := slices.Clone(want)
			gemmS8Go(a, lda, s.rows, p, def, ldc)
			if !slices.Equal(def, want) {
				t.Fatalf("rows=%d k=%d n=%d: gemmS8Go differs from the naive GEMM", s.rows, s.k, s.n)
			}
		}
	})
}

func TestPackS8Sums(t *testing.T) {
	w := []int8{1, 2, 3, -128, -128, -128, 127, 0, 5}
	p := packS8(w, 3, 3)
	if want := []int32{6, -384, 132}; !slices.Equal(p.sums, want) {
		t.Errorf("sums = %v, want %v", p.sums, want)
	}
	if p.kp != 4 || len(p.data) != 4*s8NR || len(p.corr) != s8NR {
		t.Errorf("kp=%d len(data)=%d len(corr)=%d, want 4, %d, %d", p.kp, len(p.data), len(p.corr), 4*s8NR, s8NR)
	}
}

func TestGemmS8ShortSlicePanics(t *testing.T) {
	p := packS8(make([]int8, 8*16), 8, 16)
	defer func() {
		if recover() == nil {
			t.Error("gemmS8 with a too short output did not panic")
		}
	}()
	gemmS8(make([]int8, 2*16), 16, 2, p, make([]int32, 15), 8)
}

func TestRequantFP32(t *testing.T) {
	// Hand-computed: ties round to even, clamping happens before rounding
	// and before adding the zero point.
	cases := []struct {
		acc, bias int32
		scale     float32
		zp        int32
		want      int8
	}{
		{5, 0, 0.5, 0, 2},         // 2.5 → 2
		{7, 0, 0.5, 0, 4},         // 3.5 → 4
		{-5, 0, 0.5, 0, -2},       // −2.5 → −2
		{-7, 0, 0.5, 3, -1},       // −3.5 → −4, +3
		{1000, 24, 0.25, 10, 127}, // 256 clamps to 127−10 = 117, +10
		{-1000, 0, 1, -5, -128},   // clamps to −128+5 = −123, −5
		{3, 2, 1.5, -128, -120},   // 7.5 → 8, −128
	}
	for _, c := range cases {
		out := []int8{0}
		requantFP32([]int32{c.acc}, []int32{c.bias}, []float32{c.scale}, c.zp, -128, 127, out)
		if out[0] != c.want {
			t.Errorf("requantFP32(acc=%d bias=%d scale=%g zp=%d) = %d, want %d", c.acc, c.bias, c.scale, c.zp, out[0], c.want)
		}
	}
	// A fused ReLU6-like range [zp, zp+40].
	out := []int8{0, 0}
	requantFP32([]int32{-50, 500}, []int32{0, 0}, []float32{0.1, 0.1}, -20, -20, 20, out)
	if out[0] != -20 || out[1] != 20 {
		t.Errorf("requantFP32 with range [-20,20] = %v, want [-20 20]", out)
	}
}

func TestRequantFP32MatchesDefinition(t *testing.T) {
	forEachS8Path(t, testRequantFP32MatchesDefinition)
}

func testRequantFP32MatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100} {
		for it := 0; it < 20; it++ {
			acc := make([]int32, n)
			bias := make([]int32, n)
			scale := make([]float32, n)
			for j := range acc {
				switch it % 4 {
				case 0:
					acc[j] = int32(rng.Uint32()) // extremes, wrapping acc+bias
					bias[j] = int32(rng.Uint32())
				case 1:
					acc[j] = int32(rng.IntN(1<<20)) - 1<<19
					bias[j] = int32(rng.IntN(1<<12)) - 1<<11
				default:
					// Exact ties: acc·scale = m + 0.5.
					acc[j] = int32(rng.IntN(512)) - 256
				}
				scale[j] = float32(math.Ldexp(1+rng.Float64(), -rng.IntN(16)))
				if it%4 >= 2 {
					scale[j] = 0.5
				}
			}
			zp := int32(rng.IntN(256) - 128)
			lo := int32(rng.IntN(128) - 128)
			hi := int32(rng.IntN(128))
			got := make([]int8, n+3) // the 3 past n must stay 0
			want := make([]int8, n+3)
			requantFP32(acc, bias, scale, zp, lo, hi, got[:n])
			requantFP32Go(acc, bias, scale, zp, lo, hi, want[:n])
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d it=%d: got %v, want %v", n, it, got, want)
			}
		}
	}
}

func TestRequantFixed(t *testing.T) {
	// MultiplyByQuantizedMultiplier, worked by hand from TFLite's
	// common.h (SaturatingRoundingDoublingHighMul then RoundingDivideByPOT).
	cases := []struct{ x, m, shift, want int32 }{
		{100, 1 << 30, 0, 50},
		{3, 1 << 30, 0, 2},   // 1.5: (3·2^30 + 2^30) / 2^31 = 2
		{-3, 1 << 30, 0, -1}, // −1.5: (−3·2^30 + 1 − 2^30) / 2^31 truncates to −1
		{1000, 1 << 30, -2, 125},
		{1001, 1 << 30, -1, 251}, // double rounding: 500.5 → 501, 250.5 → 251
		{-1001, 1 << 30, -1, -250},
		{math.MinInt32, math.MinInt32, 0, math.MaxInt32}, // saturation
		{5, 1 << 30, 1, 5},                               // left shift: 10·0.5
	}
	for _, c := range cases {
		if got := requantFixed1(c.x, c.m, c.shift); got != c.want {
			t.Errorf("MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, want %d", c.x, c.m, c.shift, got, c.want)
		}
	}
	// The row function adds the bias, the zero point, then clamps.
	out := make([]int8, 3)
	requantFixed([]int32{90, 1000, -1000}, []int32{10, 0, 0}, []int32{1 << 30, 1 << 30, 1 << 30},
		[]int32{0, 0, 0}, 5, -100, 100, out)
	if want := []int8{55, 100, -100}; !slices.Equal(out, want) {
		t.Errorf("requantFixed = %v, want %v", out, want)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	n := 37
	acc, bias, mult, shift := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	for j := range acc {
		acc[j] = int32(rng.Uint32())
		bias[j] = int32(rng.IntN(1 << 16))
		mult[j] = 1<<30 + int32(rng.IntN(1<<30))
		shift[j] = int32(rng.IntN(20)) - 15
	}
	got, want := make([]int8, n), make([]int8, n)
	requantFixed(acc, bias, mult, shift, -3, -128, 127, got)
	requantFixedGo(acc, bias, mult, shift, -3, -128, 127, want)
	if !slices.Equal(got, want) {
		t.Errorf("requantFixed = %v, want %v", got, want)
	}
}

func TestDwS8TapMatchesDefinition(t *testing.T) { forEachS8Path(t, testDwS8TapMatchesDefinition) }

func testDwS8TapMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []int{1, 3, 8, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 100, 128} {
		for _, n := range []int{1, 2, 7} {
			for _, mode := range []string{"rand", "min", "max", "ext"} {
				pstride := c + (c+n)%5
				p := guardedInt8(t, (n-1)*pstride+c) // reads past p or w fault
				w := guardedInt8(t, c)
				s8Fill(rng, p, mode)
				s8Fill(rng, w, mode)
				acc := make([]int32, n*c+2)
				for i := range acc {
					acc[i] = int32(rng.IntN(1<<20)) - 1<<19
				}
				want := slices.Clone(acc)
				dwS8TapGo(want[:n*c], p, w, n, c, pstride)
				dwS8Tap(acc[:n*c], p, w, n, c, pstride)
				if !slices.Equal(acc, want) {
					t.Fatalf("c=%d n=%d %s: got %v, want %v", c, n, mode, acc, want)
				}
			}
		}
	}
}

// BenchmarkGemmS8 reports G MAC/s for each path at MobileFaceNet-like 1×1
// convolution shapes (rows = output pixels, k = input channels, n =
// output channels).
func BenchmarkGemmS8(b *testing.B) {
	shapes := []struct{ rows, k, n int }{
		{3136, 64, 64}, {3136, 64, 128}, {784, 128, 128}, {784, 128, 256},
		{196, 256, 256}, {196, 128, 512}, {49, 512, 128}, {49, 512, 512},
		// BlazeFace-like narrow layers and MobileFaceNet's first 3×3 conv as im2col.
		{4096, 24, 24}, {4096, 24, 32}, {1024, 48, 48}, {256, 96, 96}, {3136, 27, 64},
	}
	saved := s8Path
	defer func() { s8Path = saved }()
	for _, path := range s8Paths() {
		for _, s := range shapes {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", s8PathNames[path], s.rows, s.k, s.n), func(b *testing.B) {
				s8Path = path
				rng := rand.New(rand.NewPCG(1, 1))
				a := make([]int8, s.rows*s.k)
				w := make([]int8, s.n*s.k)
				s8Fill(rng, a, "rand")
				s8Fill(rng, w, "rand")
				p := packS8(w, s.n, s.k)
				c := make([]int32, s.rows*s.n)
				b.ResetTimer()
				c0 := s8CPUSeconds()
				for i := 0; i < b.N; i++ {
					gemmS8(a, s.k, s.rows, p, c, s.n)
				}
				cpu := s8CPUSeconds() - c0
				macs := float64(s.rows*s.k*s.n) * float64(b.N)
				b.ReportMetric(macs/b.Elapsed().Seconds()/1e9, "GMAC/s")
				b.ReportMetric(macs/cpu/1e9, "cpu-GMAC/s")
			})
		}
	}
}

// BenchmarkRequantFP32 reports ns per element for one 64-channel pixel row
// and for a long row.
func BenchmarkRequantFP32(b *testing.B) {
	saved := s8Path
	defer func() { s8Path = saved }()
	for _, path := range []int{s8PathGo, saved} {
		for _, n := range []int{64, 4096} {
			b.Run(fmt.Sprintf("%s/%d", s8PathNames[path], n), func(b *testing.B) {
				s8Path = path
				acc, bias, scale, out := make([]int32, n), make([]int32, n), make([]float32, n), make([]int8, n)
				for j := range acc {
					acc[j] = int32(j*977%20000) - 10000
					scale[j] = 0.01
				}
				b.ResetTimer()
				c0 := s8CPUSeconds()
				for i := 0; i < b.N; i++ {
					requantFP32(acc, bias, scale, 3, -128, 127, out)
				}
				cpu := s8CPUSeconds() - c0
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
				b.ReportMetric(cpu*1e9/float64(b.N*n), "cpu-ns/elem")
			})
		}
	}
}

// BenchmarkDwS8Tap reports CPU ns per multiply-add for one tap over an
// output row (BlazeFace: 64 pixels of 32 channels; MobileFaceNet: 56 pixels
// of 64 or 128 channels).
func BenchmarkDwS8Tap(b *testing.B) {
	saved := s8Path
	defer func() { s8Path = saved }()
	for _, s := range []struct{ n, c int }{{64, 32}, {56, 64}, {28, 128}, {3136, 64}} {
		n, c := s.n, s.c
		acc, p, w := make([]int32, n*c), make([]int8, n*c), make([]int8, c)
		s8Fill(rand.New(rand.NewPCG(1, 1)), p, "rand")
		s8Fill(rand.New(rand.NewPCG(1, 2)), w, "rand")
		for _, path := range []int{s8PathGo, saved} {
			b.Run(fmt.Sprintf("%s/%dx%d", s8PathNames[path], n, c), func(b *testing.B) {
				s8Path = path
				c0 := s8CPUSeconds()
				for i := 0; i < b.N; i++ {
					dwS8Tap(acc, p, w, n, c, c)
				}
				cpu := s8CPUSeconds() - c0
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n*c), "ns/MAC")
				b.ReportMetric(cpu*1e9/float64(b.N*n*c), "cpu-ns/MAC")
			})
		}
	}
}

// s8CPUSeconds is the process's user+system CPU time.
func s8CPUSeconds() float64 {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e9
}

func TestLutS8MatchesDefinition(t *testing.T) { forEachS8Path(t, testLutS8MatchesDefinition) }

func testLutS8MatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range []int{1, 3, 15, 16, 17, 33, 64, 100} {
		for _, n := range []int{1, 2, 9} {
			lut := guardedInt8(t, c*256) // any read past the tables faults
			s8Fill(rng, lut, "rand")
			x := make([]int8, n*c)
			s8Fill(rng, x, "rand")
			x[0], x[len(x)-1] = -128, 127 // first and last table entries
			got, want := make([]int8, n*c+2), make([]int8, n*c+2)
			lutS8(got[:n*c], x, lut, n, c)
			lutS8Go(want[:n*c], x, lut, n, c)
			if !slices.Equal(got, want) {
				t.Fatalf("c=%d n=%d: got %v, want %v", c, n, got, want)
			}
		}
	}
	// Hand-computed: channel 1's table maps x to its entry x+128.
	lut := make([]int8, 2*256)
	lut[256+128+5] = 42
	out := make([]int8, 2)
	lutS8(out, []int8{0, 5}, lut, 1, 2)
	if out[1] != 42 {
		t.Errorf("lutS8 channel 1, x=5: got %d, want 42", out[1])
	}
}

// BenchmarkLutS8 reports CPU ns per element for 64 and 512 channels.
func BenchmarkLutS8(b *testing.B) {
	for _, c := range []int{64, 512} {
		n := 56 * 56 * 64 / c
		x, out, lut := make([]int8, n*c), make([]int8, n*c), make([]int8, c*256)
		s8Fill(rand.New(rand.NewPCG(1, 1)), x, "rand")
		saved := s8Path
		for _, path := range []int{s8PathGo, saved} {
			b.Run(fmt.Sprintf("%s/c%d", s8PathNames[path], c), func(b *testing.B) {
				s8Path = path
				c0 := s8CPUSeconds()
				for i := 0; i < b.N; i++ {
					lutS8(out, x, lut, n, c)
				}
				b.ReportMetric((s8CPUSeconds()-c0)*1e9/float64(b.N*n*c), "cpu-ns/elem")
			})
		}
		s8Path = saved
	}
}

// guardedInt8 returns n bytes that end where an inaccessible page begins,
// so an assembly kernel reading past them crashes the test instead of
// passing by luck.
func guardedInt8(t testing.TB, n int) []int8 {
	page := syscall.Getpagesize()
	size := (n+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap %d bytes: %v", size, err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect guard page: %v", err)
	}
	b := mem[size-page-n : size-page]
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

func TestGemmS8RequantMatchesDefinition(t *testing.T) {
	forEachS8Path(t, testGemmS8RequantMatchesDefinition)
}

func testGemmS8RequantMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for i := 0; i < 120; i++ {
		rows := []int{1, 2, 5, 6, 7, 13}[i%6]
		k := []int{3, 4, 7, 27, 64, 130}[i/6%6]
		n := []int{1, 16, 17, 24, 48, 63, 64, 65, 100, 129}[i%10]
		lda, ldo := k+i%3, n+i%4
		a := guardedInt8(t, (rows-1)*lda+k)
		w := make([]int8, n*k)
		s8Fill(rng, a, []string{"rand", "min", "max", "ext"}[i%4])
		s8Fill(rng, w, []string{"rand", "ext", "min", "max"}[i/4%4])
		p := packS8(w, n, k)
		// bias and scale end at a guard page: the last panel's masked loads
		// must not read past n.
		bias := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(guardedInt8(t, 4*n)))), n)
		scale := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(guardedInt8(t, 4*n)))), n)
		for j := range bias {
			bias[j] = int32(rng.IntN(1<<16)) - 1<<15
			scale[j] = float32(math.Ldexp(1+rng.Float64(), -8-rng.IntN(8)))
		}
		zp := int32(rng.IntN(256) - 128)
		lo, hi := int32(-128), int32(127)
		if i%3 == 0 {
			lo, hi = zp, min(zp+60, 127)
		}
		const sentinel = 99
		got := make([]int8, (rows-1)*ldo+n+5)
		for j := range got {
			got[j] = sentinel
		}
		want := slices.Clone(got)
		gemmS8Requant(a, lda, rows, p, bias, scale, zp, lo, hi, got[:len(got)-5], ldo, make([]int32, rows*n))
		gemmS8RequantGo(a, lda, rows, p, bias, scale, zp, lo, hi, want, ldo, make([]int32, rows*n))
		if !slices.Equal(got, want) {
			t.Fatalf("rows=%d k=%d n=%d lda=%d ldo=%d: got %v, want %v", rows, k, n, lda, ldo, got, want)
		}
	}
}

// BenchmarkGemmS8Requant compares the int8-output GEMM (requantized in
// registers where the path has a fused kernel) with gemmS8 followed by
// requantFP32 per row, in CPU ns per output.
func BenchmarkGemmS8Requant(b *testing.B) {
	for _, s := range []struct{ rows, k, n int }{{3136, 64, 64}, {4096, 24, 24}, {1024, 48, 96}, {196, 128, 256}} {
		rng := rand.New(rand.NewPCG(1, 1))
		a, w := make([]int8, s.rows*s.k), make([]int8, s.n*s.k)
		s8Fill(rng, a, "rand")
		s8Fill(rng, w, "rand")
		p := packS8(w, s.n, s.k)
		bias, scale := make([]int32, s.n), make([]float32, s.n)
		for j := range scale {
			scale[j] = 0.001
		}
		out, acc := make([]int8, s.rows*s.n), make([]int32, s.rows*s.n)
		for _, v := range []struct {
			name string
			f    func(a []int8, lda, rows int, p *s8Panels, bias []int32, scale []float32, zp, lo, hi int32, out []int8, ldo int, acc []int32)
		}{{"fused", gemmS8Requant}, {"split", gemmS8RequantSplit}} {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", v.name, s.rows, s.k, s.n), func(b *testing.B) {
				c0 := s8CPUSeconds()
				for i := 0; i < b.N; i++ {
					v.f(a, s.k, s.rows, p, bias, scale, 3, -128, 127, out, s.n, acc)
				}
				b.ReportMetric((s8CPUSeconds()-c0)*1e9/float64(b.N*s.rows*s.n), "cpu-ns/out")
			})
		}
	}
}

// TestGemmS8PartialPanelDoesNotAllocate: a last panel narrower than s8NR
// goes through a scratch block that must stay on the stack (on arm64 it
// escaped through a func value once).
func TestGemmS8PartialPanelDoesNotAllocate(t *testing.T) {
	const rows, k, n = 5, 24, 21
	w := make([]int8, n*k)
	a := make([]int8, rows*k)
	for i := range w {
		w[i] = int8(i*7 - 60)
	}
	for i := range a {
		a[i] = int8(i*3 - 40)
	}
	p := packS8(w, n, k)
	c := make([]int32, rows*n)
	out := make([]int8, rows*n)
	bias, scale, acc := make([]int32, n), make([]float32, n), make([]int32, rows*n)
	for i := range scale {
		scale[i] = 0.01
	}
	if got := testing.AllocsPerRun(20, func() { gemmS8(a, k, rows, p, c, n) }); got != 0 {
		t.Errorf("gemmS8 allocates %v times per call", got)
	}
	if got := testing.AllocsPerRun(20, func() { gemmS8Requant(a, k, rows, p, bias, scale, 0, -128, 127, out, n, acc) }); got != 0 {
		t.Errorf("gemmS8Requant allocates %v times per call", got)
	}
}
