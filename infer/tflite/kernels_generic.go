//go:build purego || !(amd64 || arm64)

package tflite

// Architectures without SIMD kernels (and every architecture under the
// purego build tag) run the portable definitions in kernels.go.

// gemmMaxRows is the most rows one gemmKernel call computes.
const gemmMaxRows = 4

const pathGo = 0

var kernelPath = pathGo

// availablePaths lists the kernel paths this build can run.
func availablePaths() []int { return []int{pathGo} }

func gemmKernel(k int, a []float32, lda int, b, bias, c []float32, ldc, rows int, lo, hi float32) {
	gemmKernelPortable(k, a, lda, b, bias, c, ldc, rows, lo, hi)
}

func dwRowTap(o, p, w []float32, n, c, pstride int) { dwRowTapGo(o, p, w, n, c, pstride) }

func addRow(o, a, b []float32, lo, hi float32) { addRowGo(o, a, b, lo, hi) }

func mulRow(o, a, b []float32, lo, hi float32) { mulRowGo(o, a, b, lo, hi) }

func preluRow(o, x, alpha []float32) { preluRowGo(o, x, alpha) }
