//go:build !purego && linux

package tflite

import (
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// NEON-specific checks on top of kernels_test.go (which compares every
// path with the Go definitions on random data with tails): the NEON path is
// the default here, its assembly neither reads nor writes outside the
// slices it is given (inputs end at an unmapped page, outputs are
// surrounded by canaries), it handles every alignment and IEEE special
// values, and the test data tell a fused multiply-add (FMLA) from the
// separate multiply and add the contract requires.

func TestNEONIsDefault(t *testing.T) {
	if kernelPath != pathNEON {
		t.Fatalf("kernelPath = %d, want pathNEON (%d)", kernelPath, pathNEON)
	}
}

// guarded returns n floats copied from src whose last element is the last
// word of a mapped page: the next page is PROT_NONE, so any read past the
// end faults.
func guarded(t *testing.T, src []float32) []float32 {
	t.Helper()
	page := syscall.Getpagesize()
	size := max((len(src)*4+page-1)/page, 1)*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap %d bytes: %v", size, err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect guard page: %v", err)
	}
	end := size - page
	if len(src) == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&mem[end-4])), 1)[:0]
	}
	s := unsafe.Slice((*float32)(unsafe.Pointer(&mem[end-4*len(src)])), len(src))
	copy(s, src)
	return s
}

// canaried returns a copy of src inside a larger buffer at element offset
// off (so every alignment mod 16 bytes is tried), with canary values
// before and after; check reports any canary that changed.
func canaried(src []float32, off int) (s []float32, check func() (int, bool)) {
	const pad = 20
	canary := math.Float32frombits(0x7fc0dead)
	buf := make([]float32, off+len(src)+pad)
	for i := range buf {
		buf[i] = canary
	}
	s = buf[off : off+len(src) : off+len(src)]
	copy(s, src)
	return s, func() (int, bool) {
		for i, v := range buf {
			if (i < off || i >= off+len(src)) && math.Float32bits(v) != 0x7fc0dead {
				return i - off, false
			}
		}
		return 0, true
	}
}

// specialFloats returns n values mixing the random ones with IEEE special
// cases: infinities, the largest finite value, subnormals, both zeros.
func specialFloats(r *rand.Rand, n int) []float32 {
	specials := []float32{
		float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-39, -3e-39,
		0, float32(math.Copysign(0, -1)), 1, -1,
	}
	s := randFloats(r, n, false)
	for i := range s {
		if r.IntN(4) == 0 {
			s[i] = specials[r.IntN(len(specials))]
		}
	}
	return s
}

func TestNEONGemmBoundsAndAlignment(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for rows := 1; rows <= gemmMaxRows; rows++ {
		for _, k := range []int{0, 1, 3, 17, 64} {
			for off := 0; off < 4; off++ {
				lda := k + off
				ldc := gemmNR + 3*off
				a := guarded(t, specialFloats(r, max((rows-1)*lda+k, 0)))
				b := guarded(t, specialFloats(r, k*gemmNR))
				bias := guarded(t, randFloats(r, gemmNR, false))
				cr := clampRanges[r.IntN(len(clampRanges))]
				init := randFloats(r, (rows-1)*ldc+gemmNR, false)
				want := append([]float32(nil), init...)
				gemmKernelGo(k, a, lda, b, bias, want, ldc, rows, cr[0], cr[1])
				got, canariesOK := canaried(init, off)
				gemmKernel(k, a, lda, b, bias, got, ldc, rows, cr[0], cr[1])
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("rows=%d k=%d off=%d clamp=%v: c[%d] = %v, want %v", rows, k, off, cr, i, got[i], want[i])
				}
				if i, ok := canariesOK(); !ok {
					t.Fatalf("rows=%d k=%d off=%d: wrote c[%d] outside the slice", rows, k, off, i)
				}
			}
		}
	}
}

func TestNEONDwRowTapBoundsAndAlignment(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 2, 5} {
		for _, c := range []int{1, 3, 4, 5, 15, 16, 17, 33, 36} {
			for off := 0; off < 4; off++ {
				pstride := c + off
				p := guarded(t, specialFloats(r, (n-1)*pstride+c))
				w := guarded(t, specialFloats(r, c))
				init := specialFloats(r, n*c)
				want := append([]float32(nil), init...)
				dwRowTapGo(want, p, w, n, c, pstride)
				got, canariesOK := canaried(init, off)
				dwRowTap(got, p, w, n, c, pstride)
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("n=%d c=%d off=%d: o[%d] = %v, want %v", n, c, off, i, got[i], want[i])
				}
				if i, ok := canariesOK(); !ok {
					t.Fatalf("n=%d c=%d off=%d: wrote o[%d] outside the slice", n, c, off, i)
				}
			}
		}
	}
}

