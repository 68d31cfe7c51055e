package gallery

import "math"

// int8 templates.
//
// Every template (an L2-normalised float32 embedding v) is also kept as int8
// codes c with one scale s per template: s = max|v_i|/127 (as a float32),
// c_i = round(v_i/s) clamped to [-127, 127], so v = s·c + r with a residual r
// whose norm ‖r‖ is stored (rounded up) next to the codes. The query is
// quantised the same way per search. Codes are stored with a row stride that
// is a multiple of 64 bytes, zero padded, so the SIMD kernels need no tail
// code; padding contributes nothing to a dot product.
//
// Keeping the codes within ±127 (never -128) is what lets the NEON kernel
// add two int8×int8 products in an int16 lane without overflow
// (2·127² = 32258 < 32767) and the VNNI kernel bias the query to unsigned
// bytes (p+128 in [1, 255]).

// maxDim8 is the largest dimension searched with int8 templates; larger
// indexes use the float search (the per-search query buffers live on the
// stack, sized for it).
const maxDim8 = 512

// stride8 returns the int8 row length for dimension dim: dim rounded up to a
// multiple of 64.
func stride8(dim int) int { return (dim + 63) &^ 63 }

// qmeta is what the int8 scan needs per template slot besides the codes.
type qmeta struct {
	// scale is s, the value of code 1.
	scale float32
	// rnorm is ‖v - s·c‖₂ rounded up: the Cauchy–Schwarz bound of the
	// template's quantisation error.
	rnorm float32
	// sum is Σc_i, used by the VNNI kernel to remove the query bias.
	sum int32
}

// quantize appends v's int8 codes (stride values, zero padded) to codes and
// returns the slot's metadata.
func quantize(codes []int8, v []float32, stride int) ([]int8, qmeta) {
	var mx float32
	for _, x := range v {
		mx = max(mx, float32(math.Abs(float64(x))))
	}
	m := qmeta{scale: mx / 127}
	if m.scale == 0 || math.IsInf(float64(m.scale), 0) || math.IsNaN(float64(m.scale)) {
		// Unreachable for normalised templates; codes stay zero and the
		// whole vector is residual, which keeps the bound valid.
		m.scale = 1
	}
	s := float64(m.scale)
	var rr float64
	for _, x := range v {
		c := math.RoundToEven(float64(x) / s)
		c = max(-127, min(127, c))
		codes = append(codes, int8(c))
		m.sum += int32(c)
		// Exact in float64: s has 24 significant bits and c 8, and the
		// difference of two values this close needs fewer than 53.
		r := float64(x) - s*c
		rr += r * r
	}
	for range stride - len(v) {
		codes = append(codes, 0)
	}
	m.rnorm = roundUp32(math.Sqrt(rr) * (1 + 1e-12))
	return codes, m
}

// roundUp32 returns the smallest float32 not below x (x ≥ 0, finite).
func roundUp32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// query8 is a search query in the forms the int8 kernels read. It lives on
// the searcher's stack.
type query8 struct {
	// p are the query's codes (zero padded to stride).
	p [maxDim8]int8
	// u is p+128 as unsigned bytes (VNNI multiplies unsigned by signed).
	u [maxDim8]uint8
	// w is p widened to int16 (AVX2 VPMADDWD).
	w [maxDim8]int16
	// stride is the row length of p, u, w and of the template codes.
	stride int
	// scale is the query's code scale s_q.
	scale float64
	// pnorm is ‖s_q·p‖₂, rnorm is ‖q - s_q·p‖₂ and norm is ‖q‖₂, all
	// rounded up.
	pnorm, rnorm, norm float64
}

// set quantises q (len(q) ≤ maxDim8, finite, not all zero) into k.
func (k *query8) set(q []float32, stride int) {
	var mx float64
	var qq float64
	for _, x := range q {
		mx = max(mx, math.Abs(float64(x)))
		qq += float64(x) * float64(x)
	}
	k.stride = stride
	k.scale = mx / 127
	var pp, rr float64
	for i, x := range q {
		c := max(-127, min(127, math.RoundToEven(float64(x)/k.scale)))
		k.p[i] = int8(c)
		sc := k.scale * c
		pp += sc * sc
		r := float64(x) - sc
		rr += r * r
	}
	for i := len(q); i < stride; i++ {
		k.p[i] = 0
	}
	for i := range stride {
		k.u[i] = uint8(int16(k.p[i]) + 128)
		k.w[i] = int16(k.p[i])
	}
	const up = 1 + 1e-12 // float64 rounding of the sums
	k.pnorm = math.Sqrt(pp) * up
	k.rnorm = math.Sqrt(rr) * up
	k.norm = math.Sqrt(qq) * up
}

// dots8Go is the portable definition of every int8 kernel: out[i] is the dot
// product of the query codes and template i, the stride codes at
// t[i*stride:]. The SIMD kernels return exactly the same integers.
func dots8Go(k *query8, t []int8, meta []qmeta, out []int32) {
	_ = meta
	stride := k.stride
	for i := range out {
		// The loop tests both lengths, so the compiler proves every
		// index in range (no bounds checks in the body).
		a, b := k.p[:stride], t[i*stride:i*stride+stride]
		var s0, s1, s2, s3 int32
		for len(a) >= 8 && len(b) >= 8 {
			s0 += int32(a[0])*int32(b[0]) + int32(a[4])*int32(b[4])
			s1 += int32(a[1])*int32(b[1]) + int32(a[5])*int32(b[5])
			s2 += int32(a[2])*int32(b[2]) + int32(a[6])*int32(b[6])
			s3 += int32(a[3])*int32(b[3]) + int32(a[7])*int32(b[7])
			a, b = a[8:], b[8:]
		}
		out[i] = (s0 + s1) + (s2 + s3)
	}
}

// kernel8 names an int8 kernel. Each computes out[i] (i < len(out)) as
// dots8Go does; t holds at least len(out)*k.stride codes and meta the slots'
// metadata (len(out) values). Searches call kernels through a switch, not a
// func value, so that escape analysis keeps their stack buffers on the stack.
type kernel8 uint8

// The int8 kernels; which ones exist depends on the architecture.
const (
	kernGo kernel8 = iota
	kernAVX2
	kernVNNI
	kernNEON
	kernSDOT
	kernAVXVNNI
)

// String names the kernel for test and benchmark output.
func (kn kernel8) String() string {
	return [...]string{"go", "avx2", "avx512vnni", "neon", "sdot", "avxvnni"}[kn]
}
