package tflite

import "math"

// Int8 kernels shared by every architecture. As in kernels.go, each *Go
// function here is the portable definition of a kernel (the spec); the
// unsuffixed name (gemmS8, gemmS8Requant, requantFP32, requantFixed,
// dwS8Tap, lutS8) is what callers use. s8kern_amd64.go (AVX-512 VNNI,
// AVX-VNNI, AVX2), s8kern_arm64.go (NEON, SDOT) and s8kern_arm.go (armv7
// NEON) dispatch to SIMD code that gives bit-identical results, and
// s8kern_generic.go uses these definitions on other architectures and
// under the purego build tag. Kernels without a SIMD version on an
// architecture use the definition there too.
//
// The GEMM sums products of int8 values into int32: exact integers, so any
// summation order gives the same result. Requantization is specified
// element by element and the SIMD versions perform the same float32 (or
// fixed-point) operations in the same order.
//
// The assembly files were written with small generators (unrolled tiles,
// WORD-encoded NEON instructions checked with llvm-mc); they are kept and
// reviewed as plain assembly.

// s8NR is the number of output columns (weight rows) in one packed panel,
// and s8KG the number of k values in one group: a panel is a sequence of
// groups of s8NR×s8KG bytes, column j's s8KG weights adjacent (the operand
// layout of VPDPBUSD and SDOT, which sum 4 products into one int32 lane).
const (
	s8NR = 16
	s8KG = 4
)

// s8Panels holds int8 weights (n rows of k values, TFLite's [O,KH,KW,I] or
// [O,I] order) packed for gemmS8.
type s8Panels struct {
	n, k int
	// kp is k rounded up to a multiple of s8KG; the padding weights are 0.
	kp int
	// data holds ceil(n/s8NR) panels of kp*s8NR bytes. In panel p, byte
	// (g*s8NR+j)*s8KG+t is w[p*s8NR+j][g*s8KG+t]; columns past n are 0.
	data []int8
	// sums[j] = Σ_k w[j][k] for j < n, for zero-point folding by callers.
	sums []int32
	// corr[j] = -128·sums[j], padded with zeros to whole panels: the
	// starting value of the unsigned-offset kernels ((a+128)·w − 128·Σw).
	corr []int32
}

// panels is the number of packed panels.
func (p *s8Panels) panels() int { return (p.n + s8NR - 1) / s8NR }

// packS8 packs n rows of k int8 weights (w[j*k+kk]) for gemmS8.
func packS8(w []int8, n, k int) *s8Panels {
	w = w[:n*k]
	kp := (k + s8KG - 1) / s8KG * s8KG
	np := (n + s8NR - 1) / s8NR
	p := &s8Panels{
		n: n, k: k, kp: kp,
		data: make([]int8, np*kp*s8NR),
		sums: make([]int32, n),
		corr: make([]int32, np*s8NR),
	}
	for j := 0; j < n; j++ {
		base := j / s8NR * kp * s8NR
		jj := j % s8NR
		var s int32
		for kk, v := range w[j*k : j*k+k] {
			g, t := kk/s8KG, kk%s8KG
			p.data[base+(g*s8NR+jj)*s8KG+t] = v
			s += int32(v)
		}
		p.sums[j] = s
		p.corr[j] = -128 * s
	}
	return p
}

// gemmS8Go computes
//
//	c[r*ldc+j] = Σ_kk int32(a[r*lda+kk]) · int32(w[j][kk])
//
// for r < rows, j < p.n, kk < p.k, with w the weights given to packS8.
func gemmS8Go(a []int8, lda, rows int, p *s8Panels, c []int32, ldc int) {
	k, n, kp := p.k, p.n, p.kp
	for r := 0; r < rows; r++ {
		ar := a[r*lda : r*lda+k]
		cr := c[r*ldc : r*ldc+n]
		for pi := 0; pi*s8NR < n; pi++ {
			pan := p.data[pi*kp*s8NR : (pi+1)*kp*s8NR]
			var s [s8NR]int32
			for kk, x := range ar {
				g, t := kk/s8KG, kk%s8KG
				col := pan[g*s8NR*s8KG+t:]
				col = col[:(s8NR-1)*s8KG+1]
				xi := int32(x)
				for j := range s {
					s[j] += xi * int32(col[j*s8KG])
				}
			}
			copy(cr[pi*s8NR:], s[:])
		}
	}
}

// s8MagicBias is 1.5·2^23: adding it to a float32 of magnitude < 2^22
// rounds to an integer (half to even, the default rounding mode) and leaves
// that integer in the low mantissa bits (XNNPACK's "magic bias" rounding).
const s8MagicBias = 12582912.0

// requantFP32Go requantizes int32 accumulators to int8 the way XNNPACK's
// fp32 kernels do (xnn_qs8_requantize_fp32, qs8-gemm minmax_fp32):
//
//	f := float32(acc[j]+bias[j]) * scale[j]          // float32 multiply
//	f = min(max(f, float32(lo-zp)), float32(hi-zp))   // clamp in float
//	out[j] = int8(roundHalfEven(f) + zp)
//
// for j < len(out). lo and hi are the output range (the fused activation
// intersected with [-128, 127]). scale must be finite: a NaN product
// (0·Inf) clamps differently in Go, x86 (MAXPS returns its second operand)
// and NEON (FMAX returns NaN).
func requantFP32Go(acc, bias []int32, scale []float32, zp, lo, hi int32, out []int8) {
	n := len(out)
	acc, bias, scale = acc[:n], bias[:n], scale[:n]
	flo, fhi := float32(lo-zp), float32(hi-zp)
	for j := range out {
		f := float32(acc[j]+bias[j]) * scale[j]
		f = min(max(f, flo), fhi)
		f += s8MagicBias
		out[j] = int8(int32(math.Float32bits(f)-0x4B400000) + zp)
	}
}

