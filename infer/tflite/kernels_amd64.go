//go:build !purego

package tflite

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run kernels_amd64_gen.go

// gemmMaxRows is the most rows one gemmKernel call computes: the AVX-512
// microkernel keeps one 16-float accumulator per row in 12 of the 32 zmm
// registers (12 rows × 16 columns: 12 multiplies and 12 adds per 13 loads
// keep Zen 4's separate multiply and add pipes busy). The AVX2 kernel
// does at most 6 rows (two ymm per row); gemmKernel calls it twice.
const gemmMaxRows = 12

// Kernel paths, chosen once from the CPU's features; tests switch them
// with setKernelPath to compare every path with the Go definitions.
const (
	pathGo = iota
	pathAVX2
	pathAVX512
)

var kernelPath = bestKernelPath()

func bestKernelPath() int {
	switch {
	case cpu.X86.HasAVX512F:
		return pathAVX512
	case cpu.X86.HasAVX2:
		return pathAVX2
	}
	return pathGo
}

// availablePaths lists the kernel paths this CPU can run.
func availablePaths() []int {
	paths := []int{pathGo}
	if cpu.X86.HasAVX2 {
		paths = append(paths, pathAVX2)
	}
	if cpu.X86.HasAVX512F {
		paths = append(paths, pathAVX512)
	}
	return paths
}

// The assembly kernels (kernels_amd64.s, generated) take raw pointers; the
// wrappers below check every slice bound first, so the assembly never
// reads or writes outside the slices it is given.

//go:noescape
func gemmAVX512(k int, a *float32, lda int, b, bias, c *float32, ldc, rows int, lo, hi float32)

//go:noescape
func gemmAVX2(k int, a *float32, lda int, b, bias, c *float32, ldc, rows int, lo, hi float32)

//go:noescape
func dwRowTapAVX512(o, p, w *float32, n, c, pstride int)

//go:noescape
func dwRowTapAVX2(o, p, w *float32, n, c, pstride int)

//go:noescape
func addRowAVX512(o, a, b *float32, n int, lo, hi float32)

//go:noescape
func addRowAVX2(o, a, b *float32, n int, lo, hi float32)

//go:noescape
func mulRowAVX512(o, a, b *float32, n int, lo, hi float32)

//go:noescape
func mulRowAVX2(o, a, b *float32, n int, lo, hi float32)

//go:noescape
func preluRowAVX512(o, x, alpha *float32, n int)

//go:noescape
func preluRowAVX2(o, x, alpha *float32, n int)

// gemmKernel is gemmKernelGo (kernels.go) in AVX-512 or AVX2.
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
	switch kernelPath {
	case pathAVX512:
		gemmAVX512(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), &bias[0], &c[0], ldc, rows, lo, hi)
	case pathAVX2:
		r := min(rows, 6)
		gemmAVX2(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), &bias[0], &c[0], ldc, r, lo, hi)
		if rows > 6 {
			gemmAVX2(k, unsafe.SliceData(a[6*lda:]), lda, unsafe.SliceData(b), &bias[0], &c[6*ldc], ldc, rows-6, lo, hi)
		}
	default:
		gemmKernelPortable(k, a, lda, b, bias, c, ldc, rows, lo, hi)
	}
}

// dwRowTap is dwRowTapGo (kernels.go) in AVX-512 or AVX2.
func dwRowTap(o, p, w []float32, n, c, pstride int) {
	if n <= 0 || c <= 0 {
		return
	}
	if pstride < 0 {
		panic(fmt.Sprintf("tflite: dwRowTap pstride %d", pstride))
	}
	o = o[:n*c]
	p = p[:(n-1)*pstride+c]
	w = w[:c]
	switch kernelPath {
	case pathAVX512:
		dwRowTapAVX512(&o[0], &p[0], &w[0], n, c, pstride)
	case pathAVX2:
		dwRowTapAVX2(&o[0], &p[0], &w[0], n, c, pstride)
	default:
		dwRowTapGo(o, p, w, n, c, pstride)
	}
}

// addRow is addRowGo (kernels.go) in AVX-512 or AVX2.
func addRow(o, a, b []float32, lo, hi float32) {
	n := len(o)
	if n == 0 {
		return
	}
	a, b = a[:n], b[:n]
	switch kernelPath {
	case pathAVX512:
		addRowAVX512(&o[0], &a[0], &b[0], n, lo, hi)
	case pathAVX2:
		addRowAVX2(&o[0], &a[0], &b[0], n, lo, hi)
	default:
		addRowGo(o, a, b, lo, hi)
	}
}

// mulRow is mulRowGo (kernels.go) in AVX-512 or AVX2.
func mulRow(o, a, b []float32, lo, hi float32) {
	n := len(o)
	if n == 0 {
		return
	}
	a, b = a[:n], b[:n]
	switch kernelPath {
	case pathAVX512:
		mulRowAVX512(&o[0], &a[0], &b[0], n, lo, hi)
	case pathAVX2:
		mulRowAVX2(&o[0], &a[0], &b[0], n, lo, hi)
	default:
		mulRowGo(o, a, b, lo, hi)
	}
}

