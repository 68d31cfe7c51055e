//go:build purego || !amd64

package tflite

// gemmKernel2 computes two adjacent panels (see kernels_amd64.go) as two
// gemmKernel calls where no SIMD version of it exists.
func gemmKernel2(k int, a []float32, lda int, b0, b1, bias0, bias1, c []float32, ldc, rows int, lo, hi float32) {
	gemmKernel(k, a, lda, b0, bias0, c, ldc, rows, lo, hi)
	gemmKernel(k, a, lda, b1, bias1, c[gemmNR:], ldc, rows, lo, hi)
}