// requantFixed1 is TFLite's MultiplyByQuantizedMultiplier
// (tensorflow/lite/kernels/internal/common.h, double rounding):
// RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x·2^left, m), right)
// with left = max(shift, 0), right = max(-shift, 0).
func requantFixed1(x, m, shift int32) int32 {
	left, right := int32(0), int32(0)
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	x = x * (1 << left) // wraps like the C code does in practice
	// SaturatingRoundingDoublingHighMul.
	var h int32
	if x == math.MinInt32 && m == math.MinInt32 {
		h = math.MaxInt32
	} else {
		ab := int64(x) * int64(m)
		nudge := int64(1 << 30)
		if ab < 0 {
			nudge = 1 - 1<<30
		}
		h = int32((ab + nudge) / (1 << 31)) // truncates toward zero, as C
	}
	// RoundingDivideByPOT.
	mask := int32(1)<<right - 1
	rem := h & mask
	thr := mask >> 1
	if h < 0 {
		thr++
	}
	q := h >> right
	if rem > thr {
		q++
	}
	return q
}

// requantFixedGo requantizes with TFLite's reference fixed-point
// arithmetic:
//
//	v := MultiplyByQuantizedMultiplier(acc[j]+bias[j], mult[j], shift[j]) + zp
//	out[j] = int8(min(max(v, lo), hi))
//
// shift[j] > 0 is a left shift, < 0 a right shift, as in TFLite.
func requantFixedGo(acc, bias, mult, shift []int32, zp, lo, hi int32, out []int8) {
	n := len(out)
	acc, bias, mult, shift = acc[:n], bias[:n], mult[:n], shift[:n]
	for j := range out {
		v := requantFixed1(acc[j]+bias[j], mult[j], shift[j]) + zp
		out[j] = int8(min(max(v, lo), hi))
	}
}

// dwS8TapGo adds one depthwise tap to n output pixels of c channels:
//
//	acc[i*c+j] += int32(p[i*pstride+j]) · int32(w[j])
func dwS8TapGo(acc []int32, p, w []int8, n, c, pstride int) {
	w = w[:c]
	for i := 0; i < n; i++ {
		o := acc[i*c : i*c+c]
		pp := p[i*pstride : i*pstride+c]
		for j := range o {
			o[j] += int32(pp[j]) * int32(w[j])
		}
	}
}

// s8CheckGemm panics (as an index out of range would) unless the slices
// hold every element gemmS8 reads or writes: assembly kernels do no
// bounds checks of their own.
func s8CheckGemm(a []int8, lda, rows int, p *s8Panels, c []int32, ldc int) {
	if rows <= 0 {
		return
	}
	if lda < p.k || ldc < p.n || len(a) < (rows-1)*lda+p.k || len(c) < (rows-1)*ldc+p.n {
		panic("tflite: gemmS8: slice too short for rows×k / rows×n")
	}
}

// s8CheckDw is s8CheckGemm for dwS8Tap.
func s8CheckDw(acc []int32, p, w []int8, n, c, pstride int) {
	if n <= 0 || c <= 0 {
		return
	}
	if pstride < c || len(w) < c || len(acc) < n*c || len(p) < (n-1)*pstride+c {
		panic("tflite: dwS8Tap: slice too short for n×c")
	}
}

// lutS8Go looks int8 values up in per-channel tables of 256 outputs:
//
//	out[i*c+j] = lut[j*256 + int(x[i*c+j])+128]
//
// for n pixels of c channels (c = 1 for one table). The tables make any
// elementwise int8 function of one input and a per-channel constant exact
// (PRELU with a constant alpha, LOGISTIC, ...).
func lutS8Go(out, x, lut []int8, n, c int) {
	x = x[:n*c]
	out = out[:n*c]
	for i := 0; i < n; i++ {
		xr, or := x[i*c:i*c+c], out[i*c:i*c+c]
		for j, v := range xr {
			or[j] = lut[j<<8|int(uint8(v)^0x80)]
		}
	}
}

// gemmS8RequantGo is gemmS8 followed by requantFP32 on each row: the int8
// outputs
//
//	out[r*ldo+j] = requantFP32(Σ_kk a[r*lda+kk]·w[j][kk], bias[j], scale[j], zp, lo, hi)
//
// for r < rows, j < p.n. acc (rows·p.n int32) is scratch for the paths
// that do not requantize in registers.
func gemmS8RequantGo(a []int8, lda, rows int, p *s8Panels, bias []int32, scale []float32, zp, lo, hi int32, out []int8, ldo int, acc []int32) {
	n := p.n
	gemmS8Go(a, lda, rows, p, acc, n)
	for r := 0; r < rows; r++ {
		requantFP32Go(acc[r*n:r*n+n], bias, scale, zp, lo, hi, out[r*ldo:r*ldo+n])
	}
}

// gemmS8RequantSplit is gemmS8Requant through acc with the dispatched
// kernels, for paths without a fused kernel.
func gemmS8RequantSplit(a []int8, lda, rows int, p *s8Panels, bias []int32, scale []float32, zp, lo, hi int32, out []int8, ldo int, acc []int32) {
	n := p.n
	gemmS8(a, lda, rows, p, acc, n)
	for r := 0; r < rows; r++ {
		requantFP32(acc[r*n:r*n+n], bias, scale, zp, lo, hi, out[r*ldo:r*ldo+n])
	}
}
