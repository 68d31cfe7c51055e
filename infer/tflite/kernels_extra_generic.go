//go:build purego || !(amd64 || arm64)

package tflite

// Kernels that only amd64 has in SIMD so far run their portable
// definitions (kernels.go) elsewhere. They have their own file so that an
// architecture adding SIMD versions of the others (kernels_generic.go's
// build line) keeps these until it has its own.

func dwPixels(o, p, w, bias []float32, n, c, ps, nky, kw, rs int) {
	dwPixelsGo(o, p, w, bias, n, c, ps, nky, kw, rs)
}

func preluRows(o, x, alpha []float32, rows, c int) { preluRowsGo(o, x, alpha, rows, c) }
