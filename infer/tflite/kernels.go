package tflite

// Float kernels shared by every architecture. Each function here is the
// portable Go definition of a kernel; kernels_amd64.go and kernels_arm64.go
// replace it with SIMD code (Go assembly) that gives bit-identical results,
// and kernels_generic.go uses these directly on other architectures and
// under the purego build tag (`go test -tags purego`), so CI tests the
// fallback too. dwPixels and preluRows have SIMD versions on amd64 only so
// far; kernels_extra_generic.go maps them to these definitions elsewhere.
//
// Identical results across implementations follow from a fixed order of
// operations: every output is one chain of multiply-then-add steps, each
// product rounded to float32 before the add (not fused: the explicit
// float32 conversion stops the Go compiler from fusing on arm64, and the
// SIMD code uses separate multiply and add instructions), in the order
// documented below; vectorising across output columns or channels never
// reorders a sum. Separate multiply and add cost no throughput on CPUs with
// separate add and multiply pipes (AMD Zen), and keep the portable code
// fast on armv7, where Go has no single-precision fused multiply-add.

// gemmNR is the width of a packed weight panel: the number of output
// columns one microkernel call computes.
const gemmNR = 16

// gemmKernelGo computes a block of rows×gemmNR outputs (1 ≤ rows):
//
//	acc = bias[j]
//	for kk := 0; kk < k; kk++ { acc += float32(a[r*lda+kk] * b[kk*gemmNR+j]) }
//	c[r*ldc+j] = min(max(acc, lo), hi)
//
// for r < rows and j < gemmNR. b is one packed panel (k rows of gemmNR
// floats), bias has gemmNR values. All gemmNR columns are written; a caller
// with a partial panel passes a scratch c.
func gemmKernelGo(k int, a []float32, lda int, b, bias, c []float32, ldc, rows int, lo, hi float32) {
	b = b[:k*gemmNR]
	for r := 0; r < rows; r++ {
		ar := a[r*lda : r*lda+k]
		cr := c[r*ldc : r*ldc+gemmNR]
		var acc [gemmNR]float32
		copy(acc[:], bias[:gemmNR])
		for kk, x := range ar {
			bp := b[kk*gemmNR : kk*gemmNR+gemmNR]
			for j := range acc {
				acc[j] += float32(x * bp[j])
			}
		}
		for j, v := range acc {
			cr[j] = min(max(v, lo), hi)
		}
	}
}

// dwRowTapGo adds one depthwise tap to n output pixels of c channels:
//
//	o[i*c+j] += float32(p[i*pstride+j] * w[j])
func dwRowTapGo(o, p, w []float32, n, c, pstride int) {
	w = w[:c]
	for i := 0; i < n; i++ {
		oo := o[i*c : i*c+c]
		pp := p[i*pstride : i*pstride+c]
		for j := range oo {
			oo[j] += float32(pp[j] * w[j])
		}
	}
}

// addRowGo computes o[i] = min(max(a[i]+b[i], lo), hi).
func addRowGo(o, a, b []float32, lo, hi float32) {
	a, b = a[:len(o)], b[:len(o)]
	for i := range o {
		o[i] = min(max(a[i]+b[i], lo), hi)
	}
}

// mulRowGo computes o[i] = min(max(a[i]*b[i], lo), hi).
func mulRowGo(o, a, b []float32, lo, hi float32) {
	a, b = a[:len(o)], b[:len(o)]
	for i := range o {
		o[i] = min(max(a[i]*b[i], lo), hi)
	}
}

// preluRowGo computes o[i] = x[i] if x[i] ≥ 0, else x[i]*alpha[i].
func preluRowGo(o, x, alpha []float32) {
	x, alpha = x[:len(o)], alpha[:len(o)]
	for i, v := range x {
		if v < 0 {
			v *= alpha[i]
		}
		o[i] = v
	}
}

// dwPixelsGo computes n output pixels of c channels of a depthwise
// convolution (depth multiplier 1, dilation 1 along x) whose kw taps along
// x are all inside the input, over nky kernel rows:
//
//	acc = bias[j]
//	for ky := 0; ky < nky; ky++ {
//		for kx := 0; kx < kw; kx++ {
//			acc += float32(p[i*ps+ky*rs+kx*c+j] * w[(ky*kw+kx)*c+j])
//		}
//	}
//	o[i*c+j] = acc
//
// for i < n and j < c: p is the input at the first tap of pixel 0, ps the
// input stride between output pixels, rs between kernel rows. The order is
// the per-tap order of the depthwise row code (bias, then taps by row and
// column), so both give identical sums.
func dwPixelsGo(o, p, w, bias []float32, n, c, ps, nky, kw, rs int) {
	w, bias = w[:nky*kw*c], bias[:c]
	for i := 0; i < n; i++ {
		oo := o[i*c : i*c+c]
		copy(oo, bias)
		for ky := 0; ky < nky; ky++ {
			for kx := 0; kx < kw; kx++ {
				pp := p[i*ps+ky*rs+kx*c:][:c]
				ww := w[(ky*kw+kx)*c:][:c]
				for j := range oo {
					oo[j] += float32(pp[j] * ww[j])
				}
			}
		}
	}
}

// preluRowsGo applies PRELU to rows of c values with one alpha per
// channel (alpha broadcast over the rows):
//
//	o[i*c+j] = x[i*c+j] if x[i*c+j] ≥ 0, else x[i*c+j]*alpha[j]
func preluRowsGo(o, x, alpha []float32, rows, c int) {
	alpha = alpha[:c]
	for i := 0; i < rows; i++ {
		oo, xx := o[i*c:i*c+c], x[i*c:i*c+c]
		for j, v := range xx {
			if v < 0 {
				v *= alpha[j]
			}
			oo[j] = v
		}
	}
}

// maxRowGo computes o[i] = max(a[i], b[i]) with Go's max: NaN if either is
// NaN, and +0 for max(-0, +0).
func maxRowGo(o, a, b []float32) {
	a, b = a[:len(o)], b[:len(o)]
	for i := range o {
		o[i] = max(a[i], b[i])
	}
}
