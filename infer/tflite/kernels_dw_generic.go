//go:build purego || !amd64

package tflite

// dwPixels runs the portable definition (kernels.go) where no SIMD version
// exists. It has its own file so that an architecture adding SIMD kernels
// for the others (kernels_generic.go's build line) keeps this one until it
// has its own.
func dwPixels(o, p, w, bias []float32, n, c, ps, nky, kw, rs int) {
	dwPixelsGo(o, p, w, bias, n, c, ps, nky, kw, rs)
}
