//go:build !purego

package tflite

import (
	"fmt"
	"unsafe"
)

// gemmMaxRows is the most rows one gemmKernel call computes. The NEON
// microkernel (kernels_arm64.s) works on blocks of 4 rows × 16 columns:
// 16 accumulators, 4 weight vectors, 4 broadcast inputs and 4 products
// fill the 32 vector registers, since a non-fused multiply-add needs a
// register for each product. A call runs two blocks, then any remaining
// rows one at a time.
const gemmMaxRows = 8

// Kernel paths; NEON (Advanced SIMD) is part of every ARMv8-A CPU Go runs
// on, so it is always the default. Tests switch paths by setting
// kernelPath to compare each with the Go definitions.
const (
	pathGo = iota
	pathNEON
)

var kernelPath = pathNEON

// availablePaths lists the kernel paths this CPU can run.
func availablePaths() []int { return []int{pathGo, pathNEON} }

// The assembly kernels (kernels_arm64.s) take raw pointers; the wrappers
// below check every slice bound first, so the assembly never reads or
// writes outside the slices it is given.

//go:noescape
func gemmNEON(k int, a *float32, lda int, b, bias, c *float32, ldc, rows int, lo, hi float32)

//go:noescape
func dwRowTapNEON(o, p, w *float32, n, c, pstride int)

//go:noescape
func addRowNEON(o, a, b *float32, n int, lo, hi float32)

//go:noescape
func mulRowNEON(o, a, b *float32, n int, lo, hi float32)

//go:noescape
func preluRowsNEON(o, x, alpha *float32, rows, c int)

//go:noescape
func maxRowNEON(o, a, b *float32, n int)

//go:noescape
func dwPixelsNEON(o, p, w, bias *float32, n, c, ps, nky, kw, rs int)

// gemmKernel is gemmKernelGo (kernels.go) in NEON.
func gemmKernel(k int, a []float32, lda int, b, bias, c []float32, ldc, rows int, lo, hi float32) {
	if rows < 1 || rows > gemmMaxRows || k < 0 || lda < 0 || ldc < 0 {
		panic(fmt.Sprintf("tflite: gemmKernel rows=%d k=%d lda=%d ldc=%d", rows, k, lda, ldc))
	}
	// The extents the kernel touches; each slice expression panics if a
	// slice is too short.
	if k > 0 {
		a = a[:(rows-1)*lda+k]
	}
	b = b[:k*gemmNR]
	bias = bias[:gemmNR]
	c = c[:(rows-1)*ldc+gemmNR]
	if kernelPath == pathGo {
		gemmKernelPortable(k, a, lda, b, bias, c, ldc, rows, lo, hi)
		return
	}
	gemmNEON(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), &bias[0], &c[0], ldc, rows, lo, hi)
}

// dwRowTap is dwRowTapGo (kernels.go) in NEON.
func dwRowTap(o, p, w []float32, n, c, pstride int) {
	if n <= 0 || c <= 0 {
		return
	}
	if pstride < 0 || n > 1 && pstride > len(p) {
		panic(fmt.Sprintf("tflite: dwRowTap pstride %d (len(p) %d)", pstride, len(p)))
	}
	o = o[:n*c]
	p = p[:(n-1)*pstride+c]
	w = w[:c]
	if kernelPath == pathGo {
		dwRowTapGo(o, p, w, n, c, pstride)
		return
	}
	dwRowTapNEON(&o[0], &p[0], &w[0], n, c, pstride)
}

// addRow is addRowGo (kernels.go) in NEON.
func addRow(o, a, b []float32, lo, hi float32) {
	n := len(o)
	if n == 0 {
		return
	}
	a, b = a[:n], b[:n]
	if kernelPath == pathGo {
		addRowGo(o, a, b, lo, hi)
		return
	}
	addRowNEON(&o[0], &a[0], &b[0], n, lo, hi)
}

// mulRow is mulRowGo (kernels.go) in NEON.
func mulRow(o, a, b []float32, lo, hi float32) {
	n := len(o)
	if n == 0 {
		return
	}
	a, b = a[:n], b[:n]
	if kernelPath == pathGo {
		mulRowGo(o, a, b, lo, hi)
		return
	}
	mulRowNEON(&o[0], &a[0], &b[0], n, lo, hi)
}

// preluRow is preluRowGo (kernels.go) in NEON.
func preluRow(o, x, alpha []float32) {
	n := len(o)
	if n == 0 {
		return
	}
	x, alpha = x[:n], alpha[:n]
	if kernelPath == pathGo {
		preluRowGo(o, x, alpha)
		return
	}
	preluRowsNEON(&o[0], &x[0], &alpha[0], 1, n)
}

// preluRows is preluRowsGo (kernels.go) in NEON.
func preluRows(o, x, alpha []float32, rows, c int) {
	if rows <= 0 || c <= 0 {
		return
	}
	if rows > len(o) {
		panic(fmt.Sprintf("tflite: preluRows rows=%d, len(o) %d", rows, len(o)))
	}
	o, x, alpha = o[:rows*c], x[:rows*c], alpha[:c]
	if kernelPath == pathGo {
		preluRowsGo(o, x, alpha, rows, c)
		return
	}
	preluRowsNEON(&o[0], &x[0], &alpha[0], rows, c)
}

// dwPixels is dwPixelsGo (kernels.go) in NEON.
func dwPixels(o, p, w, bias []float32, n, c, ps, nky, kw, rs int) {
	if n <= 0 || c <= 0 {
		return
	}
	if nky < 1 || kw < 1 || ps < 0 || rs < 0 || n > len(o) || nky > len(w) || kw > len(w) ||
		n > 1 && ps > len(p) || nky > 1 && rs > len(p) {
		panic(fmt.Sprintf("tflite: dwPixels n=%d nky=%d kw=%d ps=%d rs=%d", n, nky, kw, ps, rs))
	}
	// The extents the kernel touches; each slice expression panics if a
	// slice is too short. The checks above keep the products from
	// overflowing.
	bias = bias[:c]
	o = o[:n*c]
	w = w[:nky*kw*c]
	p = p[:(n-1)*ps+(nky-1)*rs+kw*c]
	if kernelPath == pathGo {
		dwPixelsGo(o, p, w, bias, n, c, ps, nky, kw, rs)
		return
	}
	dwPixelsNEON(&o[0], &p[0], &w[0], &bias[0], n, c, ps, nky, kw, rs)
}

// maxRow is maxRowGo (kernels.go) in NEON.
func maxRow(o, a, b []float32) {
	n := len(o)
	if n == 0 {
		return
	}
	a, b = a[:n], b[:n]
	if kernelPath == pathGo {
		maxRowGo(o, a, b)
		return
	}
	maxRowNEON(&o[0], &a[0], &b[0], n)
}