func TestNEONRowsBoundsAndAlignment(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	type rowFunc struct {
		name      string
		def, neon func(o, a, b []float32, lo, hi float32)
	}
	funcs := []rowFunc{
		{"add", addRowGo, addRow},
		{"mul", mulRowGo, mulRow},
		{"prelu",
			func(o, a, b []float32, _, _ float32) { preluRowGo(o, a, b) },
			func(o, a, b []float32, _, _ float32) { preluRow(o, a, b) }},
		{"max",
			func(o, a, b []float32, _, _ float32) { maxRowGo(o, a, b) },
			func(o, a, b []float32, _, _ float32) { maxRow(o, a, b) }},
	}
	for _, f := range funcs {
		for _, n := range []int{1, 3, 4, 5, 15, 16, 17, 20, 31, 33, 100} {
			for off := 0; off < 4; off++ {
				a := guarded(t, specialFloats(r, n))
				b := guarded(t, specialFloats(r, n))
				cr := clampRanges[r.IntN(len(clampRanges))]
				want := make([]float32, n)
				f.def(want, a, b, cr[0], cr[1])
				got, canariesOK := canaried(make([]float32, n), off)
				f.neon(got, a, b, cr[0], cr[1])
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("%s n=%d off=%d clamp=%v: o[%d] = %v, want %v (a=%v b=%v)", f.name, n, off, cr, i, got[i], want[i], a[i], b[i])
				}
				if i, ok := canariesOK(); !ok {
					t.Fatalf("%s n=%d off=%d: wrote o[%d] outside the slice", f.name, n, off, i)
				}
			}
		}
	}
}

func TestNEONDwPixelsBoundsAndAlignment(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, n := range []int{1, 2, 3} {
		for _, c := range []int{1, 3, 4, 5, 16, 17, 33} {
			for _, kk := range [][2]int{{1, 1}, {3, 3}, {2, 5}} {
				for off := 0; off < 4; off++ {
					nky, kw := kk[0], kk[1]
					ps := (1+off%2)*c + off
					rs := (n*ps/c+kw+1)*c + off
					p := guarded(t, specialFloats(r, (n-1)*ps+(nky-1)*rs+kw*c))
					w := guarded(t, specialFloats(r, nky*kw*c))
					bias := guarded(t, specialFloats(r, c))
					init := specialFloats(r, n*c)
					want := append([]float32(nil), init...)
					dwPixelsGo(want, p, w, bias, n, c, ps, nky, kw, rs)
					got, canariesOK := canaried(init, off)
					dwPixels(got, p, w, bias, n, c, ps, nky, kw, rs)
					if i, ok := sameBits(got, want); !ok {
						t.Fatalf("n=%d c=%d taps=%dx%d ps=%d rs=%d: o[%d] = %v, want %v", n, c, nky, kw, ps, rs, i, got[i], want[i])
					}
					if i, ok := canariesOK(); !ok {
						t.Fatalf("n=%d c=%d taps=%dx%d off=%d: wrote o[%d] outside the slice", n, c, nky, kw, off, i)
					}
				}
			}
		}
	}
}

func TestNEONPreluRowsBoundsAndAlignment(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, rows := range []int{1, 2, 5} {
		for _, c := range []int{1, 3, 4, 5, 16, 17, 33} {
			for off := 0; off < 4; off++ {
				x := guarded(t, specialFloats(r, rows*c))
				alpha := guarded(t, specialFloats(r, c))
				want := make([]float32, rows*c)
				preluRowsGo(want, x, alpha, rows, c)
				got, canariesOK := canaried(make([]float32, rows*c), off)
				preluRows(got, x, alpha, rows, c)
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("rows=%d c=%d off=%d: o[%d] = %v, want %v", rows, c, off, i, got[i], want[i])
				}
				if i, ok := canariesOK(); !ok {
					t.Fatalf("rows=%d c=%d off=%d: wrote o[%d] outside the slice", rows, c, off, i)
				}
			}
		}
	}
}

// TestNEONDataDetectsFusion shows that the random data of these tests
// would catch a kernel that fused the multiply and add (FMLA): a fused
// evaluation of the GEMM and depthwise definitions differs from the
// contract's, so a fused NEON kernel could not pass the comparisons.
func TestNEONDataDetectsFusion(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	const k, c = 64, 36
	a := randFloats(r, k, false)
	b := randFloats(r, k*gemmNR, false)
	bias := randFloats(r, gemmNR, false)
	got := make([]float32, gemmNR)
	gemmKernel(k, a, k, b, bias, got, gemmNR, 1, float32(math.Inf(-1)), float32(math.Inf(1)))
	differ := 0
	for j := range gemmNR {
		acc := bias[j]
		for kk := range k {
			acc = float32(math.FMA(float64(a[kk]), float64(b[kk*gemmNR+j]), float64(acc)))
		}
		if acc != got[j] {
			differ++
		}
	}
	if differ == 0 {
		t.Errorf("gemm: a fused evaluation matches the NEON result in all %d columns: the data cannot tell FMLA from FMUL+FADD", gemmNR)
	}

	o := randFloats(r, c, false)
	p := randFloats(r, c, false)
	w := randFloats(r, c, false)
	fused := make([]float32, c)
	for j := range c {
		fused[j] = float32(math.FMA(float64(p[j]), float64(w[j]), float64(o[j])))
	}
	dwRowTap(o, p, w, 1, c, c)
	differ = 0
	for j := range c {
		if fused[j] != o[j] {
			differ++
		}
	}
	if differ == 0 {
		t.Errorf("dwRowTap: a fused evaluation matches the NEON result in all %d channels", c)
	}
}