// preluRow is preluRowGo (kernels.go) in AVX-512 or AVX2.
func preluRow(o, x, alpha []float32) {
	n := len(o)
	if n == 0 {
		return
	}
	x, alpha = x[:n], alpha[:n]
	switch kernelPath {
	case pathAVX512:
		preluRowAVX512(&o[0], &x[0], &alpha[0], n)
	case pathAVX2:
		preluRowAVX2(&o[0], &x[0], &alpha[0], n)
	default:
		preluRowGo(o, x, alpha)
	}
}

//go:noescape
func dwPixelsAVX512(o, p, w, bias *float32, n, c, ps, nky, kw, rs int)

//go:noescape
func dwPixelsAVX2(o, p, w, bias *float32, n, c, ps, nky, kw, rs int)

// dwPixels is dwPixelsGo (kernels.go) in AVX-512 or AVX2.
func dwPixels(o, p, w, bias []float32, n, c, ps, nky, kw, rs int) {
	if n <= 0 || c <= 0 {
		return
	}
	if nky < 1 || kw < 1 || ps < 0 || rs < 0 {
		panic(fmt.Sprintf("tflite: dwPixels nky=%d kw=%d ps=%d rs=%d", nky, kw, ps, rs))
	}
	o = o[:n*c]
	p = p[:(n-1)*ps+(nky-1)*rs+kw*c]
	w = w[:nky*kw*c]
	bias = bias[:c]
	switch kernelPath {
	case pathAVX512:
		dwPixelsAVX512(&o[0], &p[0], &w[0], &bias[0], n, c, ps, nky, kw, rs)
	case pathAVX2:
		dwPixelsAVX2(&o[0], &p[0], &w[0], &bias[0], n, c, ps, nky, kw, rs)
	default:
		dwPixelsGo(o, p, w, bias, n, c, ps, nky, kw, rs)
	}
}

//go:noescape
func preluRowsAVX512(o, x, alpha *float32, rows, c int)

//go:noescape
func preluRowsAVX2(o, x, alpha *float32, rows, c int)

// preluRows is preluRowsGo (kernels.go) in AVX-512 or AVX2.
func preluRows(o, x, alpha []float32, rows, c int) {
	if rows <= 0 || c <= 0 {
		return
	}
	o, x, alpha = o[:rows*c], x[:rows*c], alpha[:c]
	switch kernelPath {
	case pathAVX512:
		preluRowsAVX512(&o[0], &x[0], &alpha[0], rows, c)
	case pathAVX2:
		preluRowsAVX2(&o[0], &x[0], &alpha[0], rows, c)
	default:
		preluRowsGo(o, x, alpha, rows, c)
	}
}

//go:noescape
func maxRowAVX512(o, a, b *float32, n int)

//go:noescape
func maxRowAVX2(o, a, b *float32, n int)

// maxRow is maxRowGo (kernels.go) in AVX-512 or AVX2.
func maxRow(o, a, b []float32) {
	n := len(o)
	if n == 0 {
		return
	}
	a, b = a[:n], b[:n]
	switch kernelPath {
	case pathAVX512:
		maxRowAVX512(&o[0], &a[0], &b[0], n)
	case pathAVX2:
		maxRowAVX2(&o[0], &a[0], &b[0], n)
	default:
		maxRowGo(o, a, b)
	}
}

//go:noescape
func gemm2AVX512(k int, a *float32, lda int, b0, b1, bias0, bias1, c *float32, ldc, rows int, lo, hi float32)

// gemmKernel2 computes two adjacent panels: gemmKernel with (b0, bias0)
// into c[:gemmNR] and with (b1, bias1) into c[gemmNR:2*gemmNR] of every
// row. With AVX-512 one call shares each broadcast of A between the two
// panels (fewer loads per multiply-add); the results are those of the two
// gemmKernel calls.
func gemmKernel2(k int, a []float32, lda int, b0, b1, bias0, bias1, c []float32, ldc, rows int, lo, hi float32) {
	if kernelPath != pathAVX512 {
		gemmKernel(k, a, lda, b0, bias0, c, ldc, rows, lo, hi)
		gemmKernel(k, a, lda, b1, bias1, c[gemmNR:], ldc, rows, lo, hi)
		return
	}
	if rows < 1 || rows > gemmMaxRows || k < 0 || lda < 0 || ldc < 0 {
		panic(fmt.Sprintf("tflite: gemmKernel2 rows=%d k=%d lda=%d ldc=%d", rows, k, lda, ldc))
	}
	if k > 0 {
		a = a[:(rows-1)*lda+k]
	}
	b0, b1 = b0[:k*gemmNR], b1[:k*gemmNR]
	bias0, bias1 = bias0[:gemmNR], bias1[:gemmNR]
	c = c[:(rows-1)*ldc+2*gemmNR]
	gemm2AVX512(k, unsafe.SliceData(a), lda, unsafe.SliceData(b0), unsafe.SliceData(b1), &bias0[0], &bias1[0], &c[0], ldc, rows, lo, hi)
}
